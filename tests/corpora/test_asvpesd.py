"""ASVP-ESD against EmoBox's list of the real corpus, and on a fixture of real file names in its folders
(Audio/actor_NN/, Bonus/actor_NN/), 16 kHz mono.

Sources: the Zenodo record (version 2, 5573185: speech and non-speech sounds from movies, TV, YouTube and sound
websites, babies' voices besides; "odd folder number for female", the description cut there) and EmoBox's asvpesd.py
(the fields of the names: modality 03, vocal channel 01 speech / 02 non-speech, emotion, intensity, statement, actor,
age, source, language; male for an even actor number; its label map for the 14 emotion codes).

EmoBox's list cannot go through `check_against_reference` as it stands: it names one file twice, once under a garbled
path ('9.0 downloads/asvpesd/Bonus/actor_150/...') with a garbled key and speaker ('1 150'), and it gives the five files
whose names hold a space no speaker. The first test checks the same things with those two facts made explicit.
"""

from collections import Counter

import numpy as np
import pytest
from datasets import Value

import ser_hub
from corpus_fixtures import write_audio
from ser_hub.corpora import corpus_info, emobox

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id
from .real_lists import ListedCorpus, consistent, covering_subset, reference

SECONDS = 0.2
LABELS = {  # code -> native label, unified emotion, arousal, valence
    "01": ("boredom", "other", "low", "neutral"), "02": ("neutral", "neutral", "low", "neutral"),
    "03": ("happy", "happiness", "high", "positive"), "04": ("sad", "sadness", "low", "negative"),
    "05": ("angry", "anger", "high", "negative"), "06": ("fear", "fear", "high", "negative"),
    "07": ("disgust", "disgust", "low", "negative"), "08": ("surprise", "surprise", "high", "neutral"),
    "09": ("excited", "happiness", "high", "positive"), "10": ("pleasure", "other", "high", "positive"),
    "11": ("pain", "other", None, None), "12": ("disappointment", "other", "low", "negative"),
    "13": ("breath", "other", None, None), "17": ("unknown", "other", None, None),
}
GARBLED = {"key": "asvpesd-03-02-04-01-52-150-04-01-00-14", "speaker": "1 150", "duration": 9.0, "label": "04",
           "path": "9.0 downloads/asvpesd/Bonus/actor_150/03-02-04-01-52-150-04-01-00-14 -01.wav", "rate": 16000,
           "channels": 1}
FILES = [u for u in reference("asvpesd")["utterances"] if u != GARBLED]
# every label, folder set and vocal channel; then an odd actor in another number's folder, an actor number with a
# leading zero, a name with a space (no speaker in EmoBox's list), the babies' bonus actor_50 and an odd actor
EXTRA = ["Audio/actor_119/03-02-07-01-21-109-02-02-17.wav", "Audio/actor_3/03-01-04-01-01-03-02-03-01.wav",
         "Bonus/actor_150/03-02-04-01-52-150-04-01-00-14 -03.wav", "Bonus/actor_50/03-02-03-01-35-50-02-01-00-13-12.wav",
         "Audio/actor_47/03-02-08-01-75-47-02-01-00-18.wav"]
LISTED = covering_subset(FILES, lambda u: u["path"].split("/")[0] + "/" + u["path"].split("/")[-1]) + [
    u for u in FILES if u["path"] in EXTRA]


def expected(utterance: dict) -> dict:
    fields = utterance["path"].split("/")[-1].removesuffix(".wav").split("-")
    native, emotion, arousal, valence = LABELS[fields[2]]
    return {"file": utterance["path"], "corpus": "asvpesd", "speaker_id": fields[5],
            "gender": "male" if int(fields[5]) % 2 == 0 else "female", "language": "und", "native_label": native,
            "emotion": emotion, "arousal": arousal, "valence": valence,
            "vocal_channel": {"01": "speech", "02": "non-speech"}[fields[1]]}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("asvpesd") / "ASVP-ESD"
    for index, utterance in enumerate(LISTED):
        write_audio(root / utterance["path"], utterance["rate"], utterance["channels"], SECONDS,
                    frequency=150.0 + 7 * index)
    return str(root)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def asvpesd(corpus, cache):
    return ser_hub.load_corpus("asvpesd", corpus, cache_dir=cache)


