"""RAVDESS speech on a fixture with the layout of Audio_Speech_Actors_01-24.zip, extracted (Actor_NN/*.wav, 48 kHz)."""

from pathlib import Path

import numpy as np
import pytest
from datasets import Value

from corpus_fixtures import write_corpus
from ser_hub import load_corpus
from ser_hub.corpora import read_build_record

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id, speakers_by_split

SECONDS = 0.2
KIDS, DOGS = "Kids are talking by the door", "Dogs are sitting by the door"  # statements 01, 02
SONG_FILE = "Actor_01/03-02-03-01-01-01-01.wav"  # from the separate song release, extracted into the same folder


def _speech_stems() -> list[str]:
    """Two files per actor, 01..24, cycling through the eight emotions; neutral only at normal intensity."""
    stems = []
    for actor in range(1, 25):
        for take in (1, 2):
            emotion = (2 * (actor - 1) + take - 1) % 8 + 1
            intensity = 1 if emotion == 1 else take
            stems.append(f"03-01-{emotion:02d}-{intensity:02d}-{actor % 2 + 1:02d}-{take:02d}-{actor:02d}")
    return stems


STEMS = _speech_stems()


def build(parent: Path) -> Path:
    """The fixture corpus folder under ``parent``."""
    root = parent / "Audio_Speech_Actors_01-24"
    return write_corpus(root, [f"Actor_{stem[-2:]}/{stem}.wav" for stem in STEMS] + [SONG_FILE], 48000, 1, SECONDS)


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    return build(tmp_path_factory.mktemp("ravdess"))


@pytest.fixture(scope="module")
def ravdess(corpus_dir, tmp_path_factory):
    return load_corpus("ravdess", corpus_dir, cache_dir=tmp_path_factory.mktemp("cache"))


def test_schema_and_native_classes(ravdess):
    features = ravdess["train"].features
    assert list(features) == [*BASE_COLUMNS, "intensity", "statement", "repetition"]
    assert features["native_label"].names == [
        "neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised",
    ]
    assert (features["intensity"], features["statement"], features["repetition"]) == (
        Value("string"), Value("string"), Value("int32"),
    )


def test_every_speech_file_is_one_utterance_of_its_actor(ravdess):
    rows = rows_by_id(ravdess)
    assert sorted(rows) == sorted(STEMS)
    for stem, row in rows.items():
        actor = stem[-2:]
        assert row["file"] == f"Actor_{actor}/{stem}.wav"
        assert row["speaker_id"] == actor
        assert row["gender"] == ("male" if int(actor) % 2 == 1 else "female")
        assert (row["corpus"], row["language"]) == ("ravdess", "en")
        assert row["duration"] == np.float32(SECONDS)


@pytest.mark.parametrize(
    "stem, native, emotion, arousal, valence, intensity, statement, repetition",
    [
        ("03-01-01-01-02-01-01", "neutral", "neutral", "low", "neutral", "normal", DOGS, 1),
        ("03-01-02-02-02-02-01", "calm", "neutral", "low", "neutral", "strong", DOGS, 2),
        ("03-01-03-01-01-01-02", "happy", "happiness", "high", "positive", "normal", KIDS, 1),
        ("03-01-04-02-01-02-02", "sad", "sadness", "low", "negative", "strong", KIDS, 2),
        ("03-01-05-01-02-01-03", "angry", "anger", "high", "negative", "normal", DOGS, 1),
        ("03-01-06-02-02-02-03", "fearful", "fear", "high", "negative", "strong", DOGS, 2),
        ("03-01-07-01-01-01-04", "disgust", "disgust", "low", "negative", "normal", KIDS, 1),
        ("03-01-08-02-01-02-04", "surprised", "surprise", "high", "neutral", "strong", KIDS, 2),
    ],
)
def test_labels_and_extras(ravdess, stem, native, emotion, arousal, valence, intensity, statement, repetition):
    row = rows_by_id(ravdess)[stem]
    assert (row["native_label"], row["emotion"], row["arousal"], row["valence"]) == (native, emotion, arousal, valence)
    assert (row["intensity"], row["statement"], row["repetition"]) == (intensity, statement, repetition)


def test_song_release_file_is_a_documented_skip(ravdess):
    record = read_build_record(ravdess)
    assert [skip["file"] for skip in record["skipped"]] == [SONG_FILE]
    assert "does not follow the ravdess grammar" in record["skipped"][0]["reason"]


def test_speaker_independent_split_never_shares_an_actor(ravdess):
    speakers = speakers_by_split(ravdess)
    assert speakers == reference_serab_split(stem[-2:] for stem in STEMS)
    assert [len(speakers[split]) for split in ("train", "validation", "test")] == [14, 5, 5]
    assert not (speakers["train"] & speakers["validation"] or speakers["train"] & speakers["test"]
                or speakers["validation"] & speakers["test"])


def test_serab_split_matches_the_reference_key_name_minus_6_minus_4(corpus_dir, tmp_path):
    serab = load_corpus("ravdess", corpus_dir, "serab", cache_dir=tmp_path / "cache")
    for split, keys in reference_serab_split(f"{stem}.wav"[-6:-4] for stem in STEMS).items():
        assert sorted(serab[split]["utterance_id"]) == sorted(stem for stem in STEMS if stem[-2:] in keys)


def test_audio_decodes_at_16_khz_mono(ravdess):
    assert decoded_shape(ravdess["validation"][0]) == (16000, (1, int(SECONDS * 16000)))
