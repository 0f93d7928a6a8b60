"""`extract(dataset, extractor)`: frozen features of a corpus, batched by duration, cached, resumable, data-parallel.

The cache (`cache_dir`) holds one folder per extractor identity and dataset fingerprint:

    <cache_dir>/<key>/identity.json        what the key stands for (extractor identity, dataset fingerprint)
    <cache_dir>/<key>/chunks/*.safetensors  completed batches (row indices + features), each written atomically
    <cache_dir>/<key>/features.arrow        the finished split (metadata columns + features), written atomically
    <cache_dir>/statistics/<key>.json       dataset statistics of extractors that need them (BYOL log-mel mean/std)

A finished split is memory-mapped back without touching the model or the audio. An interrupted run leaves its
completed chunks, and the next run computes only the rest. Under `accelerate launch` every process takes an
interleaved share of the utterances (sorted by duration, so the shares cost the same), writes its chunks into the
shared cache, and the main process merges them into the one `features.arrow`. On a machine without an accelerator,
launch with `accelerate launch --multi_gpu --num_processes N script.py` (accelerate's `--cpu` launcher starts one
process unless MPI is set up); the processes then run on CPU and synchronise with gloo.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import datasets
import numpy as np
import pyarrow as pa
import torch
from accelerate import PartialState
from accelerate.utils import parse_flag_from_env
from datasets.arrow_writer import ArrowWriter
from datasets.table import InMemoryTable, MemoryMappedTable
from safetensors import safe_open
from safetensors.numpy import save_file
from tqdm.auto import tqdm

from .. import audio
from ..concurrency import ordered_map
from ..errors import AudioError
from ..files import atomic_path, write_json
from .base import Extractor, FeatureError, digest
from .loading import load_extractor

DEFAULT_BATCH_SECONDS = 16.0  # padded audio per batch; on 2 CPU cores 8-16 s is fastest for BYOL-S (benchmarks/)
WRITE_ROWS = 256  # rows per write when assembling a finished split
# Batches decoded ahead of the model by one thread: prepared PCM decodes at thousands of times real time, and more
# threads would take cores from the model's own (torch's intra-op threads slow down badly when a core is taken).
DECODE_WORKERS = 1

CODE_HASH = digest({path.name: path.read_text() for path in sorted(Path(__file__).parent.glob("*.py"))})[:16]


def extract(
    dataset: datasets.Dataset | datasets.DatasetDict,
    extractor: Extractor | str,
    *,
    cache_dir: str | Path | None = None,
    batch_seconds: float = DEFAULT_BATCH_SECONDS,
    fit_on: datasets.Dataset | None = None,
    statistics: Mapping[str, float] | None = None,
    progress: bool = True,
) -> datasets.Dataset | datasets.DatasetDict:
    """Features of every utterance of a ser-hub corpus split (or of every split of a DatasetDict).

    Returns the same structure without the `audio` column and with `embedding` (utterance level,
    `List(float32, length=dim)`) or `frames` (frame level, `Array2D((None, dim), float32)`), rows in the input order.

    - `extractor`: an `Extractor` or a spec for `load_extractor` (model folder, Hub id, `byol-s-512`,
      `opensmile:ComParE_2016`).
    - `cache_dir`: where finished splits and completed batches are kept; None computes in memory. A second run with
      the same extractor identity and dataset fingerprint (`Dataset._fingerprint`, which for a ser-hub corpus follows
      its build: corpus listing, split protocol, sampling rate) computes nothing. (A dataset that datasets could
      only give a random fingerprint, e.g. after a `map` with an unhashable function, is recomputed every time.)
    - `batch_seconds`: utterances are sorted by duration and batched so that a batch's padded length (size x longest
      duration) stays within this many seconds (a longer utterance forms its own batch).
    - `fit_on`: the split whose statistics extractors such as BYOL standardise with. Default: the `train` split of a
      DatasetDict, as the SERAB reference; a lone Dataset uses the extractor's current statistics unless given one.
    - `statistics`: fixed statistics instead (e.g. those SERAB published per corpus,
      `ser_hub.protocols.serab.published_statistics`); they are part of the extractor's identity.
    - `progress`: tqdm bars on the main process.

    Under `accelerate launch` each process computes a share; `cache_dir` (on a file system all processes see) is then
    required, and every process returns the merged result.
    """
    if isinstance(extractor, str):
        extractor = load_extractor(extractor)
    if batch_seconds <= 0:
        raise FeatureError(f"batch_seconds={batch_seconds}: must be positive.")
    state = PartialState(cpu=parse_flag_from_env("ACCELERATE_USE_CPU") or not torch.accelerator.is_available())
    if state.num_processes > 1 and cache_dir is None:
        raise FeatureError(
            f"extract() runs in {state.num_processes} processes: pass cache_dir= (a folder every process can reach) "
            "so that their shares can be merged."
        )
    cache = Path(cache_dir) if cache_dir is not None else None
    extractor.to(state.device)
    splits = dataset if isinstance(dataset, datasets.DatasetDict) else {"": dataset}
    if statistics is not None:
        if not extractor.uses_statistics:
            raise FeatureError(f"{extractor.name} standardises with no dataset statistics; drop statistics=.")
        extractor.statistics = dict(statistics)
    elif extractor.uses_statistics:
        if fit_on is None and isinstance(dataset, datasets.DatasetDict):
            if "train" not in dataset:
                raise FeatureError(
                    f"{extractor.name} standardises with training-split statistics, but the dataset has no 'train' "
                    f"split (it has {', '.join(dataset)}); pass fit_on=<the training split>."
                )
            fit_on = dataset["train"]
        if fit_on is not None:
            fit_statistics(extractor, fit_on, cache, batch_seconds, progress, state)
        elif extractor.statistics is None:
            raise FeatureError(
                f"{extractor.name} standardises with dataset statistics and has none yet: pass fit_on=<the training "
                "split>, or a DatasetDict with a 'train' split."
            )
    results = {
        name: extract_split(split, extractor, cache, batch_seconds, progress, state) for name, split in splits.items()
    }
    return datasets.DatasetDict(results) if isinstance(dataset, datasets.DatasetDict) else results[""]


def fit_statistics(extractor: Extractor, dataset: datasets.Dataset, cache: Path | None, batch_seconds: float,
                   progress: bool, state: PartialState) -> dict[str, float]:
    """Set the extractor's dataset statistics from `dataset`, computed once per (extractor, dataset) and cached."""
    check_audio(dataset)
    key = digest({"extractor": extractor.describe(), "dataset": dataset._fingerprint, "code": CODE_HASH})[:16]
    path = cache / "statistics" / f"{key}.json" if cache is not None else None
    with state.main_process_first():
        if path is not None and path.exists():
            extractor.statistics = json.loads(path.read_text())
        else:
            batches = plan_batches(range(len(dataset)), utterance_durations(dataset), batch_seconds)
            bar = tqdm(total=len(dataset), desc=f"{extractor.name}: statistics", unit="utt",
                       disable=not (progress and state.is_main_process))
            with bar:
                waveforms = ordered_map(waveform_loader(dataset, extractor.sampling_rate), batches, workers=DECODE_WORKERS)
                statistics = extractor.fit_statistics(_counted(waveforms, bar))
            if path is not None:
                write_json(path, statistics)
    return extractor.statistics


