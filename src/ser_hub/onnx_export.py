"""Export ser-hub models to ONNX, from the feature extractor's output onwards, with dynamic batch and time axes.

The graph starts where the feature extractor stops: `input_features` (the standardised log-mel [batch, 1, n_mels,
frames]) and its frame `attention_mask` for BYOL/BYOL-S, BYOL-S/CvT and EmoNet; `input_values` (the normalised
waveform [batch, samples]) and its sample `attention_mask` for the multi-task wav2vec 2.0. The feature extractor's
settings are saved beside the graph (`preprocessor_config.json`), so inputs are prepared as for PyTorch. Right-padded
batches give the outputs of PyTorch: the masks are graph inputs and every padding rule of the models is in the graph.

Exported with `torch.onnx.export(dynamo=True)` (torch.export, opset 18) and checked with onnxruntime before the
folder is written; needs `pip install 'ser-hub[onnx]'`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .errors import SerHubError
from .files import atomic_folder

INSTALL_HINT = "pip install 'ser-hub[onnx]'"
OPSET = 18
TOLERANCE = 1e-4  # largest |ONNX - PyTorch| accepted, relative to the largest |PyTorch| output value
MODEL_FILE = "model.onnx"
# model type -> (the input after the feature extractor, its axes); every model also takes an `attention_mask`
GRAPH_INPUTS = {
    "byol": ("input_features", ("batch", 1, "n_mels", "frames")),
    "byol_cvt": ("input_features", ("batch", 1, "n_mels", "frames")),
    "emonet": ("input_features", ("batch", 1, "n_mels", "frames")),
    "mtl_wav2vec2": ("input_values", ("batch", "samples")),
}
SKIPPED_OUTPUTS = ("loss", "hidden_states", "attentions")


class OnnxExportError(SerHubError, ValueError):
    """A model cannot be exported to ONNX (unsupported family, unknown domain, missing packages, output folder)."""


def require_onnx() -> None:
    """Fail with the install command when the exporter's or the runtime's packages are missing."""
    for package in ("onnx", "onnxscript", "onnxruntime"):
        try:
            __import__(package)
        except ImportError:
            raise OnnxExportError(f"{package} is not installed; ONNX export needs it: {INSTALL_HINT}") from None


@contextlib.contextmanager
def quiet_exporter() -> Iterator[None]:
    """Silence the exporter's notes about itself (skipped torchvision ops, internal deprecations, axis renames)."""
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "onnxscript", "onnx_ir")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


