"""A corpus decoded once into one table, and its split protocols as views of that table.

`CorpusBuilder` is the one generic `datasets` builder that serves every `CorpusSpec`. Its config is what the audio
depends on: the corpus listing's fingerprint, the sampling rate, the shortest usable duration and the corpus options,
so datasets' own cache key changes whenever any of them does (a changed corpus is rebuilt, never served stale). One
pass over the files checks each one (corrupt, empty, too short, silent), decodes, down-mixes and resamples it on a
thread pool and writes the table, in corpus order, with a record of every utterance's metadata and of every skip.

A split protocol is computed from that record alone and applied as row indices over the table (`PreparedCorpus.load`):
asking for another protocol of a prepared corpus decodes nothing and copies no audio.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
from datasets.exceptions import DatasetGenerationError
from datasets.table import InMemoryTable
from tqdm.auto import tqdm

from .. import audio, labels, splits
from ..concurrency import ordered_map
from ..errors import AudioError, CorpusError, SerHubError
from ..files import write_json
from . import emobox
from .definition import definition_hash
from .source import CorpusSource
from .spec import CorpusSpec, CorpusWarning, Scan, Skip, summarize_skips

PREPARED_SPLIT = "corpus"
PREPARED_RECORD = "ser_hub_prepared.json"
PROTOCOL_RECORDS = "protocols"
# split keys and where in its file each record's audio lies: kept in the record, not in the table
_PRIVATE_KEYS = ("_serab_key", "_fold_key", "_official", "_emobox_key", "_start", "_end", "_channel")


@dataclass
class CorpusConfig(datasets.BuilderConfig):
    """What a prepared table depends on (split protocols are views of it, not configs)."""

    sampling_rate: int | None = 16000
    min_duration: float = 0.1
    corpus_options: str = "{}"
    corpus_fingerprint: str = ""
    definition: str = ""


def _code_hash() -> str:
    """Hash of the code that turns a corpus into examples and splits: a change to it never serves a stale cache."""
    package = Path(__file__).resolve().parents[1]
    files = sorted([*package.glob("corpora/*.py"), *package.glob("corpora/*.yaml"), package / "audio.py",
                    package / "labels.py", package / "splits.py"])
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


CODE_HASH = _code_hash()


def features_for(spec: CorpusSpec, sampling_rate: int | None) -> datasets.Features:
    """The example schema (docs/design.md §3) for one corpus."""
    return datasets.Features(
        {
            "audio": datasets.Audio(sampling_rate=sampling_rate, num_channels=1),
            "file": datasets.Value("string"),
            "corpus": datasets.Value("string"),
            "utterance_id": datasets.Value("string"),
            "speaker_id": datasets.Value("string"),
            "gender": datasets.ClassLabel(names=list(labels.GENDERS)),
            "language": datasets.Value("string"),
            "native_label": datasets.ClassLabel(names=spec.native_names),
            "emotion": datasets.ClassLabel(names=list(labels.EMOTIONS)),
            "arousal": datasets.ClassLabel(names=list(labels.AROUSAL)),
            "valence": datasets.ClassLabel(names=list(labels.VALENCE)),
            "duration": datasets.Value("float32"),
            **{name: datasets.Value(extra.dtype) for name, extra in spec.extras.items()},
        }
    )


class CorpusBuilder(datasets.GeneratorBasedBuilder):
    """Generic builder of a corpus's prepared table; `for_spec` makes the subclass of one corpus. Instantiate it
    directly (datasets >= 4 runs no loading scripts)."""

    BUILDER_CONFIG_CLASS = CorpusConfig
    DEFAULT_WRITER_BATCH_SIZE = 100
    spec: CorpusSpec

    @classmethod
    def for_spec(cls, spec: CorpusSpec) -> type[CorpusBuilder]:
        return type(f"{spec.name.title().replace('_', '')}Builder", (cls,), {"spec": spec})

    def __init__(self, *, data_dir: str, cache_dir: str | None = None, progress: bool = True, **config):
        options = config.pop("corpus_options", {})
        self.source = CorpusSource(data_dir)
        self.configured_spec = self.spec.configure(self.source, **options)
        self.progress = progress
        super().__init__(
            cache_dir=cache_dir,
            dataset_name=self.spec.name,
            hash=CODE_HASH,
            config_name="prepared",
            data_dir=str(self.source.location.resolve()),
            corpus_options=json.dumps(self.configured_spec.config_options, sort_keys=True),
            corpus_fingerprint=self.source.fingerprint(),
            definition=definition_hash(self.configured_spec),
            **config,
        )

    def _info(self) -> datasets.DatasetInfo:
        spec = self.configured_spec
        return datasets.DatasetInfo(
            description=spec.description,
            citation=spec.citation,
            homepage=spec.homepage,
            license=spec.license,
            features=features_for(spec, self.config.sampling_rate),
        )

    def _split_generators(self, dl_manager):
        return [datasets.SplitGenerator(name=PREPARED_SPLIT, gen_kwargs={"scan": self.configured_spec.scan(self.source)})]

    def _generate_examples(self, scan: Scan):
        """Every usable file once, in corpus order; the record of the utterances and skips is written last."""
        rate, min_duration = self.config.sampling_rate, self.config.min_duration

        def prepare(record: dict) -> tuple[bytes, float] | AudioError:
            path, place = scan.root + record["file"], {"channel": record["_channel"]}
            try:
                if record["_start"] is None:
                    return audio.prepare(self.source.read_bytes(path), record["file"], rate, min_duration, **place)
                with self.source.open(path) as file:  # a segment: read only its part of the recording
                    return audio.prepare(file, record["file"], rate, min_duration, start=record["_start"],
                                         end=record["_end"], **place)
            except AudioError as error:
                return error

        kept, skipped = [], list(scan.skipped)
        bar = tqdm(total=len(scan.records), desc=f"preparing {self.spec.name}", unit="file", disable=not self.progress)
        with bar:
            for record, result in zip(scan.records, ordered_map(prepare, scan.records)):
                bar.update()
                if isinstance(result, AudioError):
                    whole = record["_start"] is None and record["_channel"] is None
                    where = record["file"] if whole else f"{record['file']} ({record['utterance_id']})"
                    skipped.append(Skip(where, str(result).removeprefix(f"{record['file']}: ")))
                    continue
                data, duration = result
                record = {**record, "duration": duration}
                yield len(kept), _example(record, data)
                kept.append(record)
        if not kept:
            raise CorpusError(
                f"no usable utterance in {self.source}: every audio file was skipped "
                f"({summarize_skips(skipped)})."
            )
        write_json(Path(self._output_dir) / PREPARED_RECORD, {
            "corpus": self.spec.name,
            "label_set": self.configured_spec.label_set,
            "sampling_rate": rate,
            "min_duration": min_duration,
            "corpus_fingerprint": self.config.corpus_fingerprint,
            "code_hash": CODE_HASH,
            "root": scan.root,
            "skipped": [{"file": skip.file, "reason": skip.reason} for skip in skipped],
            "ignored": scan.ignored,
            "warnings": scan.warnings,
            "records": kept,
        })


def _example(record: dict, data: bytes) -> dict:
    example = {key: value for key, value in record.items() if key not in _PRIVATE_KEYS}
    example.update({key: -1 for key in ("arousal", "valence") if example[key] is None})
    return {**example, "audio": {"bytes": data, "path": record["file"]}}


@contextlib.contextmanager
def _datasets_bars_disabled():
    """datasets' own generation bars off (ser-hub shows its own, or none when asked to be quiet)."""
    already = datasets.are_progress_bars_disabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if not already:
            datasets.enable_progress_bars()


