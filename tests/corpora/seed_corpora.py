"""Helpers for the fixture tests of the seed papers' corpora that EmoBox does not list (Thorsten emotional, ADEPT,
DEMoS, EmoFilm, Castro & Lima): the reference stratified split, written out independently of `ser_hub.splits`."""

from collections import defaultdict

import numpy as np

STRATIFIED = (("train", 0.75), ("validation", 0.85), ("test", 1.0))  # cumulative bounds of the 75/10/15 % split


def reference_stratified_split(rows: dict[str, dict]) -> dict[str, str]:
    """utterance id -> split of the multi-task wav2vec 2.0 paper's split as ser-hub documents it (design §5): per
    (gender, native label) stratum in sorted order, the sorted ids shuffled by one RandomState(0), cut at
    int(0.75 n) and int(0.85 n)."""
    strata = defaultdict(list)
    for utterance_id, row in rows.items():
        strata[(row["gender"], row["native_label"])].append(utterance_id)
    rng, expected = np.random.RandomState(0), {}
    for stratum in sorted(strata):
        members = sorted(strata[stratum])
        rng.shuffle(members)
        start = 0
        for split, bound in STRATIFIED:
            end = len(members) if bound == 1.0 else int(bound * len(members))
            expected.update(dict.fromkeys(members[start:end], split))
            start = end
    return expected
