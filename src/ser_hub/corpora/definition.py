"""Corpus definition files: a corpus described completely as data, in YAML, validated into a `CorpusSpec`.

Every built-in corpus is such a file (`ser-hub corpora --show NAME` prints it), and any corpus folder loads from one:
`load_corpus("path/to/mycorpus.yaml", data_dir)`. The format, key by key (only `name`, `title`, `language` and one
way of finding the files are required)::

    name: ased                       # registry-style name: lowercase letters, digits, underscores
    title: Amharic Speech Emotion Dataset (ASED)
    language: am                     # BCP-47 tag of the speech; or "{lang}", or {value: "{speaker}", map: {"01": zh}}
    license: CC BY 4.0               # as the authors state it (a Hub licence id is derived when there is one)
    homepage: https://...
    access: public download
    citation: |
      @article{...}
    description: One paragraph about the corpus.
    sampling_rate: 16000             # native rate of the files (informational)
    num_utterances: 2474             # as distributed (informational)
    files:
      pattern: '(?P<speaker>S\\d+)_(?P<label>\\d)_(?P<text>\\d+)\\.wav'   # regex, full match of each audio path
      label_from: folder             # optional: the label is the name of the file's folder
      metadata: {path: meta.csv, file_column: file_name}    # optional: records from annotation rows (below)
      channels:                      # optional: one speaker per channel of each (stereo) file, one record each
        - {channel: 0, groups: {speaker: "{speaker_a}"}}
        - {channel: 1, groups: {speaker: "{speaker_b}"}}
      extensions: [wav]              # default: every format ser-hub decodes (video/AAC containers included)
      example: S01_1_01.wav          # a real path, shown in messages
      exclude: {bad.wav: why}        # files left out on purpose, with the reason shown in the card
    labels: {"1": neutral, "2": happy}        # label code -> native label name (default: codes found in the files)
    label_map: {happy: happiness}            # native label -> unified emotion (or `other`), beyond the policy
    gender_map: {"01": female, "02": male}   # gender code -> female/male (f/m/female/male need no entry)
    arousal_map: {high: high}                # per native label, for corpora labelled by level
    valence_map: {positive: positive}
    speaker: "{speaker}"             # format strings over the file's groups (see ser_hub.corpora.spec)
    gender: "{gender}"
    utterance_id: "{stem}"
    extras:                          # more columns: a format string, or {value, map, dtype: string|int32|float32}
      intensity: {value: "{level}", map: {"1": low, "2": high}}
    tables:                          # annotation tables joined to each file: {table[field]} in format strings
      actors: {path: actors.csv, key: id, match: "{speaker}"}         # the row whose `id` is the file's speaker
      parts: {reader: lines, path: "splits/*.txt", match: "{stem}"}   # lists of ids: {parts[annotation]} = train...
      grid: {reader: textgrid, path: "{path_stem}.TextGrid"}          # a TextGrid beside each file: {grid[tier]}
    splits:
      serab_key: "{speaker}"         # the grouping key of the `serab` protocol (default: the speaker)
      serab_proportions: [0.6, 0.2, 0.2]
      fold_key: "{speaker}"          # the groups of kfold-K and loso (default: the speaker)
      official: {value: "{part}", map: {a: train, b: validation, c: test}}
      supports: [stratified, emobox] # the protocols the corpus can honestly support (default: all)
      reason: One speaker only, so no split can keep speakers apart.
    emobox: {name: ased, key: "ased-{stem}"}   # the corpus in the EmoBox benchmark: its name there, its utterance keys
    strict: false                    # true: a native label without a unified emotion is an error, not a warning
    languages: [am]                  # for a `language` that depends on each file ("{lang}"): the corpus's languages
    status: no reader                # only for a corpus listed without a way to read it (then no `files` section)
    notes: [Anything a user of the corpus must know.]

`files.metadata` makes the rows of annotation files the records (one source, or a list): `path` (a glob relative to
the corpus folder; the file's stem is the group `annotation`), `format` (csv, json, yaml, lines; from the suffix by
default; JSON/YAML hold a list of records or an object of records keyed by `key`), the audio file of each row by
`file_column` (relative to the annotation file's folder) or `file` (a format string, relative to the corpus folder),
`start`/`end` (fields holding the seconds of a segment of a long recording: only that part is decoded) and `values`
(constant groups for every row of that source, e.g. the partition a CSV stands for). Every field of a row is a group.

Groups named `speaker`, `label`, `gender`, `text` and `session` are used by default (`text` becomes the `text_id`
column, `session` the `session` column); any other named group serves the format strings. Unknown keys, regexes that
do not compile, format strings naming groups that do not exist and maps to values outside the unified spaces are
errors that name the file, the key and the fix.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .. import labels
from ..errors import CorpusError
from . import readers
from .emobox import FOLDS
from .spec import (
    AUDIO_EXTENSIONS,
    DTYPES,
    STANDARD_GROUPS,
    Channel,
    CorpusSpec,
    EmoboxNaming,
    Extra,
    Metadata,
    Official,
    Table,
    format_groups,
)

DEFINITION_SUFFIXES = (".yaml", ".yml")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_KEYS = {
    "name", "title", "language", "license", "homepage", "access", "citation", "description", "sampling_rate",
    "num_utterances", "files", "labels", "label_sets", "label_set", "label_map", "gender_map", "arousal_map",
    "valence_map", "label", "speaker", "gender", "utterance_id", "extras", "tables", "splits", "emobox", "strict",
    "notes", "status", "languages",
}
_FILES_KEYS = {"pattern", "label_from", "metadata", "channels", "extensions", "example", "exclude"}
_METADATA_KEYS = {"path", "format", "file_column", "file", "start", "end", "values", "delimiter"}
_SPLITS_KEYS = {"serab_key", "serab_proportions", "fold_key", "official", "supports", "reason"}
_PROTOCOLS = ("speaker-independent", "serab", "kfold", "loso", "stratified", "official", "emobox")
_SPLIT_NAME = re.compile(r"[a-z][a-z0-9_]*")
NO_READER = "no reader"


class _StringLoader(yaml.SafeLoader):
    """YAML where every scalar is a string: label codes such as 01 or 1.0 keep their spelling."""


_StringLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def is_definition_file(name: str | Path) -> bool:
    return str(name).lower().endswith(DEFINITION_SUFFIXES)


def read_definition(path: str | Path) -> CorpusSpec:
    """The corpus a definition file describes; every problem is a CorpusError naming the file, the key and the fix."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise CorpusError(f"corpus definition {path} does not exist; pass the path of a .yaml file.")
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_StringLoader)
    except yaml.YAMLError as error:
        raise CorpusError(f"{path} is not valid YAML: {error}") from None
    return parse_definition(document, str(path))


