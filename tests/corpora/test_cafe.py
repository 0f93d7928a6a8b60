"""CaFE on a fixture with the 48 kHz release's layout: emotion/intensity folders, neutral files without intensity."""

import unicodedata
from pathlib import Path

import datasets
import pytest

import ser_hub
from corpus_fixtures import write_corpus
from ser_hub.corpora import read_build_record

from . import reference_serab_split, rows_by_id

RATE, SECONDS = 48000, 0.2
FOLDERS = {"C": "Colère", "D": unicodedata.normalize("NFD", "Dégoût"), "J": "Joie", "P": "Peur", "S": "Surprise",
           "T": "Tristesse"}  # one folder in decomposed Unicode, as macOS archives write it
NATIVE = {"C": "anger", "D": "disgust", "J": "happiness", "N": "neutral", "P": "fear", "S": "surprise",
          "T": "sadness"}
AROUSAL_VALENCE = {"anger": ("high", "negative"), "disgust": ("low", "negative"), "happiness": ("high", "positive"),
                   "neutral": ("low", "neutral"), "fear": ("high", "negative"), "surprise": ("high", "neutral"),
                   "sadness": ("low", "negative")}
CODES = list(FOLDERS)


def _utterances() -> dict[str, dict]:
    """Each actor: one emotion (cycling through all six) at both intensities, plus one neutral sentence."""
    expected = {}
    for actor in range(1, 13):
        code, sentence = CODES[actor % 6], str(actor % 6 + 1)
        takes = [(code, f"{FOLDERS[code]}/Faible/", "-1", "low"), (code, f"{FOLDERS[code]}/Fort/", "-2", "high"),
                 ("N", "Neutre/", "-1", "none")]  # the release names neutral files NN-N-1-S.wav
        for label, folder, intensity_field, intensity in takes:
            stem = f"{actor:02d}-{label}{intensity_field}-{sentence}"
            native = NATIVE[label]
            expected[stem] = {
                "file": f"{folder}{stem}.wav", "speaker_id": f"{actor:02d}",
                "gender": "male" if actor % 2 else "female", "native_label": native, "emotion": native,
                "arousal": AROUSAL_VALENCE[native][0], "valence": AROUSAL_VALENCE[native][1],
                "intensity": intensity, "text_id": sentence, "language": "fr-CA", "corpus": "cafe",
            }
    return expected


UTTERANCES = _utterances()


def build(parent: Path) -> Path:
    """The fixture corpus folder under ``parent``."""
    root = write_corpus(parent / "CaFE_48k", [u["file"] for u in UTTERANCES.values()], RATE, seconds=SECONDS)
    (root / "Readme.txt").write_text("File naming method\n\nAA-E-I-S.wav\n", encoding="utf-8")
    (root / "License.txt").write_text("Creative Commons Attribution-NonCommercial-ShareAlike 4.0\n")
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build(tmp_path_factory.mktemp("cafe"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cafe-cache"))


@pytest.fixture(scope="module")
def cafe(corpus, cache):
    return ser_hub.load_corpus("cafe", corpus, cache_dir=cache)



def test_schema(cafe):
    labels = datasets.ClassLabel
    assert cafe["train"].features == datasets.Features({
        "audio": datasets.Audio(sampling_rate=16000, num_channels=1),
        "file": datasets.Value("string"), "corpus": datasets.Value("string"),
        "utterance_id": datasets.Value("string"), "speaker_id": datasets.Value("string"),
        "gender": labels(names=["female", "male", "unknown"]), "language": datasets.Value("string"),
        "native_label": labels(names=["anger", "disgust", "happiness", "neutral", "fear", "surprise", "sadness"]),
        "emotion": labels(names=["neutral", "anger", "happiness", "sadness", "fear", "disgust", "surprise", "other"]),
        "arousal": labels(names=["low", "high"]), "valence": labels(names=["negative", "neutral", "positive"]),
        "duration": datasets.Value("float32"),
        "intensity": datasets.Value("string"), "text_id": datasets.Value("string"),
    })


def test_every_utterance_with_its_labels_speaker_and_extras(cafe):
    rows = rows_by_id(cafe)
    assert {uid: {key: row[key] for key in UTTERANCES[uid]} for uid, row in rows.items()} == UTTERANCES
    assert all(row["duration"] == pytest.approx(SECONDS) for row in rows.values())


@pytest.mark.parametrize("protocol", ["speaker-independent", "serab"])
def test_splits_follow_the_serab_algorithm_on_the_actor(corpus, cache, protocol):
    dataset = ser_hub.load_corpus("cafe", corpus, protocol, cache_dir=cache)
    speakers = {name: set(split["speaker_id"]) for name, split in dataset.items()}
    assert speakers == reference_serab_split(f"{actor:02d}" for actor in range(1, 13))  # SERAB's key: name[0:2]
    assert [len(speakers[name]) for name in ("train", "validation", "test")] == [7, 2, 3]
    assert not (speakers["train"] & speakers["validation"] or speakers["train"] & speakers["test"]
                or speakers["validation"] & speakers["test"])


def test_audio_is_decoded_at_16k_mono(cafe):
    decoded = cafe["test"][0]["audio"].get_all_samples()
    assert decoded.sample_rate == 16000 and tuple(decoded.data.shape) == (1, int(16000 * SECONDS))


def test_build_record_lists_the_side_files_as_ignored(cafe):
    record = read_build_record(cafe)
    assert record["root"] == "" and record["skipped"] == []
    assert record["ignored"] == ["License.txt", "Readme.txt"]
    assert sum(split["num_utterances"] for split in record["splits"].values()) == len(UTTERANCES) == 36
