"""The `emobox` split protocol: the folds of the EmoBox benchmark, reproduced exactly.

EmoBox (Ma et al., "EmoBox: Multilingual Multi-corpus Speech Emotion Recognition Toolkit and Benchmark", Interspeech
2024; github.com/emo-box/EmoBox, MIT licence) publishes, for 32 corpora, which utterances form the train, test and (for
some) validation sets of each fold. ser-hub ships those assignments as package data (`emobox/<corpus>.json.gz`, keyed
by EmoBox's utterance keys, built by `build_folds` from EmoBox's lists) and a corpus definition says how EmoBox names
each of its utterances (`emobox: {name: ..., key: "<format string>"}`).

Where the folds' test sets partition the corpus and each fold trains on the rest (k-fold corpora such as EmoDB or
IEMOCAP), the protocol gives one split per fold, `fold_1` ... `fold_K`, the test set of that fold (train on the
others), as the `kfold-K` protocol does. Where EmoBox has one fold (most corpora), it gives `train`, `test` and, where
EmoBox has an official one, `validation`, exactly as listed: utterances EmoBox leaves out belong to no split.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import CorpusError

FOLDS = Path(__file__).parent / "emobox"
SOURCE = "EmoBox (github.com/emo-box/EmoBox @08280f2, data/<corpus>; MIT licence), Ma et al., Interspeech 2024"
_PARTS = {"train": "train", "valid": "validation", "test": "test"}


def build_folds(reference: Mapping[str, Any]) -> dict[str, Any]:
    """The package data of one corpus from an EmoBox list (`../shared/reference/emobox/<corpus>.json.gz`): split name
    -> sorted keys, the train split left out where it is every other utterance, and per fold how many of EmoBox's
    speakers its train and test sets share."""
    speaker = {utterance["key"]: utterance.get("speaker") for utterance in reference["utterances"]}
    folds = reference["folds"]
    everything = set(speaker)

    def train_of(fold: Mapping[str, Any]) -> set[str]:
        listed = fold.get("train")
        return set(listed) if isinstance(listed, list) else everything - set(fold["test"]) - set(fold.get("valid", []))

    tests = [set(fold["test"]) for fold in folds.values()]
    partition = (
        len(folds) > 1
        and sum(map(len, tests)) == len(everything) == len(set().union(*tests))
        and all(train_of(fold) == everything - test and "valid" not in fold for fold, test in zip(folds.values(), tests))
    )
    if partition:
        splits: dict[str, Any] = {name: sorted(fold["test"]) for name, fold in folds.items()}
        rest = None
    else:
        if len(folds) != 1:
            raise ValueError(f"{reference['corpus']}: several folds that do not partition the corpus")
        fold = next(iter(folds.values()))
        splits = {_PARTS[part]: sorted(keys) for part, keys in fold.items() if isinstance(keys, list)}
        rest = "train" if "train" not in splits else None
    shared = {
        name: len({speaker[key] for key in train_of(fold)} & {speaker[key] for key in fold["test"]} - {None})
        for name, fold in folds.items()
    }
    return {"corpus": reference["corpus"], "source": SOURCE, "splits": splits, "rest": rest,
            "speakers_in_train_and_test": shared}


@cache
def load_folds(name: str) -> dict[str, Any]:
    """The shipped EmoBox assignments of one corpus (EmoBox's name for it)."""
    path = FOLDS / f"{name}.json.gz"
    if not path.exists():
        known = ", ".join(sorted(file.name.removesuffix(".json.gz") for file in FOLDS.glob("*.json.gz")))
        raise CorpusError(f"EmoBox has no folds for a corpus called {name!r}; it has {known}.")
    with gzip.open(path, "rt", encoding="utf-8") as file:
        return json.load(file)


def _split_order(name: str) -> tuple[int, int]:
    """train, validation, test, then fold_1, fold_2, ... in number order."""
    if name in ("train", "validation", "test"):
        return (0, ("train", "validation", "test").index(name))
    return (1, int(name.removeprefix("fold_")))


def assign(name: str, keys: Iterable[str]) -> tuple[dict[str, list[int]], list[str]]:
    """Split name -> positions of `keys` (each record's EmoBox key, in corpus order) in that split; and the keys of
    EmoBox's folds that are not among `keys` (files this copy lacks, or that ser-hub skips or excludes)."""
    folds = load_folds(name)
    split_of = {key: split for split, members in folds["splits"].items() for key in members}
    keys = list(keys)
    names = sorted({*folds["splits"], *filter(None, [folds["rest"]])}, key=_split_order)
    splits: dict[str, list[int]] = {split: [] for split in names}
    for position, key in enumerate(keys):
        split = split_of.get(key, folds["rest"])
        if split is not None:
            splits[split].append(position)
    missing = sorted(set(split_of) - set(keys))
    return {split: rows for split, rows in splits.items() if rows}, missing
