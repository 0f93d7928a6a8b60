"""AESDD from a zip of the distributed folder: emotion folders, 'xAA (B)[b].wav' names, the unreadable file excluded."""

import struct
from pathlib import Path

import datasets
import pytest

import ser_hub
from corpus_fixtures import write_corpus, zip_folder
from ser_hub.corpora import read_build_record

from . import reference_serab_split, rows_by_id

RATE, SECONDS = 44100, 0.2
TOP = "Acted Emotional Speech Dynamic Database"
EMOTIONS = {"a": "anger", "d": "disgust", "f": "fear", "h": "happiness", "s": "sadness"}
AROUSAL_VALENCE = {"anger": ("high", "negative"), "disgust": ("low", "negative"), "fear": ("high", "negative"),
                   "happiness": ("high", "positive"), "sadness": ("low", "negative")}
# (emotion letter, utterance, actor, take letter); actor 5 has two qualified takes of f18, as the README describes
TAKES = [("a", "01", 1, ""), ("d", "01", 1, ""), ("h", "02", 1, ""), ("a", "03", 2, ""), ("f", "03", 2, ""),
         ("s", "04", 2, ""), ("d", "05", 3, ""), ("h", "05", 3, ""), ("s", "06", 3, ""), ("a", "07", 4, ""),
         ("f", "07", 4, ""), ("h", "08", 4, ""), ("d", "09", 5, ""), ("f", "18", 5, ""), ("f", "18", 5, "b"),
         ("s", "10", 5, ""), ("a", "11", 6, ""), ("h", "12", 6, ""), ("s", "20", 6, "")]
BROKEN = "sadness/s05 (3).wav"
UTTERANCES = {
    f"{code}{sentence} ({actor}){take}": {
        "file": f"{EMOTIONS[code]}/{code}{sentence} ({actor}){take}.wav", "speaker_id": str(actor),
        "gender": "unknown", "native_label": EMOTIONS[code], "emotion": EMOTIONS[code],
        "arousal": AROUSAL_VALENCE[EMOTIONS[code]][0], "valence": AROUSAL_VALENCE[EMOTIONS[code]][1],
        "text_id": sentence, "language": "el", "corpus": "aesdd",
    }
    for code, sentence, actor, take in TAKES
}


def _wav_without_data_chunk() -> bytes:
    """A RIFF/WAVE header with its fmt chunk and no data chunk: what the distributed s05 (3).wav holds."""
    fmt = struct.pack("<4sIHHIIHH", b"fmt ", 16, 1, 1, RATE, 2 * RATE, 2, 16)
    return b"RIFF" + struct.pack("<I", 4 + len(fmt)) + b"WAVE" + fmt


def build(parent: Path) -> Path:
    """The fixture corpus (a zip archive) under ``parent``."""
    folder = write_corpus(parent / "folder", [u["file"] for u in UTTERANCES.values()], RATE, seconds=SECONDS)
    (folder / BROKEN).write_bytes(_wav_without_data_chunk())
    return zip_folder(folder, folder.parent / "AESDD.zip", top=TOP)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return build(tmp_path_factory.mktemp("aesdd"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("aesdd-cache"))


@pytest.fixture(scope="module")
def aesdd(archive, cache):
    return ser_hub.load_corpus("aesdd", archive, cache_dir=cache)



def test_schema(aesdd):
    features = aesdd["train"].features
    assert features["native_label"].names == ["anger", "disgust", "fear", "happiness", "sadness"]
    assert features["gender"].names == ["female", "male", "unknown"]
    assert features["audio"] == datasets.Audio(sampling_rate=16000, num_channels=1)
    assert features["duration"] == datasets.Value("float32") and features["text_id"] == datasets.Value("string")
    assert list(features) == ["audio", "file", "corpus", "utterance_id", "speaker_id", "gender", "language",
                              "native_label", "emotion", "arousal", "valence", "duration", "text_id"]


def test_every_utterance_with_its_labels_speaker_and_sentence(aesdd):
    rows = rows_by_id(aesdd)
    assert {uid: {key: row[key] for key in UTTERANCES[uid]} for uid, row in rows.items()} == UTTERANCES
    assert all(row["duration"] == pytest.approx(SECONDS) for row in rows.values())


def test_the_unreadable_file_is_excluded_and_documented(aesdd):
    record = read_build_record(aesdd)
    assert record["root"] == f"{TOP}/" and record["ignored"] == []
    reason = ser_hub.corpus_info("aesdd").exclude[BROKEN]
    assert record["skipped"] == [{"file": BROKEN, "reason": f"excluded: {reason}"}]
    assert "unreadable" in record["skipped"][0]["reason"] and "SERAB" in record["skipped"][0]["reason"]


@pytest.mark.parametrize("protocol", ["speaker-independent", "serab"])
def test_splits_follow_the_serab_algorithm_on_the_actor_number(archive, cache, protocol):
    dataset = ser_hub.load_corpus("aesdd", archive, protocol, cache_dir=cache)
    speakers = {name: set(split["speaker_id"]) for name, split in dataset.items()}
    assert speakers == reference_serab_split(str(actor) for actor in range(1, 7))
    assert [len(speakers[name]) for name in ("train", "validation", "test")] == [3, 1, 2]
    assert not (speakers["train"] & speakers["validation"] or speakers["train"] & speakers["test"]
                or speakers["validation"] & speakers["test"])


def test_audio_is_decoded_at_16k_mono(aesdd):
    decoded = aesdd["train"][0]["audio"].get_all_samples()
    assert decoded.sample_rate == 16000 and tuple(decoded.data.shape) == (1, int(16000 * SECONDS))
