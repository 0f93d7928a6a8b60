"""`CorpusSpec`: a corpus described as data (file grammar, label codes, speakers, annotation tables) and its scan.

A spec turns each audio file of the corpus, as distributed, into one record. Every field is a format string over the
file's *groups*: the named groups of `pattern` (matched against the path relative to the corpus root), the standard
groups `path`, `path_stem` (the path without its extension), `stem` (the file name without extension) and `folder`
(the parent folder's name), the columns of the `metadata` CSV row that lists the file, and one mapping per annotation
`table` (`{table[column]}`). Code maps (`labels`, `gender_map`, extras' `map`) turn those strings into values.
`ser_hub.corpora.definition` reads specs from YAML definition files; the scan here is the only code that interprets
them, and it decodes nothing (`ser_hub.corpora.base` checks and decodes the audio in one pass).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib
import posixpath
import re
import string
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from .. import labels
from ..audio import CONTAINER_EXTENSIONS
from ..errors import CorpusError
from . import readers
from .source import CorpusSource

AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3", ".ogg", ".aif", ".aiff", ".opus", *CONTAINER_EXTENSIONS)
STANDARD_GROUPS = ("path", "path_stem", "stem", "folder")
DTYPES = {"string": str, "int32": int, "float32": float}
_GENDERS = {"f": "female", "female": "female", "w": "female", "m": "male", "male": "male"}


class CorpusWarning(UserWarning):
    """Something in a corpus was skipped or guessed; the message says what and how to make it explicit."""


@dataclass(frozen=True)
class Extra:
    """A corpus-specific column: a format string, an optional code map and its `datasets.Value` dtype."""

    value: str
    map: Mapping[str, str] | None = None
    dtype: str = "string"


@dataclass(frozen=True)
class Metadata:
    """An annotation file whose rows are the corpus's records: every field of a row becomes a group of its record, and
    each row names its audio file through `file_column` (a path relative to the annotation file's folder) or `file`
    (a format string over the row, giving a path relative to the corpus root). Several rows may name one file: with
    `start` and `end` (fields holding seconds) each row is a segment of that recording. `path` may be a glob
    (`pavoque-*.yaml`); each file's name without extension is the group `annotation`, and `values` add constant
    groups to every row of this source (e.g. the partition a CSV stands for)."""

    path: str
    file_column: str | None = "file_name"
    file: str | None = None
    format: str = "csv"
    start: str | None = None
    end: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    delimiter: str = ","


@dataclass(frozen=True)
class Channel:
    """One speaker per channel of a multi-channel recording: its channel index and the groups it sets (format
    strings over the file's groups), e.g. {"speaker": "{speaker_a}"}."""

    index: int
    groups: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """An annotation table joined to each file, as the group named after the table: the row whose `key` field equals
    the file's `match` string, among the rows of the files at `path` (a glob; `reader` csv, json, yaml, or `lines`:
    one id per line, the row's `annotation` being its file's name, e.g. the `train` of train.txt); or, when `path` is
    a format string (`{path_stem}.TextGrid`), the file beside each audio file, read by `reader` `textgrid`; or
    `<module>.<function>` of `ser_hub.corpora` for formats that need code (it takes the source and the corpus root and
    returns key -> row)."""

    match: str = ""
    path: str | None = None
    key: str | None = None
    reader: str = "csv"
    required: bool = True
    delimiter: str = ","

    @property
    def beside_each_file(self) -> bool:
        return self.path is not None and "{" in self.path


@dataclass(frozen=True)
class Official:
    """The corpus's own partition: a format string whose value `map` sends to train, validation or test."""

    value: str
    map: Mapping[str, str]


@dataclass(frozen=True)
class EmoboxNaming:
    """How the EmoBox benchmark names this corpus (`name`) and each of its utterances (`key`, a format string)."""

    name: str
    key: str


@dataclass(frozen=True)
class Skip:
    file: str
    reason: str


@dataclass
class Scan:
    """What a scan found: the records, the documented skips, the unrelated files it ignored, and its warnings."""

    root: str
    records: list[dict]
    skipped: list[Skip]
    ignored: list[str]
    warnings: list[str] = field(default_factory=list)


def summarize_skips(skipped: Sequence[Skip], top: int = 3) -> str:
    """The most common skip reasons with their counts, for messages: '3 x unknown label code ...; 1 x silent'."""
    return "; ".join(f"{count} x {reason}" for reason, count in Counter(skip.reason for skip in skipped).most_common(top))


def format_groups(template: str) -> set[str]:
    """The group names a format string uses (`{speaker}`, `{table[column]}` -> `table`)."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name:
            names.add(re.split(r"[.\[]", name, maxsplit=1)[0])
    return names


def normalise_gender(value: Any) -> str:
    return _GENDERS.get(str(value).strip().lower(), "unknown")


@dataclass(frozen=True)
class CorpusSpec:
    """A corpus as a declaration (see the module docstring); `scan()` reads a corpus with it."""

    name: str
    title: str
    language: str
    pattern: str
    labels: Mapping[str, str] | None
    homepage: str = ""
    license: str = ""
    access: str = ""
    citation: str = ""
    description: str = ""
    sampling_rate: int | None = None
    num_utterances: int | None = None
    example: str = ""
    label_from: str | None = None
    metadata: tuple[Metadata, ...] = ()
    channels: tuple[Channel, ...] = ()
    extensions: tuple[str, ...] = AUDIO_EXTENSIONS
    exclude: Mapping[str, str] = field(default_factory=dict)
    label_sets: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    label_set: str | None = None
    label_map: Mapping[str, str] = field(default_factory=dict)
    gender_map: Mapping[str, str] = field(default_factory=dict)
    arousal_map: Mapping[str, str] = field(default_factory=dict)
    valence_map: Mapping[str, str] = field(default_factory=dict)
    label: str = "{label}"
    speaker: str = "{speaker}"
    gender: str = "unknown"
    utterance_id: str = "{stem}"
    extras: Mapping[str, Extra] = field(default_factory=dict)
    tables: Mapping[str, Table] = field(default_factory=dict)
    serab_key: str | None = None
    serab_proportions: tuple[float, float, float] = (0.6, 0.2, 0.2)
    fold_key: str | None = None
    official: Official | None = None
    emobox: EmoboxNaming | None = None
    supports: tuple[str, ...] | None = None
    support_reason: str = ""
    status: str = "available"
    languages: tuple[str, ...] = ()
    language_map: Mapping[str, str] | None = None
    strict: bool = False
    notes: tuple[str, ...] = ()
    definition_file: str | None = None

    # -- derived views ---------------------------------------------------------------------------------------------
    @property
    def active_labels(self) -> Mapping[str, str]:
        """Label code -> native label name, for the selected label set (codes outside it are skipped)."""
        if self.labels is None:
            raise CorpusError(f"{self.name}: its classes are read from the files; configure it with the corpus first.")
        return self.label_sets[self.label_set] if self.label_set else self.labels

    @property
    def native_names(self) -> list[str]:
        return list(dict.fromkeys(self.active_labels.values())) if self.labels is not None else []

    def unified_emotion(self, native: str) -> str:
        return self.label_map[native] if native in self.label_map else labels.unify(native)

    def uncovered_labels(self) -> list[str]:
        """Native labels that become `other` only because nothing maps them (neither `label_map` nor the policy)."""
        return [native for native in self.native_names if native not in self.label_map and not labels.covers(native)]

    def label_mapping(self) -> dict[str, str]:
        """Native label name -> unified emotion, as shown in the dataset card."""
        return {native: self.unified_emotion(native) for native in self.native_names}

    def arousal_valence(self, native: str) -> tuple[str | None, str | None]:
        """The declared arousal/valence of a native label, else EmoSet's for its name or unified class."""
        arousal, valence = labels.arousal_valence(native, self.unified_emotion(native))
        return self.arousal_map.get(native, arousal), self.valence_map.get(native, valence)

    def configure(self, source: CorpusSource | None = None, **options: Any) -> CorpusSpec:
        """The spec with corpus options applied (``label_set`` where the corpus defines several), and its classes
        read from ``source`` when the spec declares none."""
        label_set = options.pop("label_set", None)
        if options:
            raise CorpusError(
                f"{self.name} takes no options {sorted(options)}"
                + (f" (it takes label_set: {', '.join(self.label_sets)})" if self.label_sets else "")
                + f"; see `ser-hub corpora --show {self.definition_file or self.name}`."
            )
        spec = self
        if label_set is not None:
            if label_set not in self.label_sets:
                raise CorpusError(
                    f"{self.name} has no label set {label_set!r}; choose one of {sorted(self.label_sets) or 'none'}."
                )
            spec = dataclasses.replace(self, label_set=label_set)
        if spec.labels is None:
            if source is None:
                raise CorpusError(f"{self.name} reads its classes from the files: configure it with the corpus source.")
            found = sorted({record["_code"] for record in spec._parse(source).records} - {""})
            if not found:
                raise CorpusError(f"{self.name}: no file gives a label; check `files` in {self.definition_file}.")
            spec = dataclasses.replace(spec, labels=dict(zip(found, found)))
        return spec

    @property
    def config_options(self) -> dict[str, Any]:
        return {"label_set": self.label_set} if self.label_set else {}

    # -- scanning --------------------------------------------------------------------------------------------------
    def audio_paths(self, source: CorpusSource) -> list[str]:
        return [path for path in source.paths if PurePosixPath(path).suffix.lower() in self.extensions]

    def locate_root(self, source: CorpusSource, audio_paths: list[str]) -> str:
        """The folder inside data_dir where the corpus layout starts (an archive's top folder, say): where the
        metadata CSV lies, else the folder where the pattern matches the most files (the shallowest on ties)."""
        candidates = {""}
        for path in audio_paths:
            parts = path.split("/")[:-1]
            candidates.update("/".join(parts[:depth]) + "/" for depth in (1, 2) if len(parts) >= depth)
        if self.metadata:
            first = self.metadata[0].path
            found = sorted(root for root in candidates if any(fnmatch.fnmatchcase(path, root + first)
                                                              for path in source.paths))
            if not found:
                listed = ", ".join(path for path in source.paths if not path.lower().endswith(self.extensions)) or "none"
                raise CorpusError(
                    f"{source}: the annotation file {first!r} named in `files.metadata` of "
                    f"{self.definition_file or self.name} is missing (the other files there: {listed[:300]}); give "
                    "its path relative to the corpus folder, or pass the whole corpus as distributed."
                )
            return min(found, key=len)
        regex = re.compile(self.pattern)
        scores = {
            root: sum(1 for path in audio_paths if path.startswith(root) and regex.fullmatch(path[len(root):]))
            for root in candidates
        }
        root = min(scores, key=lambda candidate: (-scores[candidate], len(candidate)))
        if scores[root] == 0:
            shown = ", ".join(audio_paths[:3]) or "no audio files at all"
            raise CorpusError(
                f"data_dir does not look like {self.title}: none of its {len(audio_paths)} audio files follows the "
                f"corpus layout (expected paths like '{self.example}'; found {shown}). Pass the folder or archive "
                "exactly as the authors distribute it."
            )
        return root

    def scan(self, source: CorpusSource) -> Scan:
        """Every file's record, with documented skips (never silent drops) and warnings about guessed values."""
        scan = self._parse(source)
        active = self.active_labels
        records, skipped = [], list(scan.skipped)
        seen: dict[str, str] = {}
        for record in scan.records:
            code = record.pop("_code")
            if code not in active:
                skipped.append(Skip(record["file"], self._unknown_code(code)))
                continue
            record.update(self._labelled(active[code]))
            if record["utterance_id"] in seen:
                raise CorpusError(
                    f"{record['file']} and {seen[record['utterance_id']]} both give utterance id "
                    f"{record['utterance_id']!r}; the corpus folder holds a duplicate: remove one of them"
                    + (f", or make `utterance_id` in {self.definition_file} unique." if self.definition_file else ".")
                )
            seen[record["utterance_id"]] = record["file"]
            records.append(record)
        if not records:
            raise CorpusError(
                f"no usable utterance in {source}: every audio file was skipped ({summarize_skips(skipped)})."
            )
        return Scan(scan.root, records, skipped, scan.ignored, self._warnings(records))

    def _parse(self, source: CorpusSource) -> Scan:
        """Records with their label code (`_code`) but no labels yet; skips of files outside the grammar."""
        audio_paths = self.audio_paths(source)
        root = self.locate_root(source, audio_paths)
        regex = re.compile(self.pattern)
        rows = self._metadata_rows(source, root)
        tables = {name: self._table_rows(name, table, source, root) for name, table in self.tables.items()}
        under_root = [path for path in audio_paths if path.startswith(root)]
        # Audio in folders where nothing follows the grammar (CREMA-D's AudioMP3/ beside AudioWAV/) is another release
        # of the corpus or unrelated: ignored. Non-matching files beside matching ones are reported as skips.
        corpus_folders = {PurePosixPath(path).parent for path in under_root if regex.fullmatch(path[len(root):])}
        members = [path for path in under_root if PurePosixPath(path).parent in corpus_folders]
        ignored = sorted(set(source.paths) - set(members))
        records, skipped = [], []
        for path in members:
            relative = path[len(root):]
            if relative in self.exclude:
                skipped.append(Skip(relative, f"excluded: {self.exclude[relative]}"))
                continue
            match = regex.fullmatch(relative)
            if match is None:
                skipped.append(Skip(relative, f"file name does not follow the {self.name} grammar (like '{self.example}')"))
                continue
            if rows is not None and relative not in rows:
                skipped.append(Skip(relative, f"not listed in {', '.join(source.path for source in self.metadata)}"))
                continue
            for row in rows[relative] if rows is not None else [{}]:
                for channel in self.channels or [None]:
                    groups = {**row, **self._groups(relative, match)}  # a group of the pattern wins over a field
                    if channel is not None:
                        groups["channel"] = str(channel.index)
                        groups.update({name: self._format(value, groups, f"files.channels.{channel.index}.{name}")
                                       for name, value in channel.groups.items()})
                    reason = self._join(groups, tables, source, root)
                    if reason:
                        skipped.append(Skip(relative, reason))
                        continue
                    records.append({**self._record(groups), **self._place(row, channel, relative)})
        return Scan(root, records, skipped, ignored)

    def _place(self, row: Mapping[str, str], channel: Channel | None, path: str) -> dict[str, Any]:
        """Where in its file a record's audio lies: `_start`/`_end` seconds of a segment, `_channel` of a speaker."""
        place: dict[str, Any] = {"_channel": None if channel is None else channel.index, "_start": None, "_end": None}
        source = next((source for source in self.metadata if source.start and source.start in row), None)
        if source is not None:
            try:
                place.update(_start=float(row[source.start]), _end=float(row[source.end]))
            except ValueError:
                raise CorpusError(f"{path}: a segment of {source.path} has start {row[source.start]!r} and end "
                                  f"{row[source.end]!r}, not seconds; check the annotation file.") from None
        return place

    def _groups(self, relative: str, match: re.Match) -> dict[str, Any]:
        path = PurePosixPath(relative)
        groups = {name: value or "" for name, value in match.groupdict().items()}
        groups.update(path=relative, path_stem=str(path.with_suffix("")), stem=path.stem, folder=path.parent.name)
        if self.label_from == "folder":
            groups["label"] = path.parent.name
        return groups

    def _join(self, groups: dict[str, Any], tables: Mapping[str, Mapping[str, Mapping[str, str]] | None],
              source: CorpusSource, root: str) -> str | None:
        """Add each table's row to `groups`. A keyed table without a row for the file means incomplete annotations
        (an error); a missing file beside the audio file is the reason to skip that file."""
        for name, rows in tables.items():
            table = self.tables[name]
            if table.beside_each_file:
                path = root + self._format(table.path, groups, f"tables.{name}.path")
                if path not in source.paths:
                    return f"its {name} annotation {path[len(root):]} is missing"
                groups[name] = readers.textgrid(source.read_text(path))
                continue
            key = self._format(table.match, groups, f"tables.{name}.match")
            if key not in rows:
                if not table.required:
                    groups[name] = {}
                    continue
                raise CorpusError(
                    f"{groups['path']}: the {name} table ({table.path or table.reader}) has no row for {key!r}; the "
                    "annotation files are incomplete or not this corpus's: use the complete ones as distributed."
                )
            groups[name] = rows[key]
        return None

    def _record(self, groups: Mapping[str, Any]) -> dict:
        speaker = str(self._format(self.speaker, groups, "speaker"))
        gender_code = self._format(self.gender, groups, "gender")
        record = {
            "file": groups["path"],
            "corpus": self.name,
            "utterance_id": str(self._format(self.utterance_id, groups, "utterance_id")),
            "speaker_id": speaker,
            "gender": self.gender_map.get(gender_code, normalise_gender(gender_code)),
            "_gender_code": gender_code,
            "language": self._language(groups),
            "_code": self._format(self.label, groups, "label"),
        }
        for name, extra in self.extras.items():
            value = self._format(extra.value, groups, f"extras.{name}.value")
            if extra.map is not None:
                value = self._mapped(extra.map, value, f"extras.{name}.map", groups["path"])
            record[name] = self._typed(value, extra.dtype, name, groups["path"])
        keyed = {**groups, "speaker_id": speaker}
        record["_serab_key"] = str(self._format(self.serab_key, keyed, "splits.serab_key")) if self.serab_key else speaker
        record["_fold_key"] = str(self._format(self.fold_key, keyed, "splits.fold_key")) if self.fold_key else speaker
        record["_emobox_key"] = self._format(self.emobox.key, keyed, "emobox.key") if self.emobox else None
        record["_official"] = (
            self._mapped(self.official.map, self._format(self.official.value, keyed, "splits.official.value"),
                         "splits.official.map", groups["path"])
            if self.official else None
        )
        return record

    def _labelled(self, native: str) -> dict[str, Any]:
        arousal, valence = self.arousal_valence(native)
        return {"native_label": native, "emotion": self.unified_emotion(native), "arousal": arousal,
                "valence": valence}

    def _unknown_code(self, code: str) -> str:
        if self.label_set and code in self.labels:
            return f"label {code!r} is not in label set {self.label_set!r}"
        return f"unknown label code {code!r} (known: {', '.join(sorted(self.labels))})"

    def _warnings(self, records: list[dict]) -> list[str]:
        """What the scan guessed: labels no mapping covers, speakers whose files disagree on their gender."""
        warnings = []
        uncovered = [native for native in self.uncovered_labels() if any(r["native_label"] == native for r in records)]
        if uncovered:
            message = (
                f"{self.name}: native label(s) {', '.join(map(repr, uncovered))} have no unified emotion and become "
                f"'other'; name their emotion in `label_map` (or map them to 'other' explicitly)"
                + (f" in {self.definition_file}." if self.definition_file else ".")
            )
            if self.strict:
                raise CorpusError(f"{message} The definition says `strict: true`.")
            warnings.append(message)
        codes: dict[str, Counter] = defaultdict(Counter)
        for record in records:
            codes[record["speaker_id"]][record.pop("_gender_code")] += 1
        mixed = {speaker: counts for speaker, counts in codes.items() if len(counts) > 1}
        if mixed:
            shown = "; ".join(
                f"{speaker}: " + ", ".join(f"{count} x {code!r}" for code, count in counts.most_common())
                for speaker, counts in sorted(mixed.items())[:5]
            )
            warnings.append(
                f"{self.name}: {len(mixed)} speaker(s) have files that disagree on their gender ({shown}"
                f"{'; ...' if len(mixed) > 5 else ''}); each file keeps its own value: check the file names or the "
                "speaker grouping."
            )
        return warnings

    # -- values ----------------------------------------------------------------------------------------------------
    def _format(self, template: str, groups: Mapping[str, Any], key: str) -> str:
        try:
            return template.format_map(groups)
        except (KeyError, IndexError, AttributeError) as error:
            raise CorpusError(
                f"{self.definition_file or self.name}: `{key}` ({template!r}) refers to {error} which "
                f"{groups.get('path', 'a file')} does not have; its groups are {', '.join(sorted(groups))}."
            ) from None

    def _language(self, groups: Mapping[str, Any]) -> str:
        language = self._format(self.language, groups, "language")
        return self._mapped(self.language_map, language, "language.map", groups["path"]) if self.language_map else language

    def _mapped(self, mapping: Mapping[str, str], value: str, key: str, path: str) -> str:
        if value not in mapping:
            raise CorpusError(
                f"{path}: {value!r} has no entry in `{key}` of {self.definition_file or self.name} "
                f"(it maps {', '.join(map(repr, mapping))}); add it."
            )
        return mapping[value]

    def _typed(self, value: str, dtype: str, name: str, path: str) -> Any:
        try:
            return DTYPES[dtype](value)
        except ValueError:
            raise CorpusError(
                f"{path}: extra {name!r} is {value!r}, not a {dtype} (`extras.{name}` of "
                f"{self.definition_file or self.name})."
            ) from None

    # -- annotation files ------------------------------------------------------------------------------------------
    def _metadata_rows(self, source: CorpusSource, root: str) -> dict[str, list[dict[str, str]]] | None:
        """The annotation files' rows, each with its source's constant groups, keyed by the audio file (relative to
        the corpus root) they name."""
        if not self.metadata:
            return None
        rows: dict[str, list[dict[str, str]]] = {}
        for metadata in self.metadata:
            for path, row in self._annotation_rows(source, root, metadata.path, metadata.format,
                                                   "files.metadata", metadata.delimiter):
                row = {**row, **metadata.values}
                if metadata.file is not None:
                    relative = self._format(metadata.file, row, "files.metadata.file")
                else:
                    if metadata.file_column not in row:
                        raise CorpusError(f"{path} has no field {metadata.file_column!r} (its fields: {sorted(row)}); "
                                          f"fix `files.metadata.file_column` in {self.definition_file or self.name}.")
                    named = row[metadata.file_column].strip().replace("\\", "/")
                    relative = posixpath.normpath(posixpath.join(posixpath.dirname(path[len(root):]), named))
                rows.setdefault(relative, []).append(row)
        return rows

    def _annotation_rows(self, source: CorpusSource, root: str, pattern: str, format: str, key: str,
                         delimiter: str = ","):
        """(path, row) of every row of the annotation files matching `pattern` (relative to the corpus root), each
        row with the group `annotation`, its file's name without extension."""
        paths = [path for path in source.paths if fnmatch.fnmatchcase(path, root + pattern)]
        if not paths:
            raise CorpusError(
                f"{source}: {root}{pattern} is missing; {self.name} reads it (`{key}` of "
                f"{self.definition_file or self.name}). Pass the whole corpus folder as distributed."
            )
        for path in paths:
            annotation = PurePosixPath(path).stem
            for row in readers.rows(source.read_text(path, encoding="utf-8-sig"), format, path, delimiter):
                yield path, {**row, "annotation": annotation}

    def _table_rows(self, name: str, table: Table, source: CorpusSource, root: str) -> dict[str, Mapping[str, Any]] | None:
        if table.beside_each_file:
            return None
        if table.reader not in readers.FORMATS:
            module, _, function = table.reader.rpartition(".")
            return getattr(importlib.import_module(f"{__package__}.{module}"), function)(source, root)
        rows = {}
        for path, row in self._annotation_rows(source, root, table.path, table.reader, f"tables.{name}",
                                             table.delimiter):
            key = table.key or "line"
            if key not in row:
                raise CorpusError(f"{path} has no field {key!r} (its fields: {sorted(row)}); fix `tables.{name}.key` "
                                  f"in {self.definition_file or self.name} or replace the file with the distributed one.")
            rows[row[key].strip()] = row
        return rows