def definition_hash(spec: CorpusSpec) -> str:
    """A digest of everything a spec declares (part of a prepared corpus's cache key)."""
    return hashlib.sha256(json.dumps(_plain(spec), sort_keys=True, default=str).encode()).hexdigest()[:16]


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def parse_definition(document: Any, where: str) -> CorpusSpec:
    """Validate a definition (the parsed YAML) and build its spec; `where` names it in messages."""
    check = _Checker(where)
    document = check.mapping(document, "the file", _KEYS, required=("name", "title", "language"))
    name = check.text(document["name"], "name")
    if not _NAME.fullmatch(name):
        raise check.error("name", f"{name!r} is not a registry name", "use lowercase letters, digits and underscores")
    status = check.text(document.get("status", "available"), "status")
    if status == NO_READER:
        return _listed_only(check, document, name)
    if status != "available":
        raise check.error("status", f"is {status!r}", f"leave it out, or write `status: {NO_READER}` for a corpus "
                          "listed without a way to read it")
    if "files" not in document:
        raise CorpusError(f"{where}: required key(s) 'files' missing; add them.")
    files = check.mapping(document["files"], "files", _FILES_KEYS)
    label_from = files.get("label_from")
    if label_from not in (None, "folder"):
        raise check.error("files.label_from", f"{label_from!r} is not a way to find labels",
                          "write `label_from: folder`, or a (?P<label>...) group in files.pattern")
    metadata = _metadata(check, files.get("metadata"))
    if "pattern" not in files and label_from is None and not metadata:
        raise check.error("files", "says nothing about how the files are named",
                          "give `pattern` (a regex with named groups), `label_from: folder` or `metadata`")
    pattern = check.regex(files.get("pattern", r".+"), "files.pattern")
    tables = {table: _table(check, table, value) for table, value in check.mapping(
        document.get("tables", {}), "tables").items()}
    channels = _channels(check, files.get("channels"))
    groups = set(pattern.groupindex) | set(STANDARD_GROUPS) | set(tables) | ({"label"} if label_from else set())
    groups |= {"channel", *(name for channel in channels for name in channel.groups)} if channels else set()
    check.groups_known = None if metadata else groups
    labels_ = _code_map(check, document.get("labels"), "labels") if "labels" in document else None
    label_sets = {
        label_set: _code_map(check, codes, f"label_sets.{label_set}")
        for label_set, codes in check.mapping(document.get("label_sets", {}), "label_sets").items()
    }
    label_set = document.get("label_set")
    if label_set is not None and label_set not in label_sets:
        raise check.error("label_set", f"{label_set!r} is not one of label_sets", f"choose {', '.join(label_sets)}")
    natives = None if labels_ is None else set(labels_.values())
    label_map = check.value_map(document.get("label_map", {}), "label_map", labels.EMOTIONS, natives)
    gender_map = check.value_map(document.get("gender_map", {}), "gender_map", labels.GENDERS)
    arousal_map = check.value_map(document.get("arousal_map", {}), "arousal_map", labels.AROUSAL, natives)
    valence_map = check.value_map(document.get("valence_map", {}), "valence_map", labels.VALENCE, natives)
    default_gender = "{gender}" if "gender" in groups else "unknown"
    if "speaker" not in document and "speaker" not in groups and not metadata:
        raise check.error("speaker", "is not given and files.pattern has no (?P<speaker>...) group",
                          "every split protocol groups by speaker: add the group, or `speaker: \"{...}\"`")
    extras = {}
    for column, group in (("text_id", "text"), ("session", "session")):
        if group in pattern.groupindex:
            extras[column] = Extra(f"{{{group}}}")
    extras.update({column: _extra(check, column, value) for column, value in check.mapping(
        document.get("extras", {}), "extras").items()})
    splits = check.mapping(document.get("splits", {}), "splits", _SPLITS_KEYS)
    language, language_map = _language(check, document["language"])
    spec = CorpusSpec(
        **_about(check, document, name),
        language=language,
        language_map=language_map,
        pattern=pattern.pattern,
        labels=labels_,
        example=check.text(files.get("example", ""), "files.example"),
        label_from=label_from,
        metadata=metadata,
        channels=channels,
        extensions=_extensions(check, files.get("extensions")),
        exclude={path: check.text(reason, f"files.exclude.{path}")
                 for path, reason in check.mapping(files.get("exclude", {}), "files.exclude").items()},
        label_sets=label_sets,
        label_set=label_set,
        label_map=label_map,
        gender_map=gender_map,
        arousal_map=arousal_map,
        valence_map=valence_map,
        label=check.template(document.get("label", "{label}"), "label"),
        speaker=check.template(document.get("speaker", "{speaker}"), "speaker"),
        gender=check.template(document.get("gender", default_gender), "gender"),
        utterance_id=check.template(document.get("utterance_id", "{stem}"), "utterance_id"),
        extras=extras,
        tables=tables,
        serab_key=check.template(splits["serab_key"], "splits.serab_key", {"speaker_id"}) if "serab_key" in splits else None,
        serab_proportions=_proportions(check, splits.get("serab_proportions")),
        fold_key=check.template(splits["fold_key"], "splits.fold_key", {"speaker_id"}) if "fold_key" in splits else None,
        official=_official(check, splits.get("official")),
        emobox=_emobox(check, document.get("emobox")),
        supports=_supports(check, splits.get("supports")),
        support_reason=" ".join(check.text(splits.get("reason", ""), "splits.reason").split()),
        strict=check.boolean(document.get("strict", "false"), "strict"),
    )
    return spec


