"""PAVOQUE against EmoBox's list of the real corpus, and on a fixture in the layout of pavoque-data v0.2: long FLAC
recordings (44.1 kHz, 24 bit, mono) beside YAML files whose rows are the utterances, segments of those recordings.

Sources: the layout and the YAML fields (prompt, text, style, start, end, segments) are those of marytts/pavoque-data
(pavoque-poker.yaml; README for the FLAC format, the speaker and the styles) and of EmoBox's pavoque.py, which names
each utterance pavoque-<prompt>-<style>; the recordings, prompts and styles below are real ones from EmoBox's list.
EmoBox's list gives every segment's recording but not its start (its "duration" field holds the segment's end), so
the whole-list check writes consecutive segments ending there.
"""

from collections import Counter, defaultdict

import numpy as np
import pytest
import soundfile as sf
import yaml
from datasets import Value

from corpus_fixtures import tone
from ser_hub import audio, load_corpus
from ser_hub.corpora import corpus_info, emobox, prepare_corpus
from ser_hub.corpora.spec import CorpusWarning
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, rows_by_id
from .real_lists import ListedCorpus, reference

RATE = 44100
UNIFIED = {"neutral": "neutral", "happy": "happiness", "sad": "sadness", "angry": "anger", "poker": "other"}
AROUSAL_VALENCE = {"neutral": ("low", "neutral"), "happy": ("high", "positive"), "sad": ("low", "negative"),
                   "angry": ("high", "negative"), "poker": (None, None)}
REASON = (r"One speaker, Stefan Röttig, recorded every segment, so no split can keep speakers apart and "
          r"speaker-grouped folds would hold a single group; stratified and emobox split utterances of that one "
          r"speaker\. Choose one of stratified, emobox\.")


def prompt_and_style(key: str) -> tuple[str, str]:
    return tuple(key.removeprefix("pavoque-").rsplit("-", 1))


def test_the_whole_real_list_parses_with_emobox_labels_keys_and_folds():
    listed = reference("pavoque")
    by_recording = defaultdict(list)
    for utterance in listed["utterances"]:
        by_recording[utterance["path"]].append(utterance)
    texts = {}
    for recording, utterances in by_recording.items():
        rows, start = [], 0.0
        for utterance in sorted(utterances, key=lambda u: u["duration"]):
            prompt, style = prompt_and_style(utterance["key"])
            rows.append(f"- prompt: {prompt}\n  text: '...'\n  style: {style}\n  start: {start}\n"
                        f"  end: {utterance['duration']}\n")
            start = utterance["duration"]
        texts[recording.replace(".flac", ".yaml")] = "".join(rows)  # YAML as pavoque-data writes it
    scan = corpus_info("pavoque").scan(ListedCorpus(by_recording, texts))
    assert (scan.skipped, scan.ignored) == ([], sorted(texts))
    by_key = {record["_emobox_key"]: record for record in scan.records}
    assert len(by_key) == len(scan.records) == 7334
    assert {key: (record["file"], record["native_label"], record["speaker_id"]) for key, record in by_key.items()} == {
        u["key"]: (u["path"], u["label"], "stefan_roettig") for u in listed["utterances"]}
    assert Counter(record["take"] for record in scan.records) == {"final": 5442, "outtake": 1892}
    splits, missing = emobox.assign("pavoque", (record["_emobox_key"] for record in scan.records))
    assert missing == []
    assert {name: sorted(scan.records[row]["_emobox_key"] for row in rows) for name, rows in splits.items()} == {
        name: sorted(listed["folds"]["fold_1"][name]) for name in ("train", "test")}


# -- the fixture: three recordings, their segments, one segment past the end --------------------------------------
SECONDS = 3.0
RECORDINGS = {  # recording -> (tone, [(EmoBox key, start, end)])
    "pavoque-neutral": (220.0, [(f"pavoque-a{n:04d}-neutral", 0.25 * k, 0.25 * k + 0.2)
                                for k, n in enumerate(range(1, 11))]),
    "pavoque-poker": (330.0, [("pavoque-poker_n0010-poker", 0.0, 0.5), ("pavoque-poker_n0011-poker", 0.5, 1.25),
                              ("pavoque-m0001-poker", 1.25, 2.0), ("pavoque-m0002-poker", 2.5, 3.2)]),
    "pavoque-outtakes": (440.0, [("pavoque-a0014a-neutral", 0.1, 0.6), ("pavoque-spike0013a-angry", 0.6, 1.1),
                                 ("pavoque-poppy0004a-happy", 1.1, 1.6), ("pavoque-obadiah0002a-sad", 1.6, 2.1),
                                 ("pavoque-m0001a-poker", 2.1, 2.9)]),
}
PAST_THE_END = "pavoque-m0002-poker"
KEPT = {key: (recording, start, end) for recording, (_, segments) in RECORDINGS.items()
        for key, start, end in segments if key != PAST_THE_END}