def extract_split(dataset: datasets.Dataset, extractor: Extractor, cache: Path | None, batch_seconds: float,
                  progress: bool, state: PartialState) -> datasets.Dataset:
    """Features of one split; see `extract`. Batches are decoded ahead of the model on a thread pool and finished
    batches are written to the cache by a thread of their own, so the model never waits for either."""
    check_audio(dataset)
    if extractor.column in dataset.column_names:
        raise FeatureError(f"the dataset already has a {extractor.column!r} column; remove it before extracting.")
    identity = extractor.identity
    key = digest({"extractor": identity, "dataset": dataset._fingerprint, "rows": len(dataset), "code": CODE_HASH})[:16]
    store = DiskChunks(cache / key) if cache is not None else MemoryChunks()
    if store.finished():
        return store.load(dataset)
    if state.is_main_process:
        store.prepare({"extractor": identity, "name": extractor.name, "dataset_fingerprint": dataset._fingerprint,
                       "num_rows": len(dataset), "split": str(dataset.split)})
    done = store.completed_rows()
    state.wait_for_everyone()  # every process lists the same completed rows before any writes new ones
    durations = utterance_durations(dataset)
    pending = by_duration((row for row in range(len(dataset)) if row not in done), durations)
    share = pending[state.process_index :: state.num_processes]  # interleaved: every share has long and short ones
    batches = plan_batches(share, durations, batch_seconds)
    bar = tqdm(total=len(share), desc=f"{extractor.name}: {dataset.split or 'features'}", unit="utt",
               disable=not (progress and state.is_main_process))
    decoded = ordered_map(waveform_loader(dataset, extractor.sampling_rate), batches, workers=DECODE_WORKERS)
    with bar, ThreadPoolExecutor(max_workers=1) as writer:
        writes = [writer.submit(store.add, rows, embed_batch(extractor, waveforms, dataset, rows))
                  for rows, waveforms in zip(batches, _counted(decoded, bar))]
        for write in writes:
            write.result()
    state.wait_for_everyone()
    if state.is_main_process:
        store.finish(dataset, extractor.column, key)
    state.wait_for_everyone()
    return store.load(dataset)


