"""Split protocols against values computed by hand from the algorithms of docs/design.md §5."""

import hashlib

import numpy as np
import pytest

from ser_hub.errors import CorpusError
from ser_hub.splits import check_protocol, cut, kfold_partition, partition, serab_partition, split_hash

EMODB_SPEAKERS = ["03", "08", "09", "10", "11", "12", "13", "14", "15", "16"]


def test_serab_split_of_emodb_speakers_by_hand():
    # sorted(set(keys)) shuffled by RandomState(0) gives 09 15 11 16 08 13 | 14 10 | 03 12: cuts at int(.6*10), int(.8*10)
    shuffled = sorted(EMODB_SPEAKERS)
    np.random.RandomState(0).shuffle(shuffled)
    assert shuffled == ["09", "15", "11", "16", "08", "13", "14", "10", "03", "12"]
    assignment = serab_partition(EMODB_SPEAKERS * 3)  # repeated keys: one entry per group
    assert {s for s, split in assignment.items() if split == "train"} == {"09", "15", "11", "16", "08", "13"}
    assert {s for s, split in assignment.items() if split == "validation"} == {"14", "10"}
    assert {s for s, split in assignment.items() if split == "test"} == {"03", "12"}


def test_serab_split_of_four_savee_speakers_and_crema_d_proportions():
    assert serab_partition(["DC", "JE", "JK", "KL"]) == {"JK": "train", "KL": "train", "JE": "validation", "DC": "test"}
    crema = serab_partition([str(actor) for actor in range(1001, 1092)], (0.7, 0.1, 0.2))
    counts = {split: sum(1 for value in crema.values() if value == split) for split in ("train", "validation", "test")}
    assert counts == {"train": 63, "validation": 9, "test": 19}  # int(.7*91)=63, int(.8*91)=72, n=91


def test_keys_are_compared_as_strings():
    assert serab_partition([1, 2, 3, 4, 5]) == serab_partition(["1", "2", "3", "4", "5"])


def test_cut_uses_exact_cumulative_boundaries_or_the_reference_float_sums():
    assert [len(part) for part in cut(list(range(10)), (0.7, 0.1, 0.2))] == [7, 1, 2]
    # the SERAB reference adds floats: 0.7 + 0.1 = 0.7999..., so int(0.7999... * 10) = 7 and validation is empty
    assert [len(part) for part in cut(list(range(10)), (0.7, 0.1, 0.2), reference_float_sum=True)] == [7, 0, 3]
    assert [len(part) for part in cut(list(range(7)), (0.6, 0.2, 0.2))] == [4, 1, 2]
    assert cut([], (0.6, 0.2, 0.2)) == [[], [], []]


def test_serab_protocol_keeps_the_reference_quirk_speaker_independent_does_not():
    keys = [f"a{i}" for i in range(10)]
    assert sorted(serab_partition(keys, (0.7, 0.1, 0.2)).values()).count("validation") == 0
    exact = serab_partition(keys, (0.7, 0.1, 0.2), reference_float_sum=False)
    assert sorted(exact.values()).count("validation") == 1


def test_kfold_cuts_shuffled_groups_into_contiguous_folds():
    folds = kfold_partition(EMODB_SPEAKERS, 3)  # shuffled 09 15 11 | 16 08 13 | 14 10 03 12: bounds i*10//3
    assert [sorted(s for s, f in folds.items() if f == k) for k in range(3)] == [
        ["09", "11", "15"], ["08", "13", "16"], ["03", "10", "12", "14"]]
    sizes = [list(kfold_partition([f"s{i}" for i in range(n)], k).values()).count(fold)
             for n, k in ((6, 3), (12, 3), (29, 5)) for fold in range(k)]
    assert sizes == [2, 2, 2, 4, 4, 4, 5, 6, 6, 6, 6]
    with pytest.raises(CorpusError, match="kfold-11"):
        kfold_partition(EMODB_SPEAKERS, 11)


def test_split_hash_is_sha256_of_sorted_ids():
    assert split_hash(["b", "a"]) == hashlib.sha256(b"a\nb").hexdigest()[:16] == split_hash(["a", "b"])


def _records(n_speakers=10, per_speaker=4):
    """Toy records whose SERAB key is the utterance number within the speaker (as ShEMO's name[4:6] is): every
    speaker has an utterance under every key, so a split by key puts each speaker in several splits."""
    return [
        {"corpus": "toy", "utterance_id": f"s{s}_{u}", "speaker_id": f"s{s}", "gender": "female" if s % 2 else "male",
         "native_label": "ab"[u % 2], "_serab_key": f"k{u}", "_fold_key": f"s{s}", "_official": None}
        for s in range(n_speakers) for u in range(per_speaker)
    ]


def test_partition_serab_uses_the_reference_key_and_may_leak_speakers():
    records = _records(10, 5)
    splits = partition(records, "serab")  # keys shuffled by RandomState(0): k2 k0 k1 | k3 | k4 (0.6 / 0.2 / 0.2)
    keys = {split: {records[row]["_serab_key"] for row in rows} for split, rows in splits.items()}
    assert keys == {"train": {"k2", "k0", "k1"}, "validation": {"k3"}, "test": {"k4"}}
    assert keys == {name: {k for k, s in serab_partition([f"k{i}" for i in range(5)]).items() if s == name}
                    for name in ("train", "validation", "test")}
    speakers = {split: {records[row]["speaker_id"] for row in rows} for split, rows in splits.items()}
    assert speakers["train"] == speakers["validation"] == speakers["test"] == {f"s{i}" for i in range(10)}
    assert all(rows == sorted(rows) for rows in splits.values())  # positions in corpus order
    independent = partition(records, "speaker-independent")
    members = [{records[row]["speaker_id"] for row in rows} for rows in independent.values()]
    assert not (members[0] & members[1] or members[0] & members[2] or members[1] & members[2])


def test_partition_stratified_cuts_every_stratum():
    splits = partition(_records(8, 10), "stratified")  # 4 strata of 20: train 15, validation 2, test 3 (75/10/15 %)
    assert {name: len(members) for name, members in splits.items()} == {"train": 60, "validation": 8, "test": 12}


def test_protocol_errors_are_clear():
    with pytest.raises(CorpusError, match="unknown split protocol 'random'"):
        check_protocol("random")
    with pytest.raises(CorpusError, match="defines no official partition"):
        partition(_records(), "official")
    with pytest.raises(CorpusError, match="leaves split"):
        partition(_records(2, 2), "speaker-independent")
