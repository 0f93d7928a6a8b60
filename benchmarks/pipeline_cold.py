"""Cold end to end, raw corpus folder -> BYOL-S 512 embeddings: ser-hub against a naive per-utterance loop.

Three ways to embed the same corpus, measured side by side in one run (interleaved, fastest of --repeats):

- naive: per file, soundfile -> mono -> soxr (VHQ) to 16 kHz -> feature extractor -> model, one by one, with the
  log-mel statistics given for free (computed beforehand, untimed);
- ser-hub cold: `load_corpus` (empty cache: scan, decode once, resample, store) + `features.extract` (empty cache:
  training-split statistics, batched embedding, cache writes), default settings;
- model only: the feature extractor and the model on waveforms decoded and resampled beforehand, batched by duration
  as `extract` batches them (the ceiling for the pipeline).

Corpora: the real URDU corpus (400 files at 44.1 kHz), and a generated 16 kHz corpus of URDU resampled and
replicated with new speaker ids (--copies 5: 2,000 files). Throughput is audio-seconds per wall-second (x real time).

`--large N` instead generates an N-utterance 16 kHz corpus (URDU replicated) and runs only ser-hub cold in a child
process, reporting its time and peak resident memory: in all, and split into anonymous memory (what the process
allocates) and file pages (the memory-mapped Arrow tables, page cache the kernel reclaims under pressure).

    .venv/bin/python benchmarks/pipeline_cold.py [--shared ../shared] [--copies 5] [--repeats 3] [--threads 2]
    .venv/bin/python benchmarks/pipeline_cold.py --large 35000
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
import torch

import ser_hub
from ser_hub.features import extract
from ser_hub.features.extract import DEFAULT_BATCH_SECONDS, plan_batches
from ser_hub.features.pretrained import ByolExtractor
from ser_hub.models.byol.convert_byol_checkpoint import convert_byol_checkpoint

CHECKPOINT = "weights/byol-s/default512_BYOLAs64x96-2107281850-e100-bs256-lr0003-rs42.pth"


def replicate_urdu(urdu: Path, out: Path, copies: int, rate: int | None = 16000) -> Path:
    """URDU's layout with `copies` copies of every file (speaker numbers shifted by 100 per copy), resampled."""
    for path in sorted(urdu.glob("*/*.wav")):
        samples, source_rate = sf.read(path, dtype="float32")
        if rate is not None:
            samples = soxr.resample(samples, source_rate, rate, quality="VHQ")
        speaker, rest = path.stem.split("_", 1)
        for copy in range(copies):
            name = f"{speaker[:2]}{int(speaker[2:]) + 100 * copy}_{rest}.wav"
            target = out / path.parent.name / name
            target.parent.mkdir(parents=True, exist_ok=True)
            sf.write(target, samples, rate or source_rate, subtype="PCM_16")
    return out


def naive(files: list[Path], extractor: ByolExtractor) -> np.ndarray:
    embeddings = []
    for path in files:
        samples, rate = sf.read(path, dtype="float32", always_2d=True)
        wave = samples.mean(axis=1, dtype=np.float32)
        if rate != 16000:
            wave = soxr.resample(wave, rate, 16000, quality="VHQ")
        inputs = extractor.feature_extractor(wave, sampling_rate=16000, return_tensors="pt")
        embeddings.append(extractor.model(**inputs).pooler_output[0].numpy())
    return np.stack(embeddings)


def ser_hub_cold(data_dir: Path, extractor: ByolExtractor, work: Path):
    cache = Path(tempfile.mkdtemp(dir=work))
    try:
        corpus = ser_hub.load_corpus("urdu", data_dir, cache_dir=str(cache / "corpora"), progress=False)
        return extract(corpus, extractor, cache_dir=cache / "features", progress=False)
    finally:
        shutil.rmtree(cache)


def model_only(waves: list[np.ndarray], extractor: ByolExtractor) -> list[np.ndarray]:
    durations = [len(wave) / 16000 for wave in waves]
    return [embedding for rows in plan_batches(range(len(waves)), durations, DEFAULT_BATCH_SECONDS)
            for embedding in extractor.embed([waves[row] for row in rows])]


