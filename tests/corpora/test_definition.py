"""Corpus definition files: a corpus described as data, loaded from a folder or a zip, with its warnings and errors."""

import re
import shutil
import warnings

import pytest
import yaml

import ser_hub
from corpus_fixtures import write_audio, write_corpus, zip_folder
from ser_hub.audit import audit
from ser_hub.cli import main
from ser_hub.corpora import REGISTRY, corpus_info, definition_text, read_build_record
from ser_hub.corpora.definition import parse_definition, read_definition
from ser_hub.corpora.spec import CorpusWarning
from ser_hub.errors import CorpusError

from . import rows_by_id
from .definitions import LEVEL_SPEAKERS, LEVELS, MOODS, build_levels, build_moods, level_files


@pytest.fixture(scope="module")
def levels(tmp_path_factory):
    return build_levels(tmp_path_factory.mktemp("levels"))


@pytest.fixture(scope="module")
def moods(tmp_path_factory):
    return build_moods(tmp_path_factory.mktemp("moods"))


def load(definition, data_dir, tmp_path, protocol="speaker-independent", **options):
    return ser_hub.load_corpus(str(definition), data_dir, protocol, cache_dir=str(tmp_path / "cache"), **options)


def test_coded_gender_numeric_labels_with_names_and_arousal_by_level(levels, tmp_path):
    definition, root = levels
    with warnings.catch_warnings():
        warnings.simplefilter("error", CorpusWarning)  # a complete definition: nothing skipped, nothing guessed
        dataset = load(definition, root, tmp_path)
    features = dataset["train"].features
    assert features["native_label"].names == ["calm", "aroused", "very aroused"]
    assert list(features)[-1] == "text_id"
    rows = rows_by_id(dataset)
    assert len(rows) == len(level_files())
    expected = {"0": ("calm", "neutral", "low", "neutral"), "1": ("aroused", "other", "high", "neutral"),
                "2": ("very aroused", "other", "high", "neutral")}
    for utterance, row in rows.items():
        speaker, gender, level, text = utterance.split("_")
        assert (row["corpus"], row["language"], row["speaker_id"], row["text_id"]) == ("levels", "am", speaker, text)
        assert row["gender"] == {"01": "female", "02": "male"}[LEVEL_SPEAKERS[speaker]]
        assert (row["native_label"], row["emotion"], row["arousal"], row["valence"]) == expected[level]
    assert dataset["train"].info.dataset_name == "levels"
    assert audit(dataset).corpus == "levels"


def test_a_zip_and_its_folder_give_the_same_corpus(levels, tmp_path):
    definition, root = levels
    archive = zip_folder(root, tmp_path / "Levels.zip", top="Levels-v1")
    from_zip = load(definition, archive, tmp_path / "zip")
    assert rows_by_id(from_zip) == rows_by_id(load(definition, root, tmp_path / "folder"))
    assert read_build_record(from_zip)["root"] == "Levels-v1/"


def test_labels_from_folders_and_gender_from_a_table(moods, tmp_path):
    definition, root = moods
    rows = rows_by_id(load(definition, root, tmp_path))
    assert {row["native_label"] for row in rows.values()} == {"Angry", "Calm", "Happy", "Sad"}  # found in the files
    assert rows["Sad_1358_dil"]["gender"] == "male" and rows["Calm_1984_dil"]["gender"] == "female"
    assert {row["emotion"] for row in rows.values()} == {"anger", "neutral", "happiness", "sadness"}


def test_the_definition_names_the_corpus_everywhere(levels, tmp_path):
    definition, root = levels
    out = ser_hub.export_corpus(str(definition), root, tmp_path / "export", ["speaker-independent"],
                                cache_dir=str(tmp_path / "cache"))
    card = (out / "README.md").read_text()
    assert "# Arousal Levels Corpus" in card and 'load_dataset("ser-hub/levels"' in card
    assert "license: cc-by-4.0" in card and "@misc{levels2026" in card and "https://example.org/levels" in card
    assert "| aroused | other | high / neutral |" in card


def test_every_builtin_corpus_is_a_definition_that_show_prints(capsys):
    for name in sorted(REGISTRY):
        if name == "folder":
            continue
        assert main(["corpora", "--show", name]) == 0
        printed = capsys.readouterr().out
        assert printed == definition_text(name)
        assert parse_definition(yaml.safe_load(printed) and yaml.load(printed, Loader=_loader()), name) == \
            dataclass_without_file(corpus_info(name), name)