class OnnxGraph(nn.Module):
    """A model's forward as the exported graph sees it: (inputs, attention_mask) in, its output tensors out."""

    def __init__(self, model: nn.Module, input_name: str, output_names: list[str], forward_kwargs: dict):
        super().__init__()
        self.model = model
        self.input_name = input_name
        self.output_names = output_names
        self.forward_kwargs = forward_kwargs

    def forward(self, inputs: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outputs = self.model(**{self.input_name: inputs}, attention_mask=attention_mask, **self.forward_kwargs)
        return tuple(outputs[name] for name in self.output_names)


def load_model(model: str | os.PathLike):
    """The model a folder (or Hub name) holds, as saved: its classification head when it has one."""
    from transformers import AutoConfig, AutoModel, AutoModelForAudioClassification  # registers ser-hub's families

    try:
        config = AutoConfig.from_pretrained(model)
    except OSError as error:
        raise OnnxExportError(f"{model}: not a loadable model folder or Hub name ({error})") from None
    if config.model_type not in GRAPH_INPUTS:
        raise OnnxExportError(
            f"{model}: model type {config.model_type!r} is not exported by ser-hub; it exports {sorted(GRAPH_INPUTS)}."
        )
    architecture = (config.architectures or [""])[0]
    auto_class = AutoModelForAudioClassification if architecture.endswith("ForSequenceClassification") else AutoModel
    return auto_class.from_pretrained(model).eval()


def example_batch(feature_extractor, input_name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """A right-padded batch of two noise clips (3 s and 2 s) prepared by the model's own feature extractor, so that
    the graph's inputs have the types and layout users feed it."""
    rate = feature_extractor.sampling_rate
    noise = np.random.default_rng(0)
    clips = [0.1 * noise.standard_normal(seconds * rate, dtype=np.float32) for seconds in (3, 2)]
    batch = feature_extractor(clips, sampling_rate=rate, return_tensors="pt")
    return batch[input_name], batch["attention_mask"]


def graph_outputs(model, inputs: torch.Tensor, attention_mask: torch.Tensor, forward_kwargs: dict) -> dict:
    """The model's output tensors on the example (names as in its ModelOutput, None and loss left out)."""
    input_name = GRAPH_INPUTS[model.config.model_type][0]
    with torch.inference_mode():
        outputs = model(**{input_name: inputs}, attention_mask=attention_mask, **forward_kwargs)
    return {name: value for name, value in outputs.items() if name not in SKIPPED_OUTPUTS and value is not None}


def forward_arguments(model, domain: str | None) -> dict:
    """EmoNet's domain (the one given, else its only one); the other families take none."""
    if model.config.model_type != "emonet":
        if domain is not None:
            raise OnnxExportError(f"--domain {domain!r}: only EmoNet models have domains; drop it.")
        return {}
    domains = list(model.config.domains)
    if not domains:
        raise OnnxExportError("this EmoNet model has no domain; add one (model.add_domain) before exporting.")
    if domain is None:
        if len(domains) > 1:
            raise OnnxExportError(f"this EmoNet model has the domains {domains}: choose the one to export with "
                                  "--domain.")
        return {"domain": domains[0]}
    if domain not in domains:
        raise OnnxExportError(f"--domain {domain!r}: unknown to this EmoNet model; its domains are {domains}.")
    return {"domain": domain}


def export_onnx(
    model: str | os.PathLike, output_dir: str | os.PathLike, domain: str | None = None, opset: int = OPSET
) -> dict:
    """Export `model` (a saved ser-hub model folder or Hub name) to `output_dir`/model.onnx with the model's
    config.json and preprocessor_config.json beside it; the folder appears only once complete and checked.

    Returns a summary: the graph's inputs and outputs with their axes, the EmoNet domain, and the largest
    |ONNX - PyTorch| difference per output on a padded example batch (onnxruntime, CPU)."""
    require_onnx()
    from transformers import AutoFeatureExtractor

    output_dir = Path(output_dir)
    if output_dir.exists():
        raise OnnxExportError(f"{output_dir}: already exists; remove it or choose another --out folder.")
    loaded = load_model(model)
    forward_kwargs = forward_arguments(loaded, domain)
    feature_extractor = AutoFeatureExtractor.from_pretrained(model)
    input_name, axes = GRAPH_INPUTS[loaded.config.model_type]
    inputs, attention_mask = example_batch(feature_extractor, input_name)
    expected = graph_outputs(loaded, inputs, attention_mask, forward_kwargs)
    graph = OnnxGraph(loaded, input_name, list(expected), forward_kwargs).eval()

    batch, time = torch.export.Dim("batch"), torch.export.Dim(axes[-1])
    dynamic_shapes = {"inputs": {0: batch, len(axes) - 1: time}, "attention_mask": {0: batch, 1: time}}
    with atomic_folder(output_dir) as staging:
        with quiet_exporter():
            program = torch.onnx.export(
                graph, (inputs, attention_mask), dynamo=True, opset_version=opset, dynamic_shapes=dynamic_shapes,
                input_names=[input_name, "attention_mask"], output_names=list(expected), verbose=False,
            )
            program.save(staging / MODEL_FILE)
        differences = run_difference(staging / MODEL_FILE, input_name, inputs, attention_mask, expected)
        loaded.config.save_pretrained(staging)
        feature_extractor.save_pretrained(staging)
        summary = {
            "inputs": {input_name: list(axes), "attention_mask": ["batch", axes[-1]]},
            "outputs": {name: list(value.shape) for name, value in expected.items()},
            "domain": forward_kwargs.get("domain"),
            "opset": opset,
            "max_abs_difference": differences,
        }
        (staging / "onnx_export.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def onnx_session(path: str | os.PathLike, threads: int | None = None):
    """An onnxruntime CPU inference session on `path` (with `threads` intra-op threads when given)."""
    try:
        import onnxruntime
    except ImportError:
        raise OnnxExportError(f"onnxruntime is not installed; running ONNX models needs it: {INSTALL_HINT}") from None
    options = onnxruntime.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def run_difference(path: Path, input_name: str, inputs, attention_mask, expected: dict) -> dict[str, float]:
    """Run the saved graph on the example and refuse it unless every output matches PyTorch within TOLERANCE."""
    feeds = {input_name: inputs.numpy(), "attention_mask": attention_mask.numpy()}
    actual = onnx_session(path).run(list(expected), feeds)
    differences = {}
    for (name, reference), value in zip(expected.items(), actual):
        reference = reference.numpy()
        differences[name] = float(np.abs(value - reference).max())
        if value.shape != reference.shape or differences[name] > TOLERANCE * max(1.0, np.abs(reference).max()):
            raise OnnxExportError(
                f"the ONNX graph's {name} differs from PyTorch's (shape {value.shape} vs {reference.shape}, "
                f"max |difference| {differences[name]:.2e}); nothing was written. Please report this model."
            )
    return differences
