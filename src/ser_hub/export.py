"""Export a prepared corpus to the Hub dataset format: parquet shards (audio embedded) plus a dataset card.

The audio is stored once, whatever the number of exported split protocols: the utterances are grouped by the splits
they fall in under every exported protocol (for speaker-grouped protocols that is about one group per speaker), each
group is written to its own shards under ``data/``, and each config of the card lists, per split, the shards of the
groups in that split. Loading a second config reuses the files of the first. Audio is FLAC (lossless, at the prepared
bit depth); ``sampling_rate=None`` exports keep the original files byte for byte.

The folder loads with stock ``datasets.load_dataset(folder, "<protocol>")`` in a process that never imports ser_hub,
and ``push_to_hub`` uploads it as it is.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from datasets.info import DatasetInfosDict
from datasets.io.parquet import get_parquet_column_options
from huggingface_hub import DatasetCard, DatasetCardData, HfApi
from huggingface_hub.errors import HfHubHTTPError
from tqdm.auto import tqdm

from . import audio, labels
from .concurrency import ordered_map
from .corpora import PreparedCorpus, prepare_corpus
from .errors import SerHubError
from .splits import DEFAULT_EXPORT_PROTOCOLS, PROTOCOL_HELP

MAX_SHARD_BYTES = 500 * 2**20
ROWS_PER_GROUP = 100  # parquet row group of an audio dataset, as datasets writes them
# Hub licence identifiers for the licence names corpora are published under; anything else is "other".
_HUB_LICENSES = {
    "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0", "cc-by-nc-nd-4.0", "cc-by-nd-4.0", "cc0-1.0",
    "mit", "apache-2.0", "odbl", "cc-by-3.0", "cc-by-nc-sa-3.0", "cc-by-sa-3.0", "gpl-3.0", "unknown",
}


def hub_license(text: str) -> str:
    """The Hub licence id of a licence name such as 'CC BY-NC-SA 4.0', or 'other'."""
    candidate = "-".join(text.lower().replace("_", " ").split()).replace("--", "-")
    return candidate if candidate in _HUB_LICENSES else "other"


def export_corpus(
    name: str,
    data_dir: str,
    out_dir: str,
    protocols: Sequence[str] = DEFAULT_EXPORT_PROTOCOLS,
    *,
    cache_dir: str | None = None,
    sampling_rate: int | None = 16000,
    overwrite: bool = False,
    max_shard_bytes: int = MAX_SHARD_BYTES,
    progress: bool = True,
    **config: Any,
) -> Path:
    """Write ``out_dir`` with one config per split protocol, sharing one copy of the audio, and a README.md dataset
    card; returns its path.

    The folder is written under a temporary name and renamed at the end: an interrupted export leaves nothing behind.
    """
    out = Path(out_dir).expanduser().resolve()
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise SerHubError(f"{out} exists and is not empty; choose another --out or pass overwrite=True (--overwrite).")
    if not protocols:
        raise SerHubError("export needs at least one split protocol.")
    protocols = list(dict.fromkeys(protocols))
    prepared = prepare_corpus(name, data_dir, cache_dir=cache_dir, sampling_rate=sampling_rate, progress=progress,
                              **config)
    partitions = {protocol: prepared.partition(protocol) for protocol in protocols}
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        groups = shared_groups(partitions, len(prepared.table))
        written = _write_groups(prepared, groups, staging, max_shard_bytes, progress)
        data_files, infos = {}, DatasetInfosDict()
        for index, (protocol, partition) in enumerate(partitions.items()):
            members = {split: [signature for signature in groups if signature[index] == split] for split in partition}
            data_files[protocol] = {split: [file for signature in signatures for file in written[signature].files]
                                    for split, signatures in members.items()}
            infos[protocol] = _info_of(prepared.table.features, members, written, staging)
        builds = {protocol: prepared.build_record(protocol, partition) for protocol, partition in partitions.items()}
        _write_card(staging / "README.md", prepared.spec, infos, builds, data_files)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def shared_groups(partitions: dict[str, dict[str, list[int]]], num_rows: int) -> dict[tuple[str, ...], list[int]]:
    """Rows grouped by the split they are in under every protocol: (split in the first protocol, split in the second,
    ...) -> the rows, groups in the order of their first row, rows in corpus order."""
    split_of = np.empty((len(partitions), num_rows), dtype=object)
    for index, partition in enumerate(partitions.values()):
        for split, rows in partition.items():
            split_of[index, rows] = split
    groups: dict[tuple[str, ...], list[int]] = {}
    for row in range(num_rows):
        groups.setdefault(tuple(split_of[:, row]), []).append(row)
    return groups


@dataclass
class _Written:
    """The shard files of one group (relative to the export folder), its rows and the Arrow bytes they hold."""

    files: list[str] = field(default_factory=list)
    num_rows: int = 0
    num_bytes: int = 0


def _write_groups(prepared: PreparedCorpus, groups: dict[tuple[str, ...], list[int]], folder: Path,
                  max_shard_bytes: int, progress: bool) -> dict[tuple[str, ...], _Written]:
    """Each group's rows as parquet shards of at most ``max_shard_bytes`` (FLAC audio unless exporting originals)."""
    features = prepared.table.features
    rows_of = prepared.table.with_format("arrow")
    schema = features.arrow_schema
    options = get_parquet_column_options(features, schema)
    transcode = prepared.record["sampling_rate"] is not None
    bar = tqdm(total=len(prepared.table), desc=f"exporting {prepared.spec.name}", unit="utt", disable=not progress)
    written = {}
    with bar:
        for signature, rows in groups.items():
            stem = f"data/{'.'.join(signature)}"
            batches = (_batch(rows_of[rows[start : start + ROWS_PER_GROUP]], transcode)
                       for start in range(0, len(rows), ROWS_PER_GROUP))
            written[signature] = _write_shards(batches, folder, stem, schema, options, max_shard_bytes, bar)
    return written


