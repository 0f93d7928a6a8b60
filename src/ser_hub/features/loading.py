"""`load_extractor(spec)`: a model folder, a Hugging Face model id, a converted-model shorthand or an openSMILE set."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from huggingface_hub import snapshot_download
from huggingface_hub.errors import HfHubHTTPError, HFValidationError, LocalEntryNotFoundError

from .base import Extractor, FeatureError
from .opensmile_features import OpenSmileExtractor
from .pretrained import BYOL_MODEL_TYPES, ByolExtractor, SpeechEncoderExtractor, model_type_of

MODELS_DIR_VARIABLE = "SER_HUB_MODELS"
OPENSMILE_PREFIX = "opensmile:"


def default_models_dir() -> Path:
    """Where shorthands such as `byol-s-512` are looked up: $SER_HUB_MODELS, else ~/.cache/ser_hub/models."""
    return Path(os.environ.get(MODELS_DIR_VARIABLE, Path.home() / ".cache" / "ser_hub" / "models"))


def resolve_model_folder(spec: str, models_dir: str | Path | None = None) -> Path:
    """The local folder of a model spec: an existing folder, a shorthand under `models_dir`, or a Hub model id
    (downloaded, or taken from the local Hugging Face cache when offline)."""
    if Path(spec).is_dir():
        return Path(spec).resolve()
    if "/" not in spec:
        folder = Path(models_dir) if models_dir is not None else default_models_dir()
        if (folder / spec).is_dir():
            return (folder / spec).resolve()
        variant = next((variant for variant in ("byol-a", "byol-s") if spec.startswith(variant)), "byol-s")
        raise FeatureError(
            f"model {spec!r}: no such folder and no converted model at {folder / spec}. Convert the released "
            f"checkpoint once with `ser-hub convert byol --checkpoint <file.pth> --variant {variant} --out "
            f"{folder / spec}` (or set {MODELS_DIR_VARIABLE} to the folder holding your converted models), "
            "or pass a model folder or a Hugging Face model id."
        )
    try:
        return Path(snapshot_download(spec))
    except (HfHubHTTPError, HFValidationError, LocalEntryNotFoundError) as error:
        raise FeatureError(
            f"model {spec!r}: neither a local folder nor an available Hugging Face model ({type(error).__name__}); "
            "check the id, or download it once with network access (HF_HUB_OFFLINE=1 only reads the local cache)."
        ) from None


def load_extractor(
    spec: str, *, level: str = "utterance", layer: int | None = None, models_dir: str | Path | None = None,
    progress: bool = True,
) -> Extractor:
    """Build the extractor that `spec` names.

    - `opensmile:<feature set>`, e.g. `opensmile:ComParE_2016` (6373-d) or `opensmile:eGeMAPSv02` (88-d);
    - a folder saved with `save_pretrained` (BYOL family or a speech encoder), a Hugging Face model id, or a
      shorthand such as `byol-s-512`, the name of a converted folder under `models_dir` (default
      `default_models_dir()`).

    `level` is `utterance` (an `embedding` vector per utterance) or `frame` (its `frames`); `layer` selects a speech
    encoder's hidden layer (default: the last); `progress=False` hides transformers' loading bar.
    """
    if spec.startswith(OPENSMILE_PREFIX):
        if layer is not None:
            raise FeatureError(f"{spec}: openSMILE has no layers; drop layer={layer}.")
        return OpenSmileExtractor(spec.removeprefix(OPENSMILE_PREFIX), level=level)
    folder = resolve_model_folder(spec, models_dir)
    name = Path(spec).name
    with _transformers_bars(progress):
        if model_type_of(folder) in BYOL_MODEL_TYPES:
            if layer is not None:
                raise FeatureError(f"{spec}: BYOL models have no layer selection; drop layer={layer}.")
            return ByolExtractor(folder, level=level, name=name)
        return SpeechEncoderExtractor(folder, layer=-1 if layer is None else layer, level=level, name=name)


@contextlib.contextmanager
def _transformers_bars(progress: bool):
    """transformers' progress bars (weight loading) as asked, restored afterwards."""
    from transformers.utils import logging

    enabled = logging.is_progress_bar_enabled()
    (logging.enable_progress_bar if progress else logging.disable_progress_bar)()
    try:
        yield
    finally:
        (logging.enable_progress_bar if enabled else logging.disable_progress_bar)()
