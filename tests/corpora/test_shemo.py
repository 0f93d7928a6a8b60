"""ShEMO on a fixture of the extracted female.zip and male.zip: speaker = gender + code, SERAB's name[4:6] key."""

import json
from pathlib import Path

import datasets
import pytest

import ser_hub
from corpus_fixtures import write_corpus
from ser_hub.corpora import read_build_record

from . import reference_serab_split, rows_by_id

RATE, SECONDS = 44100, 0.2
EMOTIONS = {"A": "anger", "F": "fear", "H": "happiness", "N": "neutral", "S": "sadness", "W": "surprise"}
AROUSAL_VALENCE = {"anger": ("high", "negative"), "fear": ("high", "negative"), "happiness": ("high", "positive"),
                   "neutral": ("low", "neutral"), "sadness": ("low", "negative"), "surprise": ("high", "neutral")}
# (gender, speaker code, emotion, utterance number); F14A09, M02F01 and F03S02 are the README's own examples
TAKES = [("F", "01", "A", "01"), ("F", "01", "N", "01"), ("F", "01", "S", "02"), ("F", "02", "H", "01"),
         ("F", "02", "W", "03"), ("F", "03", "S", "02"), ("F", "05", "F", "01"), ("F", "05", "N", "04"),
         ("F", "14", "A", "09"), ("M", "01", "A", "01"), ("M", "02", "F", "01"), ("M", "02", "N", "05"),
         ("M", "07", "H", "02"), ("M", "07", "S", "06"), ("M", "11", "W", "01"), ("M", "11", "A", "03"),
         ("M", "23", "N", "02")]
UTTERANCES = {
    f"{gender}{code}{emotion}{number}": {
        "file": f"{'female' if gender == 'F' else 'male'}/{gender}{code}{emotion}{number}.wav",
        "speaker_id": f"{gender}{code}", "gender": "female" if gender == "F" else "male",
        "native_label": EMOTIONS[emotion], "emotion": EMOTIONS[emotion],
        "arousal": AROUSAL_VALENCE[EMOTIONS[emotion]][0], "valence": AROUSAL_VALENCE[EMOTIONS[emotion]][1],
        "language": "fa", "corpus": "shemo",
    }
    for gender, code, emotion, number in TAKES
}
SPLITS = ("train", "validation", "test")


def build(parent: Path) -> Path:
    """The fixture corpus folder under ``parent``."""
    root = write_corpus(parent / "ShEMO", [u["file"] for u in UTTERANCES.values()], RATE, seconds=SECONDS)
    transcripts = {uid: {"speaker_id": u["speaker_id"], "gender": u["gender"], "emotion": u["native_label"],
                         "transcript": "..."} for uid, u in UTTERANCES.items()}
    (root / "shemo.json").write_text(json.dumps(transcripts, indent=2))
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build(tmp_path_factory.mktemp("shemo"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("shemo-cache"))


@pytest.fixture(scope="module")
def shemo(corpus, cache):
    return ser_hub.load_corpus("shemo", corpus, cache_dir=cache)



def test_schema(shemo):
    features = shemo["train"].features
    assert features["native_label"].names == ["anger", "fear", "happiness", "neutral", "sadness", "surprise"]
    assert features["audio"] == datasets.Audio(sampling_rate=16000, num_channels=1)
    assert list(features) == ["audio", "file", "corpus", "utterance_id", "speaker_id", "gender", "language",
                              "native_label", "emotion", "arousal", "valence", "duration"]


def test_every_utterance_with_its_labels_speaker_and_gender(shemo):
    rows = rows_by_id(shemo)
    assert {uid: {key: row[key] for key in UTTERANCES[uid]} for uid, row in rows.items()} == UTTERANCES
    assert all(row["duration"] == pytest.approx(SECONDS) for row in rows.values())


def test_speaker_independent_split_never_shares_a_speaker(shemo):
    speakers = {name: set(shemo[name]["speaker_id"]) for name in SPLITS}
    assert speakers == reference_serab_split(u["speaker_id"] for u in UTTERANCES.values())
    assert not (speakers["train"] & speakers["validation"] or speakers["train"] & speakers["test"]
                or speakers["validation"] & speakers["test"])


def test_serab_split_groups_by_the_utterance_number_as_the_reference(corpus, cache):
    dataset = ser_hub.load_corpus("shemo", corpus, "serab", cache_dir=cache)
    expected = reference_serab_split(uid[4:6] for uid in UTTERANCES)
    assert {name: {uid[4:6] for uid in split["utterance_id"]} for name, split in dataset.items()} == expected
    speakers = {name: set(split["speaker_id"]) for name, split in dataset.items()}
    assert speakers == {name: {uid[:3] for uid in UTTERANCES if uid[4:6] in keys} for name, keys in expected.items()}
    assert speakers["train"] & speakers["validation"]  # the quirk: one speaker's utterances land in several splits
    assert any("name[4:6]" in note for note in read_build_record(dataset)["notes"])


def test_audio_is_decoded_at_16k_mono(shemo):
    decoded = shemo["validation"][0]["audio"].get_all_samples()
    assert decoded.sample_rate == 16000 and tuple(decoded.data.shape) == (1, int(16000 * SECONDS))


def test_build_record_lists_the_transcripts_as_ignored(shemo):
    record = read_build_record(shemo)
    assert record["root"] == "" and record["skipped"] == [] and record["ignored"] == ["shemo.json"]
