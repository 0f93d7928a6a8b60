"""RESD against EmoBox's list of the real corpus, and on a fixture of real file names in the layout EmoBox reads
(train.csv / test.csv naming files under train/ and test/, 16 kHz and 44.1 kHz).

Sources: the CSV columns (name, path, emotion) and the folders are those of EmoBox's resd.py, which joins each row's
path to train/ or test/ and takes the label from emotion; file names, rates and the official 1116/280 partition are
those of EmoBox's list (the Hugging Face card gives the same split sizes). The name column's content is not known: the
tests write the file's stem there, and the definition does not read it.
"""

import csv
import io
from collections import Counter

import numpy as np
import pytest

from corpus_fixtures import write_audio
from ser_hub import load_corpus, splits
from ser_hub.corpora import prepare_corpus
from ser_hub.corpora.spec import CorpusWarning
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, decoded_shape, real_lists, rows_by_id
from .real_lists import check_against_reference

SECONDS = 0.3  # a whole number of samples at 16 kHz from both rates
AROUSAL_VALENCE = {"anger": ("high", "negative"), "disgust": ("low", "negative"), "fear": ("high", "negative"),
                   "happiness": ("high", "positive"), "neutral": ("low", "neutral"), "sadness": ("low", "negative"),
                   "enthusiasm": (None, None)}
REASON = (r"RESD names no speakers\. Each dialogue was voiced by two actors whom the release does not identify "
          r"\(EmoBox counts every file as its own speaker\), so no split can be shown to keep speakers apart; the "
          r"official test set itself takes utterances from all 50 dialogues, whose other utterances are in train\. "
          r"Choose one of official, emobox, stratified\.")
REFERENCE = real_lists.reference  # the unpatched reader of EmoBox's lists


def listed() -> dict:
    """EmoBox's list without the artefacts of its own speaker file: 11 entries whose path starts with a duration
    ("2.26 downloads/resd/test/...") repeat real test entries, and 301 entries with a space in the file name have no
    speaker; EmoBox's resd.py gives every file its own name as speaker, so the list is completed with that."""
    raw = REFERENCE("resd")
    utterances = [{**u, "speaker": u.get("speaker", u["path"].rsplit("/", 1)[1])}
                  for u in raw["utterances"] if "downloads/" not in u["path"]]
    return {**raw, "utterances": utterances}


def csv_files(utterances) -> dict[str, str]:
    """train.csv and test.csv for the utterances, as EmoBox's resd.py reads them."""
    texts = {}
    for part in ("train", "test"):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["name", "path", "emotion"])
        for u in utterances:
            if u["path"].startswith(f"{part}/"):
                relative = u["path"].split("/", 1)[1]
                writer.writerow([relative.rsplit("/", 1)[1][:-4], relative, u["label"]])
        texts[f"{part}.csv"] = buffer.getvalue()
    return texts


@pytest.fixture(scope="module")
def whole_list(monkeypatch_module):
    utterances = listed()["utterances"]
    monkeypatch_module.setattr(real_lists, "reference", lambda name: listed() if name == "resd" else REFERENCE(name))
    # EmoBox's speaker is the file name, one per utterance: it corresponds to our utterance id, not to a speaker
    return check_against_reference("resd", "resd", texts=csv_files(utterances), speaker_field="utterance_id")


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_the_lists_artefacts_are_emoboxs_and_named_here():
    raw = REFERENCE("resd")["utterances"]
    artefacts = [u for u in raw if "downloads/" in u["path"]]
    real = {u["path"] for u in raw} - {u["path"] for u in artefacts}
    assert (len(raw), len(artefacts)) == (1407, 11)
    assert all(u["path"].split(" downloads/resd/", 1)[1] in real for u in artefacts)
    unnamed = [u for u in raw if "speaker" not in u]
    assert len(unnamed) == 301 and all(" " in u["path"].rsplit("/", 1)[1] for u in unnamed)


def test_the_whole_real_list_parses_with_emobox_labels_keys_and_split(whole_list):
    assert len(whole_list) == 1396
    assert Counter(record["_official"] for record in whole_list) == {"train": 1116, "test": 280}
    # 50 dialogues of two roles each; the roles' letter is always the label's initial
    assert len({record["speaker_id"] for record in whole_list}) == 100
    assert all(record["speaker_id"][3] == record["native_label"][0] for record in whole_list)
    assert Counter(record["native_label"] for record in whole_list) == {
        "fear": 223, "anger": 219, "happiness": 218, "enthusiasm": 198, "neutral": 191, "disgust": 185, "sadness": 162}
    # the official partition splits utterances: every dialogue, and 95 of the 100 roles, are in train and in test
    roles = {part: {r["speaker_id"] for r in whole_list if r["_official"] == part} for part in ("train", "test")}
    assert {role[:2] for role in roles["test"]} == {role[:2] for role in roles["train"]} == {
        f"{n:02d}" for n in range(1, 51)}
    assert len(roles["train"] & roles["test"]) == 95