def test_the_whole_real_list_parses_with_emobox_speakers_labels_keys_and_split():
    listed = reference("asvpesd")
    assert [u for u in listed["utterances"] if not u["path"].startswith(("Audio/", "Bonus/"))] == [GARBLED]
    assert len(FILES) == len(listed["utterances"]) - 1
    scan = corpus_info("asvpesd").scan(ListedCorpus(u["path"] for u in FILES))
    assert (scan.root, scan.skipped, scan.ignored, scan.warnings) == ("", [], [], [])
    records = {record["file"]: record for record in scan.records}
    assert sorted(records) == sorted(u["path"] for u in FILES) and len(records) == 13963
    consistent((u["speaker"], records[u["path"]]["speaker_id"]) for u in FILES if "speaker" in u)
    assert sorted(u["path"][-8:] for u in FILES if "speaker" not in u) == [f" -0{n}.wav" for n in range(1, 6)]
    assert {records[u["path"]]["speaker_id"] for u in FILES if "speaker" not in u} == {"150"}
    assert len({record["speaker_id"] for record in scan.records}) == 131
    elsewhere = Counter(path.split("/")[1] for path, record in records.items()
                        if path.split("/")[1][6:].lstrip("0") != record["speaker_id"].lstrip("0"))
    assert elsewhere == {"actor_": 171, "actor_119": 11, "actor_112": 1, "actor_114": 1, "actor_50": 1, "actor_83": 1,
                         "actor_87": 1}
    consistent((u["label"], records[u["path"]]["native_label"]) for u in FILES)
    assert {path: record["_emobox_key"] for path, record in records.items()} == {u["path"]: u["key"] for u in FILES}
    splits, missing = emobox.assign("asvpesd", [record["_emobox_key"] for record in scan.records])
    assert missing == [GARBLED["key"]]  # the garbled key is in EmoBox's test set
    fold = listed["folds"]["fold_1"]
    assert {split: sorted(scan.records[row]["_emobox_key"] for row in rows) for split, rows in splits.items()} == {
        "train": sorted(fold["train"]), "test": sorted(set(fold["test"]) - {GARBLED["key"]})}
    assert Counter((u["rate"], u["channels"]) for u in FILES) == {(16000, 1): 13963}


def test_schema_and_native_classes(asvpesd):
    features = asvpesd["train"].features
    assert list(features) == [*BASE_COLUMNS, "vocal_channel"]
    assert features["native_label"].names == [native for native, *_ in LABELS.values()]
    assert features["vocal_channel"] == Value("string")


def test_every_utterance_with_its_actor_gender_labels_and_vocal_channel(asvpesd):
    assert {u["label"] for u in LISTED} == set(LABELS) and {expected(u)["gender"] for u in LISTED} == {"female", "male"}
    rows = rows_by_id(asvpesd)
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        u["key"].removeprefix("asvpesd-"): expected(u) for u in LISTED}
    assert {row["duration"] for row in rows.values()} == {np.float32(SECONDS)}


def test_audio_decodes_at_16_khz_mono(asvpesd):
    assert {decoded_shape(row) for split in asvpesd.values() for row in split} == {(16000, (1, int(16000 * SECONDS)))}


def test_the_speaker_independent_split_is_the_reference_algorithm_on_actor_numbers(asvpesd):
    assert {split: set(data["speaker_id"]) for split, data in asvpesd.items()} == reference_serab_split(
        expected(u)["speaker_id"] for u in LISTED)


def test_the_emobox_protocol_gives_emobox_train_and_test(corpus, cache):
    fold = reference("asvpesd")["folds"]["fold_1"]
    dataset = ser_hub.load_corpus("asvpesd", corpus, "emobox", cache_dir=cache)
    assert {name: sorted(split["file"]) for name, split in dataset.items()} == {
        name: sorted(u["path"] for u in LISTED if u["key"] in fold[name]) for name in ("train", "test")}