def _loader():
    from ser_hub.corpora.definition import _StringLoader

    return _StringLoader


def dataclass_without_file(spec, where):
    import dataclasses

    return dataclasses.replace(spec, definition_file=where)


def test_a_copied_builtin_definition_loads_as_the_builtin(urdu_dir, tmp_path, capsys):
    main(["corpora", "--show", "urdu"])
    copy = tmp_path / "my-urdu.yaml"
    copy.write_text(re.sub(r"^name: urdu$", "name: my_urdu", capsys.readouterr().out, flags=re.MULTILINE))
    mine = load(copy, urdu_dir, tmp_path, "serab")
    builtin = ser_hub.load_corpus("urdu", urdu_dir, "serab", cache_dir=str(tmp_path / "cache"))
    assert {split: data["utterance_id"] for split, data in mine.items()} == {
        split: data["utterance_id"] for split, data in builtin.items()}
    assert set(mine["test"]["corpus"]) == {"my_urdu"}


# -- what was skipped and what was guessed ---------------------------------------------------------------------------
def edited(levels, tmp_path, replace=(), extra_files=()):
    definition, root = levels
    copy = shutil.copytree(root, tmp_path / "Levels")
    for path in extra_files:
        write_audio(copy / path, 16000, seconds=0.6)
    text = definition.read_text()
    for old, new in replace:
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "edited.yaml").write_text(text)
    return tmp_path / "edited.yaml", copy


def test_skipped_files_are_counted_with_their_most_common_reasons(levels, tmp_path):
    definition, root = edited(levels, tmp_path, extra_files=["recordings/spk01-take2.wav", "recordings/spk02_01_7_t01.wav"])
    with pytest.warns(CorpusWarning) as caught:
        load(definition, root, tmp_path)
    assert [str(warning.message) for warning in caught] == [
        f"levels: 2 of {len(level_files()) + 2} audio files were skipped (1 x file name does not follow the levels "
        "grammar (like 'recordings/spk01_01_0_t01.wav'); 1 x unknown label code '7' (known: 0, 1, 2)); "
        "`read_build_record(dataset)['skipped']` lists each with its reason."
    ]


def test_a_label_no_mapping_covers_is_a_warning_or_with_strict_an_error(levels, tmp_path):
    unmapped = [('label_map: {calm: neutral, aroused: other, very aroused: other}', "label_map: {calm: neutral}")]
    definition, root = edited(levels, tmp_path, unmapped)
    with pytest.warns(CorpusWarning, match=r"^levels: native label\(s\) 'aroused', 'very aroused' have no unified "
                      r"emotion and become 'other'; name their emotion in `label_map` \(or map them to 'other' "
                      r"explicitly\) in .*edited\.yaml\.$"):
        load(definition, root, tmp_path)
    strict = tmp_path / "strict.yaml"
    strict.write_text(definition.read_text() + "strict: true\n")
    with pytest.raises(CorpusError, match=r"have no unified emotion.*The definition says `strict: true`\."):
        load(strict, root, tmp_path / "strict")


def test_a_speaker_whose_files_disagree_on_the_gender_is_a_warning(levels, tmp_path):
    definition, root = edited(levels, tmp_path, extra_files=["recordings/spk01_02_0_t05.wav"])
    with pytest.warns(CorpusWarning, match=r"^levels: 1 speaker\(s\) have files that disagree on their gender "
                      r"\(spk01: 12 x '01', 1 x '02'\); each file keeps its own value"):
        load(definition, root, tmp_path)