def measure(name: str, data_dir: Path, extractor: ByolExtractor, repeats: int, work: Path) -> list[dict]:
    files = sorted(data_dir.glob("*/*.wav"))
    waves = []
    for path in files:
        samples, rate = sf.read(path, dtype="float32")
        waves.append(samples if rate == 16000 else soxr.resample(samples, rate, 16000, quality="VHQ"))
    seconds = sum(len(wave) for wave in waves) / 16000
    extractor.feature_extractor.fit_normalization(waves, sampling_rate=16000)
    runs = {"naive loop": lambda: naive(files, extractor), "ser-hub cold": lambda: ser_hub_cold(data_dir, extractor, work),
            "model only (batched)": lambda: model_only(waves, extractor)}
    best = {label: np.inf for label in runs}
    for _ in range(repeats):
        for label, run in runs.items():
            start = time.perf_counter()
            with torch.inference_mode():
                run()
            best[label] = min(best[label], time.perf_counter() - start)
    return [{"corpus": name, "files": len(files), "audio s": round(seconds), "way": label, "wall s": round(wall, 2),
             "x real time": round(seconds / wall), "vs naive": round(best["naive loop"] / wall, 2),
             "vs model only": round(best["model only (batched)"] / wall, 2)} for label, wall in best.items()]


def large(args, model: Path) -> None:
    copies = -(-args.large // 400)
    with tempfile.TemporaryDirectory(dir=args.work) as folder:
        data_dir = replicate_urdu(args.shared / "corpora" / "URDU-Dataset", Path(folder) / "corpus", copies)
        program = (
            "import resource, threading, time, torch; from pathlib import Path; import ser_hub; "
            "from ser_hub.features import extract, load_extractor\n"
            "peak = {'RssAnon': 0, 'RssFile': 0}\n"
            "def sample():\n"
            "    while True:\n"
            "        fields = dict(line.split(':') for line in open('/proc/self/status') if line.startswith('Rss'))\n"
            "        for name in peak: peak[name] = max(peak[name], int(fields[name].split()[0]))\n"
            "        time.sleep(0.2)\n"
            "threading.Thread(target=sample, daemon=True).start()\n"
            f"torch.set_num_threads({args.threads}); start = time.perf_counter()\n"
            f"corpus = ser_hub.load_corpus('urdu', {str(data_dir)!r}, cache_dir={folder!r} + '/corpora')\n"
            "prepared = time.perf_counter() - start\n"
            f"features = extract(corpus, load_extractor({str(model)!r}), cache_dir={folder!r} + '/features')\n"
            "total = time.perf_counter() - start\n"
            "seconds = sum(sum(split['duration']) for split in corpus.values())\n"
            "print(f'utterances {sum(map(len, corpus.values()))}, audio {seconds / 3600:.1f} h: preparation {prepared:.0f} s,'"
            " f' total {total:.0f} s ({seconds / total:.0f}x real time); peak RSS '"
            " f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB, of which at most '"
            " f'{peak[\"RssAnon\"] / 2**20:.2f} GiB anonymous (process memory) and {peak[\"RssFile\"] / 2**20:.2f} GiB '"
            " f'file pages (the memory-mapped prepared table, reclaimable page cache)')\n"
        )
        subprocess.run([sys.executable, "-c", program], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("SER_HUB_SHARED", "../shared")))
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--large", type=int, default=None, help="utterances of a generated corpus (ser-hub only)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from tabulate import tabulate

    with tempfile.TemporaryDirectory(dir=args.work) as folder:
        model = convert_byol_checkpoint(args.shared / CHECKPOINT, "byol-s", Path(folder) / "byol-s-512")
        if args.large:
            large(args, model)
            return
        extractor = ByolExtractor(model)
        urdu = args.shared / "corpora" / "URDU-Dataset"
        generated = replicate_urdu(urdu, Path(folder) / "urdu-16k", args.copies)
        print(f"cpus {os.cpu_count()}, torch threads {torch.get_num_threads()}, load average {os.getloadavg()}")
        rows = measure("URDU (44.1 kHz)", urdu, extractor, args.repeats, Path(folder))
        rows += measure(f"URDU 16 kHz x{args.copies}", generated, extractor, args.repeats, Path(folder))
        print(tabulate(rows, headers="keys", tablefmt="github"))
        print(f"load average after {os.getloadavg()}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")


if __name__ == "__main__":
    main()
