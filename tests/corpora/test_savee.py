"""SAVEE on a fixture with the layout of AudioData.zip (AudioData/<speaker>/<emotion><nn>.wav, 44.1 kHz mono)."""

from pathlib import Path

import numpy as np
import pytest

from corpus_fixtures import write_corpus, zip_folder
from ser_hub import load_corpus

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id, speakers_by_split

SECONDS = 0.2
SPEAKERS = ["DC", "JE", "JK", "KL"]
NAMES = ["a01", "d07", "f15", "h03", "n01", "n30", "sa02", "su11"]  # the same names for every speaker


def build(parent: Path) -> Path:
    """The fixture corpus (a zip archive) under ``parent``."""
    folder = parent / "files"
    files = [f"AudioData/{speaker}/{name}.wav" for speaker in SPEAKERS for name in NAMES]
    write_corpus(folder, files, 44100, 1, SECONDS)
    return zip_folder(folder, parent / "AudioData.zip")


@pytest.fixture(scope="module")
def corpus_zip(tmp_path_factory):
    return build(tmp_path_factory.mktemp("savee"))


@pytest.fixture(scope="module")
def savee(corpus_zip, tmp_path_factory):
    return load_corpus("savee", corpus_zip, cache_dir=tmp_path_factory.mktemp("cache"))


def test_schema_and_native_classes(savee):
    features = savee["train"].features
    assert list(features) == BASE_COLUMNS
    assert features["native_label"].names == [
        "anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise",
    ]


def test_utterance_ids_are_unique_across_speakers(savee):
    rows = rows_by_id(savee)
    assert sorted(rows) == sorted(f"{speaker}_{name}" for speaker in SPEAKERS for name in NAMES)
    for utterance_id, row in rows.items():
        speaker, name = utterance_id.split("_")
        assert row["file"] == f"AudioData/{speaker}/{name}.wav"
        assert (row["speaker_id"], row["gender"]) == (speaker, "male")
        assert (row["corpus"], row["language"]) == ("savee", "en")
        assert row["duration"] == np.float32(SECONDS)


@pytest.mark.parametrize(
    "name, native, emotion, arousal, valence",
    [
        ("a01", "anger", "anger", "high", "negative"),
        ("d07", "disgust", "disgust", "low", "negative"),
        ("f15", "fear", "fear", "high", "negative"),
        ("h03", "happiness", "happiness", "high", "positive"),
        ("n30", "neutral", "neutral", "low", "neutral"),
        ("sa02", "sadness", "sadness", "low", "negative"),
        ("su11", "surprise", "surprise", "high", "neutral"),
    ],
)
def test_labels_of_one_and_two_letter_codes(savee, name, native, emotion, arousal, valence):
    rows = rows_by_id(savee)
    for speaker in SPEAKERS:
        row = rows[f"{speaker}_{name}"]
        assert (row["native_label"], row["emotion"], row["arousal"], row["valence"]) == (
            native, emotion, arousal, valence,
        )


def test_speaker_independent_split_is_two_one_one_speakers_as_the_reference(savee):
    speakers = speakers_by_split(savee)
    assert speakers == reference_serab_split(SPEAKERS)
    assert [len(speakers[split]) for split in ("train", "validation", "test")] == [2, 1, 1]


def test_serab_split_matches_the_tfds_reference_on_speaker_folders(corpus_zip, tmp_path):
    serab = load_corpus("savee", corpus_zip, "serab", cache_dir=tmp_path / "cache")
    for split, speakers in reference_serab_split(SPEAKERS).items():
        assert sorted(serab[split]["utterance_id"]) == sorted(f"{s}_{name}" for s in speakers for name in NAMES)


def test_loso_gives_one_fold_per_speaker(corpus_zip, tmp_path):
    loso = load_corpus("savee", corpus_zip, "loso", cache_dir=tmp_path / "cache")
    assert {fold: set(data["speaker_id"]) for fold, data in loso.items()} == {
        f"fold_{index}": {speaker} for index, speaker in enumerate(SPEAKERS)
    }


def test_audio_decodes_at_16_khz_mono(savee):
    assert decoded_shape(savee["train"][0]) == (16000, (1, int(SECONDS * 16000)))