def _counted(batches: Iterable[list[np.ndarray]], bar: tqdm) -> Iterable[list[np.ndarray]]:
    """The batches, counting each one's utterances on `bar` once it has been used."""
    for waveforms in batches:
        yield waveforms
        bar.update(len(waveforms))


def check_audio(dataset: datasets.Dataset) -> None:
    """Refuse anything but a non-empty Dataset with an `audio` column."""
    if not isinstance(dataset, datasets.Dataset) or "audio" not in dataset.column_names:
        columns = ", ".join(dataset.column_names) if isinstance(dataset, datasets.Dataset) else type(dataset).__name__
        raise FeatureError(
            f"expected a datasets.Dataset with an 'audio' column (a ser-hub corpus split), got {columns}; "
            "load one with ser_hub.load_corpus(...)."
        )
    if len(dataset) == 0:
        raise FeatureError(f"split {dataset.split or ''!s}: no utterances to extract features from.")


def by_duration(rows: Iterable[int], durations: list[float]) -> list[int]:
    """`rows` from the shortest utterance to the longest (ties by row)."""
    return sorted(rows, key=lambda row: (durations[row], row))


def plan_batches(rows: Iterable[int], durations: list[float], batch_seconds: float) -> list[list[int]]:
    """`rows` sorted by duration, cut into runs whose padded length (size x longest duration) <= batch_seconds."""
    batches: list[list[int]] = []
    for row in by_duration(rows, durations):
        if batches and (len(batches[-1]) + 1) * durations[row] <= batch_seconds:
            batches[-1].append(row)
        else:
            batches.append([row])
    return batches


def utterance_durations(dataset: datasets.Dataset) -> list[float]:
    """Seconds per row: the `duration` column of a ser-hub corpus, else read from each file's header."""
    if "duration" in dataset.column_names:
        return [float(duration) for duration in dataset["duration"]]
    items = raw_audio(dataset)[:].column("audio").to_pylist()
    return [audio.probe(audio_bytes(item), item["path"] or f"row {row}").duration for row, item in enumerate(items)]


def raw_audio(dataset: datasets.Dataset) -> datasets.Dataset:
    """The `audio` column undecoded, as Arrow: {"bytes", "path"} per row (thread-safe to read)."""
    return dataset.with_format("arrow", columns=["audio"])


def audio_bytes(item: dict) -> bytes:
    if item["bytes"] is not None:
        return item["bytes"]
    try:
        return Path(item["path"]).read_bytes()
    except OSError as error:
        raise AudioError(
            f"{item['path']}: cannot read the audio file ({error.strerror}); check the corpus folder."
        ) from None


def waveform_loader(dataset: datasets.Dataset, rate: int) -> Callable[[list[int]], list[np.ndarray]]:
    """A function decoding rows of a split to mono waveforms at `rate` with ser_hub.audio (soxr when the rates
    differ); it reads Arrow directly, so batches can be decoded on other threads while the model runs."""
    raw = raw_audio(dataset)

    def load(rows: list[int]) -> list[np.ndarray]:
        waveforms = []
        for row, item in zip(rows, raw[rows].column("audio").to_pylist()):
            samples, source_rate = audio.decode(audio_bytes(item), item["path"] or f"row {row}")
            waveforms.append(audio.resample(audio.to_mono(samples), source_rate, rate))
        return waveforms

    return load


def embed_batch(extractor: Extractor, waveforms: list[np.ndarray], dataset: datasets.Dataset, rows: list[int]):
    """`extractor.embed`, turning a model's complaint about one input into an error that names the utterance."""
    try:
        return extractor.embed(waveforms)
    except (AudioError, ValueError) as error:
        if len(rows) == 1:
            has_ids = "utterance_id" in dataset.column_names
            name = dataset.select_columns(["utterance_id"])[rows[0]]["utterance_id"] if has_ids else f"row {rows[0]}"
            raise FeatureError(f"{extractor.name} cannot extract features of {name}: {error}") from None
        for waveform, row in zip(waveforms, rows):
            embed_batch(extractor, [waveform], dataset, [row])
        raise FeatureError(
            f"{extractor.name} failed on a batch of {len(rows)} utterances that each work alone ({error}); "
            "pass a smaller batch_seconds."
        ) from error


def output_features(dataset: datasets.Dataset, column: str, sample: np.ndarray) -> datasets.Features:
    """The input's features without `audio`, plus the feature column typed from one computed sample."""
    features = datasets.Features({name: feature for name, feature in dataset.features.items() if name != "audio"})
    if column == "embedding":
        features[column] = datasets.List(datasets.Value("float32"), length=sample.shape[-1])
    else:
        features[column] = datasets.Array2D(shape=(None, sample.shape[-1]), dtype="float32")
    return features


