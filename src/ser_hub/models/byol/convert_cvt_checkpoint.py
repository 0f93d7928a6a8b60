"""Convert an original SERAB BYOL-S/CvT checkpoint (the state_dict of SERAB's `CvT` module) into a transformers folder."""

from __future__ import annotations

import os
import re
from pathlib import Path

import torch

from .configuration_byol_cvt import ByolCvtConfig
from .convert_byol_checkpoint import VARIANT_WIN_LENGTH, ConversionError, load_original_state_dict, write_model_folder
from .feature_extraction_byol import ByolFeatureExtractor
from .modeling_byol_cvt import ByolCvtForSequenceClassification, ByolCvtModel

POOLINGS = ("mean", "mean+max")

# SERAB `CvT` keys -> ByolCvtModel keys. Stage `layers.S` is [token conv, LayerNorm (g, b), Transformer]; block
# `layers.S.2.layers.B` is [PreNorm(Attention), PreNorm(FeedForward)]; to_q / to_kv are net.[depthwise conv,
# BatchNorm, pointwise conv]; the feed-forward is net.[conv, GELU, Dropout, conv, Dropout].
_BLOCK = r"layers\.(\d+)\.2\.layers\.(\d+)\."
_BATCH_NORM = r"(weight|bias|running_mean|running_var|num_batches_tracked)"
KEY_PATTERNS = [
    (re.compile(pattern), replacement)
    for pattern, replacement in [
        (r"layers\.(\d+)\.0\.(weight|bias)", r"stages.\1.embedding.\2"),
        (r"layers\.(\d+)\.1\.g", r"stages.\1.embedding_norm.weight"),
        (r"layers\.(\d+)\.1\.b", r"stages.\1.embedding_norm.bias"),
        (_BLOCK + r"0\.norm\.g", r"stages.\1.blocks.\2.attention_norm.weight"),
        (_BLOCK + r"0\.norm\.b", r"stages.\1.blocks.\2.attention_norm.bias"),
        (_BLOCK + r"0\.fn\.to_q\.net\.0\.weight", r"stages.\1.blocks.\2.attention.query.depthwise.weight"),
        (_BLOCK + r"0\.fn\.to_q\.net\.1\." + _BATCH_NORM, r"stages.\1.blocks.\2.attention.query.normalization.\3"),
        (_BLOCK + r"0\.fn\.to_q\.net\.2\.weight", r"stages.\1.blocks.\2.attention.query.pointwise.weight"),
        (_BLOCK + r"0\.fn\.to_kv\.net\.0\.weight", r"stages.\1.blocks.\2.attention.key_value.depthwise.weight"),
        (_BLOCK + r"0\.fn\.to_kv\.net\.1\." + _BATCH_NORM, r"stages.\1.blocks.\2.attention.key_value.normalization.\3"),
        (_BLOCK + r"0\.fn\.to_kv\.net\.2\.weight", r"stages.\1.blocks.\2.attention.key_value.pointwise.weight"),
        (_BLOCK + r"0\.fn\.to_out\.0\.(weight|bias)", r"stages.\1.blocks.\2.attention.output.\3"),
        (_BLOCK + r"1\.norm\.g", r"stages.\1.blocks.\2.feed_forward_norm.weight"),
        (_BLOCK + r"1\.norm\.b", r"stages.\1.blocks.\2.feed_forward_norm.bias"),
        (_BLOCK + r"1\.fn\.net\.0\.(weight|bias)", r"stages.\1.blocks.\2.feed_forward.dense_in.\3"),
        (_BLOCK + r"1\.fn\.net\.3\.(weight|bias)", r"stages.\1.blocks.\2.feed_forward.dense_out.\3"),
    ]
]


def rename_key(key: str) -> str | None:
    """The ByolCvtModel name of a SERAB CvT key, or None when the key is not part of SERAB's CvT."""
    for pattern, replacement in KEY_PATTERNS:
        match = pattern.fullmatch(key)
        if match:
            return match.expand(replacement)
    return None


