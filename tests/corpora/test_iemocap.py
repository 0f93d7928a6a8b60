"""IEMOCAP on a fixture of the full release's layout: sentence wavs per dialog, labels from EmoEvaluation files."""

from collections import defaultdict
from pathlib import Path

import datasets
import numpy as np
import pytest

import ser_hub
from corpus_fixtures import write_audio, write_corpus
from ser_hub.corpora import read_build_record
from ser_hub.errors import CorpusError

from . import reference_serab_split, rows_by_id

RATE, SECONDS = 16000, 0.2
ROOT = "IEMOCAP_full_release"
# Per session: an improvisation led by the woman and a script led by the man; F and M turns are numbered apart.
# One of each label per session, in this order over the eight turns.
CODES = ["neu", "hap", "exc", "ang", "sad", "fru", "xxx", "sur"]
NATIVE = {"neu": "neutral", "hap": "happiness", "exc": "excited", "ang": "anger", "sad": "sadness",
          "fru": "frustration", "sur": "surprise", "xxx": "no agreement"}
UNIFIED = {"neu": "neutral", "hap": "happiness", "exc": "happiness", "ang": "anger", "sad": "sadness",
           "fru": "other", "sur": "surprise", "xxx": "other"}
AROUSAL_VALENCE = {"neu": ("low", "neutral"), "hap": ("high", "positive"), "exc": ("high", "positive"),
                   "ang": ("high", "negative"), "sad": ("low", "negative"), "fru": ("low", "negative"),
                   "sur": ("high", "neutral"), "xxx": (None, None)}
IEM4 = {"neu", "hap", "exc", "ang", "sad"}


def _turns() -> dict[str, dict]:
    """Utterance name -> what the fixture writes for it and what the corpus must report."""
    turns, index = {}, 0
    for session in range(1, 6):
        for dialog, genders in ((f"Ses0{session}F_impro0{session}", "FMFM"),
                                (f"Ses0{session}M_script0{session}_2", "MFMF")):
            counters = {"F": 0, "M": 0}
            for gender in genders:
                name = f"{dialog}_{gender}{counters[gender]:03d}"
                counters[gender] += 1
                code = CODES[index % len(CODES)]
                turns[name] = {
                    "code": code, "dialog": dialog, "start": 2.0 * index,
                    "val": 1.0 + 0.5 * (index % 9), "act": 5.0 - 0.5 * (index % 7), "dom": 2.0 + 0.5 * (index % 5),
                    "expected": {
                        "file": f"Session{session}/sentences/wav/{dialog}/{name}.wav", "session": session,
                        "speaker_id": f"Ses0{session}{gender}", "gender": {"F": "female", "M": "male"}[gender],
                        "emotion": UNIFIED[code], "arousal": AROUSAL_VALENCE[code][0],
                        "valence": AROUSAL_VALENCE[code][1], "language": "en", "corpus": "iemocap",
                    },
                }
                index += 1
    return turns


TURNS = _turns()


def _evaluation_file(dialog: str) -> str:
    """An EmoEvaluation file as the release writes it: header, then per turn its line and the raters' lines."""
    blocks = ["% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n"]
    for name, turn in TURNS.items():
        if turn["dialog"] == dialog:
            blocks.append(
                f"[{turn['start']:.4f} - {turn['start'] + 1.5:.4f}]\t{name}\t{turn['code']}\t"
                f"[{turn['val']:.4f}, {turn['act']:.4f}, {turn['dom']:.4f}]\n"
                "C-E2:\tNeutral;\t()\nC-E3:\tFrustration; Anger;\t()\nA-E3:\tval 3; act 2; dom  2;\t()\n"
            )
    return "\n".join(blocks)


