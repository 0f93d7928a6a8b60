r"""The generic ``folder`` corpus: a corpus that has no module of its own loads from options, without code.

The label of each file comes from its parent folder, from a regex over its path or from a metadata CSV; the speaker
from a regex or the CSV; ``label_map`` sends the corpus's own label names to the unified emotions (labels it leaves
out follow the default policy, `ser_hub.labels.unify`)::

    from ser_hub import load_corpus

    # MyCorpus/angry/f01_003.wav: the label is the parent folder, speaker and gender come from the file name
    load_corpus("folder", "MyCorpus", label_from="folder",
                speaker_pattern=r"(?P<speaker>(?P<gender>[fm])\d+)_\d+\.wav$", language="en")

    # Actor_01/03-01-05-01-01-01-01.wav: a label code from the file name, mapped to the unified emotions
    load_corpus("folder", "MyCorpus.zip", label_from=r"/\d\d-\d\d-(?P<label>\d\d)-",
                speaker_pattern=r"^Actor_(?P<speaker>\d\d)/", label_map={"01": "neutral", "05": "anger"})

    # clips/0001.flac, listed in metadata.csv with the columns file_name, speaker, sex, emotion
    load_corpus("folder", "MyCorpus", label_from="csv", metadata_csv="metadata.csv", label_column="emotion",
                gender_column="sex", language="fr")

Patterns are searched (`re.search`) in each audio file's path relative to the corpus folder, the deepest folder that
holds every audio file (so a zip archive and its extracted folder give the same paths and utterance ids). The groups
``label``, ``speaker`` and ``gender`` may sit in any pattern, each in one only; a group wins over a CSV column.
The utterance id is the path without its extension (unique even when two label folders reuse a file name).

Why the classes are read when the corpus is configured: the ``native_label`` ClassLabel of the schema must be known
before the scan, so `FolderSpec.configure` lists the corpus (names only, nothing decoded) and takes the sorted set of
the labels it finds, unless ``labels`` declares them (in that order; files with another label are then skipped and
recorded in the build record). The classes depend only on the file listing and the metadata CSV, which the corpus
fingerprint in the builder config covers, so a changed corpus or CSV always gets a fresh cache.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from .. import labels
from ..errors import CorpusError
from .source import CorpusSource
from .spec import AUDIO_EXTENSIONS, STANDARD_GROUPS, CorpusSpec, Metadata, format_groups

_PARENT_FOLDER = r"(?:^|/)(?P<label>[^/]+)/[^/]+$"
_PATTERN_GROUPS = {"label_from": "label", "speaker_pattern": "speaker", "gender_pattern": "gender"}


@dataclass(frozen=True)
class FolderOptions:
    """The options of the ``folder`` corpus (all JSON values: they are stored in the builder config).

    label_from: ``"folder"`` (the parent folder's name), ``"csv"`` (``label_column`` of ``metadata_csv``) or a regex
        with a ``(?P<label>...)`` group.
    speaker_pattern: regex with a ``(?P<speaker>...)`` group (and optionally ``(?P<gender>...)``); without it the
        speaker is ``speaker_column`` of ``metadata_csv``. Every split protocol groups by speaker, so one is required.
    gender_pattern: regex with a ``(?P<gender>...)`` group (f/m/female/male/w, any case); else ``gender_column``;
        else ``unknown``.
    metadata_csv: path of a CSV inside data_dir with one row per audio file; ``file_column`` holds each file's path
        relative to the CSV's folder (the `datasets` AudioFolder convention ``file_name``).
    labels: the native classes in order; default: every label found in the corpus, sorted.
    label_map: native label -> unified emotion (one of `ser_hub.labels.EMOTIONS`); others follow `labels.unify`.
    language: BCP-47 tag of the speech (``und``: undetermined).
    extensions: audio file extensions to read (default: every audio format ser-hub decodes).
    """

    label_from: str = "folder"
    speaker_pattern: str | None = None
    gender_pattern: str | None = None
    metadata_csv: str | None = None
    file_column: str = "file_name"
    label_column: str = "label"
    speaker_column: str = "speaker"
    gender_column: str | None = None
    labels: Sequence[str] | None = None
    label_map: Mapping[str, str] = field(default_factory=dict)
    language: str = "und"
    extensions: Sequence[str] | None = None

    @property
    def suffixes(self) -> set[str]:
        if self.extensions is None:
            return set(AUDIO_EXTENSIONS)
        suffixes = {f".{extension.lower().lstrip('.')}" for extension in self.extensions}
        if not suffixes <= set(AUDIO_EXTENSIONS):
            raise CorpusError(
                f"folder cannot read extensions {sorted(suffixes - set(AUDIO_EXTENSIONS))}; "
                f"choose among {sorted(AUDIO_EXTENSIONS)}."
            )
        return suffixes

    def patterns(self) -> dict[str, str]:
        """Option name -> regex, each checked to compile and to hold the group it is there for."""
        given = {
            "label_from": _PARENT_FOLDER if self.label_from == "folder" else self.label_from,
            "speaker_pattern": self.speaker_pattern,
            "gender_pattern": self.gender_pattern,
        }
        patterns = {name: regex for name, regex in given.items() if regex is not None and regex != "csv"}
        for name, regex in patterns.items():
            try:
                compiled = re.compile(regex)
            except re.error as error:
                raise CorpusError(f"folder option {name}=r'{regex}' is not a valid regex: {error}.") from None
            group = _PATTERN_GROUPS[name]
            if group not in compiled.groupindex:
                hint = ' or "folder" or "csv"' if name == "label_from" else ""
                raise CorpusError(
                    f"folder option {name}=r'{regex}' has no (?P<{group}>...) group; "
                    f"name the part of the path that holds the {group}, e.g. r'(?P<{group}>...)'{hint}."
                )
        owners: dict[str, str] = {}
        for name, regex in patterns.items():
            for group in re.compile(regex).groupindex:
                owner = owners.setdefault(group, name)
                if patterns[owner] != regex:
                    raise CorpusError(
                        f"folder options {owner} and {name} both define the group {group!r}; keep it in one of them."
                    )
        return patterns

    def csv_columns(self, groups: set[str]) -> dict[str, str]:
        """Field -> CSV column, for label, speaker and gender where no pattern group gives them; each needs a source."""
        wanted = {
            "label": self.label_column if self.label_from == "csv" else None,
            "speaker": self.speaker_column,
            "gender": self.gender_column,
        }
        columns = {name: column for name, column in wanted.items() if column is not None and name not in groups}
        if self.metadata_csv is None and columns:
            name, column = next(iter(columns.items()))
            option = next(option for option, group in _PATTERN_GROUPS.items() if group == name)
            raise CorpusError(
                f"the folder corpus has no source for the {name} of each file: pass {option}=r'...(?P<{name}>...)...' "
                f"(searched in the file's path) or metadata_csv='<file>.csv' with a {column!r} column."
                + (" Every split protocol groups by speaker, so the speaker is required." if name == "speaker" else "")
            )
        return columns

    def describe(self) -> str:
        """The patterns as a user writes them, for messages: label_from='folder', speaker_pattern=r'...'."""
        shown = (("label_from", self.label_from), ("speaker_pattern", self.speaker_pattern),
                 ("gender_pattern", self.gender_pattern))
        return ", ".join(
            f"{name}={value!r}" if value in ("folder", "csv") else f"{name}=r'{value}'"
            for name, value in shown
            if value is not None
        )


@dataclass(frozen=True)
class FolderSpec(CorpusSpec):
    """A `CorpusSpec` whose grammar, classes and label map come from `FolderOptions` (see the module docstring)."""

    options: FolderOptions | None = None

    def configure(self, source: CorpusSource | None = None, **options: Any) -> FolderSpec:
        """The concrete spec for one corpus folder: options checked, CSV read and classes found (nothing decoded)."""
        try:
            chosen = FolderOptions(**options)
        except TypeError:
            known = [option.name for option in dataclasses.fields(FolderOptions)]
            raise CorpusError(
                f"folder takes no option(s) {sorted(set(options) - set(known))}; its options are {', '.join(known)}."
            ) from None
        if source is None:
            raise CorpusError(
                "the folder corpus reads its classes from the files: configure it with the corpus source "
                "(load_corpus/get_builder do), e.g. SPEC.configure(CorpusSource(data_dir), **options)."
            )
        patterns = chosen.patterns()
        groups = {group for regex in set(patterns.values()) for group in re.compile(regex).groupindex}
        columns = chosen.csv_columns(groups)
        tail = rf".*\.(?i:{'|'.join(sorted(suffix[1:] for suffix in chosen.suffixes))})"
        pattern = "".join(f"(?=.*?(?:{regex}))" for regex in dict.fromkeys(patterns.values())) + tail
        spec = dataclasses.replace(
            self,
            options=chosen,
            pattern=pattern,
            example=f"a path where {chosen.describe()} match",
            language=chosen.language,
            extensions=tuple(sorted(chosen.suffixes)),
            label=_field("label", groups, columns),
            speaker=_field("speaker", groups, columns),
            gender=_field("gender", groups, columns),
            metadata=(Metadata(chosen.metadata_csv, chosen.file_column),) if chosen.metadata_csv else (),
            label_map=dict(chosen.label_map),
            notes=(*self.notes, f"Loaded with the folder options {dataclasses.asdict(chosen)}."),
        )
        return dataclasses.replace(spec, labels=spec._classes(source))

    @property
    def config_options(self) -> dict[str, Any]:
        return dataclasses.asdict(self.options) if self.options else {}

    def locate_root(self, source: CorpusSource, audio_paths: list[str]) -> str:
        """The deepest folder holding every audio file read, checked to hold at least one file the options match."""
        paths = [path for path in audio_paths if PurePosixPath(path).suffix.lower() in self.options.suffixes]
        if not paths:
            raise CorpusError(
                f"data_dir holds no audio file with extension {', '.join(sorted(self.options.suffixes))}; "
                "check data_dir or the extensions option."
            )
        common = posixpath.commonpath([posixpath.dirname(path) for path in paths])
        root = f"{common}/" if common else ""
        if not any(re.fullmatch(self.pattern, path[len(root) :]) for path in paths):
            shown = ", ".join(path[len(root) :] for path in paths[:3])
            raise CorpusError(
                f"no audio file in data_dir matches the folder options {self.options.describe()} "
                f"(searched in paths relative to {root or 'data_dir'}, such as {shown}); fix the patterns or data_dir."
            )
        return root

    def _metadata_rows(self, source: CorpusSource, root: str) -> dict[str, list[dict[str, str]]] | None:
        """The metadata CSV (a path relative to data_dir) keyed by audio path relative to the corpus root."""
        if not self.metadata:
            return None
        known = set(re.compile(self.pattern).groupindex) | set(STANDARD_GROUPS)
        columns = [name for template in (self.label, self.speaker, self.gender) for name in format_groups(template)]
        columns = list(dict.fromkeys(name for name in columns if name not in known))
        rows = read_metadata(source, root, self.options.metadata_csv, self.options.file_column, columns)
        return {path: [row] for path, row in rows.items()}

    def _classes(self, source: CorpusSource) -> dict[str, str]:
        """Label -> label for the declared or found classes; checks every file is in the CSV and the label map."""
        audio_paths = [path for path in source.paths if PurePosixPath(path).suffix.lower() in AUDIO_EXTENSIONS]
        root = self.locate_root(source, audio_paths)
        rows = self._metadata_rows(source, root)
        regex = re.compile(self.pattern)
        found, unlisted = set(), []
        for path in audio_paths:
            relative = path[len(root) :]
            match = regex.fullmatch(relative) if path.startswith(root) else None
            if match is None:
                continue
            if rows is not None and relative not in rows:
                unlisted.append(path)
                continue
            groups = {**(rows[relative][0] if rows is not None else {}), **self._groups(relative, match)}
            found.add(self._format(self.label, groups, "label"))
        if unlisted:
            raise CorpusError(
                f"{len(unlisted)} audio file(s) have no row in {self.options.metadata_csv} "
                f"(column {self.options.file_column!r}, paths relative to the CSV's folder), such as "
                f"{', '.join(unlisted[:5])}. Add a row for each or remove the files."
            )
        classes = list(self.options.labels) if self.options.labels is not None else sorted(found - {""})
        if not classes:
            raise CorpusError("folder options give no classes: declare labels=[...] or check label_from.")
        _check_label_map(self.options.label_map, classes)
        return dict(zip(classes, classes))


def read_metadata(
    source: CorpusSource, root: str, csv_path: str, file_column: str, columns: Sequence[str]
) -> dict[str, dict[str, str]]:
    """The metadata CSV's rows keyed by audio path relative to the corpus root; checks its columns and duplicates."""
    csv_path = posixpath.normpath(csv_path)
    if csv_path not in source.paths:
        found = [path for path in source.paths if path.lower().endswith(".csv")]
        raise CorpusError(
            f"metadata_csv {csv_path!r} is not in {source} (CSV files there: {', '.join(found) or 'none'}); "
            "pass its path relative to data_dir."
        )
    reader = csv.DictReader(io.StringIO(source.read_bytes(csv_path).decode("utf-8-sig")))
    missing = [column for column in (file_column, *columns) if column not in (reader.fieldnames or [])]
    if missing:
        raise CorpusError(
            f"{csv_path} has no column(s) {missing} (its columns: {reader.fieldnames}); name the right ones with "
            "file_column=, label_column=, speaker_column= or gender_column=."
        )
    folder = posixpath.dirname(csv_path)
    rows: dict[str, dict[str, str]] = {}
    for row in reader:
        path = posixpath.normpath(posixpath.join(folder, row[file_column].strip().replace("\\", "/")))
        if path.startswith(root):
            if path[len(root) :] in rows:
                raise CorpusError(f"{csv_path} lists {row[file_column]!r} twice; keep one row per audio file.")
            rows[path[len(root) :]] = row
    return rows


def _field(name: str, groups: set[str], columns: Mapping[str, str]) -> str:
    """The pattern group holding ``name``, else its CSV column, else unknown (only gender may have no source)."""
    if name in groups:
        return f"{{{name}}}"
    return f"{{{columns[name]}}}" if name in columns else "unknown"


def _check_label_map(label_map: Mapping[str, str], classes: Sequence[str]) -> None:
    unknown = sorted(set(label_map) - set(classes))
    if unknown:
        raise CorpusError(f"label_map names {unknown}, which are not labels of this corpus ({', '.join(classes)}).")
    wrong = {native: target for native, target in label_map.items() if target not in labels.EMOTIONS}
    if wrong:
        raise CorpusError(
            f"label_map sends {wrong} outside the unified emotions; use one of {', '.join(labels.EMOTIONS)}."
        )


SPEC = FolderSpec(
    name="folder",
    title="Folder corpus",
    language="und",
    pattern=_PARENT_FOLDER,
    labels=None,
    license="as distributed by the corpus authors (unknown to ser-hub)",
    access="user-supplied folder or zip archive",
    description="A corpus loaded by ser-hub's generic folder spec from its options (labels, speakers, language).",
    example="<label>/<file>.wav",
    utterance_id="{path_stem}",
    notes=("The serab key is the speaker: serab and speaker-independent splits are the same here.",),
)