def write_recording(root, recording: str, frequency: float, segments) -> None:
    sf.write(root / f"{recording}.flac", tone(SECONDS, RATE, 1, frequency), RATE, subtype="PCM_24")
    rows = []
    for key, start, end in segments:
        prompt, style = prompt_and_style(key)
        rows.append({"prompt": prompt, "text": f"Satz {prompt}.", "style": style, "start": start, "end": end,
                     "segments": [{"lab": "_", "end": round(end - start, 3)}]})
    (root / f"{recording}.yaml").write_text(yaml.safe_dump(rows, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pavoque") / "pavoque-data"
    folder.mkdir()
    for recording, (frequency, segments) in RECORDINGS.items():
        write_recording(folder, recording, frequency, segments)
    (folder / "README.md").write_text("PAVOQUE\n")
    return folder


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def prepared(root, cache):
    return prepare_corpus("pavoque", str(root), cache_dir=str(cache), progress=False)


def expected(key: str) -> dict:
    recording, start, end = KEPT[key]
    prompt, style = prompt_and_style(key)
    return {"file": f"{recording}.flac", "corpus": "pavoque", "speaker_id": "stefan_roettig", "gender": "male",
            "language": "de", "native_label": style, "emotion": UNIFIED[style], "arousal": AROUSAL_VALENCE[style][0],
            "valence": AROUSAL_VALENCE[style][1], "text_id": prompt, "text": f"Satz {prompt}.",
            "take": "outtake" if recording == "pavoque-outtakes" else "final", "duration": np.float32(end - start)}


def test_schema_and_native_classes(prepared):
    features = prepared.load("stratified")["train"].features
    assert list(features) == [*BASE_COLUMNS, "text_id", "text", "take"]
    assert features["native_label"].names == ["neutral", "happy", "sad", "angry", "poker"]
    assert features["text"] == Value("string")


def test_every_segment_is_one_utterance_with_its_style_and_take(prepared):
    rows = rows_by_id(prepared.load("stratified"))
    assert {uid: {key: row[key] for key in expected(next(iter(KEPT)))} for uid, row in rows.items()} == {
        key.removeprefix("pavoque-"): expected(key) for key in KEPT}
    assert prepared.record["skipped"] == [{
        "file": "pavoque-poker.flac (m0002-poker)",
        "reason": "the segment 2.5-3.2 s lies beyond the end of the recording (3 s); check its annotation."}]
    assert prepared.record["ignored"] == ["README.md", *(f"{recording}.yaml" for recording in sorted(RECORDINGS))]


def test_a_segment_holds_exactly_its_part_of_the_recording(prepared, root):
    examples = {e["utterance_id"]: e for split in prepared.load("stratified").values() for e in split}
    for key in ("pavoque-spike0013a-angry", "pavoque-poker_n0011-poker"):
        recording, start, end = KEPT[key]
        whole, rate = audio.decode((root / f"{recording}.flac").read_bytes(), f"{recording}.flac")
        part = whole[0][round(start * rate):round(end * rate)]
        expected_samples = audio.quantize(audio.resample(part, rate, 16000), 24) / np.float32(2**23)
        decoded = examples[key.removeprefix("pavoque-")]["audio"].get_all_samples()
        assert decoded.sample_rate == 16000
        assert np.array_equal(decoded.data.numpy()[0], expected_samples)


def reference_stratified(rows: dict[str, dict]) -> dict[str, str]:
    """The stratified split as design §5 states it: per (gender, native label) stratum, sorted ids shuffled by one
    RandomState(0), cut at int(0.75 n) and int(0.85 n)."""
    strata, assignment, rng = defaultdict(list), {}, np.random.RandomState(0)
    for uid, row in rows.items():
        strata[(row["gender"], row["native_label"])].append(uid)
    for stratum in sorted(strata):
        members = sorted(strata[stratum])
        rng.shuffle(members)
        n = len(members)
        for split, part in (("train", members[:int(0.75 * n)]), ("validation", members[int(0.75 * n):int(0.85 * n)]),
                            ("test", members[int(0.85 * n):])):
            assignment.update(dict.fromkeys(part, split))
    return assignment


def test_stratified_is_the_reference_split(prepared):
    rows = rows_by_id(prepared.load("stratified"))
    assert {uid: row["split"] for uid, row in rows.items()} == reference_stratified(rows)
    assert Counter(row["split"] for row in rows.values()) == {"train": 11, "validation": 1, "test": 6}


def test_the_emobox_protocol_gives_emoboxs_train_and_test(prepared):
    fold = reference("pavoque")["folds"]["fold_1"]
    dataset = prepared.load("emobox")
    assert {name: sorted(split["utterance_id"]) for name, split in dataset.items()} == {
        name: sorted(key.removeprefix("pavoque-") for key in KEPT if key in fold[name]) for name in ("train", "test")}


@pytest.mark.parametrize("protocol", ["speaker-independent", "serab", "loso", "kfold-2", "official"])
def test_protocols_that_need_several_speakers_are_refused_with_the_reason(prepared, protocol):
    with pytest.raises(CorpusError, match=rf"pavoque does not support the '{protocol}' protocol: {REASON}"):
        prepared.load(protocol)


def test_load_corpus_says_what_it_skipped(prepared, root, cache):
    with pytest.warns(CorpusWarning) as caught:
        dataset = load_corpus("pavoque", str(root), "emobox", cache_dir=str(cache), progress=False)
    assert [str(warning.message) for warning in caught] == [
        "pavoque: 1 of 19 audio files were skipped (1 x the segment 2.5-3.2 s lies beyond the end of the recording "
        "(3 s); check its annotation.); `read_build_record(dataset)['skipped']` lists each with its reason."]
    assert {name: len(split) for name, split in dataset.items()} == {"train": 11, "test": 7}
