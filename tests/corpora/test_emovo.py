"""EMOVO on a fixture with the layout of EMOVO.zip (EMOVO/<speaker>/<emo>-<speaker>-<sentence>.wav, 48 kHz stereo)."""

from pathlib import Path

import numpy as np
import pytest
from datasets import Value

from corpus_fixtures import write_corpus, zip_folder
from ser_hub import load_corpus

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id, speakers_by_split

SECONDS = 0.2
STEREO = {
    "f1": ["dis-f1-b1", "gio-f1-l2", "neu-f1-n3", "rab-f1-d1"],
    "f2": ["pau-f2-b2", "sor-f2-l4", "tri-f2-n5", "neu-f2-d2"],
    "f3": ["rab-f3-b3", "dis-f3-l1", "gio-f3-n1", "pau-f3-d1"],
    "m1": ["sor-m1-b1", "tri-m1-l3", "rab-m1-n2", "gio-m1-d2"],
    "m2": ["neu-m2-b2", "pau-m2-l2", "dis-m2-n4", "sor-m2-d1"],
}
MONO = {"m3": ["tri-m3-b3", "rab-m3-l4", "neu-m3-n5", "dis-m3-d2"]}
STEMS = sorted(stem for stems in (*STEREO.values(), *MONO.values()) for stem in stems)


def build(parent: Path) -> Path:
    """The fixture corpus (a zip archive) under ``parent``."""
    folder = parent / "files"
    write_corpus(folder, [f"{s}/{stem}.wav" for s, stems in STEREO.items() for stem in stems], 48000, 2, SECONDS)
    write_corpus(folder, [f"{s}/{stem}.wav" for s, stems in MONO.items() for stem in stems], 48000, 1, SECONDS)
    return zip_folder(folder, parent / "EMOVO.zip", top="EMOVO")


@pytest.fixture(scope="module")
def corpus_zip(tmp_path_factory):
    return build(tmp_path_factory.mktemp("emovo"))


@pytest.fixture(scope="module")
def emovo(corpus_zip, tmp_path_factory):
    return load_corpus("emovo", corpus_zip, cache_dir=tmp_path_factory.mktemp("cache"))


def test_schema_and_native_classes(emovo):
    features = emovo["train"].features
    assert list(features) == [*BASE_COLUMNS, "text_id"]
    assert features["native_label"].names == ["anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"]
    assert features["text_id"] == Value("string")


def test_every_file_is_one_utterance_with_its_speaker_sex_and_sentence(emovo):
    rows = rows_by_id(emovo)
    assert sorted(rows) == STEMS
    for stem, row in rows.items():
        speaker = stem[4:6]
        assert row["file"] == f"{speaker}/{stem}.wav"
        assert (row["speaker_id"], row["text_id"]) == (speaker, stem[7:])
        assert row["gender"] == {"f": "female", "m": "male"}[speaker[0]]
        assert (row["corpus"], row["language"]) == ("emovo", "it")
        assert row["duration"] == np.float32(SECONDS)


@pytest.mark.parametrize(
    "stem, native, emotion, arousal, valence",
    [
        ("rab-f1-d1", "anger", "anger", "high", "negative"),
        ("dis-f3-l1", "disgust", "disgust", "low", "negative"),
        ("pau-f2-b2", "fear", "fear", "high", "negative"),
        ("gio-m1-d2", "joy", "happiness", "high", "positive"),
        ("tri-m3-b3", "sadness", "sadness", "low", "negative"),
        ("sor-m2-d1", "surprise", "surprise", "high", "neutral"),
        ("neu-f1-n3", "neutral", "neutral", "low", "neutral"),
    ],
)
def test_labels(emovo, stem, native, emotion, arousal, valence):
    row = rows_by_id(emovo)[stem]
    assert (row["native_label"], row["emotion"], row["arousal"], row["valence"]) == (native, emotion, arousal, valence)


def test_speaker_independent_split_is_the_reference_algorithm_on_speakers(emovo):
    speakers = speakers_by_split(emovo)
    assert speakers == reference_serab_split(stem[4:6] for stem in STEMS)
    assert [len(speakers[split]) for split in ("train", "validation", "test")] == [3, 1, 2]


def test_serab_split_matches_the_reference_key_name_4_6(corpus_zip, tmp_path):
    serab = load_corpus("emovo", corpus_zip, "serab", cache_dir=tmp_path / "cache")
    for split, keys in reference_serab_split(f"{stem}.wav"[4:6] for stem in STEMS).items():
        assert sorted(serab[split]["utterance_id"]) == [stem for stem in STEMS if stem[4:6] in keys]


def test_stereo_48_khz_audio_decodes_as_16_khz_mono(emovo):
    stereo = next(example for split in emovo.values() for example in split if example["speaker_id"] == "f1")
    assert decoded_shape(stereo) == (16000, (1, int(SECONDS * 16000)))
