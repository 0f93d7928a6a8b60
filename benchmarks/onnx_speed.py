"""PyTorch vs onnxruntime CPU throughput of each exported family on the real URDU corpus, side by side.

Each family is exported with `ser_hub.onnx_export.export_onnx` and both runtimes get the same right-padded batches
from the model's own feature extractor (prepared once, untimed: the graph starts at the feature extractor's output).
Figures are audio-seconds per wall-second (x real time), the fastest of `--repeats` passes after one warm-up pass, the
two runtimes' passes interleaved so that both meet the same background load on shared cores.

    .venv/bin/python benchmarks/onnx_speed.py [--shared ../shared] [--threads 2] [--batch-sizes 1 8]
        [--utterances 80] [--repeats 3] [--wav2vec2 base|large]

Models: BYOL-S 512 from the released checkpoint; BYOL-S/CvT 64/256/512 with mean+max pooling (2048-d) from the
reference checkpoint in SERAB's format; EmoNet at the paper's size (3.1 M parameters, one domain) and the multi-task
wav2vec 2.0 with a wav2vec2-base-sized (or -large, the paper's XLSR-53 size) backbone, both with random weights
(speed does not depend on the values). `max rel. diff.` is max |onnxruntime - PyTorch| / max |PyTorch| over every
output of every batch.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from tabulate import tabulate
from transformers import AutoFeatureExtractor

from ser_hub import audio
from ser_hub.models.byol.convert_byol_checkpoint import convert_byol_checkpoint
from ser_hub.models.byol.convert_cvt_checkpoint import convert_cvt_checkpoint
from ser_hub.models.emonet import EmoNetConfig, EmoNetFeatureExtractor, EmoNetForSequenceClassification
from ser_hub.models.mtl_wav2vec2 import (
    MtlWav2Vec2Config,
    MtlWav2Vec2FeatureExtractor,
    MtlWav2Vec2ForSequenceClassification,
)
from ser_hub.onnx_export import GRAPH_INPUTS, export_onnx, load_model, onnx_session

BYOL_S_CHECKPOINT = "weights/byol-s/default512_BYOLAs64x96-2107281850-e100-bs256-lr0003-rs42.pth"
CVT_CHECKPOINT = "reference/cvt/cvt_large_shared.pth"
WAV2VEC2_SIZES = {
    "base": dict(feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True),
    "large": dict(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096,
                  feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True),
}


def load_urdu(corpus: Path, count: int) -> list[np.ndarray]:
    """`count` utterances spread evenly over the sorted file list, decoded and resampled to 16 kHz."""
    paths = sorted(corpus.rglob("*.wav"))
    waves = []
    for index in np.linspace(0, len(paths) - 1, min(count, len(paths))).round().astype(int):
        samples, rate = sf.read(paths[index], dtype="float32", always_2d=True)
        waves.append(audio.resample(audio.to_mono(samples.T), rate, 16000))
    return waves


def save_models(shared: Path, root: Path, wav2vec2_size: str, waves: list[np.ndarray]) -> dict[str, Path]:
    """A saved model folder per family (the log-mel models standardised with the benchmark utterances' statistics)."""
    byol = convert_byol_checkpoint(shared / BYOL_S_CHECKPOINT, "byol-s", root / "byol-s-512")
    extractor = AutoFeatureExtractor.from_pretrained(byol)
    extractor.fit_normalization(waves, sampling_rate=16000)
    extractor.save_pretrained(byol)
    cvt = convert_cvt_checkpoint(shared / CVT_CHECKPOINT, root / "byol-s-cvt-2048", pooling="mean+max")
    extractor.save_pretrained(cvt)
    torch.manual_seed(0)
    EmoNetForSequenceClassification(EmoNetConfig(domains={"urdu": 4})).save_pretrained(root / "emonet")
    EmoNetFeatureExtractor().save_pretrained(root / "emonet")
    backbone = WAV2VEC2_SIZES[wav2vec2_size]
    MtlWav2Vec2ForSequenceClassification(MtlWav2Vec2Config(wav2vec2_config=backbone)).save_pretrained(root / "mtl")
    MtlWav2Vec2FeatureExtractor().save_pretrained(root / "mtl")
    return {
        "BYOL-S 512 (released)": byol,
        "BYOL-S/CvT 2048": cvt,
        "EmoNet (1 domain)": root / "emonet",
        f"multi-task wav2vec 2.0 ({wav2vec2_size})": root / "mtl",
    }


def batches(extractor, input_name: str, waves: list[np.ndarray], batch_size: int) -> list[dict[str, np.ndarray]]:
    """Right-padded batches of utterances of similar duration, as numpy feeds."""
    order = sorted(range(len(waves)), key=lambda i: len(waves[i]))
    feeds = []
    for start in range(0, len(order), batch_size):
        batch = extractor([waves[i] for i in order[start : start + batch_size]], sampling_rate=16000, return_tensors="np")
        feeds.append({input_name: batch[input_name], "attention_mask": batch["attention_mask"]})
    return feeds


def run_pytorch(model, feeds, forward_kwargs, names) -> list[list[np.ndarray]]:
    with torch.inference_mode():
        outputs = [model(**{key: torch.from_numpy(value) for key, value in feed.items()}, **forward_kwargs) for feed in feeds]
    return [[output[name].numpy() for name in names] for output in outputs]


def run_onnx(session, feeds, names) -> list[list[np.ndarray]]:
    return [session.run(names, feed) for feed in feeds]


def fastest(runs: dict, repeats: int) -> dict[str, tuple[float, list]]:
    """Per runtime: wall seconds of its fastest of `repeats` passes (after one untimed warm-up) and its outputs."""
    results = {name: run() for name, run in runs.items()}
    timings = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            results[name] = run()
            timings[name].append(time.perf_counter() - start)
    return {name: (min(timings[name]), results[name]) for name in runs}


def relative_difference(actual: list[list[np.ndarray]], expected: list[list[np.ndarray]]) -> float:
    worst = 0.0
    for actual_batch, expected_batch in zip(actual, expected):
        for value, reference in zip(actual_batch, expected_batch):
            worst = max(worst, float(np.abs(value - reference).max() / np.abs(reference).max()))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("SER_HUB_SHARED", "../shared")))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--utterances", type=int, default=80)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--wav2vec2", choices=sorted(WAV2VEC2_SIZES), default="base")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    waves = load_urdu(args.shared / "corpora" / "URDU-Dataset", args.utterances)
    seconds = sum(len(wave) for wave in waves) / 16000
    print(f"{len(waves)} URDU utterances ({seconds:.1f} s of audio); torch {torch.__version__}, "
          f"{args.threads} threads for both runtimes; fastest of {args.repeats} passes")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for label, model_folder in save_models(args.shared, Path(folder), args.wav2vec2, waves).items():
            start = time.perf_counter()
            summary = export_onnx(model_folder, Path(folder) / f"{model_folder.name}-onnx")
            exported = Path(folder) / f"{model_folder.name}-onnx"
            print(f"exported {label} in {time.perf_counter() - start:.0f} s")
            model = load_model(model_folder)
            forward_kwargs = {"domain": summary["domain"]} if summary["domain"] else {}
            extractor = AutoFeatureExtractor.from_pretrained(exported)
            session = onnx_session(exported / "model.onnx", threads=args.threads)
            names = list(summary["outputs"])
            input_name = GRAPH_INPUTS[model.config.model_type][0]
            for batch_size in args.batch_sizes:
                feeds = batches(extractor, input_name, waves, batch_size)
                timed = fastest({
                    "pytorch": lambda: run_pytorch(model, feeds, forward_kwargs, names),
                    "onnxruntime": lambda: run_onnx(session, feeds, names),
                }, args.repeats)
                (torch_seconds, expected), (onnx_seconds, actual) = timed["pytorch"], timed["onnxruntime"]
                rows.append([
                    label, batch_size, f"{seconds / torch_seconds:.0f}x", f"{seconds / onnx_seconds:.0f}x",
                    f"{torch_seconds / onnx_seconds:.2f}", f"{relative_difference(actual, expected):.1e}",
                ])
    headers = ["model", "batch", "PyTorch (x real time)", "onnxruntime (x real time)", "onnxruntime / PyTorch",
               "max rel. diff."]
    print(tabulate(rows, headers=headers, tablefmt="github"))


if __name__ == "__main__":
    main()