def infer_config(state_dict: dict[str, torch.Tensor], pooling: str, source: str) -> ByolCvtConfig:
    """The architecture the weights hold: each stage's width, token kernel, heads and depth, the q/k/v kernel and the
    feed-forward ratio. Token strides, head size and key/value stride leave no trace in the weights: they are
    SERAB's (4/2/2, 64, 2), the values of all its released checkpoints."""
    num_stages = len({key.split(".")[1] for key in state_dict})
    defaults = ByolCvtConfig()
    try:
        embeddings = [state_dict[f"layers.{stage}.0.weight"] for stage in range(num_stages)]
        queries = [state_dict[f"layers.{stage}.2.layers.0.0.fn.to_q.net.2.weight"] for stage in range(num_stages)]
        depthwise = state_dict["layers.0.2.layers.0.0.fn.to_q.net.0.weight"]
        feed_forward = state_dict["layers.0.2.layers.0.1.fn.net.0.weight"]
    except KeyError as error:
        raise ConversionError(f"{source}: key {error} is missing; the checkpoint is incomplete.") from None
    depths = [
        len({key.split(".")[4] for key in state_dict if key.startswith(f"layers.{stage}.2.layers.")})
        for stage in range(num_stages)
    ]
    return ByolCvtConfig(
        embed_dims=[weight.shape[0] for weight in embeddings],
        embed_kernel_sizes=[weight.shape[-1] for weight in embeddings],
        embed_strides=defaults.embed_strides[:num_stages],
        num_heads=[weight.shape[0] // defaults.head_dim for weight in queries],
        depths=depths,
        mlp_ratio=feed_forward.shape[0] // feed_forward.shape[1],
        projection_kernel_size=depthwise.shape[-1],
        pooling=pooling,
    )


def convert_state_dict(
    state_dict: dict[str, torch.Tensor], pooling: str = "mean", source: str = "checkpoint"
) -> tuple[ByolCvtConfig, dict[str, torch.Tensor]]:
    """Infer the config from the weights' shapes and rename the keys (LayerNorm gains [1, C, 1, 1] -> [C]); refuse
    weights that are not all there or do not have the shapes of the architecture the others imply."""
    unknown = sorted(key for key in state_dict if rename_key(key) is None)
    if unknown or "layers.0.0.weight" not in state_dict:
        raise ConversionError(
            f"{source}: not a SERAB CvT state_dict; unexpected keys {unknown[:5]} "
            "(expected layers.<stage>.<0|1|2>.* as saved by SERAB's byol_a/models/cvt.py)."
        )
    config = infer_config(state_dict, pooling, source)
    with torch.device("meta"):  # shapes only, no memory
        expected = ByolCvtModel(config).state_dict()
    renamed = {rename_key(key): key for key in state_dict}
    missing = sorted(set(expected) - set(renamed))
    if missing:
        raise ConversionError(
            f"{source}: weights missing for {missing[:3]} ({len(missing)} in all); the checkpoint is incomplete."
        )
    converted = {}
    for name, key in renamed.items():
        converted[name] = state_dict[key].flatten() if key.endswith((".g", ".b")) else state_dict[key]
        if converted[name].shape != expected[name].shape:
            raise ConversionError(
                f"{source}: {key} has shape {tuple(state_dict[key].shape)} where the architecture the other weights "
                f"imply needs {tuple(expected[name].shape)}; the checkpoint is not one consistent SERAB CvT."
            )
    return config, converted


def convert_cvt_checkpoint(checkpoint: str | os.PathLike, output_dir: str | os.PathLike, pooling: str = "mean") -> Path:
    """Write `output_dir` with config.json, model.safetensors, preprocessor_config.json (the BYOL-S front end) and
    the modeling code (loadable with `trust_remote_code=True` without ser-hub); nothing is left behind on failure.

    The weights do not record the pooling: SERAB's 2048-d model is the 64/256/512 architecture with `"mean+max"`.
    Registers ByolCvtConfig, ByolCvtModel and ByolFeatureExtractor for their Auto classes, as `convert_byol_checkpoint`.
    """
    if pooling not in POOLINGS:
        raise ConversionError(f"pooling {pooling!r}: unknown; choose one of {list(POOLINGS)}.")
    output_dir = Path(output_dir)
    if output_dir.exists():
        raise ConversionError(f"{output_dir}: already exists; remove it or choose another --out folder.")
    config, state_dict = convert_state_dict(load_original_state_dict(Path(checkpoint)), pooling, str(checkpoint))
    model = ByolCvtModel(config)
    model.load_state_dict(state_dict, strict=True)
    model.eval()

    ByolCvtConfig.register_for_auto_class()
    ByolCvtModel.register_for_auto_class("AutoModel")
    ByolFeatureExtractor.register_for_auto_class("AutoFeatureExtractor")
    model.config.auto_map = {
        "AutoModelForAudioClassification": f"modeling_byol_cvt.{ByolCvtForSequenceClassification.__name__}"
    }
    return write_model_folder(output_dir, model, ByolFeatureExtractor(win_length=VARIANT_WIN_LENGTH["byol-s"]))
