"""The generic folder corpus on three layouts: label folders, labels in file names (zip), and a metadata CSV."""

import csv
import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from corpus_fixtures import write_corpus, zip_folder
from ser_hub import load_corpus
from ser_hub.corpora import get_builder, read_build_record
from ser_hub.corpora.folder import SPEC, FolderOptions
from ser_hub.corpora.source import CorpusSource
from ser_hub.errors import CorpusError

from . import BASE_COLUMNS, decoded_shape, reference_serab_split, rows_by_id, speakers_by_split

SECONDS = 0.2

# Layout A: MyCorpus/<label folder>/<speaker>_<take>.wav, 16 kHz mono, extracted beside a README and a stray intro.
SPEAKERS_A = ["f01", "f02", "f03", "m01", "m02", "m03"]
FOLDERS_A = {  # folder -> unified emotion, arousal, valence by the default policy
    "angry": ("anger", "high", "negative"),
    "calm": ("neutral", "low", "neutral"),
    "happy": ("happiness", "high", "positive"),
    "sad": ("sadness", "low", "negative"),
}
STEMS_A = [f"{folder}/{speaker}_{take:02d}" for folder in FOLDERS_A for speaker in SPEAKERS_A for take in (1, 2)]
OPTIONS_A = {
    "label_from": "folder", "speaker_pattern": r"(?P<speaker>(?P<gender>[fm])\d\d)_\d+\.wav$", "language": "en",
}

# Layout B: EmoCorpus/wav/<speaker>_<code>_<take>.wav in a zip with its top folder, 44.1 kHz stereo.
SPEAKERS_B = ["F01", "F02", "M01", "M02"]
CODES_B = {"N": "neutral", "W": "anger", "F": "happiness", "L": None}  # L (boredom) is left out of labels=
STEMS_B = [f"{speaker}_{code}_{take:03d}" for speaker in SPEAKERS_B for code in CODES_B for take in (1, 2)]
OPTIONS_B = {
    "label_from": r"_(?P<label>[A-Z])_\d+\.wav$",
    "speaker_pattern": r"^(?P<speaker>[FM]\d\d)_",
    "gender_pattern": r"(?P<gender>[FM])\d\d_[A-Z]_",
    "labels": ["N", "W", "F"],
    "label_map": {"N": "neutral", "W": "anger", "F": "happiness"},
    "language": "de",
}

# Layout C: corpus/metadata.csv (written by a spreadsheet: UTF-8 with BOM) + corpus/clips/NNNN.wav, 48 kHz mono.
SPEAKERS_C = {"spk1": "F", "spk2": "M", "spk3": "F", "spk4": "M"}
LABELS_C = {  # native -> unified emotion, arousal, valence: three from label_map, two by the default policy
    "ang": ("anger", "high", "negative"),
    "bored": ("other", None, None),
    "hap": ("happiness", "high", "positive"),
    "neu": ("neutral", "low", "neutral"),
    "sad": ("sadness", "low", "negative"),
}
ROWS_C = [
    {"file_name": f"clips/{index:04d}.wav", "speaker": speaker, "sex": sex, "emotion": label, "transcript": "bonjour"}
    for index, (speaker, sex, label) in enumerate(
        ((speaker, sex, label) for speaker, sex in SPEAKERS_C.items() for label in LABELS_C for _ in (1, 2)), start=1
    )
]
OPTIONS_C = {
    "label_from": "csv",
    "metadata_csv": "metadata.csv",
    "label_column": "emotion",
    "gender_column": "sex",
    "label_map": {"ang": "anger", "hap": "happiness", "neu": "neutral"},
    "language": "fr-CA",
}


def write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def build_a(data_dir: Path) -> Path:
    """Layout A under ``data_dir`` (returned)."""
    files = [f"{stem}.wav" for stem in STEMS_A] + ["intro.wav"]
    corpus = write_corpus(data_dir / "MyCorpus", files, 16000, seconds=SECONDS)
    (corpus / "README.txt").write_text("One folder per emotion; files are <speaker>_<take>.wav.\n")
    return data_dir