class _Checker:
    """Typed reads of definition values; each failure is a CorpusError naming the file, the key and the fix."""

    def __init__(self, where: str):
        self.where = where
        self.groups_known: set[str] | None = None

    def error(self, key: str, problem: str, fix: str) -> CorpusError:
        return CorpusError(f"{self.where}: `{key}` {problem}; {fix}.")

    def mapping(self, value: Any, key: str, allowed: set[str] | None = None, required: tuple[str, ...] = ()) -> dict:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise self.error(key, f"must be a mapping of keys to values, not {type(value).__name__}",
                             "write it as `key: value` lines")
        if allowed is not None:
            unknown = sorted(set(value) - allowed)
            if unknown:
                where = "" if key == "the file" else f" under `{key}`"
                raise CorpusError(
                    f"{self.where}: unknown key(s) {', '.join(map(repr, unknown))}{where}; the keys are "
                    f"{', '.join(sorted(allowed))} (see ser_hub.corpora.definition)."
                )
        missing = [name for name in required if name not in value]
        if missing:
            raise CorpusError(f"{self.where}: required key(s) {', '.join(map(repr, missing))} missing; add them.")
        return {str(name): item for name, item in value.items()}

    def sequence(self, value: Any, key: str) -> list:
        if not isinstance(value, list):
            raise self.error(key, f"must be a list, not {type(value).__name__}", "write it as `- item` lines")
        return value

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.error(key, f"must be text, not {type(value).__name__}", "write a plain or quoted string")
        return value

    def integer(self, value: Any, key: str) -> int | None:
        if value is None:
            return None
        try:
            return int(self.text(value, key))
        except ValueError:
            raise self.error(key, f"is {value!r}, not a whole number", "write digits only, e.g. 16000") from None

    def boolean(self, value: Any, key: str) -> bool:
        text = self.text(value, key).lower()
        if text not in ("true", "false"):
            raise self.error(key, f"is {value!r}", "write true or false")
        return text == "true"

    def regex(self, value: Any, key: str) -> re.Pattern:
        text = self.text(value, key)
        try:
            return re.compile(text)
        except re.error as error:
            hint = (" Put inline flags such as (?i) at the very start of the pattern, or scope them: (?i:...)"
                    if "global flags" in str(error) else "")
            raise CorpusError(f"{self.where}: `{key}` is not a valid regular expression ({error}).{hint}") from None

    def template(self, value: Any, key: str, extra_groups: set[str] = frozenset()) -> str:
        text = self.text(value, key)
        try:
            used = format_groups(text)
        except ValueError as error:
            raise self.error(key, f"({text!r}) is not a format string ({error})",
                             "write groups in braces, e.g. \"{speaker}\", and double literal braces") from None
        if self.groups_known is not None:
            unknown = sorted(used - self.groups_known - set(extra_groups))
            if unknown:
                raise self.error(key, f"({text!r}) uses group(s) {', '.join(unknown)} that no file has",
                                 f"use one of {', '.join(sorted(self.groups_known))} or add the group to files.pattern")
        return text

    def value_map(self, value: Any, key: str, allowed: tuple[str, ...], natives: set[str] | None = None) -> dict:
        mapping = {name: self.text(target, f"{key}.{name}") for name, target in self.mapping(value, key).items()}
        for name, target in mapping.items():
            if target not in allowed:
                raise self.error(f"{key}.{name}", f"is {target!r}", f"use one of {', '.join(allowed)}")
        if natives is not None:
            unknown = sorted(set(mapping) - natives)
            if unknown:
                raise self.error(key, f"names {', '.join(map(repr, unknown))}, which are not native labels",
                                 f"use the names given in `labels` ({', '.join(sorted(natives))})")
        return mapping


