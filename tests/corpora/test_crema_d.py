"""CREMA-D on a fixture with the repository's layout: AudioWAV/, VideoDemographics.csv, README.md, processedResults/."""

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from datasets import Value

from corpus_fixtures import write_corpus
from ser_hub import load_corpus
from ser_hub.corpora import read_build_record
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id, speakers_by_split

SECONDS = 0.2
STEMS = [
    "1001_DFA_ANG_XX", "1001_IEO_HAP_HI", "1001_TIE_NEU_XX", "1002_IOM_DIS_XX", "1002_IEO_SAD_LO", "1002_WSI_FEA_XX",
    "1003_IWW_HAP_XX", "1003_IEO_ANG_MD", "1003_TAI_SAD_XX", "1004_MTI_NEU_XX", "1004_IWL_FEA_XX", "1004_IEO_DIS_HI",
    "1005_ITH_ANG_XX", "1005_ITS_SAD_XX", "1005_IEO_NEU_XX", "1006_TIE_HAP_XX", "1006_TSI_DIS_XX", "1007_DFA_FEA_XX",
    "1007_IEO_HAP_LO", "1007_WSI_SAD_XX", "1008_IOM_ANG_XX", "1008_IEO_FEA_MD", "1008_MTI_HAP_XX", "1009_IWW_NEU_XX",
    "1009_TAI_DIS_XX", "1009_IEO_SAD_HI", "1010_ITS_HAP_XX", "1010_IWL_ANG_XX", "1010_TSI_NEU_XX", "1011_ITH_FEA_XX",
    "1011_IEO_ANG_LO", "1011_DFA_DIS_XX", "1012_TIE_SAD_XX", "1012_IEO_DIS_MD", "1012_WSI_HAP_XX", "1040_IEO_FEA_HI",
    "1040_IOM_NEU_XX", "1076_IEO_HAP_MD", "1076_TAI_ANG_XX",
]
EXCLUDED = ["AudioWAV/1006_TIE_NEU_XX.wav", "AudioWAV/1040_ITH_SAD_XX.wav"]
SILENT = "AudioWAV/1076_MTI_SAD_XX.wav"
DEMOGRAPHICS = """ActorID,Age,Sex,Race,Ethnicity
1001,51,Male,Caucasian,Not Hispanic
1002,21,Female,Caucasian,Not Hispanic
1003,21,Female,Caucasian,Not Hispanic
1004,42,Female,Caucasian,Not Hispanic
1005,29,Male,African American,Not Hispanic
1006,58,Female,Caucasian,Not Hispanic
1007,38,Female,African American,Not Hispanic
1008,46,Female,Caucasian,Not Hispanic
1009,24,Female,Caucasian,Not Hispanic
1010,27,Female,Caucasian,Not Hispanic
1011,32,Male,Caucasian,Not Hispanic
1012,23,Male,Asian,Not Hispanic
1040,32,Male,Caucasian,Hispanic
1076,25,Female,Unknown,Not Hispanic
"""
AGES = {line.split(",")[0]: int(line.split(",")[1]) for line in DEMOGRAPHICS.splitlines()[1:]}
SEXES = {line.split(",")[0]: line.split(",")[2].lower() for line in DEMOGRAPHICS.splitlines()[1:]}


def build(parent: Path) -> Path:
    """The fixture corpus folder under ``parent``."""
    root = parent / "CREMA-D"
    write_corpus(root, [f"AudioWAV/{stem}.wav" for stem in STEMS] + EXCLUDED, 16000, 1, SECONDS)
    sf.write(root / SILENT, np.zeros((0, 1), np.float32), 16000, subtype="PCM_16")
    (root / "VideoDemographics.csv").write_text(DEMOGRAPHICS)
    (root / "README.md").write_text("# CREMA-D\n")
    (root / "processedResults").mkdir()
    summary = '"","FileName","VoiceVote"\n"1","1001_DFA_ANG_XX","A"\n'
    (root / "processedResults" / "summaryTable.csv").write_text(summary)
    return root


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    return build(tmp_path_factory.mktemp("crema"))


@pytest.fixture(scope="module")
def crema_d(corpus_dir, tmp_path_factory):
    return load_corpus("crema_d", corpus_dir, cache_dir=tmp_path_factory.mktemp("cache"))


def test_schema_and_native_classes(crema_d):
    features = crema_d["train"].features
    assert list(features) == [*BASE_COLUMNS, "text_id", "intensity", "age"]
    assert features["native_label"].names == ["Anger", "Disgust", "Fear", "Happy", "Neutral", "Sad"]
    assert (features["text_id"], features["intensity"], features["age"]) == (
        Value("string"), Value("string"), Value("int32"),
    )


