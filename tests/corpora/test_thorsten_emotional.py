"""Thorsten-Voice 2021.06 emotional on a fixture with the layout of thorsten-emotional_v02 (one folder per style, files
named by 32 hex digits, 22.05 kHz mono).

Sources: the folder and the file names are those of the SER Evals code (constants.py, cleaner_datasets.py) and of
nkululeko's data/thorsten-emotional split lists; the rate, channels and the single male speaker are the Thorsten-Voice
README's. The names below are real ones from those lists; several recur in more than one style folder.
"""

import numpy as np
import pytest
from datasets import Value

from corpus_fixtures import write_corpus
from ser_hub.corpora import corpus_info, prepare_corpus
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, decoded_shape, rows_by_id
from .seed_corpora import reference_stratified_split

SECONDS = 0.3
STYLES = ["amused", "angry", "disgusted", "drunk", "neutral", "sleepy", "surprised", "whisper"]
SENTENCES = [
    "af54332394ebde78def58fae7ae28c55", "d1415e5d98ef7a68559a8ff3a1c63cca", "2cc90eb146f6d574cb75553bb7956a42",
    "0aaf116f8774a140909231e0b610dc98", "881573f41479190900144279dacb32fb", "895210e9b8f516bd11624e9e1e62afca",
    "31952592964b2a3e715f1bea81bdc3cf", "365c586ff1f2a591b0c0424a12dd5036", "7335b89d01ace51a27612027b7ab974e",
    "4cf7ee9ab2e611309c5553ad0a7ac091",
]
# every style reads the first three sentences; neutral reads all ten (a stratum large enough for a validation share)
FILES = [f"{style}/{sentence}.wav" for style in STYLES for sentence in (SENTENCES if style == "neutral" else SENTENCES[:3])]
EXPECTED_LABELS = {  # style -> (unified emotion, arousal, valence)
    "amused": ("happiness", "high", "positive"),
    "angry": ("anger", "high", "negative"),
    "disgusted": ("disgust", "low", "negative"),
    "drunk": ("other", None, None),
    "neutral": ("neutral", "low", "neutral"),
    "sleepy": ("other", None, None),
    "surprised": ("surprise", "high", "neutral"),
    "whisper": ("other", None, None),
}
REASON = (r"One speaker, Thorsten Müller, recorded every file, so no split can keep speakers apart and "
          r"speaker-grouped folds would hold a single group; the utterance-level stratified protocol is the only one "
          r"left\. Choose one of stratified\.")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = write_corpus(tmp_path_factory.mktemp("thorsten") / "thorsten-emotional_v02", FILES, 22050, 1, SECONDS)
    return prepare_corpus("thorsten_emotional", str(root), cache_dir=str(tmp_path_factory.mktemp("cache")),
                          progress=False)


def test_schema_native_classes_and_nothing_skipped_or_guessed(prepared):
    features = prepared.load("stratified")["train"].features
    assert list(features) == [*BASE_COLUMNS, "text_id"]
    assert features["native_label"].names == STYLES
    assert features["text_id"] == Value("string")
    assert (prepared.record["skipped"], prepared.record["ignored"], prepared.record["warnings"]) == ([], [], [])


def test_every_file_is_one_utterance_of_thorsten_with_its_style(prepared):
    rows = rows_by_id(prepared.load("stratified"))
    expected = {}
    for path in FILES:
        style, sentence = path.removesuffix(".wav").split("/")
        emotion, arousal, valence = EXPECTED_LABELS[style]
        expected[f"{style}_{sentence}"] = {
            "file": path, "corpus": "thorsten_emotional", "speaker_id": "thorsten", "gender": "male",
            "language": "de", "text_id": sentence, "native_label": style, "emotion": emotion, "arousal": arousal,
            "valence": valence, "duration": np.float32(SECONDS),
        }
    assert {uid: {key: row[key] for key in expected[uid]} for uid, row in rows.items()} == expected


def test_the_stratified_split_is_the_reference_75_10_15_per_style(prepared):
    rows = rows_by_id(prepared.load("stratified"))
    assert {uid: row["split"] for uid, row in rows.items()} == reference_stratified_split(rows)
    assert {split: sum(row["split"] == split for row in rows.values()) for split in ("train", "validation", "test")} == {
        "train": 7 + 7 * 2, "validation": 1, "test": 2 + 7 * 1}


@pytest.mark.parametrize("protocol", ["speaker-independent", "serab", "kfold-2", "loso", "official", "emobox"])
def test_every_speaker_grouped_protocol_is_refused_with_the_reason(prepared, protocol):
    with pytest.raises(CorpusError, match=rf"thorsten_emotional does not support the '{protocol}' protocol: {REASON}"):
        prepared.load(protocol)


def test_the_registry_lists_it_with_its_protocols():
    spec = corpus_info("thorsten_emotional")
    assert (spec.status, spec.supports, spec.languages, spec.num_utterances, spec.sampling_rate) == (
        "available", ("stratified",), ("de",), 2400, 22050)


def test_audio_decodes_at_16_khz_mono(prepared):
    assert decoded_shape(prepared.load("stratified")["test"][0]) == (16000, (1, int(SECONDS * 16000)))
