"""MEAD against EmoBox's list of the real corpus, and on a fixture of real clip names in the per-actor layout
(<M|W><nnn>/audio/<emotion>/level_<k>/<nnn>.m4a), AAC in M4A at the clips' listed rates.

Sources: the layout, M (actor) / W (actress) and the three intensity levels: the repository README
(github.com/uniBruce/Mead) and EmoBox's list and mead.py; the list's rates (48 kHz, five clips at 44.1 kHz) are
known only for EmoBox's test clips, so the fixture's one train clip is written at 48 kHz (an assumption).
"""

from collections import Counter

import numpy as np
import pytest

from ser_hub.corpora import corpus_info, prepare_corpus

from . import BASE_COLUMNS, rows_by_id
from .container_fixtures import prepared_samples, write_container
from .real_lists import check_against_reference, covering_subset, reference

SECONDS = 0.4
UTTERANCES = reference("mead")["utterances"]
RATED = [u for u in UTTERANCES if u.get("rate")]
# every emotion of an actor, the levels of an actress's anger, a 44.1 kHz clip and a clip of EmoBox's train set
LISTED = [*covering_subset([u for u in RATED if u["speaker"] == "M003"], lambda u: u["label"]),
          *covering_subset([u for u in RATED if u["path"].startswith("W009/audio/angry/")], lambda u: u["path"]),
          next(u for u in RATED if u["rate"] == 44100),
          next(u for u in UTTERANCES if u["path"] == "M005/audio/neutral/level_1/039.m4a")]
UNIFIED = {"angry": "anger", "contempt": "other", "disgusted": "disgust", "fear": "fear", "happy": "happiness",
           "neutral": "neutral", "sad": "sadness", "surprised": "surprise"}
AROUSAL_VALENCE = {"angry": ("high", "negative"), "contempt": ("low", "negative"), "disgusted": ("low", "negative"),
                   "fear": ("high", "negative"), "happy": ("high", "positive"), "neutral": ("low", "neutral"),
                   "sad": ("low", "negative"), "surprised": ("high", "neutral")}


def expected(utterance: dict) -> dict:
    speaker, _, emotion, level, number = utterance["path"].removesuffix(".m4a").split("/")
    level = level.removeprefix("level_")
    return {"file": utterance["path"], "corpus": "mead", "utterance_id": f"{speaker}_{emotion}_{level}_{number}",
            "speaker_id": speaker, "gender": {"M": "male", "W": "female"}[speaker[0]], "language": "en",
            "native_label": emotion, "emotion": UNIFIED[emotion], "arousal": AROUSAL_VALENCE[emotion][0],
            "valence": AROUSAL_VALENCE[emotion][1], "intensity": int(level)}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("mead") / "MEAD"
    for index, utterance in enumerate(LISTED):
        write_container(root / utterance["path"], utterance.get("rate", 48000), utterance.get("channels", 1), SECONDS,
                        frequency=200 + 15 * index, video=False)
    return root


@pytest.fixture(scope="module")
def prepared(corpus, tmp_path_factory):
    return prepare_corpus("mead", str(corpus), cache_dir=str(tmp_path_factory.mktemp("cache")), progress=False)


def test_the_whole_real_list_parses_with_emobox_speakers_labels_keys_and_folds():
    records = check_against_reference("mead", "mead")
    assert len(records) == 31729
    assert Counter(u.get("rate") for u in UTTERANCES) == {None: 23800, 48000: 7924, 44100: 5}
    assert Counter(record["gender"] for record in records) == {"male": 17895, "female": 13834}
    assert {record["intensity"] for record in records if record["native_label"] == "neutral"} == {1}


def test_the_fixture_covers_every_emotion_level_gender_and_rate():
    assert {u["label"] for u in LISTED} == set(UNIFIED)
    assert {u["path"].split("/")[3] for u in LISTED} == {"level_1", "level_2", "level_3"}
    assert {u.get("rate") for u in LISTED} == {48000, 44100, None} and {u["speaker"][0] for u in LISTED} == {"M", "W"}


def test_every_clip_with_its_actor_gender_labels_and_intensity(prepared, corpus):
    dataset = prepared.load("speaker-independent")
    assert list(dataset["train"].features) == [*BASE_COLUMNS, "intensity"]
    assert dataset["train"].features["native_label"].names == list(UNIFIED)
    rows = rows_by_id(dataset)
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        expected(u)["utterance_id"]: expected(u) for u in LISTED}
    for utterance in LISTED:
        _, duration = prepared_samples(corpus / utterance["path"])
        assert rows[expected(utterance)["utterance_id"]]["duration"] == np.float32(duration)


def test_the_aac_audio_is_stored_at_16_khz_mono(prepared, corpus):
    examples = {e["utterance_id"]: e for split in prepared.load("speaker-independent").values() for e in split}
    for utterance in LISTED:
        decoded = examples[expected(utterance)["utterance_id"]]["audio"].get_all_samples()
        samples, _ = prepared_samples(corpus / utterance["path"])
        assert decoded.sample_rate == 16000 and decoded.data.shape[0] == 1
        assert np.array_equal(decoded.data.numpy()[0], samples)


def test_the_emobox_protocol_tests_on_emobox_test_clips_and_trains_on_the_others(prepared):
    test = set(reference("mead")["folds"]["fold_1"]["test"])
    assert {name: sorted(split["utterance_id"]) for name, split in prepared.load("emobox").items()} == {
        "train": ["M005_neutral_1_039"],
        "test": sorted(expected(u)["utterance_id"] for u in LISTED if u["key"] in test)}
    assert corpus_info("mead").emobox.name == "mead"
