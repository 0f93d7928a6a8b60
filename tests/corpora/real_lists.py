"""The real corpora as EmoBox listed them (`../shared/reference/emobox/<corpus>.json.gz`: every utterance's path,
speaker, label, duration, native rate and channels), for corpus tests that do not need the audio.

`ListedCorpus` stands for a corpus folder holding exactly the listed files (and any annotation files a test adds), so
a definition's scan runs over the whole real list from the paths alone; `covering_subset` picks a few real files that
cover every folder layout, sample rate, channel count and label, to write as short audio fixtures.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath

SHARED = Path(os.environ.get("SER_HUB_SHARED", Path(__file__).resolve().parents[2] / ".." / "shared")).resolve()


def reference(name: str) -> dict:
    """EmoBox's list of one corpus (EmoBox's name for it)."""
    with gzip.open(SHARED / "reference" / "emobox" / f"{name}.json.gz", "rt", encoding="utf-8") as file:
        return json.load(file)


class ListedCorpus:
    """A stand-in for `ser_hub.corpora.source.CorpusSource` over listed paths: audio files without content, and
    annotation files with the text given."""

    def __init__(self, paths: Iterable[str], texts: Mapping[str, str] | None = None):
        self.texts = dict(texts or {})
        self.paths = sorted({*paths, *self.texts})
        self.location = Path("listed")

    def read_text(self, relative: str, encoding: str = "utf-8") -> str:
        return self.texts[relative]

    def read_bytes(self, relative: str) -> bytes:
        return self.texts[relative].encode()

    def __str__(self) -> str:
        return "the listed corpus"


def consistent(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """{theirs: ours} for pairs that must correspond one to one (e.g. EmoBox's speaker ids and ours); raises when
    one of theirs maps to two of ours or two of theirs to one of ours."""
    mapping: dict[str, str] = {}
    for theirs, ours in pairs:
        if mapping.setdefault(theirs, ours) != ours:
            raise AssertionError(f"{theirs!r} corresponds to both {mapping[theirs]!r} and {ours!r}")
    inverse: dict[str, str] = {}
    for theirs, ours in mapping.items():
        if inverse.setdefault(ours, theirs) != theirs:
            raise AssertionError(f"{ours!r} corresponds to both {inverse[ours]!r} and {theirs!r}")
    return mapping


def covering_subset(utterances: list[dict], path_of: Callable[[dict], str], per_kind: int = 1) -> list[dict]:
    """A few utterances covering every folder, sample rate, channel count and label of the list (in list order)."""
    chosen, seen = [], set()
    for utterance in utterances:
        kinds = {("folder", str(PurePosixPath(path_of(utterance)).parent)), ("rate", utterance.get("rate")),
                 ("channels", utterance.get("channels")), ("label", utterance["label"])}
        if kinds - seen:
            chosen.append(utterance)
            seen |= kinds
    return chosen


def check_against_reference(corpus: str, emobox_name: str, *, path: Callable[[dict], str] = lambda u: u["path"],
                            texts: Mapping[str, str] | None = None, skipped: Mapping[str, str] | None = None,
                            options: Mapping[str, object] | None = None, speaker_field: str = "speaker_id") -> list[dict]:
    """Run EmoBox's whole list of a corpus through its definition, from the paths alone, and check it: every listed
    utterance is a record except the `skipped` ones (path -> start of the reason); EmoBox's speakers and ours
    correspond one to one (`speaker_field` where EmoBox groups otherwise), each EmoBox label gives one native label
    of ours; the definition names every utterance as
    EmoBox does; and the emobox protocol reproduces EmoBox's folds exactly. Returns the records."""
    from ser_hub.corpora import corpus_info, emobox

    spec = corpus_info(corpus).configure(**(options or {}))
    listed = reference(emobox_name)
    by_path = {path(utterance): utterance for utterance in listed["utterances"]}
    source = ListedCorpus(by_path, texts)
    scan = spec.scan(source)
    skips = {skip.file: skip.reason for skip in scan.skipped}
    expected_skips = dict(skipped or {})
    assert {file: reason for file, reason in skips.items() if file not in expected_skips} == {}
    assert sorted(skips) == sorted(expected_skips)
    for file, reason in expected_skips.items():
        assert skips[file].startswith(reason), (file, skips[file])
    records = {scan.root + record["file"]: record for record in scan.records}
    kept = {file: utterance for file, utterance in by_path.items() if file[len(scan.root):] not in skips}
    assert sorted(records) == sorted(kept)
    consistent((utterance["speaker"], records[file][speaker_field]) for file, utterance in kept.items())
    labels: dict[str, str] = {}
    for file, utterance in kept.items():
        assert labels.setdefault(utterance["label"], records[file]["native_label"]) == records[file]["native_label"]
    assert {file: records[file]["_emobox_key"] for file in kept} == {file: u["key"] for file, u in kept.items()}
    splits, missing = emobox.assign(spec.emobox.name, (record["_emobox_key"] for record in scan.records))
    assert sorted(missing) == sorted(by_path[scan.root + file]["key"] for file in skips)
    expected = {}
    for fold, parts in listed["folds"].items():
        for part, keys in parts.items():
            if isinstance(keys, list):
                expected[(fold, part)] = sorted(set(keys) - set(missing))
    found = {split: sorted(scan.records[row]["_emobox_key"] for row in rows) for split, rows in splits.items()}
    if len(listed["folds"]) > 1:
        assert found == {fold: keys for (fold, part), keys in expected.items() if part == "test"}
    else:
        names = {"train": "train", "valid": "validation", "test": "test"}
        listed_parts = {names[part]: keys for (_, part), keys in expected.items()}
        if "train" not in listed_parts:  # EmoBox's train list is every other utterance
            others = set().union(*map(set, listed_parts.values()))
            listed_parts["train"] = sorted(record["_emobox_key"] for record in scan.records
                                           if record["_emobox_key"] not in others)
        assert found == listed_parts
    return scan.records