def test_the_audit_warns_when_the_text_determines_the_emotion(tmp_path):
    definition = tmp_path / "texts.yaml"
    definition.write_text(LEVELS.replace("name: levels", "name: texts"))
    # every text is read in one level only, by every speaker: the words give the label away
    files = [f"recordings/{speaker}_{gender}_{level}_t0{level}.wav" for speaker, gender in LEVEL_SPEAKERS.items()
             for level in "012"] + [f"recordings/{speaker}_{gender}_0_t09.wav" for speaker, gender in
                                     list(LEVEL_SPEAKERS.items())[:2]] + ["recordings/spk01_01_1_t09.wav"]
    root = write_corpus(tmp_path / "Texts", files, 16000, seconds=0.6)
    report = audit(load(definition, root, tmp_path, "kfold-3"))
    assert (
        "texts and emotions are confounded: 3 of 4 texts recorded more than once are recorded in one emotion only, "
        "and a text's most common emotion is the label of 95% of their utterances (the most common class alone: 38%)"
    ) in "\n".join(report.warnings)
    assert not [w for w in audit(load(*build_levels(tmp_path / "ok"), tmp_path / "ok")).warnings if "texts" in w]


# -- errors for people -----------------------------------------------------------------------------------------------
def definition_error(tmp_path, text) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CorpusError) as caught:
        read_definition(path)
    return str(caught.value).replace(str(path), "bad.yaml")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("license:", "licence:", "bad.yaml: unknown key(s) 'licence'; the keys are access, arousal_map, citation, "
     "description, emobox, extras, files, gender, gender_map, homepage, label, label_map, label_set, label_sets, labels, "
     "language, languages, license, name, notes, num_utterances, sampling_rate, speaker, splits, status, strict, "
     "tables, title, utterance_id, valence_map (see ser_hub.corpora.definition)."),
    ("  example:", "  exemple:", "bad.yaml: unknown key(s) 'exemple' under `files`; the keys are channels, example, "
     "exclude, extensions, label_from, metadata, pattern (see ser_hub.corpora.definition)."),
    ("title: Arousal Levels Corpus\n", "", "bad.yaml: required key(s) 'title' missing; add them."),
    ("name: levels", "name: Levels", "bad.yaml: `name` 'Levels' is not a registry name; use lowercase letters, "
     "digits and underscores."),
    ("'recordings/(?P<speaker>", "'(?i)recordings/(?P<speaker", "bad.yaml: `files.pattern` is not a valid regular "
     "expression (bad character in group name 'speakerspk\\\\d{2})_(?P<gender' at position 19)."),
    ("'recordings/(?P<speaker>", "'recordings/(?i)(?P<speaker>", "bad.yaml: `files.pattern` is not a valid regular "
     "expression (global flags not at the start of the expression at position 11). Put inline flags such as (?i) "
     "at the very start of the pattern, or scope them: (?i:...)"),
    ("label_map: {calm: neutral,", "label_map: {calm: calmness,", "bad.yaml: `label_map.calm` is 'calmness'; use one "
     "of neutral, anger, happiness, sadness, fear, disgust, surprise, other."),
    ("label_map: {calm: neutral,", "label_map: {relaxed: neutral,", "bad.yaml: `label_map` names 'relaxed', which "
     "are not native labels; use the names given in `labels` (aroused, calm, very aroused)."),
    ('gender_map: {"01": female', 'gender_map: {"01": woman', "bad.yaml: `gender_map.01` is 'woman'; use one of "
     "female, male, unknown."),
    ("arousal_map: {calm: low", "arousal_map: {calm: medium", "bad.yaml: `arousal_map.calm` is 'medium'; use one "
     "of low, high."),
    ("sampling_rate: 16000", "sampling_rate: 16 kHz", "bad.yaml: `sampling_rate` is '16 kHz', not a whole number; "
     "write digits only, e.g. 16000."),
    ("description:", "speaker: '{spk}'\ndescription:", "bad.yaml: `speaker` ('{spk}') uses group(s) spk that no file "
     "has; use one of folder, gender, label, path, path_stem, speaker, stem, text or add the group to files.pattern."),
    ("description:", "extras: {duration: '{text}'}\ndescription:", "bad.yaml: `extras.duration` is a column every "
     "corpus has; choose another name."),
    ("description:", "extras: {take: {value: '{text}', dtype: int}}\ndescription:", "bad.yaml: `extras.take.dtype` is "
     "'int'; use one of string, int32, float32."),
    ("description:", "splits: {serab_proportions: [0.6, 0.3, 0.2]}\ndescription:", "bad.yaml: "
     "`splits.serab_proportions` is ['0.6', '0.3', '0.2']; give three non-negative numbers (train, validation, test) "
     "that sum to 1."),
    ("description:", "splits: {official: {value: '{text}', map: {t01: Train}}}\ndescription:", "bad.yaml: "
     "`splits.official.map.t01` is 'Train', not a split name; use train, validation, test or another lowercase name "
     "such as test2."),
    ("description:", "splits: {supports: [random]}\ndescription:", "bad.yaml: `splits.supports` names random; choose "
     "among speaker-independent, serab, kfold, loso, stratified, official, emobox."),
    ("description:", "status: unreadable\ndescription:", "bad.yaml: `status` is 'unreadable'; leave it out, or write "
     "`status: no reader` for a corpus listed without a way to read it."),
    ("description:", "tables: {people: {match: '{speaker}'}}\ndescription:", "bad.yaml: `tables.people` is a csv "
     "table without `path`, `match` and `key`; give the file(s), the string each audio file is looked up by and the "
     "key field."),
    ("description:", "strict: yes\ndescription:", "bad.yaml: `strict` is 'yes'; write true or false."),
    ("(?P<speaker>spk\\d{2})", "spk\\d{2}", "bad.yaml: `speaker` is not given and files.pattern has no "
     "(?P<speaker>...) group; every split protocol groups by speaker: add the group, or `speaker: \"{...}\"`."),
])
def test_every_definition_error_names_the_file_the_key_and_the_fix(tmp_path, old, new, message):
    assert old in LEVELS
    assert definition_error(tmp_path, LEVELS.replace(old, new, 1)) == message