def write_features(dataset: datasets.Dataset, column: str, values, writer_target: dict, key: str) -> None:
    """Write the metadata columns and the feature column, in row order, with one datasets ArrowWriter."""
    metadata = dataset.remove_columns("audio").with_format(None)
    writer = ArrowWriter(features=output_features(dataset, column, values([0])[0]), fingerprint=key, **writer_target)
    for start in range(0, len(dataset), WRITE_ROWS):
        rows = list(range(start, min(start + WRITE_ROWS, len(dataset))))
        writer.write_batch({**metadata[start : rows[-1] + 1], column: values(rows)})
    writer.finalize()


def open_features(table, dataset: datasets.Dataset) -> datasets.Dataset:
    """A Dataset over a written table, with the input's info (description, citation) and split name."""
    info = dataset.info.copy()
    info.features = None  # read from the table, which carries the output features
    return datasets.Dataset(table, info=info, split=dataset.split)


class MemoryChunks:
    """Completed batches kept in memory (no cache_dir)."""

    def __init__(self):
        self.values: dict[int, np.ndarray] = {}
        self.result: datasets.Dataset | None = None

    def finished(self) -> bool:
        return False

    def prepare(self, description: dict) -> None:
        pass

    def completed_rows(self) -> set[int]:
        return set(self.values)

    def add(self, rows: list[int], features: list[np.ndarray]) -> None:
        self.values.update(zip(rows, features))

    def finish(self, dataset: datasets.Dataset, column: str, key: str) -> None:
        stream = pa.BufferOutputStream()
        write_features(dataset, column, lambda rows: [self.values[row] for row in rows], {"stream": stream}, key)
        self.result = open_features(InMemoryTable.from_buffer(stream.getvalue()), dataset)

    def load(self, dataset: datasets.Dataset) -> datasets.Dataset:
        return self.result


class DiskChunks:
    """Completed batches as safetensors files (row indices, offsets, stacked features) under `folder/chunks`."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.chunks = folder / "chunks"
        self.final = folder / "features.arrow"

    def finished(self) -> bool:
        return self.final.exists()

    def prepare(self, description: dict) -> None:
        write_json(self.folder / "identity.json", description)

    def chunk_files(self) -> list[Path]:
        if not self.chunks.is_dir():
            return []
        return sorted(path for path in self.chunks.glob("*.safetensors") if not path.name.startswith("."))  # not temporaries

    def completed_rows(self) -> set[int]:
        rows: set[int] = set()
        for path in self.chunk_files():
            with safe_open(path, framework="numpy") as chunk:
                rows.update(chunk.get_tensor("rows").tolist())
        return rows

    def add(self, rows: list[int], features: list[np.ndarray]) -> None:
        indices = np.asarray(rows, dtype=np.int64)
        offsets = np.cumsum([0] + [len(value) if value.ndim == 2 else 1 for value in features], dtype=np.int64)
        stacked = np.concatenate([np.atleast_2d(value) for value in features]).astype(np.float32, copy=False)
        with atomic_path(self.chunks / f"{digest(rows)[:16]}.safetensors") as temporary:
            save_file({"rows": indices, "offsets": offsets, "values": np.ascontiguousarray(stacked)}, temporary)

    def finish(self, dataset: datasets.Dataset, column: str, key: str) -> None:
        """Merge every chunk into features.arrow (atomically), then drop the chunks."""
        if self.finished():  # another run finished it meanwhile
            return
        where: dict[int, tuple[Path, int, int]] = {}
        for path in self.chunk_files():
            with safe_open(path, framework="numpy") as chunk:
                offsets = chunk.get_tensor("offsets")
                for index, row in enumerate(chunk.get_tensor("rows").tolist()):
                    where[row] = (path, int(offsets[index]), int(offsets[index + 1]))
        missing = sorted(set(range(len(dataset))) - set(where))
        if missing:
            raise FeatureError(
                f"{self.chunks}: {len(missing)} utterances have no computed features (first rows {missing[:5]}); "
                "a process stopped early or the chunks were removed. Run extract() again to compute them."
            )

        def values(rows: list[int]) -> list[np.ndarray]:
            out = []
            for row in rows:
                path, start, stop = where[row]
                with safe_open(path, framework="numpy") as chunk:
                    block = chunk.get_slice("values")[start:stop]
                out.append(block[0] if column == "embedding" else block)
            return out

        with atomic_path(self.final) as temporary:
            write_features(dataset, column, values, {"path": str(temporary)}, key)
        shutil.rmtree(self.chunks, ignore_errors=True)

    def load(self, dataset: datasets.Dataset) -> datasets.Dataset:
        return open_features(MemoryMappedTable.from_file(str(self.final)), dataset)
