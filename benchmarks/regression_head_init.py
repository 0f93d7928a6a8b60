"""Does starting a new regression head at the training means help 1 − CCC fine-tuning? Real BYOL-S on real URDU.

The URDU recordings get a synthetic arousal rating (Angry 4.0, Happy 3.5, Neutral 2.5, Sad 1.5, plus 0.1 x (take
mod 5)) from a definition file's `tables:` CSV, and the converted BYOL-S 512 checkpoint is fine-tuned on them by
`scripts/finetune_audio_classification.py`'s own `main` (`--label_space dimensions`, CCC loss), once per head start,
same seed, same batches:

- `zero`: the head as the model initialises it (bias 0: outputs near 0 on ratings near 3);
- `means`: the recipe's start, the bias at the training split's mean rating (`start_at_the_means`);
- `means+std`: also the weights scaled so the outputs on the (cropped) training utterances have the ratings' std and
  their mean (not part of the recipe: only to see whether scaling adds anything).

Printed: the validation CCC of each epoch (from trainer_state.json), the test CCC of each epoch's checkpoint, the
test CCC of the checkpoint the run kept (best validation CCC), and the wall time.

    .venv/bin/python benchmarks/regression_head_init.py [--shared ../shared] [--epochs 5] [--learning-rate 1e-4]
        [--max-length-seconds 1.5] [--train-samples 128] [--variants zero means means+std]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np
import torch
from tabulate import tabulate
from transformers import AutoFeatureExtractor, AutoModelForAudioClassification

from ser_hub.corpora import definition_text
from ser_hub.metrics import regression_scores
from ser_hub.models.byol.convert_byol_checkpoint import convert_byol_checkpoint
from ser_hub.training import classification
from ser_hub.training.classification import (
    AudioClassificationCollator,
    DataArguments,
    load_splits,
    waveform_transform,
)

CHECKPOINT = "weights/byol-s/default512_BYOLAs64x96-2107281850-e100-bs256-lr0003-rs42.pth"
AROUSAL = {"Angry": 4.0, "Happy": 3.5, "Neutral": 2.5, "Sad": 1.5}
DEFINITION = """\
tables:
  ratings: {path: ratings.csv, key: file, match: "{stem}"}
extras:
  arousal_score: {value: "{ratings[arousal]}", dtype: float32}
