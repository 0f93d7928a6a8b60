"""CASIA (the 1200-utterance public subset) against EmoBox's list of it, and on a fixture of real file names in its
layout (<speaker>/<emotion>/<NNN>.wav, 16 kHz mono) zipped under one top folder.

Sources: speakers, emotions and layout: EmoBox's list and casia.py; genders (liuchang and zhaoquanyin female, wangzhe
and zhaozuoxiang male): third-party code that labels voice models 女/男 (female/male) by these names; the spelling
ZhaoZuoxiang: several third-party scripts over other copies of the subset.
"""

import pytest

from corpus_fixtures import write_audio, zip_folder
from ser_hub.corpora import corpus_info, prepare_corpus

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id
from .real_lists import ListedCorpus, check_against_reference, covering_subset, reference

SECONDS = 0.3
UNIFIED = {"angry": "anger", "fear": "fear", "happy": "happiness", "neutral": "neutral", "sad": "sadness",
           "surprise": "surprise"}
AROUSAL_VALENCE = {"angry": ("high", "negative"), "fear": ("high", "negative"), "happy": ("high", "positive"),
                   "neutral": ("low", "neutral"), "sad": ("low", "negative"), "surprise": ("high", "neutral")}
GENDER = {"liuchanhg": "female", "wangzhe": "male", "zhaoquanyin": "female", "zhaozuoxiang": "male"}
UTTERANCES = reference("casia")["utterances"]
LISTED = covering_subset(UTTERANCES, lambda u: u["path"])  # every speaker x emotion folder


def expected(utterance: dict) -> dict:
    speaker, emotion, name = utterance["path"].split("/")
    return {"file": utterance["path"], "corpus": "casia", "speaker_id": speaker, "gender": GENDER[speaker],
            "language": "zh", "text_id": name[:3], "native_label": emotion, "emotion": UNIFIED[emotion],
            "arousal": AROUSAL_VALENCE[emotion][0], "valence": AROUSAL_VALENCE[emotion][1]}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("casia")
    for index, utterance in enumerate(LISTED):
        write_audio(folder / "files" / utterance["path"], utterance["rate"], utterance["channels"], SECONDS,
                    frequency=150.0 + 7 * index)
    archive = zip_folder(folder / "files", folder / "CASIA.zip", top="CASIA")
    return prepare_corpus("casia", str(archive), cache_dir=str(tmp_path_factory.mktemp("cache")), progress=False)


def test_the_whole_real_list_parses_with_emobox_speakers_labels_keys_and_folds():
    records = check_against_reference("casia", "casia")
    assert len(records) == 1200
    assert {record["text_id"] for record in records} == {str(number) for number in range(201, 251)}


def test_a_copy_spelling_the_folder_zhaozuoxiang_loads_that_speaker_too():
    paths = [u["path"].replace("zhaozuoxiang/", "ZhaoZuoxiang/") for u in LISTED]
    records = corpus_info("casia").scan(ListedCorpus(paths)).records
    assert {record["speaker_id"]: record["gender"] for record in records} == {
        "liuchanhg": "female", "wangzhe": "male", "zhaoquanyin": "female", "ZhaoZuoxiang": "male"}
    assert len(records) == len(LISTED)


def test_schema_and_native_classes(prepared):
    features = prepared.load("speaker-independent")["train"].features
    assert list(features) == [*BASE_COLUMNS, "text_id"]
    assert features["native_label"].names == ["angry", "fear", "happy", "neutral", "sad", "surprise"]


def test_every_utterance_with_its_speaker_gender_and_labels(prepared):
    rows = rows_by_id(prepared.load("speaker-independent"))
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        u["path"][:-4].replace("/", "_"): expected(u) for u in LISTED}
    assert prepared.record["root"] == "CASIA/"


def test_audio_decodes_at_16_khz_mono(prepared):
    assert decoded_shape(prepared.load("speaker-independent")["test"][0]) == (16000, (1, int(16000 * SECONDS)))


def test_speaker_independent_split_is_the_reference_algorithm_on_the_four_speakers(prepared):
    dataset = prepared.load("speaker-independent")
    assert {name: set(split["speaker_id"]) for name, split in dataset.items()} == reference_serab_split(GENDER)


def test_the_emobox_protocol_leaves_one_speaker_out_per_fold(prepared):
    dataset = prepared.load("emobox")
    assert {name: set(split["speaker_id"]) for name, split in dataset.items()} == {
        "fold_1": {"wangzhe"}, "fold_2": {"zhaozuoxiang"}, "fold_3": {"liuchanhg"}, "fold_4": {"zhaoquanyin"}}