def build_b(parent: Path) -> Path:
    """Layout B (a zip archive) under ``parent``."""
    folder = parent / "EmoCorpus"
    write_corpus(folder / "wav", [f"{stem}.wav" for stem in STEMS_B], 44100, channels=2, seconds=SECONDS)
    (folder / "README.md").write_text("# EmoCorpus\nN neutral, W anger, F happiness, L boredom.\n")
    return zip_folder(folder, folder.parent / "EmoCorpus.zip", top="EmoCorpus")


def build_c(parent: Path) -> Path:
    """Layout C (a folder with metadata.csv) under ``parent``."""
    data_dir = parent / "corpus"
    write_corpus(data_dir, [row["file_name"] for row in ROWS_C], 48000, seconds=SECONDS)
    write_csv(data_dir / "metadata.csv", ROWS_C)
    return data_dir


@pytest.fixture(scope="module")
def layout_a(tmp_path_factory):
    return build_a(tmp_path_factory.mktemp("folder_a"))


@pytest.fixture(scope="module")
def layout_b(tmp_path_factory):
    return build_b(tmp_path_factory.mktemp("folder_b"))


@pytest.fixture(scope="module")
def layout_c(tmp_path_factory):
    return build_c(tmp_path_factory.mktemp("folder_c"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def load_a(layout_a, cache):
    loaded = {}

    def load(protocol):
        if protocol not in loaded:
            loaded[protocol] = load_corpus("folder", layout_a, protocol, cache_dir=cache, **OPTIONS_A)
        return loaded[protocol]

    return load


# -- layout A: labels from folder names ----------------------------------------------------------------------------
def test_folder_labels_schema_rows_and_default_label_policy(load_a):
    dataset = load_a("speaker-independent")
    features = dataset["train"].features
    assert list(features) == BASE_COLUMNS
    assert features["native_label"].names == ["angry", "calm", "happy", "sad"]
    rows = rows_by_id(dataset)
    assert sorted(rows) == sorted(STEMS_A)
    for stem, row in rows.items():
        folder, name = stem.split("/")
        speaker = name[:3]
        assert row["file"] == f"{stem}.wav"
        assert (row["speaker_id"], row["gender"]) == (speaker, {"f": "female", "m": "male"}[speaker[0]])
        assert (row["corpus"], row["language"], row["native_label"]) == ("folder", "en", folder)
        assert (row["emotion"], row["arousal"], row["valence"]) == FOLDERS_A[folder]
        assert row["duration"] == np.float32(SECONDS)


def test_folder_layout_build_record_and_options_in_the_config(load_a, layout_a, cache):
    record = read_build_record(load_a("speaker-independent"))
    assert record["root"] == "MyCorpus/"
    # intro.wav lies outside every label folder: audio in folders without corpus files is ignored, not skipped
    assert record["ignored"] == ["MyCorpus/README.txt", "MyCorpus/intro.wav"]
    assert record["skipped"] == []
    builder = get_builder("folder", layout_a, cache_dir=cache, **OPTIONS_A)
    assert json.loads(builder.config.corpus_options) == dataclasses.asdict(FolderOptions(**OPTIONS_A))
    assert builder.configured_spec.label_mapping() == {folder: emotion for folder, (emotion, *_) in FOLDERS_A.items()}


def test_audio_is_decoded_mono_at_16_khz(load_a):
    assert decoded_shape(load_a("speaker-independent")["test"][0]) == (16000, (1, 3200))


def test_zip_archive_gives_the_same_corpus_as_its_extracted_folder(load_a, layout_a, tmp_path):
    archive = zip_folder(layout_a / "MyCorpus", tmp_path / "MyCorpus.zip", top="MyCorpus")
    zipped = load_corpus("folder", archive, cache_dir=tmp_path / "cache", **OPTIONS_A)
    assert rows_by_id(zipped) == rows_by_id(load_a("speaker-independent"))


@pytest.mark.parametrize("protocol", ["speaker-independent", "serab"])
def test_serab_and_speaker_independent_splits_follow_the_reference_on_speakers(load_a, protocol):
    assert speakers_by_split(load_a(protocol)) == reference_serab_split(SPEAKERS_A)


def test_kfold_and_loso_folds_partition_the_speakers(load_a):
    groups = sorted(SPEAKERS_A)
    np.random.RandomState(0).shuffle(groups)
    kfold = speakers_by_split(load_a("kfold-3"))
    assert list(kfold) == ["fold_0", "fold_1", "fold_2"]
    assert sorted(fold for speakers in kfold.values() for fold in speakers) == sorted(SPEAKERS_A)  # disjoint, complete
    assert [speaker for speakers in kfold.values() for speaker in groups if speaker in speakers] == groups  # contiguous
    loso = speakers_by_split(load_a("loso"))
    assert loso == {f"fold_{index}": {speaker} for index, speaker in enumerate(SPEAKERS_A)}


def test_stratified_split_is_utterance_level_75_10_15_per_gender_and_label(load_a):
    rows = rows_by_id(load_a("stratified"))
    rng, expected = np.random.RandomState(0), {}
    for gender in ("female", "male"):
        for folder in sorted(FOLDERS_A):
            members = sorted(stem for stem in STEMS_A if stem.startswith(f"{folder}/{gender[0]}"))
            rng.shuffle(members)
            expected.update({stem: split for stem, split in zip(members, ["train"] * 4 + ["validation", "test"])})
    assert {stem: row["split"] for stem, row in rows.items()} == expected


def test_official_protocol_is_refused(layout_a, tmp_path):
    with pytest.raises(CorpusError, match="folder defines no official partition; use 'speaker-independent' or 'serab'"):
        load_corpus("folder", layout_a, "official", cache_dir=tmp_path, **OPTIONS_A)


def test_label_map_overrides_the_default_policy_and_is_part_of_the_cache_key(load_a, layout_a, cache):
    remapped = load_corpus("folder", layout_a, cache_dir=cache, **OPTIONS_A, label_map={"calm": "other"})
    emotions = {row["native_label"]: row["emotion"] for row in rows_by_id(remapped).values()}
    assert emotions == {"angry": "anger", "calm": "other", "happy": "happiness", "sad": "sadness"}
    default = {row["native_label"]: row["emotion"] for row in rows_by_id(load_a("speaker-independent")).values()}
    assert default["calm"] == "neutral"


# -- layout B: labels and speakers from file-name patterns, in a zip with its top folder ---------------------------
def test_regex_labels_declared_classes_label_map_and_stereo_44k(layout_b, tmp_path):
    dataset = load_corpus("folder", layout_b, cache_dir=tmp_path, **OPTIONS_B)
    assert dataset["train"].features["native_label"].names == ["N", "W", "F"]
    rows = rows_by_id(dataset)
    kept = [stem for stem in STEMS_B if stem.split("_")[1] != "L"]
    assert sorted(rows) == sorted(kept)
    for stem, row in rows.items():
        speaker, code, _ = stem.split("_")
        assert row["file"] == f"{stem}.wav"
        gender = {"F": "female", "M": "male"}[speaker[0]]
        assert (row["speaker_id"], row["gender"], row["language"]) == (speaker, gender, "de")
        assert (row["native_label"], row["emotion"]) == (code, CODES_B[code])
    assert (rows["F01_W_001"]["arousal"], rows["F01_W_001"]["valence"]) == ("high", "negative")
    record = read_build_record(dataset)
    assert record["root"] == "EmoCorpus/wav/"
    assert record["skipped"] == [
        {"file": f"{stem}.wav", "reason": "unknown label code 'L' (known: F, N, W)"}
        for stem in STEMS_B
        if "_L_" in stem
    ]
    assert speakers_by_split(dataset) == reference_serab_split(SPEAKERS_B)
    assert decoded_shape(dataset["validation"][0]) == (16000, (1, 3200))


def test_one_pattern_may_give_label_speaker_and_gender(layout_a):
    pattern = r"(?P<label>[a-z]+)/(?P<speaker>(?P<gender>[fm])\d\d)_"
    source = CorpusSource(layout_a)
    spec = SPEC.configure(source, label_from=pattern, label_map={"calm": "other"})
    assert (spec.native_names, spec.label_mapping()["calm"]) == (["angry", "calm", "happy", "sad"], "other")
    scan = spec.scan(source)
    assert [(record["utterance_id"], record["speaker_id"], record["gender"], record["native_label"])
            for record in scan.records[:3]] == [
        ("angry/f01_01", "f01", "female", "angry"), ("angry/f01_02", "f01", "female", "angry"),
        ("angry/f02_01", "f02", "female", "angry"),
    ]
    assert (len(scan.records), scan.skipped, "MyCorpus/intro.wav" in scan.ignored) == (len(STEMS_A), [], True)


# -- layout C: everything from a metadata CSV ----------------------------------------------------------------------
def test_csv_metadata_labels_speakers_genders_and_loso(layout_c, tmp_path):
    dataset = load_corpus("folder", layout_c, "loso", cache_dir=tmp_path, **OPTIONS_C)
    assert dataset["fold_0"].features["native_label"].names == sorted(LABELS_C)
    rows = rows_by_id(dataset)
    assert sorted(rows) == [f"{index:04d}" for index in range(1, len(ROWS_C) + 1)]
    for row_c in ROWS_C:
        row = rows[row_c["file_name"][6:-4]]
        assert row["file"] == row_c["file_name"][6:]
        assert (row["speaker_id"], row["gender"]) == (row_c["speaker"], {"F": "female", "M": "male"}[row_c["sex"]])
        assert (row["native_label"], row["language"]) == (row_c["emotion"], "fr-CA")
        assert (row["emotion"], row["arousal"], row["valence"]) == LABELS_C[row_c["emotion"]]
        assert row["duration"] == np.float32(SECONDS)
    loso = {f"fold_{index}": {speaker} for index, speaker in enumerate(sorted(SPEAKERS_C))}
    assert speakers_by_split(dataset) == loso
    assert decoded_shape(dataset["fold_2"][0]) == (16000, (1, 3200))


def test_an_edited_csv_rebuilds_with_the_new_classes(layout_c, tmp_path):
    data_dir = shutil.copytree(layout_c, tmp_path / "corpus")
    before = load_corpus("folder", data_dir, cache_dir=tmp_path / "cache", **OPTIONS_C)
    assert before["train"].features["native_label"].names == ["ang", "bored", "hap", "neu", "sad"]
    write_csv(data_dir / "metadata.csv", [{**row, "emotion": row["emotion"].replace("bored", "sad")} for row in ROWS_C])
    after = load_corpus("folder", data_dir, cache_dir=tmp_path / "cache", **OPTIONS_C)
    assert after["train"].features["native_label"].names == ["ang", "hap", "neu", "sad"]
    assert sorted(row["native_label"] for row in rows_by_id(after).values()) == sorted(
        row["emotion"].replace("bored", "sad") for row in ROWS_C
    )


# -- errors for people -----------------------------------------------------------------------------------------------
def configure_error(data_dir, **options) -> str:
    with pytest.raises(CorpusError) as caught:
        get_builder("folder", data_dir, **options)
    return str(caught.value)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"speaker_pattern": r"(?P<spk>[fm]\d\d)_"},
            r"folder option speaker_pattern=r'(?P<spk>[fm]\d\d)_' has no (?P<speaker>...) group; "
            "name the part of the path that holds the speaker, e.g. r'(?P<speaker>...)'.",
        ),
        (
            {"label_from": r"(?P<emotion>[a-z]+)/", "speaker_pattern": r"(?P<speaker>[fm]\d\d)_"},
            r"folder option label_from=r'(?P<emotion>[a-z]+)/' has no (?P<label>...) group; "
            """name the part of the path that holds the label, e.g. r'(?P<label>...)' or "folder" or "csv".""",
        ),
        (
            {"speaker_pattern": "(?P<speaker>[fm]"},
            "folder option speaker_pattern=r'(?P<speaker>[fm]' is not a valid regex: "
            "missing ), unterminated subpattern at position 0.",
        ),
        (
            {"label_from": "folder"},
            "the folder corpus has no source for the speaker of each file: "
            "pass speaker_pattern=r'...(?P<speaker>...)...' (searched in the file's path) "
            "or metadata_csv='<file>.csv' with a 'speaker' column. "
            "Every split protocol groups by speaker, so the speaker is required.",
        ),
        (
            {"label_from": "csv", "speaker_pattern": r"(?P<speaker>[fm]\d\d)_"},
            "the folder corpus has no source for the label of each file: pass label_from=r'...(?P<label>...)...' "
            "(searched in the file's path) or metadata_csv='<file>.csv' with a 'label' column.",
        ),
        (
            {"label_from": r"(?P<label>[a-z]+)/(?P<speaker>[fm]\d\d)", "speaker_pattern": r"(?P<speaker>[fm]\d\d)_"},
            "folder options label_from and speaker_pattern both define the group 'speaker'; keep it in one of them.",
        ),
        (
            {"speaker_pattern": r"^spk(?P<speaker>\d+)"},
            "no audio file in data_dir matches the folder options label_from='folder', "
            r"speaker_pattern=r'^spk(?P<speaker>\d+)' "
            "(searched in paths relative to MyCorpus/, such as angry/f01_01.wav, angry/f01_02.wav, angry/f02_01.wav); "
            "fix the patterns or data_dir.",
        ),
        (
            {**OPTIONS_A, "extensions": ["flac"]},
            "data_dir holds no audio file with extension .flac; check data_dir or the extensions option.",
        ),
        (
            {**OPTIONS_A, "extensions": ["sph"]},
            "folder cannot read extensions ['.sph']; choose among "
            "['.aac', '.aif', '.aiff', '.avi', '.flac', '.m4a', '.mkv', '.mov', '.mp3', '.mp4', '.ogg', '.opus', '.wav', "
            "'.webm'].",
        ),
        (
            {**OPTIONS_A, "label_map": {"angry": "angry"}},
            "label_map sends {'angry': 'angry'} outside the unified emotions; use one of "
            "neutral, anger, happiness, sadness, fear, disgust, surprise, other.",
        ),
        (
            {**OPTIONS_A, "label_map": {"fury": "anger"}},
            "label_map names ['fury'], which are not labels of this corpus (angry, calm, happy, sad).",
        ),
        (
            {**OPTIONS_A, "speaker_regex": "x"},
            "folder takes no option(s) ['speaker_regex']; its options are label_from, speaker_pattern, gender_pattern, "
            "metadata_csv, file_column, label_column, speaker_column, gender_column, labels, label_map, language, "
            "extensions.",
        ),
    ],
)
def test_clear_errors_for_bad_options(layout_a, options, message):
    assert configure_error(layout_a, **options) == message


