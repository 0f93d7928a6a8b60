"""MESD against EmoBox's list of the real corpus, and on a fixture of real file names in the folder of the Mendeley
Data download ('Mexican Emotional Speech Database (MESD)/'), 48 kHz mono.

Sources: the Mendeley Data page (doi 10.17632/cy34mh68j9: 3 female, 2 male and 6 child voices; word corpora A and B)
and EmoBox's mesd.py (<Emotion>_<F|M|C>_<A|B>_<word>.wav, the voice type as its speaker). The names identify no
speaker, so the corpus offers only protocols that do not need one: leave one voice type out, stratified, EmoBox's.
"""

from collections import Counter

import numpy as np
import pytest
from datasets import Value

import ser_hub
from corpus_fixtures import write_audio
from ser_hub import splits
from ser_hub.corpora import read_build_record
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, decoded_shape, rows_by_id
from .real_lists import check_against_reference, covering_subset, reference

SECONDS = 0.2
FOLDER = "Mexican Emotional Speech Database (MESD)"
LABELS = {  # emotion in the name -> unified emotion, arousal, valence
    "Anger": ("anger", "high", "negative"), "Disgust": ("disgust", "low", "negative"),
    "Fear": ("fear", "high", "negative"), "Happiness": ("happiness", "high", "positive"),
    "Neutral": ("neutral", "low", "neutral"), "Sadness": ("sadness", "low", "negative"),
}
VOICES = {"F": ("female", "adult female", "Female"), "M": ("male", "adult male", "Male"), "C": ("unknown", "child", "Child")}
# every emotion and word corpus of every voice type
LISTED = [u for voice in VOICES for corpus in "AB" for u in covering_subset(
    [u for u in reference("mesd")["utterances"] if f"_{voice}_{corpus}_" in u["path"]], lambda u: u["path"])]


def expected(utterance: dict) -> dict:
    emotion, voice, corpus, word = utterance["path"].split("/")[1].removesuffix(".wav").split("_", 3)
    unified, arousal, valence = LABELS[emotion]
    return {"file": utterance["path"].split("/")[1], "corpus": "mesd", "speaker_id": voice, "gender": VOICES[voice][0],
            "language": "es-MX", "native_label": emotion.lower(), "emotion": unified, "arousal": arousal,
            "valence": valence, "text_id": word, "voice": VOICES[voice][1], "word_corpus": corpus}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("mesd")
    for index, utterance in enumerate(LISTED):
        write_audio(root / utterance["path"], utterance["rate"], utterance["channels"], SECONDS,
                    frequency=150.0 + 7 * index)
    return str(root)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def mesd(corpus, cache):
    return ser_hub.load_corpus("mesd", corpus, "loso", cache_dir=cache)


def test_the_whole_real_list_parses_with_emobox_voice_types_labels_keys_and_split():
    records = check_against_reference("mesd", "mesd")  # EmoBox's speakers are the voice types too
    assert len(records) == 862
    listed = reference("mesd")["utterances"]
    assert Counter((u["rate"], u["channels"]) for u in listed) == {(48000, 1): 862}
    assert {u["speaker"]: VOICES[u["path"].split("_")[1]][2] for u in listed} == {
        "Female": "Female", "Male": "Male", "Child": "Child"}
    assert Counter(r["speaker_id"] for r in records) == {"F": 288, "M": 288, "C": 286}


def test_stratified_on_the_real_list_is_75_10_15_per_gender_and_emotion():
    records = check_against_reference("mesd", "mesd")
    partition = splits.partition(records, "stratified")
    # 18 strata (voice type x emotion): 16 of 48 files cut 36 / 4 / 8, child anger and child neutral (47) 35 / 4 / 8
    assert {name: len(rows) for name, rows in partition.items()} == {"train": 646, "validation": 72, "test": 144}
    for rows in partition.values():
        assert {(records[row]["speaker_id"], records[row]["native_label"]) for row in rows} == {
            (voice, emotion.lower()) for voice in VOICES for emotion in LABELS}


def test_schema_and_native_classes(mesd):
    features = mesd["fold_0"].features
    assert list(features) == [*BASE_COLUMNS, "text_id", "voice", "word_corpus"]
    assert features["native_label"].names == ["anger", "disgust", "fear", "happiness", "neutral", "sadness"]
    assert features["voice"] == features["word_corpus"] == Value("string")


def test_every_utterance_with_its_voice_type_labels_and_word(mesd):
    rows = rows_by_id(mesd)
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        u["path"].split("/")[1].removesuffix(".wav"): expected(u) for u in LISTED}
    assert {row["duration"] for row in rows.values()} == {np.float32(SECONDS)}
    assert read_build_record(mesd)["root"] == f"{FOLDER}/"


def test_audio_decodes_at_16_khz_mono(mesd):
    assert {decoded_shape(row) for split in mesd.values() for row in split} == {(16000, (1, int(16000 * SECONDS)))}


def test_loso_and_kfold_leave_one_voice_type_out(corpus, cache, mesd):
    assert {fold: set(data["speaker_id"]) for fold, data in mesd.items()} == {
        "fold_0": {"C"}, "fold_1": {"F"}, "fold_2": {"M"}}
    order = ["C", "F", "M"]
    np.random.RandomState(0).shuffle(order)
    kfold = ser_hub.load_corpus("mesd", corpus, "kfold-3", cache_dir=cache)
    assert {fold: set(data["speaker_id"]) for fold, data in kfold.items()} == {
        f"fold_{index}": {voice} for index, voice in enumerate(order)}


def test_the_emobox_protocol_gives_emobox_train_and_test(corpus, cache):
    fold = reference("mesd")["folds"]["fold_1"]
    dataset = ser_hub.load_corpus("mesd", corpus, "emobox", cache_dir=cache)
    assert {name: sorted(split["utterance_id"]) for name, split in dataset.items()} == {
        name: sorted(u["key"].removeprefix("mesd-") for u in LISTED if u["key"] in fold[name]) for name in ("train", "test")}


@pytest.mark.parametrize("protocol", [None, "speaker-independent", "serab", "official"])
def test_protocols_that_need_speakers_are_refused_with_the_reason(corpus, cache, protocol):
    arguments = () if protocol is None else (protocol,)
    with pytest.raises(CorpusError, match=rf"mesd does not support the '{protocol or 'speaker-independent'}' protocol: "
                                          r"The file names identify no speaker, only the voice type \(adult female, "
                                          r"adult male or child\), .* Choose one of loso, kfold, stratified, emobox\."):
        ser_hub.load_corpus("mesd", corpus, *arguments, cache_dir=cache)
