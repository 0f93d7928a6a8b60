"""MER2023 against EmoBox's list of the real corpus (with the four label CSVs written from it), and on a fixture of
real clip names in EmoBox's copy's layout: AVI (16-bit PCM) and MP4 (AAC) clips with a video track at their listed
rates (44.1, 48 and 16 kHz), mono.

Sources: the label CSVs' places and the clips' folders: EmoBox's mer2023.py and list; their columns (name, discrete,
valence; test3 without valence): MERTools' dataset script for MER2023 (zeroQiaoba); the tracks and set sizes: the
MER 2023 paper (Lian et al., 2023).
"""

from collections import Counter, defaultdict

import numpy as np
import pytest

from ser_hub.corpora import corpus_info, prepare_corpus
from ser_hub.errors import CorpusError
from ser_hub.protocols.regression import score_column

from . import BASE_COLUMNS, rows_by_id
from .container_fixtures import prepared_samples, write_container
from .real_lists import check_against_reference, covering_subset, reference

SECONDS = 0.4
UTTERANCES = reference("mer2023")["utterances"]
CSVS = {"mer2023train/train": "mer2023train/train-label.csv", "test1": "test-labels/test1-label.csv",
        "test2": "test-labels/test2-label.csv", "mer2023train/test3": "test-labels/test3-label.csv"}
OFFICIAL = {"mer2023train/train": "train", "test1": "test", "test2": "test2", "mer2023train/test3": "test3"}
UNIFIED = {"neutral": "neutral", "angry": "anger", "happy": "happiness", "sad": "sadness", "worried": "other",
           "surprise": "surprise"}
AROUSAL_VALENCE = {"neutral": ("low", "neutral"), "angry": ("high", "negative"), "happy": ("high", "positive"),
                   "sad": ("low", "negative"), "worried": ("low", "negative"), "surprise": ("high", "neutral")}
# every folder, rate, label and container of the list
LISTED = covering_subset(UTTERANCES, lambda u: u["path"].rsplit(".", 1)[1] + "/" + u["path"])


def valence_of(name: str) -> float:
    """A valence for each clip of the fixture, from the number in its name (-5 to 5 in steps of 0.5)."""
    return int(name.split("_")[1].split(".")[0]) % 21 / 2 - 5


def labels(utterances) -> dict[str, str]:
    """The label CSVs with a row per clip (a made-up valence, `valence_of`; test3's CSV has none)."""
    rows = defaultdict(list)
    for utterance in utterances:
        folder, name = utterance["path"].rsplit("/", 1)
        valence = "" if folder.endswith("test3") else f",{valence_of(name)}"
        rows[CSVS[folder]].append(f"{name.rsplit('.', 1)[0]},{utterance['label']}{valence}\n")
    return {path: ("name,discrete\n" if path.endswith("test3-label.csv") else "name,discrete,valence\n")
            + "".join(rows[path]) for path in CSVS.values()}


def test_the_whole_real_list_parses_with_emobox_clips_labels_keys_and_folds():
    records = check_against_reference("mer2023", "mer2023", texts=labels(UTTERANCES))
    assert len(records) == 5030
    assert Counter(record["_official"] for record in records) == {"train": 3373, "test": 411, "test2": 412,
                                                                  "test3": 834}
    assert Counter(u["path"].rsplit(".", 1)[1] for u in UTTERANCES) == {"avi": 3821, "mp4": 1209}
    assert Counter(u["rate"] for u in UTTERANCES) == {44100: 3822, 48000: 796, 16000: 412}


def expected(utterance: dict) -> dict:
    folder, name = utterance["path"].rsplit("/", 1)
    label = utterance["label"]
    return {"file": utterance["path"], "corpus": "mer2023", "utterance_id": name.rsplit(".", 1)[0],
            "speaker_id": name.rsplit(".", 1)[0], "gender": "unknown", "language": "zh", "native_label": label,
            "emotion": UNIFIED[label], "arousal": AROUSAL_VALENCE[label][0], "valence": AROUSAL_VALENCE[label][1],
            "split": OFFICIAL[folder]}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("mer2023") / "mer2023"
    for index, utterance in enumerate(LISTED):
        write_container(root / utterance["path"], utterance["rate"], utterance["channels"], SECONDS,
                        frequency=200 + 20 * index)
    for path, text in labels(LISTED).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


@pytest.fixture(scope="module")
def prepared(corpus, tmp_path_factory):
    return prepare_corpus("mer2023", str(corpus), cache_dir=str(tmp_path_factory.mktemp("cache")), progress=False)


def test_the_fixture_covers_every_set_label_rate_and_container():
    assert {OFFICIAL[u["path"].rsplit("/", 1)[0]] for u in LISTED} == {"train", "test", "test2", "test3"}
    assert {u["label"] for u in LISTED} == set(UNIFIED) and {u["rate"] for u in LISTED} == {44100, 48000, 16000}
    assert {u["path"].rsplit("/", 1)[0] + u["path"][-4:] for u in LISTED} >= {"mer2023train/test3.avi",
                                                                             "mer2023train/test3.mp4"}


def test_every_clip_with_its_label_and_the_challenge_sets(prepared, corpus):
    dataset = prepared.load("official")
    assert list(dataset) == ["train", "test", "test3", "test2"]
    assert list(dataset["train"].features) == BASE_COLUMNS + ["valence_score"]
    assert dataset["train"].features["native_label"].names == list(UNIFIED)
    rows = rows_by_id(dataset)
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        expected(u)["utterance_id"]: expected(u) for u in LISTED}
    for utterance in LISTED:
        assert rows[expected(utterance)["utterance_id"]]["duration"] == np.float32(
            prepared_samples(corpus / utterance["path"])[1])


def test_valence_is_kept_as_a_float_column_and_test3_has_none(prepared):
    rows = rows_by_id(prepared.load("official"))
    for utterance in LISTED:
        folder, name = utterance["path"].rsplit("/", 1)
        value = rows[name.rsplit(".", 1)[0]]["valence_score"]
        assert np.isnan(value) if folder.endswith("test3") else value == np.float32(valence_of(name))
    assert any(np.isnan(row["valence_score"]) for row in rows.values())
    assert score_column(corpus_info("mer2023"), "valence") == "valence_score"
    assert score_column(corpus_info("mer2023"), "arousal") is None


def test_avi_and_mp4_sound_is_stored_at_16_khz_mono(prepared, corpus):
    examples = {e["file"]: e for split in prepared.load("official").values() for e in split}
    for path, example in examples.items():
        decoded = example["audio"].get_all_samples()
        assert decoded.sample_rate == 16000 and decoded.data.shape[0] == 1
        assert np.array_equal(decoded.data.numpy()[0], prepared_samples(corpus / path)[0])


def test_the_emobox_protocol_trains_on_train_tests_on_test1_and_leaves_test2_and_test3_out(prepared):
    assert {name: sorted(split["file"]) for name, split in prepared.load("emobox").items()} == {
        name: sorted(u["path"] for u in LISTED if u["path"].startswith(folder))
        for name, folder in (("train", "mer2023train/train/"), ("test", "test1/"))}


@pytest.mark.parametrize("protocol", ["speaker-independent", "serab", "kfold-5", "loso"])
def test_speaker_grouped_protocols_are_refused_with_the_reason(prepared, protocol):
    with pytest.raises(CorpusError, match=rf"mer2023 does not support the '{protocol}' protocol: MER2023 names no "
                                          r"speakers .* Choose one of official, emobox, stratified\."):
        prepared.load(protocol)
