"""TurEV-DB against EmoBox's list of the real corpus, and on a fixture of the authors' GitHub repository
(Xeonen/TurEV-DB): real file names under 'Sound Source/<Emotion>/', 44.1 kHz mono, beside the filtered copies and
spectrograms the repository also holds (real paths from its listing).

Sources: the repository (folders Angry, Calm, Happy, Sad; licence CC BY-NC-ND 4.0 in its README) and the paper's
abstract (Canpolat et al., SLTU 2020: 82 words, four emotions). The codes kz, sk, mt, hl are the Turkish initials of
kızgın, sakin, mutlu, hüzünlü; each matches its folder in the whole list.
"""

from collections import Counter

import numpy as np
import pytest

import ser_hub
from corpus_fixtures import write_audio
from ser_hub.corpora import read_build_record

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id
from .real_lists import check_against_reference, covering_subset, reference

SECONDS = 0.2
LABELS = {  # code -> folder, native label, unified emotion, arousal, valence
    "kz": ("Angry", "angry", "anger", "high", "negative"), "sk": ("Calm", "calm", "neutral", "low", "neutral"),
    "mt": ("Happy", "happy", "happiness", "high", "positive"), "hl": ("Sad", "sad", "sadness", "low", "negative"),
}
SPEAKERS = ["1157", "1234", "1358", "1984", "6783", "7895"]
# every emotion of every speaker, and the one name with a digit after the word
LISTED = [u for speaker in SPEAKERS for u in covering_subset(
    [u for u in reference("turevdb")["utterances"] if u["speaker"] == speaker], lambda u: u["path"])] + [
    u for u in reference("turevdb")["utterances"] if u["path"] == "Sound Source/Sad/7895_hl_ogul1.wav"]
OTHER_FILES = ["Model Output for Test Data/testEmotions500HighPass/sound/Angry/1157_kz_beste.wav",
               "Model Output for Test Data/testEmotions5000LowPass/plain/Angry/1157_kz_beste.jpg", "README.md"]


def expected(utterance: dict) -> dict:
    speaker, code, word = utterance["path"].split("/")[2].removesuffix(".wav").split("_")
    _, native, emotion, arousal, valence = LABELS[code]
    return {"file": utterance["path"], "corpus": "turevdb", "speaker_id": speaker, "gender": "unknown",
            "language": "tr", "text_id": word.removesuffix("1"), "native_label": native, "emotion": emotion,
            "arousal": arousal, "valence": valence}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("turevdb") / "TurEV-DB"
    for index, utterance in enumerate(LISTED):
        write_audio(root / utterance["path"], utterance["rate"], utterance["channels"], SECONDS,
                    frequency=150.0 + 7 * index)
    write_audio(root / OTHER_FILES[0], 44100, 1, SECONDS)
    (root / OTHER_FILES[1]).parent.mkdir(parents=True)
    (root / OTHER_FILES[1]).write_bytes(b"\xff\xd8\xff")
    (root / OTHER_FILES[2]).write_text("# Turkish Emotion-Voice Database TurEV-DB\n")
    return str(root)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def turevdb(corpus, cache):
    return ser_hub.load_corpus("turevdb", corpus, cache_dir=cache)


def test_the_whole_real_list_parses_with_emobox_speakers_labels_keys_and_split():
    records = check_against_reference("turevdb", "turevdb")
    assert len(records) == 1735
    listed = reference("turevdb")["utterances"]
    assert Counter((u["rate"], u["channels"]) for u in listed) == {(44100, 1): 1735}
    assert all(u["path"].split("/")[1] == LABELS[u["path"].split("_")[1]][0] for u in listed)  # code matches folder
    assert Counter(r["speaker_id"] for r in records) == {"1157": 150, "1234": 328, "1358": 328, "1984": 328,
                                                         "6783": 328, "7895": 273}
    assert len({r["text_id"] for r in records}) == 82


def test_schema_and_native_classes(turevdb):
    features = turevdb["train"].features
    assert list(features) == [*BASE_COLUMNS, "text_id"]
    assert features["native_label"].names == ["angry", "calm", "happy", "sad"]


def test_every_utterance_with_its_speaker_labels_and_word(turevdb):
    rows = rows_by_id(turevdb)
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        u["path"].split("/")[2].removesuffix(".wav"): expected(u) for u in LISTED}
    assert {row["duration"] for row in rows.values()} == {np.float32(SECONDS)}


def test_the_repository_s_other_folders_are_ignored(turevdb):
    record = read_build_record(turevdb)
    assert (record["root"], record["skipped"], record["ignored"]) == ("", [], sorted(OTHER_FILES))


def test_audio_decodes_at_16_khz_mono(turevdb):
    assert {decoded_shape(row) for split in turevdb.values() for row in split} == {(16000, (1, int(16000 * SECONDS)))}


def test_the_speaker_independent_split_and_loso_group_the_six_speakers(corpus, cache, turevdb):
    assert {split: set(data["speaker_id"]) for split, data in turevdb.items()} == reference_serab_split(SPEAKERS)
    loso = ser_hub.load_corpus("turevdb", corpus, "loso", cache_dir=cache)
    assert {fold: set(data["speaker_id"]) for fold, data in loso.items()} == {
        f"fold_{index}": {speaker} for index, speaker in enumerate(SPEAKERS)}


def test_the_emobox_protocol_gives_emobox_train_and_test(corpus, cache):
    fold = reference("turevdb")["folds"]["fold_1"]
    dataset = ser_hub.load_corpus("turevdb", corpus, "emobox", cache_dir=cache)
    assert {name: sorted(split["file"]) for name, split in dataset.items()} == {
        name: sorted(u["path"] for u in LISTED if u["key"] in fold[name]) for name in ("train", "test")}