def _code_map(check: _Checker, value: Any, key: str) -> dict[str, str]:
    codes = {code: check.text(native, f"{key}.{code}") for code, native in check.mapping(value, key).items()}
    if not codes:
        raise check.error(key, "is empty", "list the label codes and their names, or leave the key out")
    return codes


def _metadata(check: _Checker, value: Any) -> tuple[Metadata, ...]:
    """`files.metadata`: a path, one source or a list of sources (each a mapping of _METADATA_KEYS)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (Metadata(value, format=readers.format_of(value)),)
    sources = value if isinstance(value, list) else [value]
    return tuple(_metadata_source(check, source, f"files.metadata[{index}]" if isinstance(value, list) else "files.metadata")
                 for index, source in enumerate(sources))


def _metadata_source(check: _Checker, value: Any, key: str) -> Metadata:
    section = check.mapping(value, key, _METADATA_KEYS, required=("path",))
    path = check.text(section["path"], f"{key}.path")
    format = check.text(section.get("format", readers.format_of(path)), f"{key}.format")
    if format not in readers.FORMATS:
        raise check.error(f"{key}.format", f"is {format!r}", f"use one of {', '.join(readers.FORMATS)}")
    if "file" in section and "file_column" in section:
        raise check.error(key, "gives both `file` and `file_column`", "keep the one that names each row's audio file")
    if ("start" in section) != ("end" in section):
        raise check.error(key, "gives only one of `start` and `end`", "a segment needs both fields")
    optional = {name: check.text(section[name], f"{key}.{name}") for name in ("start", "end") if name in section}
    if "delimiter" in section:
        optional["delimiter"] = _delimiter(check, section["delimiter"], format, key)
    return Metadata(
        path, file_column=None if "file" in section else check.text(section.get("file_column", "file_name"),
                                                                      f"{key}.file_column"),
        file=check.text(section["file"], f"{key}.file") if "file" in section else None, format=format, **optional,
        values={name: check.text(item, f"{key}.values.{name}")
                for name, item in check.mapping(section.get("values", {}), f"{key}.values").items()},
    )


def _channels(check: _Checker, value: Any) -> tuple[Channel, ...]:
    """`files.channels`: one speaker per channel, a list of {channel: index, groups: {name: format string}}."""
    if value is None:
        return ()
    channels = []
    for index, item in enumerate(check.sequence(value, "files.channels")):
        key = f"files.channels[{index}]"
        section = check.mapping(item, key, {"channel", "groups"}, required=("channel",))
        channels.append(Channel(check.integer(section["channel"], f"{key}.channel"),
                                {name: check.text(text, f"{key}.groups.{name}")
                                 for name, text in check.mapping(section.get("groups", {}), f"{key}.groups").items()}))
    return tuple(channels)


def _table(check: _Checker, name: str, value: Any) -> Table:
    key = f"tables.{name}"
    section = check.mapping(value, key, {"path", "key", "match", "reader", "required", "delimiter"})
    reader = check.text(section.get("reader", "csv"), f"{key}.reader")
    path = check.text(section["path"], f"{key}.path") if "path" in section else None
    if reader == "textgrid":
        if path is None or "{" not in path:
            raise check.error(key, "reads a TextGrid beside each audio file without a `path` format string",
                              'give it, e.g. path: "{path_stem}.TextGrid"')
    elif reader in readers.FORMATS:
        if path is None or "match" not in section or (reader != "lines" and "key" not in section):
            raise check.error(key, f"is a {reader} table without `path`, `match`"
                              + (" and `key`" if reader != "lines" else ""),
                              "give the file(s), the string each audio file is looked up by and the key field")
    elif "." not in reader or "match" not in section:
        raise check.error(f"{key}.reader", f"is {reader!r}",
                          f"use one of {', '.join((*readers.FORMATS, 'textgrid'))}, or a built-in reader "
                          "`<module>.<function>` with a `match`")
    return Table(check.text(section.get("match", ""), f"{key}.match"), path, section.get("key"), reader,
                 check.boolean(section.get("required", "true"), f"{key}.required"),
                 _delimiter(check, section["delimiter"], reader, key) if "delimiter" in section else ",")


def _delimiter(check: _Checker, value: Any, format: str, key: str) -> str:
    """The field separator of a CSV annotation file (`|`, a tab written "\\t", ...)."""
    delimiter = check.text(value, f"{key}.delimiter")
    if format != "csv":
        raise check.error(f"{key}.delimiter", f"is given for a {format} file", "leave it out: only CSV has one")
    if len(delimiter) != 1:
        raise check.error(f"{key}.delimiter", f"is {delimiter!r}, not one character", 'write e.g. "|" or "\\t"')
    return delimiter


def _extra(check: _Checker, column: str, value: Any) -> Extra:
    key = f"extras.{column}"
    if column in ("audio", "file", "corpus", "utterance_id", "speaker_id", "gender", "language", "native_label",
                  "emotion", "arousal", "valence", "duration"):
        raise check.error(key, "is a column every corpus has", "choose another name")
    if isinstance(value, str):
        return Extra(check.template(value, key))
    section = check.mapping(value, key, {"value", "map", "dtype"}, required=("value",))
    dtype = check.text(section.get("dtype", "string"), f"{key}.dtype")
    if dtype not in DTYPES:
        raise check.error(f"{key}.dtype", f"is {dtype!r}", f"use one of {', '.join(DTYPES)}")
    mapping = section.get("map")
    mapping = None if mapping is None else {code: check.text(item, f"{key}.map.{code}")
                                            for code, item in check.mapping(mapping, f"{key}.map").items()}
    return Extra(check.template(section["value"], f"{key}.value"), mapping, dtype)


def _extensions(check: _Checker, value: Any) -> tuple[str, ...]:
    if value is None:
        return AUDIO_EXTENSIONS
    suffixes = tuple(f".{check.text(item, 'files.extensions').lower().lstrip('.')}"
                     for item in check.sequence(value, "files.extensions"))
    unknown = sorted(set(suffixes) - set(AUDIO_EXTENSIONS))
    if unknown:
        raise check.error("files.extensions", f"names {', '.join(unknown)}, which ser-hub cannot decode",
                          f"choose among {', '.join(AUDIO_EXTENSIONS)}")
    return suffixes


def _proportions(check: _Checker, value: Any) -> tuple[float, float, float]:
    if value is None:
        return (0.6, 0.2, 0.2)
    items = check.sequence(value, "splits.serab_proportions")
    try:
        proportions = tuple(float(check.text(item, "splits.serab_proportions")) for item in items)
    except ValueError:
        proportions = ()
    if len(proportions) != 3 or abs(sum(proportions) - 1) > 1e-9 or min(proportions) < 0:
        raise check.error("splits.serab_proportions", f"is {value!r}",
                          "give three non-negative numbers (train, validation, test) that sum to 1")
    return proportions


def _emobox(check: _Checker, value: Any) -> EmoboxNaming | None:
    if value is None:
        return None
    section = check.mapping(value, "emobox", {"name", "key"}, required=("name", "key"))
    name = check.text(section["name"], "emobox.name")
    if not (FOLDS / f"{name}.json.gz").exists():
        known = ", ".join(sorted(path.name.removesuffix(".json.gz") for path in FOLDS.glob("*.json.gz")))
        raise check.error("emobox.name", f"is {name!r}, a corpus EmoBox does not have", f"use one of {known}")
    return EmoboxNaming(name, check.template(section["key"], "emobox.key", {"speaker_id"}))


def _official(check: _Checker, value: Any) -> Official | None:
    if value is None:
        return None
    section = check.mapping(value, "splits.official", {"value", "map"}, required=("value", "map"))
    mapping = {code: check.text(split, f"splits.official.map.{code}")
               for code, split in check.mapping(section["map"], "splits.official.map").items()}
    for code, split in mapping.items():
        if not _SPLIT_NAME.fullmatch(split):
            raise check.error(f"splits.official.map.{code}", f"is {split!r}, not a split name",
                              "use train, validation, test or another lowercase name such as test2")
    return Official(check.template(section["value"], "splits.official.value", {"speaker_id"}), mapping)


def _supports(check: _Checker, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    protocols = tuple(check.text(item, "splits.supports") for item in check.sequence(value, "splits.supports"))
    unknown = sorted(set(protocols) - set(_PROTOCOLS))
    if unknown:
        raise check.error("splits.supports", f"names {', '.join(unknown)}", f"choose among {', '.join(_PROTOCOLS)}")
    return protocols


def _language(check: _Checker, value: Any) -> tuple[str, dict[str, str] | None]:
    """`language`: one tag, a format string, or {value, map} from a code in the files (a speaker number) to a tag."""
    if isinstance(value, str):
        return check.template(value, "language"), None
    section = check.mapping(value, "language", {"value", "map"}, required=("value", "map"))
    mapping = {code: check.text(tag, f"language.map.{code}")
               for code, tag in check.mapping(section["map"], "language.map").items()}
    return check.template(section["value"], "language.value"), mapping


def _languages(check: _Checker, document: Mapping[str, Any]) -> tuple[str, ...]:
    """The languages of the corpus (for cards): `languages`, else those of `language.map`, else `language` when it
    is one tag."""
    if "languages" in document:
        return tuple(check.text(item, "languages") for item in check.sequence(document["languages"], "languages"))
    language = document["language"]
    if isinstance(language, Mapping):
        return tuple(dict.fromkeys(language["map"].values()))
    if "{" in language:
        raise check.error("languages", "is missing although `language` depends on each file",
                          "list the corpus's languages, e.g. languages: [en, it]")
    return (language,)


def _listed_only(check: _Checker, document: Mapping[str, Any], name: str) -> CorpusSpec:
    """A corpus the registry lists (citation, access, size, languages) without a way to read it."""
    extra = sorted(set(document) - {"name", "title", "language", "languages", "license", "homepage", "access",
                                    "citation", "description", "num_utterances", "sampling_rate", "notes", "status"})
    if extra:
        raise check.error(", ".join(extra), f"describe how to read the corpus, but its status is {NO_READER!r}",
                          "leave them out, or drop the status and describe the files completely")
    return CorpusSpec(
        **_about(check, document, name),
        language=check.text(document["language"], "language"),
        pattern="",
        labels=None,
        status=NO_READER,
    )


def _about(check: _Checker, document: Mapping[str, Any], name: str) -> dict[str, Any]:
    """What a definition says about its corpus, read or not: names, languages, licence, access, citation, sizes,
    notes and the file itself."""
    return dict(
        name=name,
        title=check.text(document["title"], "title"),
        languages=_languages(check, document),
        homepage=check.text(document.get("homepage", ""), "homepage"),
        license=check.text(document.get("license", ""), "license"),
        access=check.text(document.get("access", ""), "access"),
        citation=check.text(document.get("citation", ""), "citation").strip(),
        description=" ".join(check.text(document.get("description", ""), "description").split()),
        sampling_rate=check.integer(document.get("sampling_rate"), "sampling_rate"),
        num_utterances=check.integer(document.get("num_utterances"), "num_utterances"),
        notes=tuple(" ".join(check.text(note, "notes").split())
                    for note in check.sequence(document.get("notes", []), "notes")),
        definition_file=check.where,
    )
