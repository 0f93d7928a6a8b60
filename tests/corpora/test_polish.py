"""The Polish corpus of Mięsikowska & Świsulski against EmoBox's list of the real corpus, and on a fixture of real
file names, flat as the release's zip holds them, 44.1 kHz mono.

Sources: five male speakers aged 21-23, the words, the emotion letters (a anger, s fear, n neutral) and the name
scheme m1.a_nie_2.wav: the dataset description (Most Wiedzy, as nkululeko's data/polish/README.md quotes it); the same
letters in EmoBox's label map of the corpus.
"""

import pytest
from datasets import Value

from corpus_fixtures import write_audio, zip_folder
from ser_hub.corpora import prepare_corpus

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id
from .real_lists import check_against_reference, covering_subset, reference

SECONDS = 0.3
LABELS = {"a": ("anger", "anger", "high", "negative"), "n": ("neutral", "neutral", "low", "neutral"),
          "s": ("fear", "fear", "high", "negative")}
SPEAKERS = ["m1", "m2", "m3", "m4", "m5"]
# every emotion of every speaker
LISTED = [utterance for speaker in SPEAKERS for utterance in covering_subset(
    [u for u in reference("polish")["utterances"] if u["speaker"] == speaker], lambda u: u["path"])]


def expected(utterance: dict) -> dict:
    speaker_label, word, repetition = utterance["path"].removesuffix(".wav").split("_")
    speaker, code = speaker_label.split(".")
    native, emotion, arousal, valence = LABELS[code]
    return {"file": utterance["path"], "corpus": "polish", "speaker_id": speaker, "gender": "male", "language": "pl",
            "text_id": word, "repetition": int(repetition), "native_label": native, "emotion": emotion,
            "arousal": arousal, "valence": valence}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("polish")
    for index, utterance in enumerate(LISTED):
        write_audio(folder / "files" / utterance["path"], utterance["rate"], utterance["channels"], SECONDS,
                    frequency=150.0 + 7 * index)
    archive = zip_folder(folder / "files", folder / "Speech_emotions.zip")
    return prepare_corpus("polish", str(archive), cache_dir=str(tmp_path_factory.mktemp("cache")), progress=False)


def test_the_whole_real_list_parses_with_emobox_speakers_labels_keys_and_folds():
    records = check_against_reference("polish", "polish")
    assert len(records) == 450
    assert {record["text_id"] for record in records} == {"nie", "oddaj", "podaj", "stop", "tak", "trzymaj"}
    assert {record["repetition"] for record in records} == {1, 2, 3, 4, 5}


def test_schema_and_native_classes(prepared):
    features = prepared.load("speaker-independent")["train"].features
    assert list(features) == [*BASE_COLUMNS, "text_id", "repetition"]
    assert features["native_label"].names == ["anger", "neutral", "fear"]
    assert (features["text_id"], features["repetition"]) == (Value("string"), Value("int32"))


def test_every_utterance_with_its_speaker_labels_and_extras(prepared):
    rows = rows_by_id(prepared.load("speaker-independent"))
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        u["path"][:-4]: expected(u) for u in LISTED}


def test_audio_decodes_at_16_khz_mono(prepared):
    assert decoded_shape(prepared.load("speaker-independent")["test"][0]) == (16000, (1, int(16000 * SECONDS)))


def test_speaker_independent_split_is_the_reference_algorithm_on_the_five_speakers(prepared):
    dataset = prepared.load("speaker-independent")
    speakers = {name: set(split["speaker_id"]) for name, split in dataset.items()}
    assert speakers == reference_serab_split(SPEAKERS)
    assert [len(speakers[name]) for name in ("train", "validation", "test")] == [3, 1, 1]


def test_the_emobox_protocol_leaves_one_speaker_out_per_fold(prepared):
    dataset = prepared.load("emobox")
    assert {name: set(split["speaker_id"]) for name, split in dataset.items()} == {
        "fold_1": {"m3"}, "fold_2": {"m2"}, "fold_3": {"m4"}, "fold_4": {"m5"}, "fold_5": {"m1"}}
