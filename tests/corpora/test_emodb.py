"""EmoDB on a fixture with the layout of the authors' download.zip (wav/, label folders, German read-me files)."""

from pathlib import Path

import numpy as np
import pytest
from datasets import Value

from corpus_fixtures import write_corpus, zip_folder
from ser_hub import load_corpus
from ser_hub.corpora import read_build_record

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id, speakers_by_split

SECONDS = 0.2
# Real EmoDB names: speaker, text, German emotion initial, version; every speaker and every emotion present.
STEMS = [
    "03a01Fa", "03a02Nc", "03b10Wb", "08a02Ab", "08b01Lb", "08b03Tc", "09a05Wa", "09b02Eb", "09b09Nd",
    "10a01Aa", "10a04Fd", "10b03Ta", "11a02Ec", "11b01Lb", "11b10Wa", "12a05Ta", "12a07Nb", "12b02Fa",
    "13a04Ab", "13a07Lc", "13b09Ec", "14a01Wa", "14b01Fa", "14b03Nb", "15a02Tb", "15a04Ea", "15b10Lc",
    "16a05Fa", "16a07Aa", "16b09Wb",
]
DOCUMENTED_GENDERS = {
    "03": "male", "08": "female", "09": "female", "10": "male", "11": "male",
    "12": "male", "13": "female", "14": "female", "15": "male", "16": "female",
}


def build(parent: Path) -> Path:
    """The fixture corpus folder under ``parent``."""
    root = parent / "download"
    write_corpus(root, [f"wav/{stem}.wav" for stem in STEMS], rate=16000, seconds=SECONDS)
    (root / "erklaerung.txt").write_text("Positionen 1-2: Sprecher\nPositionen 3-5: Textcode\n", encoding="latin-1")
    (root / "lablaut").mkdir()
    (root / "lablaut" / "03a01Fa.lablaut").write_text("0.000 #\n")
    return root


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    return build(tmp_path_factory.mktemp("emodb"))


@pytest.fixture(scope="module")
def emodb(corpus_dir, tmp_path_factory):
    return load_corpus("emodb", corpus_dir, cache_dir=tmp_path_factory.mktemp("cache"))


def test_schema_and_native_classes(emodb):
    features = emodb["train"].features
    assert list(features) == [*BASE_COLUMNS, "text_id"]
    assert features["native_label"].names == [
        "anger", "boredom", "disgust", "anxiety/fear", "happiness", "sadness", "neutral",
    ]
    assert features["text_id"] == Value("string")
    assert features["audio"].sampling_rate == 16000


def test_every_file_is_one_utterance_with_documented_speaker_and_gender(emodb):
    rows = rows_by_id(emodb)
    assert sorted(rows) == sorted(STEMS)
    for stem, row in rows.items():
        assert row["file"] == f"wav/{stem}.wav"
        assert (row["speaker_id"], row["text_id"]) == (stem[:2], stem[2:5])
        assert row["gender"] == DOCUMENTED_GENDERS[stem[:2]]
        assert (row["corpus"], row["language"]) == ("emodb", "de")
        assert row["duration"] == np.float32(SECONDS)


@pytest.mark.parametrize(
    "stem, native, emotion, arousal, valence",
    [
        ("14a01Wa", "anger", "anger", "high", "negative"),
        ("08b01Lb", "boredom", "other", "low", "neutral"),
        ("09b02Eb", "disgust", "disgust", "low", "negative"),
        ("10a01Aa", "anxiety/fear", "fear", "high", "negative"),
        ("03a01Fa", "happiness", "happiness", "high", "positive"),
        ("12a05Ta", "sadness", "sadness", "low", "negative"),
        ("03a02Nc", "neutral", "neutral", "low", "neutral"),
    ],
)
def test_labels(emodb, stem, native, emotion, arousal, valence):
    row = rows_by_id(emodb)[stem]
    assert (row["native_label"], row["emotion"], row["arousal"], row["valence"]) == (native, emotion, arousal, valence)


def test_speaker_independent_split_is_the_reference_algorithm_on_speakers(emodb):
    speakers = speakers_by_split(emodb)
    assert speakers == reference_serab_split(stem[:2] for stem in STEMS)
    assert [len(speakers[split]) for split in ("train", "validation", "test")] == [6, 2, 2]


def test_serab_split_from_the_zip_matches_the_reference(corpus_dir, tmp_path):
    archive = zip_folder(corpus_dir, tmp_path / "download.zip")
    serab = load_corpus("emodb", archive, "serab", cache_dir=tmp_path / "cache")
    reference = reference_serab_split(name[0:2] for name in (f"{stem}.wav" for stem in STEMS))
    for split, keys in reference.items():
        assert sorted(serab[split]["utterance_id"]) == sorted(stem for stem in STEMS if stem[0:2] in keys)


def test_side_files_are_ignored_and_nothing_is_skipped(emodb):
    record = read_build_record(emodb)
    assert record["ignored"] == ["erklaerung.txt", "lablaut/03a01Fa.lablaut"]
    assert record["skipped"] == []


def test_audio_decodes_at_16_khz_mono(emodb):
    assert decoded_shape(emodb["test"][0]) == (16000, (1, int(SECONDS * 16000)))
