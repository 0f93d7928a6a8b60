"""ADEPT's emotion class on a fixture with the layout of ADEPT.zip (wav_44khz/<class>/<subcategory>/<speaker>_<NNNN>.wav,
txt/ beside it, adept_prompts.json), 44.1 kHz.

Sources: lhotse's recipe (lhotse/recipes/adept.py) documents the folders, the speakers ad00 (female) and ad01 (male)
and the path wav_44khz/propositional_attitude/surprise/ad01_0204.wav, which the fixture holds. No source read lists
the emotion subcategories: the names below are placeholders, read from the folders as the definition reads them.
"""

import json

import numpy as np
import pytest

from corpus_fixtures import write_audio, write_corpus
from ser_hub.corpora import corpus_info, prepare_corpus
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, decoded_shape, rows_by_id
from .seed_corpora import reference_stratified_split

SECONDS = 0.3
SUBCATEGORIES = {"angry": ("anger", "high", "negative"), "happy": ("happiness", "high", "positive"),
                 "sad": ("sadness", "low", "negative")}
NUMBERS = ["0001", "0002", "0003", "0004", "0005"]  # the same numbers in every subcategory
GENDERS = {"ad00": "female", "ad01": "male"}
FILES = [f"wav_44khz/emotion/{label}/{speaker}_{number}.wav" for label in SUBCATEGORIES for speaker in GENDERS
         for number in NUMBERS]
OTHER_CLASS = "wav_44khz/propositional_attitude/surprise/ad01_0204.wav"
REASON = (r"ADEPT has two speakers, so a speaker-independent train/validation/test split would leave one split empty; "
          r"leave one speaker out \(loso or kfold-2\), or use the utterance-level stratified split\. "
          r"Choose one of kfold, loso, stratified\.")


def build(root):
    write_corpus(root, [*FILES, OTHER_CLASS], 44100, 1, SECONDS)
    for path in (*FILES[:2], OTHER_CLASS):
        transcript = root / path.replace("wav_44khz/", "txt/").replace(".wav", ".txt")
        transcript.parent.mkdir(parents=True, exist_ok=True)
        transcript.write_text("Galleries are free on Thursdays.\n")
    (root / "adept_prompts.json").write_text(json.dumps({"syntactic_phrasing": {"ad00_0001": {"interpretation_1": "."}}}))
    return root


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = build(tmp_path_factory.mktemp("adept") / "ADEPT")
    return prepare_corpus("adept", str(root), cache_dir=str(tmp_path_factory.mktemp("cache")), progress=False)


def test_schema_classes_from_the_folders_and_the_other_classes_ignored(prepared):
    features = prepared.load("loso")["fold_0"].features
    assert list(features) == BASE_COLUMNS
    assert features["native_label"].names == sorted(SUBCATEGORIES)
    assert prepared.record["ignored"] == [
        "adept_prompts.json", "txt/emotion/angry/ad00_0001.txt", "txt/emotion/angry/ad00_0002.txt",
        "txt/propositional_attitude/surprise/ad01_0204.txt", OTHER_CLASS,
    ]
    assert (prepared.record["skipped"], prepared.record["warnings"]) == ([], [])


def test_every_emotion_file_is_one_utterance_with_its_speaker_gender_and_labels(prepared):
    rows = rows_by_id(prepared.load("loso"))
    expected = {}
    for path in FILES:
        label, stem = path.removesuffix(".wav").split("/")[-2:]
        emotion, arousal, valence = SUBCATEGORIES[label]
        expected[f"{label}_{stem}"] = {
            "file": path, "corpus": "adept", "speaker_id": stem[:4], "gender": GENDERS[stem[:4]], "language": "en",
            "native_label": label, "emotion": emotion, "arousal": arousal, "valence": valence,
            "duration": np.float32(SECONDS),
        }
    assert {uid: {key: row[key] for key in expected[uid]} for uid, row in rows.items()} == expected


def test_leave_one_speaker_out_and_two_folds_keep_the_speakers_apart(prepared):
    assert {fold: set(data["speaker_id"]) for fold, data in prepared.load("loso").items()} == {
        "fold_0": {"ad00"}, "fold_1": {"ad01"}}
    order = ["ad00", "ad01"]
    np.random.RandomState(0).shuffle(order)
    assert {fold: set(data["speaker_id"]) for fold, data in prepared.load("kfold-2").items()} == {
        "fold_0": {order[0]}, "fold_1": {order[1]}}


def test_the_stratified_split_is_the_reference_75_10_15_per_gender_and_label(prepared):
    rows = rows_by_id(prepared.load("stratified"))
    assert {uid: row["split"] for uid, row in rows.items()} == reference_stratified_split(rows)
    assert {name: len(split) for name, split in prepared.load("stratified").items()} == {
        "train": 18, "validation": 6, "test": 6}  # 6 strata of 5: 3 / 1 / 1


@pytest.mark.parametrize("protocol", ["speaker-independent", "serab", "official", "emobox"])
def test_protocols_that_need_three_speakers_are_refused_with_the_reason(prepared, protocol):
    with pytest.raises(CorpusError, match=rf"adept does not support the '{protocol}' protocol: {REASON}"):
        prepared.load(protocol)


def test_a_subcategory_the_policy_does_not_know_becomes_other_with_a_warning(tmp_path):
    root = tmp_path / "ADEPT"
    for number in NUMBERS[:2]:
        write_audio(root / f"wav_44khz/emotion/sad/ad00_{number}.wav", 44100, seconds=SECONDS)
        write_audio(root / f"wav_44khz/emotion/tender/ad01_{number}.wav", 44100, seconds=SECONDS, frequency=300.0)
    prepared = prepare_corpus("adept", str(root), cache_dir=str(tmp_path / "cache"), progress=False)
    assert prepared.record["warnings"] == [
        ("adept: native label(s) 'tender' have no unified emotion and become 'other'; name their emotion in "
         f"`label_map` (or map them to 'other' explicitly) in {corpus_info('adept').definition_file}.")]
    emotions = {row["native_label"]: row["emotion"] for row in rows_by_id(prepared.load("loso")).values()}
    assert emotions == {"sad": "sadness", "tender": "other"}


def test_the_registry_lists_it_with_its_protocols():
    spec = corpus_info("adept")
    assert (spec.status, spec.supports, spec.languages, spec.num_utterances, spec.sampling_rate) == (
        "available", ("kfold", "loso", "stratified"), ("en",), 50, 44100)


def test_audio_decodes_at_16_khz_mono(prepared):
    assert decoded_shape(prepared.load("loso")["fold_1"][0]) == (16000, (1, int(SECONDS * 16000)))