def test_stratified_on_the_real_list_is_75_10_15_per_emotion(whole_list):
    partition = splits.partition(whole_list, "stratified")
    assert {name: len(rows) for name, rows in partition.items()} == {"train": 1044, "validation": 140, "test": 212}
    for rows in partition.values():
        assert set(Counter(whole_list[row]["native_label"] for row in rows)) == set(AROUSAL_VALENCE)


# -- a fixture of real names: every label, both rates, both parts, names with a space and without -------------------
def fixture_utterances() -> list[dict]:
    chosen, seen = [], set()
    for u in listed()["utterances"]:
        name = u["path"].rsplit("/", 1)[1]
        kinds = {("part", u["path"].split("/")[0], " " in name), ("rate", u["rate"]), ("label", u["label"])}
        if kinds - seen:
            chosen.append(u)
            seen |= kinds
    return chosen


UTTERANCES = fixture_utterances()
UNLISTED = "train/anger_fear_34/34_anger_fear_a_999.wav"  # audio beside listed files that no CSV row names


def expected(u: dict) -> dict:
    name = u["path"].rsplit("/", 1)[1][:-4]
    return {"file": u["path"], "corpus": "resd", "speaker_id": f"{name[:2]}_{name[-5]}", "gender": "unknown",
            "language": "ru", "native_label": u["label"],
            "emotion": "other" if u["label"] == "enthusiasm" else u["label"],
            "arousal": AROUSAL_VALENCE[u["label"]][0], "valence": AROUSAL_VALENCE[u["label"]][1],
            "duration": np.float32(SECONDS), "split": u["path"].split("/")[0]}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resd") / "resd"
    for index, u in enumerate(UTTERANCES):
        write_audio(folder / u["path"], u["rate"], 1, SECONDS, frequency=180.0 + 11 * index)
    write_audio(folder / UNLISTED, 16000, 1, SECONDS)
    for name, text in csv_files(UTTERANCES).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def prepared(root, cache):
    return prepare_corpus("resd", str(root), cache_dir=str(cache), progress=False)


def test_the_fixture_covers_both_parts_rates_and_names():
    assert len(UTTERANCES) == 11
    assert Counter(u["rate"] for u in UTTERANCES) == {16000: 7, 44100: 4}
    assert {u["path"].split("/")[0] for u in UTTERANCES if " " in u["path"]} == {"train", "test"}
    assert {u["label"] for u in UTTERANCES} == set(AROUSAL_VALENCE)


def test_every_listed_file_is_one_utterance_in_its_official_part(prepared):
    dataset = prepared.load("official")
    assert list(dataset) == ["train", "test"]
    assert list(dataset["train"].features) == BASE_COLUMNS
    rows = rows_by_id(dataset)
    assert {uid: {key: row[key] for key in expected(UTTERANCES[0])} for uid, row in rows.items()} == {
        u["path"].rsplit("/", 1)[1][:-4]: expected(u) for u in UTTERANCES}
    assert prepared.record["skipped"] == [{"file": UNLISTED, "reason": "not listed in train.csv, test.csv"}]


def test_both_rates_decode_at_16_khz_mono(prepared):
    shapes = {decoded_shape(row) for split in prepared.load("official").values() for row in split}
    assert shapes == {(16000, (1, int(16000 * SECONDS)))}


def test_the_emobox_protocol_is_emoboxs_train_and_test(prepared):
    fold = listed()["folds"]["fold_1"]
    dataset = prepared.load("emobox")
    assert {name: sorted(split["utterance_id"]) for name, split in dataset.items()} == {
        name: sorted(u["path"].rsplit("/", 1)[1][:-4] for u in UTTERANCES if u["key"] in fold[name])
        for name in ("train", "test")}
    official = prepared.load("official")
    assert {name: sorted(split["utterance_id"]) for name, split in dataset.items()} == {
        name: sorted(split["utterance_id"]) for name, split in official.items()}


@pytest.mark.parametrize("protocol", ["speaker-independent", "serab", "loso", "kfold-5"])
def test_speaker_grouped_protocols_are_refused_with_the_reason(prepared, protocol):
    with pytest.raises(CorpusError, match=rf"resd does not support the '{protocol}' protocol: {REASON}"):
        prepared.load(protocol)


def test_load_corpus_says_what_it_skipped_and_gives_the_official_splits(prepared, root, cache):
    with pytest.warns(CorpusWarning) as caught:
        dataset = load_corpus("resd", str(root), "official", cache_dir=str(cache), progress=False)
    assert [str(warning.message) for warning in caught] == [
        "resd: 1 of 12 audio files were skipped (1 x not listed in train.csv, test.csv); "
        "`read_build_record(dataset)['skipped']` lists each with its reason."]
    assert {name: len(split) for name, split in dataset.items()} == {"train": 9, "test": 2}