def test_every_clip_has_its_actor_sex_and_age_from_the_demographics_csv(crema_d):
    rows = rows_by_id(crema_d)
    assert sorted(rows) == sorted(STEMS)
    for stem, row in rows.items():
        actor, sentence, _, level = stem.split("_")
        assert row["file"] == f"AudioWAV/{stem}.wav"
        assert (row["speaker_id"], row["gender"], row["age"]) == (actor, SEXES[actor], AGES[actor])
        assert row["text_id"] == sentence
        assert row["intensity"] == {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified"}[level]
        assert (row["corpus"], row["language"]) == ("crema_d", "en")
        assert row["duration"] == np.float32(SECONDS)


@pytest.mark.parametrize(
    "stem, native, emotion, arousal, valence",
    [
        ("1001_DFA_ANG_XX", "Anger", "anger", "high", "negative"),
        ("1002_IOM_DIS_XX", "Disgust", "disgust", "low", "negative"),
        ("1002_WSI_FEA_XX", "Fear", "fear", "high", "negative"),
        ("1001_IEO_HAP_HI", "Happy", "happiness", "high", "positive"),
        ("1001_TIE_NEU_XX", "Neutral", "neutral", "low", "neutral"),
        ("1002_IEO_SAD_LO", "Sad", "sadness", "low", "negative"),
    ],
)
def test_labels(crema_d, stem, native, emotion, arousal, valence):
    row = rows_by_id(crema_d)[stem]
    assert (row["native_label"], row["emotion"], row["arousal"], row["valence"]) == (native, emotion, arousal, valence)


def test_tfds_bad_files_are_excluded_and_the_silent_clip_is_skipped(crema_d):
    skipped = {skip["file"]: skip["reason"] for skip in read_build_record(crema_d)["skipped"]}
    assert sorted(skipped) == sorted([*EXCLUDED, SILENT])
    for file in EXCLUDED:
        assert skipped[file].startswith("excluded: in the bad_files list of the TFDS crema_d builder")
    assert skipped[SILENT] == "no audio samples (zero-length file)."


def test_side_files_are_ignored(crema_d):
    assert read_build_record(crema_d)["ignored"] == [
        "README.md", "VideoDemographics.csv", "processedResults/summaryTable.csv",
    ]


def test_speaker_independent_split_uses_the_70_10_20_proportions_on_actors(crema_d):
    speakers = speakers_by_split(crema_d)
    assert speakers == reference_serab_split({stem[:4] for stem in STEMS}, (0.7, 0.1, 0.2))
    assert [len(speakers[split]) for split in ("train", "validation", "test")] == [9, 2, 3]


def test_serab_split_matches_the_tfds_reference(corpus_dir, tmp_path):
    serab = load_corpus("crema_d", corpus_dir, "serab", cache_dir=tmp_path / "cache")
    for split, actors in reference_serab_split((stem.split("_")[0] for stem in STEMS), (0.7, 0.1, 0.2)).items():
        assert sorted(serab[split]["utterance_id"]) == sorted(stem for stem in STEMS if stem[:4] in actors)


def test_missing_demographics_csv_is_a_clear_error(corpus_dir, tmp_path):
    copy = shutil.copytree(corpus_dir, tmp_path / "CREMA-D")
    (copy / "VideoDemographics.csv").unlink()
    with pytest.raises(CorpusError, match=r"VideoDemographics\.csv is missing; crema_d reads it "
                                          r"\(`tables\.actors` of .*crema_d\.yaml\)\. Pass the whole corpus folder"):
        load_corpus("crema_d", copy, cache_dir=tmp_path / "cache")


def test_actor_missing_from_the_demographics_csv_is_a_clear_error(corpus_dir, tmp_path):
    copy = shutil.copytree(corpus_dir, tmp_path / "CREMA-D")
    (copy / "VideoDemographics.csv").write_text(DEMOGRAPHICS.replace("1040,32,Male,Caucasian,Hispanic\n", ""))
    with pytest.raises(CorpusError, match=r"AudioWAV/1040_IEO_FEA_HI\.wav: the actors table \(VideoDemographics\.csv\) "
                                          r"has no row for '1040'; the annotation files are incomplete"):
        load_corpus("crema_d", copy, cache_dir=tmp_path / "cache")


def test_audio_decodes_at_16_khz_mono(crema_d):
    assert decoded_shape(crema_d["train"][0]) == (16000, (1, int(SECONDS * 16000)))
