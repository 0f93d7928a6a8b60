"""SUBESCO on a fixture of its flat folder of 'G_NN_NAME_S_k_EMOTION_t.wav' files, at 48 and 44.1 kHz."""

from pathlib import Path

import datasets
import pytest

import ser_hub
from corpus_fixtures import write_audio
from ser_hub.corpora import read_build_record

from . import reference_serab_split, rows_by_id

SECONDS = 0.2
EMOTIONS = {"ANGRY": "anger", "DISGUST": "disgust", "FEAR": "fear", "HAPPY": "happiness", "NEUTRAL": "neutral",
            "SAD": "sadness", "SURPRISE": "surprise"}
AROUSAL_VALENCE = {"anger": ("high", "negative"), "disgust": ("low", "negative"), "fear": ("high", "negative"),
                   "happiness": ("high", "positive"), "neutral": ("low", "neutral"), "sadness": ("low", "negative"),
                   "surprise": ("high", "neutral")}
# (speaker, sentence, emotion, take, sampling rate); F_02_MONIKA_S_1_NEUTRAL_5 is the README's own example
TAKES = [("F_01_OISHI", "1", "ANGRY", "1", 48000), ("F_01_OISHI", "10", "SAD", "3", 48000),
         ("F_02_MONIKA", "1", "NEUTRAL", "5", 48000), ("F_02_MONIKA", "4", "HAPPY", "2", 44100),
         ("F_03_MITU", "2", "FEAR", "4", 48000), ("F_03_MITU", "7", "SURPRISE", "1", 48000),
         ("F_04_NIPA", "5", "DISGUST", "2", 48000), ("M_01_RAKIB", "3", "ANGRY", "5", 48000),
         ("M_01_RAKIB", "9", "DISGUST", "1", 44100), ("M_02_SAKIB", "6", "HAPPY", "3", 48000),
         ("M_03_TANVIR", "8", "NEUTRAL", "2", 48000), ("M_03_TANVIR", "2", "SURPRISE", "4", 48000),
         ("M_04_JOY", "10", "FEAR", "5", 48000), ("M_05_ARIF", "4", "SAD", "1", 48000)]
UTTERANCES = {
    f"{speaker}_S_{sentence}_{emotion}_{take}": {
        "file": f"{speaker}_S_{sentence}_{emotion}_{take}.wav", "speaker_id": speaker.split("_")[2],
        "gender": {"F": "female", "M": "male"}[speaker[0]], "native_label": EMOTIONS[emotion],
        "emotion": EMOTIONS[emotion], "arousal": AROUSAL_VALENCE[EMOTIONS[emotion]][0],
        "valence": AROUSAL_VALENCE[EMOTIONS[emotion]][1], "text_id": sentence, "take": take, "language": "bn",
        "corpus": "subesco",
    }
    for speaker, sentence, emotion, take, _ in TAKES
}


def build(parent: Path) -> Path:
    """The fixture corpus folder under ``parent``."""
    data_dir = parent
    for index, (speaker, sentence, emotion, take, rate) in enumerate(TAKES):
        write_audio(data_dir / "SUBESCO" / f"{speaker}_S_{sentence}_{emotion}_{take}.wav", rate, seconds=SECONDS,
                    frequency=150.0 + 7 * index)
    return data_dir


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build(tmp_path_factory.mktemp("subesco"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("subesco-cache"))


@pytest.fixture(scope="module")
def subesco(corpus, cache):
    return ser_hub.load_corpus("subesco", corpus, cache_dir=cache)



def test_schema(subesco):
    features = subesco["train"].features
    assert features["native_label"].names == ["anger", "disgust", "fear", "happiness", "neutral", "sadness",
                                              "surprise"]
    assert features["audio"] == datasets.Audio(sampling_rate=16000, num_channels=1)
    assert features["text_id"] == features["take"] == datasets.Value("string")
    assert list(features)[-3:] == ["duration", "text_id", "take"]


def test_every_utterance_with_its_labels_speaker_and_extras(subesco):
    rows = rows_by_id(subesco)
    assert {uid: {key: row[key] for key in UTTERANCES[uid]} for uid, row in rows.items()} == UTTERANCES
    assert all(row["duration"] == pytest.approx(SECONDS, abs=1e-4) for row in rows.values())


@pytest.mark.parametrize("protocol", ["speaker-independent", "serab"])
def test_splits_follow_the_serab_algorithm_on_the_speaker_name(corpus, cache, protocol):
    dataset = ser_hub.load_corpus("subesco", corpus, protocol, cache_dir=cache)
    speakers = {name: set(split["speaker_id"]) for name, split in dataset.items()}
    assert speakers == reference_serab_split(u["speaker_id"] for u in UTTERANCES.values())
    assert not (speakers["train"] & speakers["validation"] or speakers["train"] & speakers["test"]
                or speakers["validation"] & speakers["test"])


def test_files_at_either_rate_decode_at_16k_mono(subesco):
    rates = {f"{speaker}_S_{sentence}_{emotion}_{take}": rate for speaker, sentence, emotion, take, rate in TAKES}
    seen = set()
    for split in subesco.values():
        for row in split:
            decoded = row["audio"].get_all_samples()
            assert decoded.sample_rate == 16000 and tuple(decoded.data.shape) == (1, int(16000 * SECONDS))
            seen.add(rates[row["utterance_id"]])
    assert seen == {44100, 48000}


def test_build_record_finds_the_top_folder(subesco):
    record = read_build_record(subesco)
    assert record["root"] == "SUBESCO/" and record["skipped"] == [] and record["ignored"] == []
