"""Emozionalmente against EmoBox's list of the real corpus, and on a fixture of real file names in the layout of the
Zenodo archive (audio/<id>.wav, metadata/samples.csv and metadata/users.csv), at the real rates (16 and 44.1 kHz).

Sources: the Zenodo record 6569824 (431 actors, seven emotional states, csv files on the actors) and EmoBox's
emozionalmente.py, which reads the columns used here (samples.csv: file_name, actor, sentence, emotion_expressed;
users.csv: username, gender, age). The metadata files of the tests hold the listed files, actors and labels; sentences,
genders and ages are the tests' own values.
"""

from collections import Counter

import numpy as np
import pytest
from datasets import Value

import ser_hub
from corpus_fixtures import write_audio
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id
from .real_lists import check_against_reference, covering_subset, reference

SECONDS = 0.2
LABELS = {  # emotion_expressed -> unified emotion, arousal, valence
    "anger": ("anger", "high", "negative"), "disgust": ("disgust", "low", "negative"),
    "fear": ("fear", "high", "negative"), "joy": ("happiness", "high", "positive"),
    "neutrality": ("neutral", "low", "neutral"), "sadness": ("sadness", "low", "negative"),
    "surprise": ("surprise", "high", "neutral"),
}
LISTED = covering_subset(reference("emozionalmente")["utterances"], lambda u: u["path"])  # every label, both rates
ACTORS = sorted({u["speaker"] for u in LISTED})
USERS = {actor: ("female" if index % 2 else "male", str(20 + index)) for index, actor in enumerate(ACTORS)}


def samples_csv(utterances) -> str:
    rows = "".join(f"{u['path'].split('/')[1]},{u['speaker']},Frase {index},{u['label']}\n"
                   for index, u in enumerate(utterances))
    return f"file_name,actor,sentence,emotion_expressed\n{rows}"


def users_csv(users) -> str:
    rows = "".join(f"{name},{gender},{age}\n" for name, (gender, age) in users.items())
    return f"username,gender,age\n{rows}"


def expected(utterance: dict) -> dict:
    emotion, arousal, valence = LABELS[utterance["label"]]
    gender, age = USERS[utterance["speaker"]]
    return {"file": utterance["path"], "corpus": "emozionalmente", "speaker_id": utterance["speaker"],
            "gender": gender, "language": "it", "native_label": utterance["label"], "emotion": emotion,
            "arousal": arousal, "valence": valence, "sentence": f"Frase {LISTED.index(utterance)}", "age": age}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("emozionalmente") / "emozionalmente"
    for index, utterance in enumerate(LISTED):
        write_audio(root / utterance["path"], utterance["rate"], utterance["channels"], SECONDS,
                    frequency=150.0 + 7 * index)
    (root / "metadata").mkdir()
    (root / "metadata" / "samples.csv").write_text(samples_csv(LISTED))
    (root / "metadata" / "users.csv").write_text(users_csv(USERS))
    return root


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def emozionalmente(corpus, cache):
    return ser_hub.load_corpus("emozionalmente", str(corpus), cache_dir=cache)


def test_the_whole_real_list_parses_with_emobox_speakers_labels_keys_and_split():
    listed = reference("emozionalmente")["utterances"]
    users = {actor: ("female", "30") for actor in {u["speaker"] for u in listed}}
    records = check_against_reference("emozionalmente", "emozionalmente", texts={
        "metadata/samples.csv": samples_csv(listed), "metadata/users.csv": users_csv(users)})
    assert len(records) == 6902 and len({r["speaker_id"] for r in records}) == 431
    assert Counter((u["rate"], u["channels"]) for u in listed) == {(16000, 1): 6752, (44100, 1): 150}
    assert Counter(r["native_label"] for r in records) == dict.fromkeys(LABELS, 986)


def test_schema_and_native_classes(emozionalmente):
    features = emozionalmente["train"].features
    assert list(features) == [*BASE_COLUMNS, "sentence", "age"]
    assert features["native_label"].names == list(LABELS)
    assert features["sentence"] == features["age"] == Value("string")


def test_every_utterance_with_its_actor_labels_and_metadata(emozionalmente):
    rows = rows_by_id(emozionalmente)
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        u["key"].removeprefix("emozionalmente-"): expected(u) for u in LISTED}
    assert {row["duration"] for row in rows.values()} == {np.float32(SECONDS)}


def test_audio_at_either_rate_decodes_at_16_khz_mono(emozionalmente):
    assert {decoded_shape(row) for split in emozionalmente.values() for row in split} == {
        (16000, (1, int(16000 * SECONDS)))}


def test_the_speaker_independent_split_is_the_reference_algorithm_on_actors(emozionalmente):
    assert {split: set(data["speaker_id"]) for split, data in emozionalmente.items()} == reference_serab_split(ACTORS)


def test_the_emobox_protocol_gives_emobox_train_and_test(corpus, cache):
    fold = reference("emozionalmente")["folds"]["fold_1"]
    dataset = ser_hub.load_corpus("emozionalmente", str(corpus), "emobox", cache_dir=cache)
    assert {name: sorted(split["file"]) for name, split in dataset.items()} == {
        name: sorted(u["path"] for u in LISTED if u["key"] in fold[name]) for name in ("train", "test")}


def test_a_file_missing_from_samples_csv_is_an_error_naming_it(corpus, tmp_path):
    (corpus / "metadata" / "samples.csv").write_text(samples_csv(LISTED[1:]))
    try:
        with pytest.raises(CorpusError, match=rf"{LISTED[0]['path']}: the samples table \(metadata/samples.csv\) has "
                                              rf"no row for '{LISTED[0]['path'].split('/')[1]}'"):
            ser_hub.load_corpus("emozionalmente", str(corpus), cache_dir=str(tmp_path))
    finally:
        (corpus / "metadata" / "samples.csv").write_text(samples_csv(LISTED))
