"""Expresso on one fixture in the layout of expresso.tar, read by its two definitions: `expresso` (the read sentences,
mono, with the official lists) and `expresso_conversational` (the dialogues, stereo, one actor per channel).

Sources: the folders and file names are those of textlesslib's examples/expresso/dataset/README.md (audio_48khz/read/
<speaker>/<style>/{base,longform}/ and audio_48khz/conversational/<pair>/<style pair>/, "{channel1}-{channel2}"); the
lists' format (a comment line, then one file stem per line, or a stem, a tab and a time range for files cut between
lists) and the stems below are those of textlesslib's expresso_splits/{train,dev,test}.txt; splits/ beside audio_48khz
is where textlesslib's create_short_segments_dataset.py looks for them. EmoBox does not list Expresso. The audio is
generated: 48 kHz 24-bit, mono for read speech, stereo with a different tone per channel for dialogues.
"""

import numpy as np
import pytest
import soundfile as sf
from datasets import Value

from corpus_fixtures import tone, write_audio
from ser_hub import audio, load_corpus
from ser_hub.corpora import corpus_info, prepare_corpus
from ser_hub.corpora.source import CorpusSource
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id

RATE = 48000
SECONDS = 0.3
HEADER = ('# If only one segment is extracted, it will have the format: '
          '"{filename}\\t({startime(optional)},{endtime(optional)})"')
READ = {  # stem -> official list
    "ex01_confused_00001": "train", "ex01_confused_00349": "dev", "ex01_confused_00366": "test",
    "ex01_happy_00001": "train", "ex02_default_00001": "train", "ex02_default_emphasis_00160": "dev",
    "ex02_whisper_00001": "train", "ex03_default_essentials_00037": "test", "ex03_laughing_00001": "train",
    "ex03_laughing_00360": "test", "ex04_sad_00001": "train", "ex04_sad_00345": "dev", "ex04_enunciated_00370": "test",
}
LONGFORM = "audio_48khz/read/ex01/default/longform/ex01_default_longform_00001.wav"
DIALOGUES = {  # path -> (channel 1 tone, channel 2 tone)
    "audio_48khz/conversational/ex04-ex01/animal-animaldir/ex04-ex01_animal-animaldir_005.wav": (220.0, 440.0),
    "audio_48khz/conversational/ex03-ex02/laughing/ex03-ex02_laughing_001.wav": (250.0, 500.0),
    "audio_48khz/conversational/ex01-ex02/default/ex01-ex02_default_007.wav": (275.0, 550.0),
    "audio_48khz/conversational/ex03-ex01/sad-sympathetic/ex03-ex01_sad-sympathetic_003.wav": (300.0, 600.0),
}
SINGING = "audio_48khz/conversational/ex01-ex02/singing/ex01-ex02_singing_001.wav"
LISTS = {  # real list lines: base stems, and dialogues/longform cut at seconds
    "train": [stem for stem, part in READ.items() if part == "train"]
    + ["ex01-ex02_default_007\t(60.0s,)", "ex01_default_longform_00001\t(32.98s,)"],
    "dev": [stem for stem, part in READ.items() if part == "dev"]
    + ["ex01-ex02_default_007\t(,60.0s)", "ex01_default_longform_00001\t(,16.49s)"],
    "test": [stem for stem, part in READ.items() if part == "test"] + ["ex01_default_longform_00001\t(16.49s,32.98s)"],
}
READ_LABELS = {"confused": ("other", None, None), "default": ("neutral", "low", "neutral"),
               "enunciated": ("other", None, None), "happy": ("happiness", "high", "positive"),
               "laughing": ("happiness", "high", "positive"), "sad": ("sadness", "low", "negative"),
               "whisper": ("other", None, None)}


