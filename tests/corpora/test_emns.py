"""EMNS against EmoBox's list of the real corpus (with metadata.csv written from it), and on a fixture of real
recording names in OpenSLR 136's layout: cleaned_webm/*.webm (Opus at 48 kHz, mono) beside the pipe-separated
metadata.csv that names each recording wavs/<file name>.

Sources: metadata.csv's columns, its '|' separator and its wavs/ names: EmoBox's emns.py (which reads Surprised as
Surprise) and other public readers of OpenSLR 136 (nkululeko's EMNS scripts, which list the emotion spellings); the
names, labels, rates and folds: EmoBox's list. The speaker is user_id, 3 in every row here as EmoBox lists it; the
gender, age and level values written are placeholders (their spelling in the real file is not known).
"""

from collections import Counter

import numpy as np
import pytest

from ser_hub.corpora import prepare_corpus
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, rows_by_id
from .container_fixtures import prepared_samples, write_container
from .real_lists import check_against_reference, reference
from .seed_corpora import reference_stratified_split

SECONDS = 0.4
LISTED_CORPUS = reference("emns")
UTTERANCES = LISTED_CORPUS["utterances"]
HEADER = "id|utterance|description|emotion|date_created|status|gender|age|level|audio_recording|user_id"
CODE = {"Disgust": "Disgust", "Excited": "Excited", "Surprise": "Surprised", "Sad": "Sad", "Sarcastic": "Sarcastic",
        "Happy": "Happy", "Neutral": "Neutral", "Angry": "Angry"}  # EmoBox's label -> metadata.csv's emotion
UNIFIED = {"angry": "anger", "disgust": "disgust", "excited": "happiness", "happy": "happiness", "neutral": "neutral",
           "sad": "sadness", "sarcastic": "other", "surprised": "surprise"}  # native label -> unified
AROUSAL_VALENCE = {"angry": ("high", "negative"), "disgust": ("low", "negative"), "excited": ("high", "positive"),
                   "happy": ("high", "positive"), "neutral": ("low", "neutral"), "sad": ("low", "negative"),
                   "sarcastic": (None, None), "surprised": ("high", "neutral")}
REASON = (r"One speaker recorded every file, so no split can keep speakers apart and speaker-grouped folds would hold "
          r"a single group; stratified and emobox split the recordings of that one speaker\. Choose one of "
          r"stratified, emobox\.")
# five recordings of each label (so that every stratified split has some) and the one named without an id
LISTED = [u for u in UTTERANCES if u["path"] == "cleaned_webm/recorded_audio.webm"] + [
    u for label in CODE for u in [v for v in UTTERANCES if v["label"] == label][:5]]


def stem(utterance: dict) -> str:
    return utterance["path"].removeprefix("cleaned_webm/").removesuffix(".webm")


def metadata(utterances, extra_rows=()) -> str:
    """metadata.csv with a row per recording, in the real column order."""
    rows = [f"{index}|Sentence {index}.|Delivery {index}.|{CODE[u['label']]}|2022-05-01|"
            f"published|Female|25|{index % 10}|wavs/{stem(u)}.webm|3" for index, u in enumerate(utterances)]
    return "\n".join([HEADER, *rows, *extra_rows]) + "\n"


def test_the_whole_real_list_parses_with_emobox_labels_keys_and_fold():
    records = check_against_reference("emns", "emns", texts={"metadata.csv": metadata(UTTERANCES)})
    assert len(records) == 1181 and {record["speaker_id"] for record in records} == {"3"}
    assert Counter(record["native_label"] for record in records) == {
        CODE[label].lower(): count for label, count in Counter(u["label"] for u in UTTERANCES).items()}
    assert Counter((u["rate"], u["channels"]) for u in UTTERANCES) == {(48000, 1): 1181}