def _batch(table: pa.Table, transcode: bool) -> pa.Table:
    """Rows of the prepared table as exported: the audio as FLAC (sample for sample) unless kept original."""
    if not transcode:
        return table
    items = table.column("audio").to_pylist()
    flac = list(ordered_map(lambda item: audio.pcm_to_flac(item["bytes"], item["path"]), items))
    column = pa.array([{"bytes": data, "path": item["path"]} for data, item in zip(flac, items)],
                      type=table.schema.field("audio").type)
    return table.set_column(table.schema.get_field_index("audio"), "audio", column)


def _write_shards(batches: Iterable[pa.Table], folder: Path, stem: str, schema: pa.Schema, options: dict,
                  max_shard_bytes: int, bar: tqdm) -> _Written:
    """Write batches into ``stem-0000k-of-0000n.parquet`` files, starting a new file past ``max_shard_bytes``."""
    result, paths, writer, size = _Written(), [], None, 0
    for batch in batches:
        if writer is None or size >= max_shard_bytes:
            if writer is not None:
                writer.close()
            paths.append(folder / f"{stem}-{len(paths):05d}.partial")
            paths[-1].parent.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(paths[-1], schema=schema, write_page_index=True,
                                      use_content_defined_chunking=datasets.config.DEFAULT_CDC_OPTIONS, **options)
            size = 0
        writer.write_table(batch.cast(schema))
        size += batch.nbytes
        result.num_rows += batch.num_rows
        result.num_bytes += batch.nbytes
        bar.update(batch.num_rows)
    writer.close()
    for index, path in enumerate(paths):
        final = folder / f"{stem}-{index:05d}-of-{len(paths):05d}.parquet"
        path.rename(final)
        result.files.append(final.relative_to(folder).as_posix())
    return result


def _info_of(features: datasets.Features, members: dict[str, list[tuple[str, ...]]],
             written: dict[tuple[str, ...], _Written], folder: Path) -> datasets.DatasetInfo:
    """The dataset_info of one config: its features, and per split the rows and bytes of the groups it lists."""
    info = datasets.DatasetInfo(features=features)
    info.splits = datasets.SplitDict()
    for split, signatures in members.items():
        info.splits.add(datasets.SplitInfo(name=split, num_examples=sum(written[s].num_rows for s in signatures),
                                           num_bytes=sum(written[s].num_bytes for s in signatures)))
    files = {file for signatures in members.values() for signature in signatures for file in written[signature].files}
    info.download_size = sum((folder / file).stat().st_size for file in files)
    info.dataset_size = sum(split.num_bytes for split in info.splits.values())
    return info


