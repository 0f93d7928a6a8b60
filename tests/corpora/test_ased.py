"""ASED against EmoBox's list of the real corpus, and on a fixture of real file names in the emotion folders of the
authors' GitHub repository (wgwangang/ASED_V1), 16 kHz mono.

Sources: the repository README (xn-yy-aa-gg-bb: emotion letter and folder number, sentence, repetition, gender 01
female / 02 male, speaker; 65 participants, 25 female and 40 male; five emotions n, f, h, s, a).
"""

from collections import Counter, defaultdict

import numpy as np
import pytest
from datasets import Value

import ser_hub
from corpus_fixtures import write_audio

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id
from .real_lists import check_against_reference, covering_subset, reference

SECONDS = 0.2
FOLDERS = {"n": "01Neutral", "f": "02Fearful", "h": "03Happy", "s": "04Sad", "S": "04Sad", "a": "05Angry"}
LABELS = {  # code -> native label, unified emotion, arousal, valence
    "n": ("neutral", "neutral", "low", "neutral"), "f": ("fearful", "fear", "high", "negative"),
    "h": ("happy", "happiness", "high", "positive"), "s": ("sad", "sadness", "low", "negative"),
    "S": ("sad", "sadness", "low", "negative"), "a": ("angry", "anger", "high", "negative"),
}
# every folder and label code, plus s4-01-02-02-09, the file of female speaker 09 that carries the male code 02
LISTED = covering_subset(reference("ased")["utterances"], lambda u: u["path"]) + [
    u for u in reference("ased")["utterances"] if u["path"] == "04Sad/s4-01-02-02-09.wav"]
# the fixture's speakers, each by the gender code of most of their files in the real list
GENDERS = {"09": "female", "29": "female", "33": "female", "41": "male", "55": "male", "58": "female"}


def expected(utterance: dict) -> dict:
    stem = utterance["path"].split("/")[1].removesuffix(".wav")
    code_and_folder, sentence, repetition, _, speaker = stem.split("-")
    native, emotion, arousal, valence = LABELS[code_and_folder[0]]
    return {"file": utterance["path"], "corpus": "ased", "utterance_id": stem, "speaker_id": speaker,
            "gender": GENDERS[speaker], "language": "am", "native_label": native, "emotion": emotion,
            "arousal": arousal, "valence": valence, "sentence": sentence, "repetition": int(repetition)}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("ased") / "ASED_V1"
    for index, utterance in enumerate(LISTED):
        write_audio(root / utterance["path"], utterance["rate"], utterance["channels"], SECONDS,
                    frequency=150.0 + 7 * index)
    (root / "README.md").write_text("# Amharic_Dataset_V1\n")
    return str(root)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def ased(corpus, cache):
    return ser_hub.load_corpus("ased", corpus, cache_dir=cache)


def test_the_whole_real_list_parses_with_emobox_speakers_labels_keys_and_split():
    records = check_against_reference("ased", "ased")
    assert len(records) == 2474
    listed = reference("ased")["utterances"]
    assert Counter((u["rate"], u["channels"]) for u in listed) == {(16000, 1): 2474}
    assert {u["path"].split("/")[0] for u in listed} == set(FOLDERS.values())
    assert [r["native_label"] for r in records if r["file"] == "04Sad/S4-04-02-01-29.wav"] == ["sad"]


def test_each_speaker_has_the_gender_code_of_most_of_their_files():
    records = check_against_reference("ased", "ased")
    codes = defaultdict(Counter)
    for record in records:
        codes[record["speaker_id"]][record["file"].removesuffix(".wav").split("-")[3]] += 1
    majority = {speaker: {"01": "female", "02": "male"}[counts.most_common(1)[0][0]] for speaker, counts in codes.items()}
    assert {record["speaker_id"]: record["gender"] for record in records} == majority
    assert Counter(majority.values()) == {"female": 25, "male": 40}  # the README's 65 participants
    assert sorted(r["file"] for r in records if r["gender"] != {"01": "female", "02": "male"}[r["file"].split("-")[3]]) == [
        "02Fearful/f2-01-01-02-15.wav", "02Fearful/f2-02-01-02-25.wav", "02Fearful/f2-07-02-02-21.wav",
        "04Sad/s4-01-02-02-09.wav", "04Sad/s4-04-01-02-23.wav"]


def test_schema_and_native_classes(ased):
    features = ased["train"].features
    assert list(features) == [*BASE_COLUMNS, "sentence", "repetition"]
    assert features["native_label"].names == ["neutral", "fearful", "happy", "sad", "angry"]
    assert (features["sentence"], features["repetition"]) == (Value("string"), Value("int32"))


def test_every_utterance_with_its_speaker_gender_labels_and_extras(ased):
    rows = rows_by_id(ased)
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        expected(u)["utterance_id"]: expected(u) for u in LISTED}
    assert {row["duration"] for row in rows.values()} == {np.float32(SECONDS)}


def test_audio_decodes_at_16_khz_mono(ased):
    assert {decoded_shape(row) for split in ased.values() for row in split} == {(16000, (1, int(16000 * SECONDS)))}


def test_the_speaker_independent_split_is_the_reference_algorithm_on_speakers(ased):
    speakers = {split: set(data["speaker_id"]) for split, data in ased.items()}
    assert speakers == reference_serab_split(GENDERS)
    assert [len(speakers[split]) for split in ("train", "validation", "test")] == [3, 1, 2]


def test_the_emobox_protocol_gives_emobox_train_and_test(corpus, cache):
    fold = reference("ased")["folds"]["fold_1"]
    dataset = ser_hub.load_corpus("ased", corpus, "emobox", cache_dir=cache)
    assert {name: sorted(split["utterance_id"]) for name, split in dataset.items()} == {
        name: sorted(expected(u)["utterance_id"] for u in LISTED if u["key"] in fold[name]) for name in ("train", "test")}