def test_definition_errors_for_the_file_itself(tmp_path):
    assert definition_error(tmp_path, "name: [unclosed").startswith("bad.yaml is not valid YAML:")
    assert definition_error(tmp_path, "- a list") == ("bad.yaml: `the file` must be a mapping of keys to values, not "
                                                        "list; write it as `key: value` lines.")
    assert definition_error(tmp_path, MOODS.replace("  pattern:", "  label_from: file\n  pattern:")) == (
        "bad.yaml: `files.label_from` 'file' is not a way to find labels; write `label_from: folder`, or a "
        "(?P<label>...) group in files.pattern.")
    with pytest.raises(CorpusError, match=r"corpus definition .*nowhere\.yaml does not exist"):
        read_definition(tmp_path / "nowhere.yaml")


def test_an_unknown_corpus_name_points_to_definition_files():
    with pytest.raises(CorpusError, match=r"unknown corpus 'no_such_corpus'; known corpora: .* A corpus of your own "
                       r"loads from a definition file: pass its path \(e\.g\. mycorpus\.yaml\); "
                       r"`ser-hub corpora --show urdu`"):
        corpus_info("no_such_corpus")


# -- protocols a corpus supports, its own partitions, per-file languages, corpora listed without a reader -------------
def test_a_corpus_may_restrict_its_protocols_and_name_its_own_splits(levels, tmp_path):
    restricted = LEVELS + """splits:
  supports: [stratified, official]
  reason: The speakers read different texts, so grouping by speaker confounds text and speaker.
  official: {value: "{text}", map: {t01: train, t02: train, t03: validation, t04: test2}}
"""
    definition = tmp_path / "restricted.yaml"
    definition.write_text(restricted)
    dataset = load(definition, levels[1], tmp_path, "official")
    assert list(dataset) == ["train", "validation", "test2"]
    assert set(dataset["test2"]["text_id"]) == {"t04"}
    with pytest.raises(CorpusError, match=r"levels does not support the 'kfold-3' protocol: The speakers read different "
                                          r"texts, .* Choose one of stratified, official\."):
        load(definition, levels[1], tmp_path, "kfold-3")


def test_the_language_may_come_from_each_file(tmp_path):
    definition = tmp_path / "bilingual.yaml"
    definition.write_text(LEVELS.replace("language: am", 'language: "{lang}"\nlanguages: [en, it]').replace(
        "_(?P<text>t\\d{2})", "_(?P<text>t\\d{2})_(?P<lang>en|it)"))
    files = [f"recordings/spk0{s}_0{1 + s % 2}_{level}_t01_{lang}.wav" for s in range(1, 7) for level in "012"
             for lang in ("en", "it")]
    dataset = load(definition, write_corpus(tmp_path / "Bilingual", files, 16000, seconds=0.6), tmp_path, "kfold-3")
    rows = rows_by_id(dataset)
    assert {row["language"] for row in rows.values()} == {"en", "it"}
    assert all(row["language"] == utterance[-2:] for utterance, row in rows.items())
    assert corpus_info(str(definition)).languages == ("en", "it")


