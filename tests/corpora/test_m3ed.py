"""M3ED against EmoBox's list of the real corpus (with annotation.json and splitInfo/ written from it), and on a
fixture of real recording names in EmoBox's copy's layout: modality_speech/<role>_<utterance>.wav (16 kHz, mono)
beside annotation.json and splitInfo/movie_list_{train,val,test,total}.txt.

Sources: annotation.json's nesting (series -> dialogue -> SpeakerInfo {A, B: Name, Age, Gender, OtherName} and Dialog
{utterance: StartTime, EndTime, Text, Speaker, EmoAnnotation {EmoAnnotator1-3, final_mul_emo, final_main_emo}}):
EmoBox's m3ed.py, other public readers of M3ED and an excerpt of the file one of them quotes (the first dialogue of
shaonianpai, whose speakers and labels EmoBox's list repeats); the split lists: AIM3-RUC/RUCM3ED splitInfo/, the
same series as EmoBox's fold; the names, speakers, labels and fold: EmoBox's list. Genders, ages, texts and times
written here are placeholders.
"""

import json
import re
from collections import Counter, defaultdict

import numpy as np
import pytest

from corpus_fixtures import write_audio
from ser_hub.corpora import prepare_corpus
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, rows_by_id, speakers_by_split
from .real_lists import check_against_reference, reference

SECONDS = 0.3
LISTED_CORPUS = reference("m3ed")
UTTERANCES = LISTED_CORPUS["utterances"]
NAME = re.compile(r"modality_speech/(?P<role>[AB])_(?P<utterance>(?P<dialogue>(?P<series>[a-z]+)_\d+)_\d+)\.wav")
PARTS = {"train": "train", "valid": "val", "test": "test"}  # EmoBox's part -> splitInfo's list
SPLIT = {"train": "train", "valid": "validation", "test": "test"}
UNIFIED = {"neutral": "neutral", "happy": "happiness", "surprise": "surprise", "sad": "sadness", "disgust": "disgust",
           "anger": "anger", "fear": "fear"}
AROUSAL_VALENCE = {"neutral": ("low", "neutral"), "happy": ("high", "positive"), "surprise": ("high", "neutral"),
                   "sad": ("low", "negative"), "disgust": ("low", "negative"), "anger": ("high", "negative"),
                   "fear": ("high", "negative")}
PART_OF = {key: part for part, keys in LISTED_CORPUS["folds"]["fold_1"].items() for key in keys}
# the first recording of each label in each part, and one whose speaker's Name has a leading space
LISTED = list({u["key"]: u for u in [
    *({(PART_OF[u["key"]], u["label"]): u for u in reversed(UTTERANCES)}.values()),
    next(u for u in UTTERANCES if u["speaker"].split("_", 1)[1].startswith(" "))]}.values())


def name(utterance: dict) -> re.Match:
    return NAME.fullmatch(utterance["path"])


def gender(speaker_name: str) -> str:
    return "female" if len(speaker_name.strip()) % 2 else "male"


def annotation(utterances, extra_turns=()) -> str:
    """annotation.json with an entry per recording (its role's Name is EmoBox's speaker without the series)."""
    document = defaultdict(dict)
    for utterance in utterances:
        parts = name(utterance)
        speaker_name = utterance["speaker"].removeprefix(f"{parts['series']}_")
        dialogue = document[parts["series"]].setdefault(parts["dialogue"], {"SpeakerInfo": {}, "Dialog": {}})
        dialogue["SpeakerInfo"][parts["role"]] = {"Name": speaker_name, "Age": "mid", "Gender": gender(speaker_name),
                                                  "OtherName": []}
        dialogue["Dialog"][parts["utterance"]] = {
            "StartTime": "00:00:00:01", "EndTime": "00:00:01:04", "Text": f"第{parts['utterance']}句",
            "Speaker": parts["role"], "EmoAnnotation": {**{f"EmoAnnotator{n}": utterance["label"] for n in (1, 2, 3)},
                                                        "final_mul_emo": utterance["label"],
                                                        "final_main_emo": utterance["label"]}}
    for series, dialogue, utterance, turn in extra_turns:
        document[series][dialogue]["Dialog"][utterance] = turn
    return json.dumps(document, ensure_ascii=False, indent=4)


def split_lists(utterances) -> dict[str, str]:
    """splitInfo/movie_list_<part>.txt as the repository writes them (no final newline), and the list of all."""
    series = defaultdict(set)
    for utterance in utterances:
        series[PARTS[PART_OF[utterance["key"]]]].add(name(utterance)["series"])
    series["total"] = set().union(*series.values())
    return {f"splitInfo/movie_list_{part}.txt": "\n".join(sorted(names)) for part, names in series.items()}


def texts(utterances, extra_turns=()) -> dict[str, str]:
    return {"annotation.json": annotation(utterances, extra_turns), **split_lists(utterances)}


def test_the_whole_real_list_parses_with_emobox_speakers_labels_keys_and_fold():
    unrecorded = ("shaonianpai", "shaonianpai_1", "shaonianpai_1_999", {"Speaker": "A", "Text": "没有录音",
                                                                         "EmoAnnotation": {"final_main_emo": "Sad"}})
    records = check_against_reference("m3ed", "m3ed", texts=texts(UTTERANCES, [unrecorded]))
    assert len(records) == 24437 and len({record["speaker_id"] for record in records}) == 635
    assert Counter(record["_official"] for record in records) == {"train": 17420, "validation": 2819, "test": 4198}
    assert len({name(u)["series"] for u in UTTERANCES}) == 56 and len({name(u)["dialogue"] for u in UTTERANCES}) == 990
    by_key = {record["_emobox_key"]: record for record in records}
    assert by_key["m3ed-shaonianpai_1_1"]["speaker_id"] == "shaonianpai_王胜男"
    assert by_key["m3ed-shaonianpai_1_2"]["speaker_id"] == "shaonianpai_林大为"
    assert {record["speaker_id"] for record in records if record["dialogue"] == "jimaofeishangtian_7"} == {
        "jimaofeishangtian_骆玉珠"}  # both roles, and EmoBox's ' 骆玉珠' without its space