@dataclass
class PreparedCorpus:
    """A corpus decoded once: the table of its usable utterances in corpus order and the record of how it was built
    (`record["records"]` holds each row's metadata, split keys included; `skipped` and `ignored` the other files)."""

    spec: CorpusSpec
    table: datasets.Dataset
    record: dict[str, Any]

    @classmethod
    def build(cls, builder: CorpusBuilder) -> PreparedCorpus:
        """Prepare (or find in the cache) the builder's table."""
        try:
            with _datasets_bars_disabled():
                builder.download_and_prepare()
        except DatasetGenerationError as error:
            if isinstance(error.__cause__, SerHubError):
                raise error.__cause__ from None
            raise
        table = builder.as_dataset(split=PREPARED_SPLIT)
        folder = Path(table.cache_files[0]["filename"]).parent
        record = json.loads((folder / PREPARED_RECORD).read_text(encoding="utf-8"))
        return cls(builder.configured_spec, table, record)

    @property
    def folder(self) -> Path:
        return Path(self.table.cache_files[0]["filename"]).parent

    def partition(self, protocol: str) -> dict[str, list[int]]:
        """Split name -> the table's rows in it, in corpus order (computed from the record, nothing decoded)."""
        family = splits.protocol_family(protocol)
        if self.spec.supports is not None and family not in self.spec.supports:
            raise CorpusError(
                f"{self.spec.name} does not support the {protocol!r} protocol: {self.spec.support_reason or 'see its notes.'} "
                f"Choose one of {', '.join(self.spec.supports)}."
            )
        if protocol == "emobox":
            return self._emobox()[0]
        return splits.partition(self.record["records"], protocol, serab_proportions=self.spec.serab_proportions)

    def _emobox(self) -> tuple[dict[str, list[int]], list[str]]:
        if self.spec.emobox is None:
            raise CorpusError(f"{self.spec.name} is not one of the EmoBox benchmark's corpora: choose another protocol.")
        return emobox.assign(self.spec.emobox.name, (record["_emobox_key"] for record in self.record["records"]))

    def build_record(self, protocol: str, partition: dict[str, list[int]]) -> dict[str, Any]:
        """Everything a user needs to trust a split: the protocol, split hashes and sizes, skipped and ignored files."""
        records = self.record["records"]
        return {
            **{key: self.record[key] for key in ("corpus", "label_set", "sampling_rate", "corpus_fingerprint",
                                                 "code_hash", "root")},
            "protocol": protocol,
            "splits": {
                name: {
                    "num_utterances": len(rows),
                    "num_speakers": len({records[row]["speaker_id"] for row in rows}),
                    "sha256_sorted_ids": splits.split_hash(records[row]["utterance_id"] for row in rows),
                    "groups": sorted({records[row]["_fold_key"] for row in rows}) if name.startswith("fold_") else None,
                }
                for name, rows in partition.items()
            },
            "skipped": self.record["skipped"],
            "ignored": self.record["ignored"],
            "warnings": self.record["warnings"] + (self._emobox_gaps() if protocol == "emobox" else []),
            "notes": list(self.spec.notes),
        }

    def _emobox_gaps(self) -> list[str]:
        missing = self._emobox()[1]
        if not missing:
            return []
        return [f"{self.spec.name}: {len(missing)} utterances of EmoBox's folds are not in this prepared corpus (this "
                f"copy lacks them, or ser-hub skips or excludes them: {', '.join(missing[:5])}"
                f"{', ...' if len(missing) > 5 else ''}); the emobox splits are EmoBox's without them."]

    def warn(self) -> None:
        """Say what preparing the corpus skipped and guessed (a `CorpusWarning` each, as `warnings` shows them)."""
        for message in self.notices():
            warnings.warn(message, CorpusWarning, stacklevel=3)

    def notices(self) -> list[str]:
        """The skipped files (how many, the most common reasons) and the scan's warnings, as sentences."""
        notices = list(self.record["warnings"])
        skipped = [Skip(**skip) for skip in self.record["skipped"]]
        if skipped:
            total = len(skipped) + len(self.record["records"])
            notices.insert(0, (
                f"{self.spec.name}: {len(skipped)} of {total} audio files were skipped ({summarize_skips(skipped)}); "
                "`read_build_record(dataset)['skipped']` lists each with its reason."
            ))
        return notices

    def load(self, protocol: str) -> datasets.DatasetDict:
        """The corpus's splits under `protocol`, each a view (row indices) of the prepared table."""
        partition = self.partition(protocol)
        build = self.build_record(protocol, partition)
        write_json(self.folder / PROTOCOL_RECORDS / f"{protocol}.json", build)
        description = f"{self.spec.description}\n\n{describe_build(build)}"
        return datasets.DatasetDict(
            {name: self.view(rows, protocol, name, description) for name, rows in partition.items()}
        )

    def view(self, rows: list[int], protocol: str, split: str, description: str | None = None) -> datasets.Dataset:
        """Rows of the table as one split of `protocol`, with a fingerprint of its own (feature caches key on it)."""
        info = self.table.info.copy()
        info.config_name = protocol
        if description is not None:
            info.description = description
        fingerprint = hashlib.sha256(f"{self.table._fingerprint}/{protocol}/{split}".encode()).hexdigest()[:16]
        indices = InMemoryTable.from_pydict({"indices": pa.array(rows, type=pa.uint64())})
        return datasets.Dataset(self.table.data, info=info, split=datasets.NamedSplit(split), indices_table=indices,
                                fingerprint=fingerprint)


def describe_build(record: dict[str, Any]) -> str:
    lines = [f"Split protocol {record['protocol']!r} (hash = sha256 of sorted utterance ids, first 16 hex digits):"]
    for name, split in record["splits"].items():
        groups = f", groups {', '.join(split['groups'])}" if split["groups"] else ""
        lines.append(
            f"- {name}: {split['num_utterances']} utterances, {split['num_speakers']} speakers, "
            f"hash {split['sha256_sorted_ids']}{groups}"
        )
    lines.append(f"Skipped files: {len(record['skipped'])}; ignored non-corpus files: {len(record['ignored'])}.")
    lines += [f"- skipped {skip['file']}: {skip['reason']}" for skip in record["skipped"]]
    return "\n".join(lines)


def read_build_record(dataset: datasets.Dataset | datasets.DatasetDict) -> dict[str, Any]:
    """The build record of a corpus loaded with `load_corpus` (its protocol, splits and skipped files)."""
    split = next(iter(dataset.values())) if isinstance(dataset, datasets.DatasetDict) else dataset
    directory = Path(split.cache_files[0]["filename"]).parent
    return json.loads((directory / PROTOCOL_RECORDS / f"{split.info.config_name}.json").read_text(encoding="utf-8"))