def read_path(stem: str) -> str:
    speaker, style = stem.split("_")[:2]
    return f"audio_48khz/read/{speaker}/{style}/base/{stem}.wav"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    folder = tmp_path_factory.mktemp("expresso") / "expresso"
    for index, stem in enumerate(READ):
        write_audio(folder / read_path(stem), RATE, 1, SECONDS, subtype="PCM_24", frequency=200.0 + 10 * index)
    write_audio(folder / LONGFORM, RATE, 1, SECONDS, subtype="PCM_24")
    for path, (left, right) in DIALOGUES.items():
        (folder / path).parent.mkdir(parents=True)
        stereo = np.concatenate([tone(0.5, RATE, 1, left), tone(0.5, RATE, 1, right) * 0.5], axis=1)
        sf.write(folder / path, stereo, RATE, subtype="PCM_24")
    write_audio(folder / SINGING, RATE, 1, SECONDS, subtype="PCM_24")
    (folder / "splits").mkdir()
    for name, lines in LISTS.items():
        (folder / "splits" / f"{name}.txt").write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    (folder / "README.txt").write_text("Expresso\n")
    return folder


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def read(root, cache):
    return prepare_corpus("expresso", str(root), cache_dir=str(cache), progress=False)


@pytest.fixture(scope="module")
def dialogues(root, tmp_path_factory):
    return prepare_corpus("expresso_conversational", str(root), cache_dir=str(tmp_path_factory.mktemp("cache")),
                          progress=False)


# -- read speech ----------------------------------------------------------------------------------------------------
def test_read_schema_and_native_classes(read):
    features = read.load("official")["train"].features
    assert list(features) == [*BASE_COLUMNS, "subset"]
    assert features["native_label"].names == list(READ_LABELS)
    assert features["subset"] == Value("string")


def test_every_read_sentence_is_one_utterance_in_its_official_list(read):
    dataset = read.load("official")
    assert list(dataset) == ["train", "validation", "test"]
    rows = rows_by_id(dataset)
    expected = {}
    for stem, part in READ.items():
        speaker, style, *rest = stem.split("_")
        emotion, arousal, valence = READ_LABELS[style]
        expected[stem] = {"file": read_path(stem), "corpus": "expresso", "speaker_id": speaker, "gender": "unknown",
                          "language": "en-US", "native_label": style, "emotion": emotion, "arousal": arousal,
                          "valence": valence, "subset": rest[0] if len(rest) == 2 else "base",
                          "duration": np.float32(SECONDS), "split": {"dev": "validation"}.get(part, part)}
    assert {uid: {key: row[key] for key in expected[uid]} for uid, row in rows.items()} == expected
    assert read.record["skipped"] == []
    assert read.record["ignored"] == sorted(["README.txt", LONGFORM, SINGING, *DIALOGUES,
                                             *(f"splits/{name}.txt" for name in LISTS)])


def test_read_audio_decodes_at_16_khz_mono(read):
    shapes = {decoded_shape(row) for split in read.load("official").values() for row in split}
    assert shapes == {(16000, (1, int(16000 * SECONDS)))}


def test_read_speaker_independent_and_loso_keep_the_four_speakers_apart(read):
    assert {split: set(data["speaker_id"]) for split, data in read.load("speaker-independent").items()} == \
        reference_serab_split(["ex01", "ex02", "ex03", "ex04"])
    assert {fold: set(data["speaker_id"]) for fold, data in read.load("loso").items()} == {
        f"fold_{index}": {speaker} for index, speaker in enumerate(["ex01", "ex02", "ex03", "ex04"])}


def test_a_base_file_missing_from_the_lists_is_an_error_naming_it(tmp_path):
    for stem in ("ex02_whisper_00001", "ex02_whisper_00002"):
        write_audio(tmp_path / read_path(stem), RATE, 1, SECONDS, subtype="PCM_24")
    (tmp_path / "splits").mkdir()
    (tmp_path / "splits" / "train.txt").write_text(f"{HEADER}\nex02_whisper_00001\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"^audio_48khz/read/ex02/whisper/base/ex02_whisper_00002\.wav: the parts "
                                          r"table \(splits/\*\.txt\) has no row for 'ex02_whisper_00002'; the "
                                          r"annotation files are incomplete or not this corpus's: use the complete "
                                          r"ones as distributed\.$"):
        corpus_info("expresso").scan(CorpusSource(tmp_path))


def test_read_speech_is_not_an_emobox_corpus(read):
    with pytest.raises(CorpusError, match=r"expresso is not one of the EmoBox benchmark's corpora"):
        read.load("emobox")


