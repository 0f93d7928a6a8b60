"""`CorpusSpec`: a corpus described declaratively (file grammar, label codes, speakers) and the scan that reads it.

A spec turns each file path of the corpus, as distributed, into one record. Fields are either a format string over
the named groups of the spec's `pattern` (plus `stem`, `path` and `meta`) or a small callable of those groups.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from .. import labels
from ..errors import CorpusError
from .source import CorpusSource

Field = str | Callable[[Mapping[str, Any]], Any]
AUDIO_EXTENSIONS = {".wav", ".flac", ".mp3", ".ogg", ".aif", ".aiff", ".m4a", ".opus"}
_GENDERS = {"f": "female", "female": "female", "w": "female", "m": "male", "male": "male"}


@dataclass(frozen=True)
class Extra:
    """A corpus-specific column: its field and its `datasets.Value` dtype."""

    field: Field
    dtype: str = "string"


@dataclass(frozen=True)
class Skip:
    file: str
    reason: str


@dataclass
class Scan:
    """What a scan found: the records, the documented skips and the unrelated files it ignored."""

    root: str
    records: list[dict]
    skipped: list[Skip]
    ignored: list[str]


def summarize_skips(skipped: list[Skip], top: int = 3) -> str:
    """The most common skip reasons with their counts, for messages: '3 x unknown label code ...; 1 x silent'."""
    return "; ".join(f"{count} x {reason}" for reason, count in Counter(skip.reason for skip in skipped).most_common(top))


def evaluate_field(value: Field, groups: Mapping[str, Any]) -> Any:
    return value(groups) if callable(value) else value.format_map(groups)


def normalise_gender(value: Any) -> str:
    return _GENDERS.get(str(value).strip().lower(), "unknown")


@dataclass(frozen=True)
class CorpusSpec:
    """A corpus as a declaration; `scan()` is the only code that interprets it."""

    name: str
    title: str
    language: str
    homepage: str
    license: str
    access: str
    citation: str
    description: str
    sampling_rate: int
    num_utterances: int | None
    pattern: str
    labels: Mapping[str, str]
    example: str
    label: Field = "{label}"
    speaker: Field = "{speaker}"
    gender: Field = "unknown"
    utterance_id: Field = "{stem}"
    serab_key: Field | None = None
    fold_key: Field | None = None
    extras: Mapping[str, Extra] = field(default_factory=dict)
    unified: Mapping[str, str] = field(default_factory=dict)
    exclude: Mapping[str, str] = field(default_factory=dict)
    official: Callable[[Mapping[str, Any]], str] | None = None
    label_sets: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    label_set: str | None = None
    serab_proportions: tuple[float, float, float] = (0.6, 0.2, 0.2)
    metadata: Callable[[CorpusSource, str], Any] | None = None
    notes: tuple[str, ...] = ()

    # -- derived views ---------------------------------------------------------------------------------------------
    @property
    def active_labels(self) -> Mapping[str, str]:
        """Label code -> native label name, for the selected label set (codes outside it are skipped)."""
        return self.label_sets[self.label_set] if self.label_set else self.labels

    @property
    def native_names(self) -> list[str]:
        return list(dict.fromkeys(self.active_labels.values()))

    def unified_emotion(self, native: str) -> str:
        return labels.unify(native, self.unified)

    def label_mapping(self) -> dict[str, str]:
        """Native label name -> unified emotion, as shown in the dataset card."""
        return {native: self.unified_emotion(native) for native in self.native_names}

    def configure(self, source: CorpusSource | None = None, **options: Any) -> CorpusSpec:
        """The spec with corpus options applied (``label_set`` where the corpus defines several).

        ``source`` is the corpus being loaded, for specs whose classes are read from it (the generic ``folder`` corpus).
        """
        label_set = options.pop("label_set", None)
        if options:
            raise CorpusError(f"{self.name} takes no options {sorted(options)}; see ser_hub.corpus_info('{self.name}').")
        if label_set is None:
            return self
        if label_set not in self.label_sets:
            raise CorpusError(
                f"{self.name} has no label set {label_set!r}; choose one of {sorted(self.label_sets) or 'none'}."
            )
        return dataclasses.replace(self, label_set=label_set)

    @property
    def config_options(self) -> dict[str, Any]:
        return {"label_set": self.label_set} if self.label_set else {}

    # -- scanning --------------------------------------------------------------------------------------------------
    def _locate_root(self, audio_paths: list[str]) -> str:
        """The folder inside data_dir where the corpus layout starts (the archive's top folder, say)."""
        regex = re.compile(self.pattern)
        candidates = {""}
        for path in audio_paths:
            parts = path.split("/")[:-1]
            candidates.update("/".join(parts[:depth]) + "/" for depth in (1, 2) if len(parts) >= depth)
        scores = {
            root: sum(1 for path in audio_paths if path.startswith(root) and regex.fullmatch(path[len(root) :]))
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
        """Parse every file's path (and the corpus's annotation files) into records, with documented skips (never
        silent drops). Nothing is decoded here: `ser_hub.corpora.base` checks and decodes the audio in one pass."""
        audio_paths = [path for path in source.paths if PurePosixPath(path).suffix.lower() in AUDIO_EXTENSIONS]
        root = self._locate_root(audio_paths)
        regex = re.compile(self.pattern)
        meta = self.metadata(source, root) if self.metadata else None
        active = self.active_labels
        records, skipped, seen = [], [], {}
        under_root = [path for path in audio_paths if path.startswith(root)]
        # Audio in folders where nothing follows the grammar (CREMA-D's AudioMP3/ beside AudioWAV/) is another release
        # of the corpus or unrelated: ignored. Non-matching files beside matching ones are reported as skips.
        corpus_folders = {PurePosixPath(path).parent for path in under_root if regex.fullmatch(path[len(root) :])}
        members = [path for path in under_root if PurePosixPath(path).parent in corpus_folders]
        ignored = sorted(set(source.paths) - set(members))
        for path in members:
            relative = path[len(root) :]
            if relative in self.exclude:
                skipped.append(Skip(relative, f"excluded: {self.exclude[relative]}"))
                continue
            match = regex.fullmatch(relative)
            if match is None:
                skipped.append(Skip(relative, f"file name does not follow the {self.name} grammar (like '{self.example}')"))
                continue
            groups = {**match.groupdict(), "stem": PurePosixPath(relative).stem, "path": relative, "meta": meta}
            code = evaluate_field(self.label, groups)
            if code not in active:
                reason = (
                    f"label {code!r} is not in label set {self.label_set!r}"
                    if self.label_set and code in self.labels
                    else f"unknown label code {code!r} (known: {', '.join(sorted(self.labels))})"
                )
                skipped.append(Skip(relative, reason))
                continue
            record = self._record(groups, active[code])
            if record["utterance_id"] in seen:
                raise CorpusError(
                    f"{relative} and {seen[record['utterance_id']]} both give utterance id "
                    f"{record['utterance_id']!r}; the corpus folder holds a duplicate: remove one of them."
                )
            seen[record["utterance_id"]] = relative
            records.append(record)
        if not records:
            raise CorpusError(
                f"no usable utterance in {source}: every audio file was skipped ({summarize_skips(skipped)})."
            )
        return Scan(root=root, records=records, skipped=skipped, ignored=ignored)

    def _record(self, groups: Mapping[str, Any], native: str) -> dict:
        speaker = str(evaluate_field(self.speaker, groups))
        emotion = self.unified_emotion(native)
        arousal, valence = labels.arousal_valence(native, emotion)
        record = {
            "file": groups["path"],
            "corpus": self.name,
            "utterance_id": str(evaluate_field(self.utterance_id, groups)),
            "speaker_id": speaker,
            "gender": normalise_gender(evaluate_field(self.gender, groups)),
            "language": self.language,
            "native_label": native,
            "emotion": emotion,
            "arousal": arousal,
            "valence": valence,
        }
        record.update({name: evaluate_field(extra.field, groups) for name, extra in self.extras.items()})
        keyed = {**groups, "speaker_id": speaker}
        record["_serab_key"] = str(evaluate_field(self.serab_key, keyed)) if self.serab_key else speaker
        record["_fold_key"] = str(evaluate_field(self.fold_key, keyed)) if self.fold_key else speaker
        record["_official"] = self.official(keyed) if self.official else None
        return record
