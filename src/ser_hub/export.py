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
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from tqdm.auto import tqdm

from . import audio
from .cards import card_protocols, dataset_card, write_card
from .concurrency import ordered_map
from .corpora import PreparedCorpus, prepare_corpus
from .errors import SerHubError
from .files import atomic_folder

MAX_SHARD_BYTES = 500 * 2**20
NO_SPLIT = "_"
ROWS_PER_GROUP = 100  # parquet row group of an audio dataset, as datasets writes them
def export_corpus(
    name: str,
    data_dir: str,
    out_dir: str,
    protocols: Sequence[str] | None = None,
    *,
    cache_dir: str | None = None,
    sampling_rate: int | None = 16000,
    overwrite: bool = False,
    max_shard_bytes: int = MAX_SHARD_BYTES,
    progress: bool = True,
    **config: Any,
) -> Path:
    """Write ``out_dir`` with one config per split protocol, sharing one copy of the audio, and a README.md dataset
    card; returns its path. ``protocols`` default to those of the corpus's card (`ser_hub.cards.card_protocols`).

    The folder is written under a temporary name and renamed at the end: an interrupted export leaves nothing behind.
    """
    out = Path(out_dir).expanduser().resolve()
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise SerHubError(f"{out} exists and is not empty; choose another --out or pass overwrite=True (--overwrite).")
    if protocols is not None and not protocols:
        raise SerHubError("export needs at least one split protocol.")
    prepared = prepare_corpus(name, data_dir, cache_dir=cache_dir, sampling_rate=sampling_rate, progress=progress,
                              **config)
    protocols = list(dict.fromkeys(protocols or card_protocols(prepared.spec)))
    partitions = {protocol: prepared.partition(protocol) for protocol in protocols}
    with atomic_folder(out) as staging:
        groups = shared_groups(partitions, len(prepared.table))
        written = _write_groups(prepared, groups, staging, max_shard_bytes, progress)
        infos = DatasetInfosDict()
        for index, (protocol, partition) in enumerate(partitions.items()):
            members = {split: [signature for signature in groups if signature[index] == split] for split in partition}
            infos[protocol] = _info_of(prepared.table.features, members, written, staging)
        builds = {protocol: prepared.build_record(protocol, partition) for protocol, partition in partitions.items()}
        layout = {protocol: list(partition) for protocol, partition in partitions.items()}
        write_card(staging / "README.md", dataset_card(prepared.spec, layout, builds, infos))
    return out


def shared_groups(partitions: dict[str, dict[str, list[int]]], num_rows: int) -> dict[tuple[str, ...], list[int]]:
    """Rows grouped by the split they are in under every protocol: (split in the first protocol, split in the second,
    ...) -> the rows, groups in the order of their first row, rows in corpus order. A row in no split of a protocol
    (EmoBox leaves some out) has `_` there; rows in no split of any protocol are not exported."""
    split_of = np.full((len(partitions), num_rows), NO_SPLIT, dtype=object)
    for index, partition in enumerate(partitions.values()):
        for split, rows in partition.items():
            split_of[index, rows] = split
    groups: dict[tuple[str, ...], list[int]] = {}
    for row in range(num_rows):
        signature = tuple(split_of[:, row])
        if any(split != NO_SPLIT for split in signature):
            groups.setdefault(signature, []).append(row)
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