def expected(index: int, utterance: dict) -> dict:
    native = CODE[utterance["label"]].lower()
    return {"file": utterance["path"], "corpus": "emns", "utterance_id": stem(utterance), "speaker_id": "3",
            "gender": "female", "language": "en", "native_label": native, "emotion": UNIFIED[native],
            "arousal": AROUSAL_VALENCE[native][0], "valence": AROUSAL_VALENCE[native][1],
            "text": f"Sentence {index}.", "description": f"Delivery {index}.", "level": str(index % 10)}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("emns") / "EMNS"
    for index, utterance in enumerate(LISTED):
        write_container(root / utterance["path"], utterance["rate"], utterance["channels"], SECONDS,
                        frequency=200 + 20 * index, video=False)
    gone = "999|Gone.|Delivery 999.|Sad|2022-05-01|published|Female|25|1|wavs/recorded_audio_notHere.webm|3"
    (root / "metadata.csv").write_text(metadata(LISTED, [gone]))  # a row whose recording is absent is no record
    return root


@pytest.fixture(scope="module")
def prepared(corpus, tmp_path_factory):
    return prepare_corpus("emns", str(corpus), cache_dir=str(tmp_path_factory.mktemp("cache")), progress=False)


def test_every_recording_with_its_label_text_description_and_level(prepared, corpus):
    dataset = prepared.load("stratified")
    assert list(dataset["train"].features) == [*BASE_COLUMNS, "text", "description", "level"]
    assert dataset["train"].features["native_label"].names == list(UNIFIED)
    rows = rows_by_id(dataset)
    assert {uid: {key: row[key] for key in expected(0, LISTED[0])} for uid, row in rows.items()} == {
        stem(u): expected(index, u) for index, u in enumerate(LISTED)}
    for utterance in LISTED:
        assert rows[stem(utterance)]["duration"] == np.float32(prepared_samples(corpus / utterance["path"])[1])


def test_webm_sound_is_stored_at_16_khz_mono(prepared, corpus):
    examples = {e["file"]: e for split in prepared.load("stratified").values() for e in split}
    assert sorted(examples) == sorted(u["path"] for u in LISTED)
    for path, example in examples.items():
        decoded = example["audio"].get_all_samples()
        assert decoded.sample_rate == 16000 and decoded.data.shape[0] == 1
        assert np.array_equal(decoded.data.numpy()[0], prepared_samples(corpus / path)[0])


def test_stratified_is_the_reference_split(prepared):
    rows = rows_by_id(prepared.load("stratified"))
    assert {uid: row["split"] for uid, row in rows.items()} == reference_stratified_split(rows)


def test_the_emobox_protocol_gives_emoboxs_train_and_test(prepared):
    fold = LISTED_CORPUS["folds"]["fold_1"]
    listed = {u["key"] for u in LISTED}
    assert {name: sorted(split["utterance_id"]) for name, split in prepared.load("emobox").items()} == {
        name: sorted(key.removeprefix("emns-") for key in fold[name] if key in listed) for name in ("train", "test")}


@pytest.mark.parametrize("protocol", ["speaker-independent", "serab", "loso", "kfold-2", "official"])
def test_protocols_that_need_several_speakers_are_refused_with_the_reason(prepared, protocol):
    with pytest.raises(CorpusError, match=rf"emns does not support the '{protocol}' protocol: {REASON}"):
        prepared.load(protocol)


def test_a_recording_without_a_row_in_metadata_csv_is_an_error_naming_it(corpus, tmp_path):
    write_container(tmp_path / "EMNS" / "cleaned_webm" / "recorded_audio_extra00.webm", 48000, 1, SECONDS, video=False)
    (tmp_path / "EMNS" / "metadata.csv").write_text((corpus / "metadata.csv").read_text())
    with pytest.raises(CorpusError, match=r"cleaned_webm/recorded_audio_extra00\.webm: the meta table \(metadata\.csv\) "
                                          r"has no row for 'wavs/recorded_audio_extra00\.webm'; .* use the complete "
                                          r"ones as distributed"):
        prepare_corpus("emns", str(tmp_path / "EMNS"), cache_dir=str(tmp_path / "cache"), progress=False)
