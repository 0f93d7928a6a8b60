"""MELD against EmoBox's list of the real corpus (with the three annotation CSVs written from it), and on a fixture of
real clip names in MELD.Raw's layout: MP4 clips with a video track and AAC sound at 48 kHz, the CSVs naming them.

Sources: the CSV columns and the split sizes: the declare-lab/MELD README; the folders, EmoBox's keys and the CSVs'
places (train/train_sent_emo.csv, dev_sent_emo.csv, test_sent_emo.csv): EmoBox's meld.py and list (other copies hold
train_sent_emo.csv at the top, which the fixture uses); the corrupt train dia125_utt3, the missing dev dia110_utt7 and
the unannotated clips (dev dia49_utt4, test final_videos_testdia101_utt0): declare-lab/MELD issues 22, 27, 39 and 52.
EmoBox's meld.py writes channel 1 for two-channel sound and 3 otherwise, so the fixture writes those as stereo and as
5.1 (six channels; the real count is not in the list).
"""

import csv
import io
from collections import Counter, defaultdict

import numpy as np
import pytest

from ser_hub.corpora import prepare_corpus, read_build_record

from . import BASE_COLUMNS, rows_by_id
from .container_fixtures import prepared_samples, write_container
from .real_lists import check_against_reference, covering_subset, reference

SECONDS = 0.4
UTTERANCES = reference("meld")["utterances"]
FOLDERS = {"train": "train/train_splits", "dev": "dev_splits_complete", "test": "output_repeated_splits_test"}
PART = {folder: part for part, folder in FOLDERS.items()}
COLUMNS = ["Sr No.", "Utterance", "Speaker", "Emotion", "Sentiment", "Dialogue_ID", "Utterance_ID", "Season",
           "Episode", "StartTime", "EndTime"]
UNIFIED = {"neutral": "neutral", "joy": "happiness", "surprise": "surprise", "anger": "anger", "sadness": "sadness",
           "disgust": "disgust", "fear": "fear"}
AROUSAL_VALENCE = {"neutral": ("low", "neutral"), "joy": ("high", "positive"), "surprise": ("high", "neutral"),
                   "anger": ("high", "negative"), "sadness": ("low", "negative"), "disgust": ("low", "negative"),
                   "fear": ("high", "negative")}
LISTED = covering_subset(UTTERANCES, lambda u: u["path"])
CORRUPT, UNANNOTATED = "train/train_splits/dia125_utt3.mp4", ["dev_splits_complete/dia49_utt4.mp4",
                                                              "output_repeated_splits_test/final_videos_testdia101_utt0.mp4"]


def place(utterance: dict) -> tuple[str, str, str]:
    """(split, dialogue, utterance) of a listed clip."""
    folder, name = utterance["path"].rsplit("/", 1)
    dialogue, number = name.removesuffix(".mp4").removeprefix("dia").split("_utt")
    return PART[folder], dialogue, number


def annotations(utterances, train_csv: str, extra_rows=()) -> dict[str, str]:
    """The three CSVs with a row per utterance (the speaker as the CSV spells it: EmoBox wrote spaces as hyphens)."""
    rows = defaultdict(list)
    for utterance in utterances:
        part, dialogue, number = place(utterance)
        rows[part].append([len(rows[part]) + 1, f"Line of {utterance['speaker']}, {number}.",
                           utterance["speaker"].replace("-", " "), utterance["label"], "neutral", dialogue, number, 1, 1,
                           "00:00:01,000", "00:00:02,000"])
    for part, row in extra_rows:
        rows[part].append(row)
    texts = {}
    for part, path in (("train", train_csv), ("dev", "dev_sent_emo.csv"), ("test", "test_sent_emo.csv")):
        buffer = io.StringIO()
        csv.writer(buffer).writerows([COLUMNS, *rows[part]])
        texts[path] = buffer.getvalue()
    return texts


def test_the_whole_real_list_parses_with_emobox_speakers_labels_keys_and_folds():
    records = check_against_reference("meld", "meld", texts=annotations(UTTERANCES, "train/train_sent_emo.csv"))
    assert len(records) == 13706
    assert Counter(record["_official"] for record in records) == {"train": 9988, "validation": 1108, "test": 2610}
    assert len({record["speaker_id"] for record in records}) == 304
    assert Counter(u["channels"] for u in UTTERANCES) == {3: 12109, 1: 1597}