def test_the_language_may_be_mapped_from_a_code_in_the_files(levels, tmp_path):
    definition = tmp_path / "by_speaker.yaml"
    speakers = {speaker: "zh" if int(speaker[-1]) <= 3 else "en" for speaker in LEVEL_SPEAKERS}
    definition.write_text(LEVELS.replace("language: am", "language: {value: '{speaker}', map: %s}" % speakers))
    rows = rows_by_id(load(definition, levels[1], tmp_path, "kfold-3"))
    assert {row["speaker_id"]: row["language"] for row in rows.values()} == speakers
    assert corpus_info(str(definition)).languages == ("zh", "en")
    del speakers["spk06"]
    definition.write_text(LEVELS.replace("language: am", "language: {value: '{speaker}', map: %s}" % speakers))
    with pytest.raises(CorpusError, match=r"recordings/spk06_02_0_t01\.wav: 'spk06' has no entry in `language\.map` "
                                          r"of .*by_speaker\.yaml \(it maps 'spk01', .*\); add it\."):
        load(definition, levels[1], tmp_path / "cache", "kfold-3")


def test_annotation_tables_may_separate_their_fields_with_another_character(tmp_path):
    files = [f"cleaned/rec_{index}.wav" for index in range(12)]
    root = write_corpus(tmp_path / "Pipes", files, 16000, seconds=0.5)
    lines = ["id|emotion|audio_recording|user_id"] + [
        f"{index}|{'Happy' if index % 2 else 'Sad'}|wavs/rec_{index}.wav|{index % 4}" for index in range(12)]
    (root / "metadata.csv").write_text("\n".join(lines) + "\n")
    definition = tmp_path / "pipes.yaml"
    text = """name: pipes
title: Pipes
language: en
files: {pattern: 'cleaned/(?P<recording>rec_\\d+)\\.wav'}
tables:
  meta: {path: metadata.csv, key: audio_recording, match: "wavs/{recording}.wav", delimiter: "|"}
label: "{meta[emotion]}"
speaker: "{meta[user_id]}"
labels: {Happy: happy, Sad: sad}
"""
    definition.write_text(text)
    rows = rows_by_id(load(definition, root, tmp_path, "kfold-2"))
    assert {name: (row["native_label"], row["speaker_id"]) for name, row in rows.items()} == {
        f"rec_{index}": ("happy" if index % 2 else "sad", str(index % 4)) for index in range(12)}
    definition.write_text(text.replace('delimiter: "|"', 'delimiter: "||"'))
    with pytest.raises(CorpusError, match=r"`tables\.meta\.delimiter` is '\|\|', not one character"):
        corpus_info(str(definition))
    definition.write_text(text.replace('delimiter: "|"', 'delimiter: "|", reader: lines'))
    with pytest.raises(CorpusError, match=r"`tables\.meta\.delimiter` is given for a lines file"):
        corpus_info(str(definition))


def test_a_corpus_without_a_reader_is_listed_and_says_how_to_read_a_copy(tmp_path, capsys):
    definition = tmp_path / "aibo.yaml"
    definition.write_text("name: aibo\ntitle: FAU Aibo Emotion Corpus\nlanguage: de\nstatus: no reader\n"
                          "access: licence from FAU\nnum_utterances: 17074\n")
    spec = corpus_info(str(definition))
    assert (spec.status, spec.num_utterances, spec.languages) == ("no reader", 17074, ("de",))
    with pytest.raises(CorpusError, match=r"aibo \(FAU Aibo Emotion Corpus\) has no reader in ser-hub; its notes say "
                                          r"why \(`ser-hub corpora --show aibo`; access: licence from FAU\)\. If you "
                                          r"have the corpus, describe your copy in a definition file"):
        load(definition, tmp_path, tmp_path)
    definition.write_text(definition.read_text() + "labels: {a: anger}\n")
    with pytest.raises(CorpusError, match=r"`labels` describe how to read the corpus, but its status is 'no reader'"):
        corpus_info(str(definition))