# -- dialogues ------------------------------------------------------------------------------------------------------
CHANNELS = {  # utterance id -> (channel, speaker, partner, style)
    "ex04-ex01_animal-animaldir_005_ex04": (0, "ex04", "ex01", "animal"),
    "ex04-ex01_animal-animaldir_005_ex01": (1, "ex01", "ex04", "animal directed"),
    "ex03-ex02_laughing_001_ex03": (0, "ex03", "ex02", "laughing"),
    "ex03-ex02_laughing_001_ex02": (1, "ex02", "ex03", "laughing"),
    "ex01-ex02_default_007_ex01": (0, "ex01", "ex02", "default"),
    "ex01-ex02_default_007_ex02": (1, "ex02", "ex01", "default"),
    "ex03-ex01_sad-sympathetic_003_ex03": (0, "ex03", "ex01", "sad"),
    "ex03-ex01_sad-sympathetic_003_ex01": (1, "ex01", "ex03", "sympathetic"),
}
DIALOGUE_LABELS = {"animal": ("other", None, None), "animal directed": ("other", None, None),
                   "laughing": ("happiness", "high", "positive"), "default": ("neutral", "low", "neutral"),
                   "sad": ("sadness", "low", "negative"), "sympathetic": ("other", None, None)}


def dialogue_of(utterance_id: str) -> str:
    return next(path for path in DIALOGUES if f"/{utterance_id.rsplit('_', 1)[0]}.wav" in path)


def test_dialogue_schema(dialogues):
    features = dialogues.load("speaker-independent")["train"].features
    assert list(features) == [*BASE_COLUMNS, "dialogue", "partner", "channel"]
    assert features["channel"] == Value("int32")


def test_every_channel_is_one_utterance_of_its_actor_in_their_style(dialogues):
    rows = rows_by_id(dialogues.load("speaker-independent"))
    expected = {}
    for uid, (channel, speaker, partner, style) in CHANNELS.items():
        emotion, arousal, valence = DIALOGUE_LABELS[style]
        path = dialogue_of(uid)
        expected[uid] = {"file": path, "corpus": "expresso_conversational", "speaker_id": speaker, "gender": "unknown",
                         "language": "en-US", "native_label": style, "emotion": emotion, "arousal": arousal,
                         "valence": valence, "dialogue": path.rsplit("/", 1)[1][:-4], "partner": partner,
                         "channel": channel, "duration": np.float32(0.5)}
    assert {uid: {key: row[key] for key in expected[uid]} for uid, row in rows.items()} == expected
    assert dialogues.record["skipped"] == []
    assert SINGING in dialogues.record["ignored"] and LONGFORM in dialogues.record["ignored"]


def test_each_record_holds_its_own_channel_not_a_down_mix(dialogues, root):
    examples = {e["utterance_id"]: e for split in dialogues.load("speaker-independent").values() for e in split}
    for uid, (channel, *_) in CHANNELS.items():
        path = dialogue_of(uid)
        samples, rate = audio.decode((root / path).read_bytes(), path)
        expected = audio.quantize(audio.resample(samples[channel], rate, 16000), 24) / np.float32(2**23)
        decoded = examples[uid]["audio"].get_all_samples()
        assert decoded.sample_rate == 16000
        assert np.array_equal(decoded.data.numpy()[0], expected), uid


def test_dialogue_speaker_independent_split_keeps_each_actor_in_one_split(dialogues):
    assert {split: set(data["speaker_id"]) for split, data in dialogues.load("speaker-independent").items()} == \
        reference_serab_split(["ex01", "ex02", "ex03", "ex04"])


def test_dialogues_have_no_official_partition(dialogues):
    with pytest.raises(CorpusError, match=r"expresso_conversational defines no official partition"):
        dialogues.load("official")


def test_load_corpus_reads_each_part_of_one_copy_without_a_warning(read, dialogues, root, cache, recwarn):
    dataset = load_corpus("expresso", str(root), "official", cache_dir=str(cache), progress=False)
    assert {name: len(split) for name, split in dataset.items()} == {"train": 6, "validation": 3, "test": 4}
    assert [str(warning.message) for warning in recwarn] == []
