"""Convert an original BYOL-A / BYOL-S checkpoint (AudioNTT2020 state_dict) into a transformers folder."""

from __future__ import annotations

import os
import re
from pathlib import Path

import torch

from ...errors import SerHubError
from ...files import atomic_folder
from .configuration_byol import ByolConfig
from .feature_extraction_byol import ByolFeatureExtractor
from .modeling_byol import ByolForSequenceClassification, ByolModel

# Front-end window per variant (docs/design.md §6): BYOL-A was trained with 64 ms windows, BYOL-S with 25 ms.
VARIANT_WIN_LENGTH = {"byol-a": 1024, "byol-s": 400}

# AudioNTT2020 keys -> ByolModel keys: features.{0,4,8} are the convs, features.{1,5,9} their BatchNorms,
# fc.0 and fc.3 the two projection layers.
KEY_PATTERNS = [
    (re.compile(r"^features\.(0|4|8)\.(weight|bias)$"), lambda m: f"encoder.layers.{int(m[1]) // 4}.convolution.{m[2]}"),
    (
        re.compile(r"^features\.(1|5|9)\.(weight|bias|running_mean|running_var|num_batches_tracked)$"),
        lambda m: f"encoder.layers.{int(m[1]) // 4}.normalization.{m[2]}",
    ),
    (re.compile(r"^fc\.0\.(weight|bias)$"), lambda m: f"projection.dense_in.{m[1]}"),
    (re.compile(r"^fc\.3\.(weight|bias)$"), lambda m: f"projection.dense_out.{m[1]}"),
]


class ConversionError(SerHubError, ValueError):
    """An original checkpoint cannot be converted (unreadable, unexpected keys or shapes, bad output folder)."""


def rename_key(key: str) -> str | None:
    """The ByolModel name of an AudioNTT2020 key, or None when the key is not part of AudioNTT2020."""
    for pattern, rename in KEY_PATTERNS:
        match = pattern.match(key)
        if match:
            return rename(match)
    return None


def load_original_state_dict(checkpoint: Path) -> dict[str, torch.Tensor]:
    """Load a plain AudioNTT2020 state_dict with `weights_only=True` (no pickled code runs)."""
    if not checkpoint.is_file():
        raise ConversionError(f"{checkpoint}: no such checkpoint file; pass the .pth file of the original model.")
    try:
        state_dict = torch.load(checkpoint, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for corrupt or pickled-object files
        raise ConversionError(
            f"{checkpoint}: not a loadable weights-only PyTorch state_dict ({type(error).__name__}: {error}); "
            "pass the original AudioNTT2020 .pth file."
        ) from None
    if not isinstance(state_dict, dict) or not all(isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise ConversionError(f"{checkpoint}: expected a plain state_dict of tensors, got {type(state_dict).__name__}.")
    return state_dict


def convert_state_dict(state_dict: dict[str, torch.Tensor], source: str = "checkpoint") -> tuple[ByolConfig, dict]:
    """Rename the keys and infer the config (n_mels, hidden_size) from the projection's shapes."""
    unknown = sorted(key for key in state_dict if rename_key(key) is None)
    if unknown or "fc.0.weight" not in state_dict:
        raise ConversionError(
            f"{source}: not an AudioNTT2020 (BYOL-A/BYOL-S) state_dict; unexpected keys {unknown[:5]} "
            f"(expected features.* and fc.*)."
        )
    hidden_size, frame_features = state_dict["fc.0.weight"].shape
    channels = state_dict["features.0.weight"].shape[0]
    config = ByolConfig(hidden_size=hidden_size, conv_channels=channels, n_mels=frame_features // channels * 8)
    return config, {rename_key(key): value for key, value in state_dict.items()}


def convert_byol_checkpoint(checkpoint: str | os.PathLike, variant: str, output_dir: str | os.PathLike) -> Path:
    """Write `output_dir` with config.json, model.safetensors, preprocessor_config.json and the modeling code
    (loadable with `trust_remote_code=True` without ser-hub). Written to a temporary folder, then renamed.

    Registers ByolConfig, ByolModel and ByolFeatureExtractor for their Auto classes (transformers' class-level
    `register_for_auto_class`), so later `save_pretrained` calls in the process also save the code."""
    if variant not in VARIANT_WIN_LENGTH:
        raise ConversionError(f"variant {variant!r}: unknown; choose one of {sorted(VARIANT_WIN_LENGTH)}.")
    output_dir = Path(output_dir)
    if output_dir.exists():
        raise ConversionError(f"{output_dir}: already exists; remove it or choose another --out folder.")
    config, state_dict = convert_state_dict(load_original_state_dict(Path(checkpoint)), str(checkpoint))
    model = ByolModel(config)
    model.load_state_dict(state_dict, strict=True)
    model.eval()
    feature_extractor = ByolFeatureExtractor(win_length=VARIANT_WIN_LENGTH[variant])

    ByolConfig.register_for_auto_class()
    ByolModel.register_for_auto_class("AutoModel")
    ByolFeatureExtractor.register_for_auto_class("AutoFeatureExtractor")
    model.config.auto_map = {
        "AutoModelForAudioClassification": f"modeling_byol.{ByolForSequenceClassification.__name__}"
    }
    return write_model_folder(output_dir, model, feature_extractor)


def write_model_folder(output_dir: Path, model, feature_extractor) -> Path:
    """Save `model` and `feature_extractor` into a temporary folder beside `output_dir`, then rename it: a failure
    or an interruption leaves nothing behind."""
    with atomic_folder(output_dir) as staging:
        model.save_pretrained(staging)
        feature_extractor.save_pretrained(staging)
    return output_dir