def test_clear_errors_for_bad_metadata_csv(layout_c):
    assert configure_error(layout_c, **{**OPTIONS_C, "metadata_csv": "meta.csv"}) == (
        f"metadata_csv 'meta.csv' is not in {layout_c} (CSV files there: metadata.csv); "
        "pass its path relative to data_dir."
    )
    assert configure_error(layout_c, **{**OPTIONS_C, "gender_column": "gender"}) == (
        "metadata.csv has no column(s) ['gender'] "
        "(its columns: ['file_name', 'speaker', 'sex', 'emotion', 'transcript']); "
        "name the right ones with file_column=, label_column=, speaker_column= or gender_column=."
    )


def test_clear_errors_for_files_missing_from_or_listed_twice_in_the_csv(tmp_path):
    write_corpus(tmp_path, ["clips/0001.wav", "clips/0002.wav", "clips/extra.wav"], 48000, seconds=SECONDS)
    write_csv(tmp_path / "metadata.csv", ROWS_C[:2])
    assert configure_error(tmp_path, **OPTIONS_C) == (
        "1 audio file(s) have no row in metadata.csv (column 'file_name', paths relative to the CSV's folder), "
        "such as clips/extra.wav. Add a row for each or remove the files."
    )
    write_csv(tmp_path / "metadata.csv", [*ROWS_C[:2], {**ROWS_C[0], "file_name": "clips/extra.wav"}, ROWS_C[1]])
    assert configure_error(tmp_path, **OPTIONS_C) == (
        "metadata.csv lists 'clips/0002.wav' twice; keep one row per audio file."
    )


def test_configure_needs_the_corpus_source():
    with pytest.raises(CorpusError, match=r"the folder corpus reads its classes from the files"):
        SPEC.configure(**OPTIONS_A)