def expected(utterance: dict) -> dict:
    part, dialogue, number = place(utterance)
    label = utterance["label"]
    return {"file": utterance["path"], "corpus": "meld", "utterance_id": f"{part}_dia{dialogue}_utt{number}",
            "speaker_id": utterance["speaker"].replace("-", " "), "gender": "unknown", "language": "en",
            "native_label": label, "emotion": UNIFIED[label], "arousal": AROUSAL_VALENCE[label][0],
            "valence": AROUSAL_VALENCE[label][1], "text": f"Line of {utterance['speaker']}, {number}.",
            "sentiment": "neutral", "split": {"train": "train", "dev": "validation", "test": "test"}[part]}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("meld") / "MELD.Raw"
    for index, utterance in enumerate(LISTED):
        write_container(root / utterance["path"], utterance["rate"], {1: 2, 3: 6}[utterance["channels"]], SECONDS,
                        frequency=200 + 20 * index)
    for path in UNANNOTATED:
        write_container(root / path, 48000, 2, SECONDS)
    (root / CORRUPT).write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(64))
    missing = [7, "No clip for this line.", "Rachel", "joy", "positive", 110, 7, 1, 1, "0", "0"]  # dev dia110_utt7
    broken = [8, "A corrupt clip.", "Ross", "anger", "negative", 125, 3, 1, 1, "0", "0"]
    for path, text in annotations(LISTED, "train_sent_emo.csv", [("dev", missing), ("train", broken)]).items():
        (root / path).write_text(text)
    return root


@pytest.fixture(scope="module")
def prepared(corpus, tmp_path_factory):
    return prepare_corpus("meld", str(corpus), cache_dir=str(tmp_path_factory.mktemp("cache")), progress=False)


def test_the_fixture_covers_every_split_label_and_channel_count():
    assert {place(u)[0] for u in LISTED} == set(FOLDERS) and {u["label"] for u in LISTED} == set(UNIFIED)
    assert {u["channels"] for u in LISTED} == {1, 3}


def test_every_row_with_its_speaker_labels_text_and_official_split(prepared, corpus):
    dataset = prepared.load("official")
    assert list(dataset) == ["train", "validation", "test"]
    assert list(dataset["train"].features) == [*BASE_COLUMNS, "text", "sentiment"]
    assert dataset["train"].features["native_label"].names == list(UNIFIED)
    rows = rows_by_id(dataset)
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        expected(u)["utterance_id"]: expected(u) for u in LISTED}
    for utterance in LISTED:
        assert rows[expected(utterance)["utterance_id"]]["duration"] == np.float32(
            prepared_samples(corpus / utterance["path"])[1])


def test_the_corrupt_clip_is_excluded_and_unannotated_clips_are_skipped(prepared):
    assert read_build_record(prepared.load("official"))["skipped"] == [
        {"file": "dev_splits_complete/dia49_utt4.mp4",
         "reason": "not listed in dev_sent_emo.csv, test_sent_emo.csv, *train_sent_emo.csv"},
        {"file": "output_repeated_splits_test/final_videos_testdia101_utt0.mp4",
         "reason": "not listed in dev_sent_emo.csv, test_sent_emo.csv, *train_sent_emo.csv"},
        {"file": CORRUPT, "reason": "excluded: the clip is corrupt (declare-lab/MELD issues 39 and 52; EmoBox fails "
                                    "to read it)"}]


def test_stereo_and_six_channel_sound_is_stored_at_16_khz_mono(prepared, corpus):
    examples = {e["file"]: e for split in prepared.load("official").values() for e in split}
    assert sorted(examples) == sorted(u["path"] for u in LISTED)
    for path, example in examples.items():
        decoded = example["audio"].get_all_samples()
        assert decoded.sample_rate == 16000 and decoded.data.shape[0] == 1
        assert np.array_equal(decoded.data.numpy()[0], prepared_samples(corpus / path)[0])


def test_the_emobox_protocol_is_the_official_partition(prepared):
    official = {name: sorted(split["utterance_id"]) for name, split in prepared.load("official").items()}
    assert {name: sorted(split["utterance_id"]) for name, split in prepared.load("emobox").items()} == official