def _write_card(path: Path, spec, infos: DatasetInfosDict, builds: dict, data_files: dict) -> None:
    license_id = hub_license(spec.license)
    card_data = DatasetCardData(
        pretty_name=spec.title,
        language=[spec.language.split("-")[0]],
        license=license_id,
        task_categories=["audio-classification"],
        tags=["speech-emotion-recognition", "ser-hub", spec.name],
        configs=[
            {
                "config_name": protocol,
                **({"default": True} if index == 0 else {}),
                "data_files": [{"split": split, "path": files} for split, files in splits.items()],
            }
            for index, (protocol, splits) in enumerate(data_files.items())
        ],
        **({"license_name": re.sub(r"[^a-z0-9]+", "-", spec.license.lower()).strip("-")[:64], "license_link": spec.homepage}
           if license_id == "other" else {}),
    )
    infos.to_dataset_card_data(card_data)
    DatasetCard(f"---\n{card_data.to_yaml()}\n---\n{_card_body(spec, builds)}").save(path)


def _card_body(spec, builds: dict) -> str:
    mapping_rows = "\n".join(
        f"| {native} | {unified} | {' / '.join(value or '—' for value in spec.arousal_valence(native))} |"
        for native, unified in spec.label_mapping().items()
    )
    protocol_sections = []
    for protocol, build in builds.items():
        rows = "\n".join(
            f"| {split} | {info['num_utterances']} | {info['num_speakers']} | `{info['sha256_sorted_ids']}` |"
            for split, info in build["splits"].items()
        )
        protocol_sections.append(
            f"### `{protocol}`\n\n{PROTOCOL_HELP.get(protocol, PROTOCOL_HELP['kfold-K'])}\n\n"
            f"| split | utterances | speakers | sha256 of sorted ids (16 hex) |\n|---|---|---|---|\n{rows}\n"
        )
    skipped = builds[next(iter(builds))]["skipped"]
    skipped_text = "\n".join(f"- `{skip['file']}`: {skip['reason']}" for skip in skipped) or "None."
    notes = "\n".join(f"- {note}" for note in spec.notes) or "None."
    first = next(iter(builds))
    return f"""
# {spec.title}

{spec.description}

Prepared with [ser-hub](https://github.com/ser-hub) from the corpus exactly as its authors distribute it
({spec.access}; homepage: {spec.homepage}). Licence of the data: {spec.license}.

```python
from datasets import load_dataset

dataset = load_dataset("ser-hub/{spec.name}", "{first}")
```

## Schema

Audio is mono at the configured sampling rate (16 kHz by default), resampled once with soxr and stored losslessly (FLAC).
The audio is stored once for every config: each shard under `data/` holds the utterances that share their split in every
config (its name lists those splits, in the order of the configs below), and each config lists the shards of each of its
splits, so loading a second config reuses the files of the first. Rows of a split come shard by shard.
Columns: `audio`, `file` (path in the original corpus), `corpus`, `utterance_id`, `speaker_id`, `gender`, `language`,
`native_label` (the corpus's own classes), `emotion` (unified 8 classes: {", ".join(labels.EMOTIONS)}), `arousal`, `valence`
(EmoSet Table 2; -1 where the label has no entry), `duration` (seconds, of the original file){", " if spec.extras else ""}{", ".join(f"`{extra}`" for extra in spec.extras)}.

## Label mapping

| native label | unified emotion | arousal / valence |
|---|---|---|
{mapping_rows}

## Split protocols

Every split is deterministic; the hash lets anyone check they use the same utterances.

{chr(10).join(protocol_sections)}
## Notes and known quirks

{notes}

## Files skipped while preparing

{skipped_text}

## Citation

```bibtex
{spec.citation}
```
"""


def push_to_hub(folder: str | Path, repo_id: str, *, private: bool = False, token: str | None = None) -> str:
    """Upload an exported folder as a Hub dataset repository; returns the repository URL."""
    try:
        api = HfApi(token=token)
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        api.upload_folder(folder_path=str(folder), repo_id=repo_id, repo_type="dataset")
    except (ConnectionError, HfHubHTTPError, OSError) as error:
        raise SerHubError(
            f"could not push {folder} to the Hub dataset {repo_id!r}: {error}. The export itself is complete; check "
            "the network connection, unset HF_HUB_OFFLINE and log in (`hf auth login`), then push again."
        ) from None
    return f"https://huggingface.co/datasets/{repo_id}"