def _write_release(root, turns) -> None:
    write_corpus(root, [turn["expected"]["file"] for turn in turns.values()], RATE, seconds=SECONDS)
    for dialog in sorted({turn["dialog"] for turn in turns.values()}):
        session = f"Session{dialog[4]}"
        folder = root / session / "dialog"
        (folder / "EmoEvaluation" / "Categorical").mkdir(parents=True, exist_ok=True)
        (folder / "EmoEvaluation" / f"{dialog}.txt").write_text(_evaluation_file(dialog))
        (folder / "EmoEvaluation" / "Categorical" / f"{dialog}_e2_cat.txt").write_text(
            f"{dialog}_F000 :Neutral state; ()\n")
        (folder / "transcriptions").mkdir(exist_ok=True)
        (folder / "transcriptions" / f"{dialog}.txt").write_text(f"{dialog}_F000 [0.0000-1.5000]: Excuse me.\n")


def build(parent: Path) -> Path:
    """The fixture corpus folder under ``parent``."""
    root = parent / ROOT
    _write_release(root, TURNS)
    write_audio(root / "Session1/dialog/wav/Ses01F_impro01.wav", RATE, seconds=0.5)  # the whole dialog
    (root / "README.txt").write_text("IEMOCAP release\n")
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build(tmp_path_factory.mktemp("iemocap"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("iemocap-cache"))


@pytest.fixture(scope="module")
def iem4(corpus, cache):
    return ser_hub.load_corpus("iemocap", corpus, cache_dir=cache)



def _expected(codes, native) -> dict[str, dict]:
    return {name: {**turn["expected"], "native_label": native[turn["code"]]}
            for name, turn in TURNS.items() if turn["code"] in codes}


def _checkrows_by_id(dataset, expected) -> None:
    rows = rows_by_id(dataset)
    assert {uid: {key: row[key] for key in expected[uid]} for uid, row in rows.items()} == expected
    for uid, row in rows.items():
        turn = TURNS[uid]
        assert (row["val"], row["act"], row["dom"]) == (turn["val"], turn["act"], turn["dom"])
        assert row["duration"] == pytest.approx(SECONDS)


def test_schema_of_the_default_iem4_label_set(iem4):
    features = iem4["train"].features
    assert features["native_label"].names == ["neutral", "happiness", "anger", "sadness"]
    assert list(features)[-5:] == ["duration", "session", "act", "val", "dom"]
    assert features["session"] == datasets.Value("int32")
    assert features["act"] == features["val"] == features["dom"] == datasets.Value("float32")


def test_iem4_keeps_four_classes_with_excited_merged_into_happiness(iem4):
    _checkrows_by_id(iem4, _expected(IEM4, {**NATIVE, "exc": "happiness"}))


def test_iem4_skips_the_other_labels_and_ignores_the_whole_dialog_recordings(iem4):
    record = read_build_record(iem4)
    assert record["label_set"] == "iem4" and record["root"] == ""
    expected = {turn["expected"]["file"]: f"label {turn['code']!r} is not in label set 'iem4'"
                for turn in TURNS.values() if turn["code"] not in IEM4}
    assert {skip["file"]: skip["reason"] for skip in record["skipped"]} == expected
    assert "Session1/dialog/wav/Ses01F_impro01.wav" in record["ignored"]
    assert "README.txt" in record["ignored"] and "Session1/dialog/EmoEvaluation/Ses01F_impro01.txt" in record["ignored"]


def test_label_set_all_keeps_every_majority_label(corpus, cache):
    dataset = ser_hub.load_corpus("iemocap", corpus, cache_dir=cache, label_set="all")
    assert dataset["train"].features["native_label"].names == [
        "neutral", "happiness", "excited", "anger", "sadness", "frustration", "surprise", "fear", "disgust",
        "other", "no agreement"]
    _checkrows_by_id(dataset, _expected(set(CODES), NATIVE))
    assert read_build_record(dataset)["label_set"] == "all"


def test_unknown_label_set_is_refused(corpus, cache):
    with pytest.raises(CorpusError, match=r"iemocap has no label set 'iem5'; choose one of \['all', 'iem4'\]"):
        ser_hub.load_corpus("iemocap", corpus, cache_dir=cache, label_set="iem5")


def test_official_partition_is_sessions_1_to_3_4_and_5(corpus, cache):
    dataset = ser_hub.load_corpus("iemocap", corpus, "official", cache_dir=cache)
    assert {name: sorted(set(split["session"])) for name, split in dataset.items()} == {
        "train": [1, 2, 3], "validation": [4], "test": [5]}
    assert sum(map(len, dataset.values())) == 25


def test_leave_one_session_out_and_five_folds_group_by_session(corpus, cache):
    sessions = [f"Session{k}" for k in range(1, 6)]
    loso = ser_hub.load_corpus("iemocap", corpus, "loso", cache_dir=cache)
    assert {name: set(split["session"]) for name, split in loso.items()} == {f"fold_{k}": {k + 1} for k in range(5)}
    assert [read_build_record(loso)["splits"][f"fold_{k}"]["groups"] for k in range(5)] == [[s] for s in sessions]
    kfold = ser_hub.load_corpus("iemocap", corpus, "kfold-5", cache_dir=cache)
    shuffled = sorted(sessions)
    np.random.RandomState(0).shuffle(shuffled)
    assert [read_build_record(kfold)["splits"][f"fold_{k}"]["groups"] for k in range(5)] == [[s] for s in shuffled]
    assert {name: {f"Session{s}" for s in split["session"]} for name, split in kfold.items()} == {
        f"fold_{k}": {session} for k, session in enumerate(shuffled)}


def test_speaker_independent_split_groups_by_session_and_own_gender(iem4):
    speakers = {name: set(split["speaker_id"]) for name, split in iem4.items()}
    assert speakers == reference_serab_split(f"Ses0{s}{g}" for s in range(1, 6) for g in "FM")
    assert not (speakers["train"] & speakers["validation"] or speakers["train"] & speakers["test"]
                or speakers["validation"] & speakers["test"])


def test_serab_split_groups_by_characters_3_to_6_of_the_utterance(corpus, cache):
    dataset = ser_hub.load_corpus("iemocap", corpus, "serab", cache_dir=cache)
    keys = {name: {uid[3:6] for uid in split["utterance_id"]} for name, split in dataset.items()}
    assert keys == reference_serab_split(f"0{s}{g}" for s in range(1, 6) for g in "FM")
    speakers_by_key = defaultdict(set)
    for split in dataset.values():
        for uid, speaker in zip(split["utterance_id"], split["speaker_id"]):
            speakers_by_key[uid[3:6]].add(speaker)
    assert speakers_by_key["01F"] == {"Ses01F", "Ses01M"}  # the quirk: a key holds both actors of a session


def test_audio_is_decoded_at_16k_mono(iem4):
    decoded = iem4["test"][0]["audio"].get_all_samples()
    assert decoded.sample_rate == 16000 and tuple(decoded.data.shape) == (1, int(16000 * SECONDS))


def test_release_without_emoevaluation_files_is_a_clear_error(tmp_path):
    root = tmp_path / ROOT
    name, turn = next(iter(TURNS.items()))
    write_corpus(root, [turn["expected"]["file"]], RATE, seconds=SECONDS)
    with pytest.raises(CorpusError, match=r"found no Session\*/dialog/EmoEvaluation/\*\.txt; IEMOCAP's labels live "
                                          r"there: pass the whole release \(the IEMOCAP_full_release folder"):
        ser_hub.load_corpus("iemocap", root, cache_dir=str(tmp_path / "cache"))


def test_utterance_missing_from_its_evaluation_file_is_a_clear_error(tmp_path):
    root = tmp_path / ROOT
    _write_release(root, {name: turn for name, turn in TURNS.items() if turn["dialog"] == "Ses01F_impro01"})
    write_audio(root / "Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_F002.wav", RATE, seconds=SECONDS)
    with pytest.raises(CorpusError, match=r"Ses01F_impro01_F002\.wav: the evaluation table \(iemocap\.read_evaluations\) "
                                          r"has no row for 'Ses01F_impro01_F002'; the annotation files are incomplete"):
        ser_hub.load_corpus("iemocap", root, cache_dir=str(tmp_path / "cache"))
