"""Split protocols (docs/design.md §5): deterministic assignments of a corpus's utterances to splits.

- ``serab``: the SERAB reference algorithm on the corpus's reference grouping key (quirks kept on purpose);
- ``speaker-independent`` (default): the same algorithm on the true speaker ids;
- ``kfold-K`` / ``loso``: speaker-grouped folds (or the spec's fold key, e.g. IEMOCAP sessions);
- ``stratified``: train 75 / validation 10 / test 15 % per gender x emotion stratum, utterance level (not
  speaker-independent);
- ``official``: the corpus's own partition, where it defines one.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import accumulate

import numpy as np

from .errors import CorpusError

DEFAULT_PROTOCOL = "speaker-independent"


def protocol_family(protocol: str) -> str:
    """The protocol without its parameter: kfold-5 -> kfold."""
    return "kfold" if _KFOLD.fullmatch(protocol) else protocol
SPLITS = ("train", "validation", "test")
# The multi-task wav2vec 2.0 paper: "train/test/validation (75%/15%/10%)", here in (train, validation, test) order.
STRATIFIED_PROPORTIONS = (0.75, 0.10, 0.15)
PROTOCOL_HELP = {
    "speaker-independent": "SERAB's algorithm on the true speaker ids, exact boundaries: no speaker in two splits (default).",
    "serab": "SERAB's reference split, reproduced exactly with its grouping key (quirks kept and flagged).",
    "kfold-K": "K speaker-grouped folds fold_0..fold_{K-1} (e.g. kfold-5).",
    "loso": "one fold per speaker (per session for IEMOCAP): leave one speaker out.",
    "stratified": "train/test/validation 75/15/10 % stratified by gender and emotion, utterance level: NOT speaker-independent.",
    "official": "the corpus's own partition (only where it defines one).",
    "emobox": "EmoBox's published folds: fold_1..fold_K (test sets; train on the others) or train/validation/test.",
}
_KFOLD = re.compile(r"kfold-(\d+)")


def protocols_help() -> str:
    """The split protocols, one per line, for command help."""
    return "split protocols:\n" + "\n".join(f"  {name:<20} {text}" for name, text in PROTOCOL_HELP.items())


def check_protocol(protocol: str) -> str:
    if protocol in PROTOCOL_HELP and protocol != "kfold-K" or _KFOLD.fullmatch(protocol):
        return protocol
    raise CorpusError(
        f"unknown split protocol {protocol!r}; choose one of: speaker-independent, serab, kfold-K (e.g. kfold-5), "
        "loso, stratified, official, emobox."
    )


def cut(items: Sequence, proportions: Sequence[float], *, reference_float_sum: bool = False) -> list[list]:
    """Cut a sequence at int(p_cum * n) for the cumulative proportions, the last boundary forced to n (SERAB).

    The SERAB reference adds the proportions as floats (0.7 + 0.1 = 0.7999...), which moves a boundary whenever
    0.8 * n is whole: ``reference_float_sum=True`` reproduces that for the ``serab`` protocol; otherwise the cumulative
    proportions are exact (rounded to 10 decimals).
    """
    n = len(items)
    cumulative = accumulate(proportions)
    bounds = [0, *(int((p if reference_float_sum else round(p, 10)) * n) for p in cumulative)]
    bounds[-1] = n
    return [list(items[start:end]) for start, end in zip(bounds, bounds[1:])]


def shuffled_groups(keys: Iterable) -> list[str]:
    """``sorted(set(keys))`` as strings, shuffled in place by ``numpy.random.RandomState(0)`` (SERAB)."""
    groups = sorted({str(key) for key in keys})
    np.random.RandomState(0).shuffle(groups)
    return groups


def serab_partition(
    keys: Iterable, proportions: Sequence[float] = (0.6, 0.2, 0.2), *, reference_float_sum: bool = True
) -> dict[str, str]:
    """Grouping key -> split name, by the SERAB reference algorithm (its floating-point sums by default)."""
    parts = cut(shuffled_groups(keys), proportions, reference_float_sum=reference_float_sum)
    return {group: split for split, part in zip(SPLITS, parts) for group in part}


def kfold_partition(keys: Iterable, k: int) -> dict[str, int]:
    """Grouping key -> fold index: the shuffled groups cut into k contiguous, near-equal folds."""
    groups = shuffled_groups(keys)
    if not 2 <= k <= len(groups):
        raise CorpusError(f"kfold-{k} needs 2 <= k <= the number of speaker groups ({len(groups)}).")
    n = len(groups)
    return {group: fold for fold in range(k) for group in groups[fold * n // k : (fold + 1) * n // k]}


def split_hash(utterance_ids: Iterable[str]) -> str:
    """sha256 (first 16 hex digits) of the sorted utterance ids: two splits are equal iff their hashes are."""
    return hashlib.sha256("\n".join(sorted(utterance_ids)).encode()).hexdigest()[:16]


def partition(records: Sequence[dict], protocol: str, *, serab_proportions=(0.6, 0.2, 0.2)) -> dict[str, list[int]]:
    """Split the records of one corpus by a protocol: split name -> the positions of its records, in corpus order."""
    protocol = check_protocol(protocol)
    if protocol in ("serab", "speaker-independent"):
        key = "_serab_key" if protocol == "serab" else "speaker_id"
        assignment = serab_partition(
            (record[key] for record in records), serab_proportions, reference_float_sum=protocol == "serab"
        )
        split_of = lambda record: assignment[str(record[key])]  # noqa: E731
        names = list(SPLITS)
    elif protocol == "loso" or protocol.startswith("kfold-"):
        groups = sorted({record["_fold_key"] for record in records})
        folds = (
            {group: index for index, group in enumerate(groups)}
            if protocol == "loso"
            else kfold_partition(groups, int(protocol.split("-")[1]))
        )
        split_of = lambda record: f"fold_{folds[record['_fold_key']]}"  # noqa: E731
        names = [f"fold_{index}" for index in range(max(folds.values()) + 1)]
    elif protocol == "stratified":
        split_by_utterance = _stratified(records)
        split_of = lambda record: split_by_utterance[record["utterance_id"]]  # noqa: E731
        names = list(SPLITS)
    else:
        if any(record["_official"] is None for record in records):
            raise CorpusError(
                f"{records[0]['corpus']} defines no official partition; use 'speaker-independent' or 'serab'."
            )
        split_of = lambda record: record["_official"]  # noqa: E731
        found = list(dict.fromkeys(record["_official"] for record in records))
        names = [name for name in SPLITS if name in found] + [name for name in found if name not in SPLITS]
    splits: dict[str, list[int]] = {name: [] for name in names}
    for position, record in enumerate(records):
        splits[split_of(record)].append(position)
    empty = [name for name, members in splits.items() if not members]
    if empty:
        raise CorpusError(
            f"protocol {protocol!r} leaves split(s) {empty} empty for {records[0]['corpus']} "
            f"({len(records)} utterances); choose a protocol with fewer or larger splits."
        )
    return splits


def _stratified(records: Sequence[dict]) -> dict[str, str]:
    """Per (gender, native label) stratum: sorted ids shuffled by one RandomState(0), cut 75/10/15 (train/val/test)."""
    strata: dict[tuple, list[str]] = defaultdict(list)
    for record in records:
        strata[(record["gender"], record["native_label"])].append(record["utterance_id"])
    rng = np.random.RandomState(0)
    assignment = {}
    for stratum in sorted(strata):
        members = sorted(strata[stratum])
        rng.shuffle(members)
        for split, part in zip(SPLITS, cut(members, STRATIFIED_PROPORTIONS)):
            assignment.update(dict.fromkeys(part, split))
    return assignment