def expected(utterance: dict) -> dict:
    parts = name(utterance)
    label = utterance["label"].lower()
    speaker_name = utterance["speaker"].removeprefix(f"{parts['series']}_").strip()
    return {"file": utterance["path"], "corpus": "m3ed", "utterance_id": parts["utterance"],
            "speaker_id": f"{parts['series']}_{speaker_name}", "gender": gender(speaker_name), "language": "zh",
            "native_label": label, "emotion": UNIFIED[label], "arousal": AROUSAL_VALENCE[label][0],
            "valence": AROUSAL_VALENCE[label][1], "dialogue": parts["dialogue"],
            "text": f"第{parts['utterance']}句", "age": "mid", "split": SPLIT[PART_OF[utterance["key"]]]}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("m3ed") / "M3ED"
    for index, utterance in enumerate(LISTED):
        write_audio(root / utterance["path"], 16000, seconds=SECONDS, frequency=200 + 20 * index)
    for path, text in texts(LISTED).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def prepared(corpus, tmp_path_factory):
    return prepare_corpus("m3ed", str(corpus), cache_dir=str(tmp_path_factory.mktemp("cache")), progress=False)


def test_the_fixture_covers_every_part_and_label():
    assert Counter(PART_OF[u["key"]] for u in LISTED) == {"train": 8, "valid": 7, "test": 7}
    assert {u["label"] for u in LISTED} == {label.capitalize() for label in UNIFIED}


def test_every_recording_with_its_speaker_label_columns_and_official_split(prepared):
    dataset = prepared.load("official")
    assert list(dataset) == ["train", "validation", "test"]
    assert list(dataset["train"].features) == [*BASE_COLUMNS, "dialogue", "text", "age"]
    rows = rows_by_id(dataset)
    assert {uid: {key: row[key] for key in expected(LISTED[0])} for uid, row in rows.items()} == {
        expected(u)["utterance_id"]: expected(u) for u in LISTED}
    assert {row["duration"] for row in rows.values()} == {np.float32(SECONDS)}


def test_the_emobox_protocol_is_the_official_partition_by_series(prepared):
    official = {split: sorted(data["utterance_id"]) for split, data in prepared.load("official").items()}
    assert {split: sorted(data["utterance_id"]) for split, data in prepared.load("emobox").items()} == official
    series = {split: {uid.split("_")[0] for uid in uids} for split, uids in official.items()}
    assert not (series["train"] & series["validation"] or series["train"] & series["test"]
                or series["validation"] & series["test"])


def test_speaker_independent_keeps_each_character_in_one_split(prepared):
    speakers = speakers_by_split(prepared.load("speaker-independent"))
    assert sum(map(len, speakers.values())) == len(set().union(*speakers.values()))


@pytest.mark.parametrize(("change", "message"), [
    (lambda files: files.pop("annotation.json"),
     r"annotation\.json is missing; M3ED's labels and speakers are only there: pass the whole release"),
    (lambda files: files.update({"annotation.json": "{"}),
     r"annotation\.json is not valid JSON \(.*\); replace it with the distributed file\."),
    (lambda files: files.update({"annotation.json": files["annotation.json"].replace('"Speaker"', '"Role"', 1)}),
     (r"annotation\.json: \w+/\w+/Dialog/\w+ has no 'Speaker'; annotation\.json nests series -> dialogue -> "
      r"\{SpeakerInfo: .*\}: replace it with the distributed file\.")),
])
def test_a_missing_or_malformed_annotation_file_is_an_error_naming_it(change, message, tmp_path):
    files = texts(LISTED[:1])
    change(files)
    write_audio(tmp_path / "M3ED" / LISTED[0]["path"], 16000, seconds=SECONDS)
    for path, text in files.items():
        (tmp_path / "M3ED" / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "M3ED" / path).write_text(text, encoding="utf-8")
    with pytest.raises(CorpusError, match=message):
        prepare_corpus("m3ed", str(tmp_path / "M3ED"), cache_dir=str(tmp_path / "cache"), progress=False)


def test_a_recording_without_an_entry_is_an_error_naming_it(tmp_path):
    write_audio(tmp_path / "M3ED" / LISTED[0]["path"], 16000, seconds=SECONDS)
    write_audio(tmp_path / "M3ED" / "modality_speech/B_anjia_1_99.wav", 16000, seconds=SECONDS)
    for path, text in texts(LISTED[:1]).items():
        (tmp_path / "M3ED" / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "M3ED" / path).write_text(text, encoding="utf-8")
    with pytest.raises(CorpusError, match=r"modality_speech/B_anjia_1_99\.wav: the turn table \(m3ed\.read_annotation\) "
                                          r"has no row for 'B_anjia_1_99'; .* use the complete ones as distributed"):
        prepare_corpus("m3ed", str(tmp_path / "M3ED"), cache_dir=str(tmp_path / "cache"), progress=False)
