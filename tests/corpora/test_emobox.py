"""The `emobox` protocol: EmoBox's folds as shipped, and on the real URDU corpus."""

import gzip
import json

import pytest

import ser_hub
from ser_hub.audit import audit
from ser_hub.corpora.emobox import FOLDS, build_folds, load_folds
from ser_hub.errors import CorpusError

from .real_lists import SHARED, reference


def test_the_shipped_folds_are_what_the_builder_makes_of_emobox_lists():
    lists = sorted((SHARED / "reference" / "emobox").glob("*.json.gz"))
    assert [path.name for path in lists] == sorted(path.name for path in FOLDS.glob("*.json.gz"))
    for path in lists:
        with gzip.open(path, "rt", encoding="utf-8") as file:
            assert load_folds(path.name.removesuffix(".json.gz")) == json.loads(json.dumps(build_folds(json.load(file))))


def test_k_fold_corpora_get_their_test_sets_and_single_fold_corpora_train_validation_test():
    emodb = load_folds("emodb")
    assert list(emodb["splits"]) == [f"fold_{k}" for k in range(1, 6)] and emodb["rest"] is None
    assert sum(len(keys) for keys in emodb["splits"].values()) == 535
    meld = load_folds("meld")
    assert {split: len(keys) for split, keys in meld["splits"].items()} == {"train": 9988, "validation": 1108,
                                                                             "test": 2610}
    assert load_folds("msppodcast")["rest"] == "train"
    # EmoBox's own folds share speakers between train and test for these corpora
    assert all(count > 0 for count in load_folds("emodb")["speakers_in_train_and_test"].values())
    assert load_folds("cremad")["speakers_in_train_and_test"] == {"fold_1": 91}


def test_the_emobox_protocol_on_the_real_urdu_corpus(urdu_dir, tmp_path):
    dataset = ser_hub.load_corpus("urdu", urdu_dir, "emobox", cache_dir=str(tmp_path))
    fold = reference("urdu")["folds"]["fold_1"]
    assert {split: sorted(f"urdu-{uid}" for uid in data["utterance_id"]) for split, data in dataset.items()} == {
        "train": sorted(fold["train"]), "test": sorted(fold["test"])}
    warnings = audit(dataset).warnings
    assert any(warning.endswith("appear in both train and test: the split is not speaker-independent.")
               for warning in warnings)


def test_a_corpus_emobox_does_not_have_has_no_emobox_protocol(tmp_path):
    from .definitions import build_levels

    definition, root = build_levels(tmp_path)
    with pytest.raises(CorpusError, match="levels is not one of the EmoBox benchmark's corpora"):
        ser_hub.load_corpus(str(definition), root, "emobox", cache_dir=str(tmp_path / "cache"))