"""
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "finetune_audio_classification.py"


def rated_urdu(urdu: Path, folder: Path) -> str:
    """The URDU recordings (linked) with a ratings.csv of synthetic arousal, read through a definition file; returns
    the --corpus value."""
    root = folder / "URDU-Dataset"
    rows = []
    for recording in sorted(urdu.glob("*/*.wav")):
        (root / recording.parent.name).mkdir(parents=True, exist_ok=True)
        (root / recording.parent.name / recording.name).symlink_to(recording)
        take = int(recording.stem.split("_")[1].removeprefix("F"))
        rows.append(f"{recording.stem},{AROUSAL[recording.parent.name] + 0.1 * (take % 5):.1f}\n")
    (root / "ratings.csv").write_text("file,arousal\n" + "".join(rows))
    definition = folder / "urdu_rated.yaml"
    definition.write_text(definition_text("urdu").replace("name: urdu\n", "name: urdu_rated\n", 1) + DEFINITION)
    return f"{definition}={root}"


def script_main():
    """`main` of scripts/finetune_audio_classification.py (a script, not a module)."""
    spec = importlib.util.spec_from_file_location("finetune_audio_classification", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def spread_to_the_ratings(build_trainer):
    """`build_trainer`, then the new head's weights scaled so its outputs on the training utterances have the
    ratings' std per dimension, and its bias set so their mean is the ratings' mean (numpy's generator, which
    crops the clips, is restored so the training batches stay those of the other variants)."""

    def build(*args):
        trainer, test = build_trainer(*args)
        model, state = trainer.model.eval(), np.random.get_state()
        with torch.no_grad():
            batches = [(model(**{k: v for k, v in batch.items() if k != "labels"}).logits, batch["labels"])
                       for batch in trainer.get_eval_dataloader(trainer.train_dataset)]
            outputs, labels = (torch.cat(parts) for parts in zip(*batches))
            scale = labels.std(dim=0) / outputs.std(dim=0)
            layer = model.classifier
            layer.bias.copy_(labels.mean(dim=0) - scale * (outputs.mean(dim=0) - layer.bias))
            layer.weight.mul_(scale[:, None])
        np.random.set_state(state)
        return trainer, test

    return build


VARIANTS = {
    "zero": lambda: mock.patch.object(classification, "start_at_the_means", lambda *args: None),
    "means": contextlib.nullcontext,  # the recipe as it is
    "means+std": lambda: mock.patch.object(classification, "build_trainer",
                                           spread_to_the_ratings(classification.build_trainer)),
}


def checkpoint_ccc(checkpoint: Path, test, feature_extractor) -> float:
    """CCC of a checkpoint's predictions on the whole test utterances."""
    model = AutoModelForAudioClassification.from_pretrained(checkpoint).eval()
    collate = AudioClassificationCollator(feature_extractor)
    examples = list(test.with_transform(waveform_transform()))
    with torch.no_grad():
        predictions = torch.cat([
            model(**{k: v for k, v in collate(examples[start : start + 16]).items() if k != "labels"}).logits
            for start in range(0, len(examples), 16)])
    references = [[label["arousal"]] for label in test["label"]]
    return regression_scores(predictions.numpy(), references)["ccc"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.environ.get("SER_HUB_SHARED", "../shared"))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--max-length-seconds", type=float, default=1.5)
    parser.add_argument("--train-samples", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args()
    main_of_the_script = script_main()
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        model = convert_byol_checkpoint(Path(args.shared) / CHECKPOINT, "byol-s", scratch / "byol-s")
        corpus = rated_urdu(Path(args.shared) / "corpora" / "URDU-Dataset", scratch / "rated")
        cache = str(scratch / "corpora")
        for variant in args.variants:
            out = scratch / variant
            start = time.perf_counter()
            with VARIANTS[variant]():
                metrics = main_of_the_script([
                    "--model_name_or_path", str(model), "--corpus", corpus, "--corpus_cache_dir", cache,
                    "--label_space", "dimensions", "--output_dir", str(out), "--num_train_epochs", str(args.epochs),
                    "--learning_rate", str(args.learning_rate), "--max_length_seconds", str(args.max_length_seconds),
                    "--max_train_samples", str(args.train_samples), "--per_device_train_batch_size",
                    str(args.batch_size), "--per_device_eval_batch_size", "16", "--early_stopping_patience", "0",
                    "--logging_strategy", "epoch", "--seed", "42", "--use_cpu", "--disable_tqdm", "true",
                    "--report_to", "none"])
            seconds = time.perf_counter() - start
            history = json.loads((out / "trainer_state.json").read_text())["log_history"]
            validation = [entry["eval_ccc"] for entry in history if "eval_ccc" in entry]
            train_loss = [entry["loss"] for entry in history if "loss" in entry]
            test = load_splits(DataArguments(corpus=[corpus], label_space="dimensions", corpus_cache_dir=cache),
                               16000)["test"]
            feature_extractor = AutoFeatureExtractor.from_pretrained(out)
            checkpoints = sorted(out.glob("checkpoint-*"), key=lambda path: int(path.name.split("-")[1]))
            rows[variant] = {"validation": validation, "train_loss": train_loss, "seconds": seconds,
                             "test": [checkpoint_ccc(path, test, feature_extractor) for path in checkpoints],
                             "kept": metrics["test_ccc"]}
    table = [[epoch + 1, *(f"{rows[v][key][epoch]:.3f}" for key in ("train_loss", "validation", "test") for v in rows)]
             for epoch in range(args.epochs)]
    headers = ["epoch", *(f"{name} {v}" for name in ("train loss", "val CCC", "test CCC") for v in rows)]
    print(f"BYOL-S 512 on URDU (synthetic arousal), CCC loss, {args.train_samples} training utterances cropped to "
          f"{args.max_length_seconds} s, batch {args.batch_size}, learning rate {args.learning_rate}, seed 42")
    print(tabulate(table, headers=headers))
    print(tabulate([[v, f"{rows[v]['kept']:.3f}", f"{rows[v]['seconds']:.0f}"] for v in rows],
                   headers=["head start", "test CCC of the kept checkpoint", "seconds"]))


if __name__ == "__main__":
    main()
