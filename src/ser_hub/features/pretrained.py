"""Extractors over transformers model folders: the BYOL family and any transformers speech encoder.

Both load `AutoModel` + `AutoFeatureExtractor` from a folder, hash its weight files for the identity and run under
`torch.inference_mode`. BYOL-A / BYOL-S / BYOL-S/CvT embed with their own pooling (temporal max + mean, as the SERAB
reference) after standardising the log-mel with statistics of the target corpus's training split. Speech encoders
(wav2vec 2.0, HuBERT, WavLM, data2vec-audio, Whisper's encoder) give one hidden layer, mean-pooled over each
utterance's valid frames or kept as frames.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoConfig, AutoFeatureExtractor, AutoModel

from .base import Extractor, FeatureError, digest

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pth", ".pt")
BYOL_MODEL_TYPES = ("byol", "byol_cvt")
SPEECH_ENCODER_MODEL_TYPES = ("data2vec-audio", "hubert", "wav2vec2", "wav2vec2-conformer", "wavlm", "whisper")


def weights_sha256(folder: Path) -> str:
    """sha256 over the names and contents of the weight files of a model folder."""
    files = sorted(path for path in folder.iterdir() if path.name.endswith(WEIGHT_SUFFIXES))
    if not files:
        raise FeatureError(f"{folder}: no weight file ({', '.join(WEIGHT_SUFFIXES)}); pass a saved model folder.")
    combined = hashlib.sha256()
    for path in files:
        with path.open("rb") as file:
            combined.update(f"{path.name}:{hashlib.file_digest(file, 'sha256').hexdigest()}\n".encode())
    return combined.hexdigest()


def model_type_of(folder: Path) -> str:
    """The `model_type` of a saved model folder (ser-hub's own types are registered on `import ser_hub`)."""
    try:
        return AutoConfig.from_pretrained(folder).model_type
    except (OSError, ValueError) as error:
        raise FeatureError(f"{folder}: not a loadable transformers model folder ({error})") from None


class PretrainedExtractor(Extractor):
    """Shared loading (always in float32, whatever dtype the checkpoint was saved in), identity and device handling
    of model-folder extractors."""

    family = "transformers"
    model_types: tuple[str, ...] = ()
    statistics_keys: tuple[str, ...] = ()

    def __init__(self, folder: str | Path, *, level: str = "utterance", name: str | None = None):
        self.folder = Path(folder)
        super().__init__(name or self.folder.name, level)
        model_type = model_type_of(self.folder)
        if model_type not in self.model_types:
            raise FeatureError(
                f"{self.folder}: model type {model_type!r} is not supported by {type(self).__name__} "
                f"({', '.join(self.model_types)}); ser-hub extracts features from "
                f"{', '.join(BYOL_MODEL_TYPES + SPEECH_ENCODER_MODEL_TYPES)}."
            )
        try:
            self.model = AutoModel.from_pretrained(self.folder, dtype=torch.float32).eval()
            self.feature_extractor = AutoFeatureExtractor.from_pretrained(self.folder)
        except OSError as error:
            raise FeatureError(
                f"{self.folder}: not a loadable model folder with a feature extractor ({error})"
            ) from None
        self.config = self.model.config
        self.sampling_rate = self.feature_extractor.sampling_rate
        self.weights_sha256 = weights_sha256(self.folder)
        self.device = torch.device("cpu")

    def describe(self) -> dict[str, Any]:
        preprocessor = {
            key: value for key, value in self.feature_extractor.to_dict().items() if key not in self.statistics_keys
        }
        return {
            "family": self.family,
            "model_type": self.config.model_type,
            "weights_sha256": self.weights_sha256,
            "config_sha256": digest({key: value for key, value in self.config.to_dict().items() if key != "_name_or_path"}),
            "preprocessor_sha256": digest(preprocessor),
        }

    def to(self, device) -> PretrainedExtractor:
        self.device = torch.device(device)
        self.model.to(self.device)
        return self


class ByolExtractor(PretrainedExtractor):
    """BYOL-A / BYOL-S (`ByolModel`) and BYOL-S/CvT (`ByolCvtModel`) folders, e.g. from `ser-hub convert byol`.

    Utterance level: the model's `pooler_output` (temporal max + mean for BYOL, as the reference). Frame level: its
    `last_hidden_state` frames of each utterance. The log-mel standardisation (`norm_mean`, `norm_std`) is a dataset
    statistic: `fit_statistics` computes it as the reference does (average over the utterances of each log-mel's mean
    and standard deviation) and it is part of the identity.
    """

    family = "byol"
    model_types = BYOL_MODEL_TYPES
    uses_statistics = True
    statistics_keys = ("norm_mean", "norm_std")

    @property
    def statistics(self) -> dict[str, float] | None:
        if self.feature_extractor.norm_mean is None or self.feature_extractor.norm_std is None:
            return None
        return {"norm_mean": self.feature_extractor.norm_mean, "norm_std": self.feature_extractor.norm_std}

    @statistics.setter
    def statistics(self, values: dict[str, float]) -> None:
        self.feature_extractor.norm_mean = float(values["norm_mean"])
        self.feature_extractor.norm_std = float(values["norm_std"])

    def fit_statistics(self, batches: Iterable[list[np.ndarray]]) -> dict[str, float]:
        """The reference statistics streamed over batches: each batch's averages weighted by its utterance count."""
        count, mean_sum, std_sum = 0, 0.0, 0.0
        for waveforms in batches:
            mean, std = self.feature_extractor.fit_normalization(waveforms, sampling_rate=self.sampling_rate)
            count += len(waveforms)
            mean_sum += mean * len(waveforms)
            std_sum += std * len(waveforms)
        if count == 0:
            raise FeatureError("no training utterances to compute the log-mel statistics from; pass a non-empty split.")
        self.statistics = {"norm_mean": mean_sum / count, "norm_std": std_sum / count}
        return self.statistics

    def embed(self, waveforms: list[np.ndarray]) -> list[np.ndarray]:
        inputs = self.feature_extractor(waveforms, sampling_rate=self.sampling_rate, return_tensors="pt")
        inputs = inputs.to(self.device)
        with torch.inference_mode():
            outputs = self.model(**inputs)
        if self.level == "utterance":
            return list(outputs.pooler_output.float().cpu().numpy())
        lengths = self.model.get_output_lengths(inputs["attention_mask"].sum(-1)).tolist()
        frames = outputs.last_hidden_state.float().cpu().numpy()
        return [utterance[:length] for utterance, length in zip(frames, lengths)]


class SpeechEncoderExtractor(PretrainedExtractor):
    """Any transformers speech encoder: wav2vec 2.0 (and its conformer), HuBERT, WavLM, data2vec-audio, Whisper.

    `layer` indexes the model's `hidden_states` (0 = the input of the first transformer layer, -1 = the last, the
    default). Utterance level: the mean of that layer over each utterance's valid frames (masked mean pooling);
    frame level: those frames. Batches are padded; the attention mask is passed to models whose feature extractor
    asks for it (the others, e.g. wav2vec 2.0 base, expect plain zero padding). Whisper always sees its fixed
    30-second window (its encoder requires it); longer audio is truncated to that window.
    """

    model_types = SPEECH_ENCODER_MODEL_TYPES

    def __init__(self, folder: str | Path, *, layer: int = -1, level: str = "utterance", name: str | None = None):
        super().__init__(folder, level=level, name=name)
        if self.config.is_encoder_decoder:
            self.model = self.model.get_encoder()
        num_states = self.config.num_hidden_layers + 1
        if not -num_states <= layer < num_states:
            raise FeatureError(
                f"layer={layer}: {self.name} has hidden states 0..{num_states - 1} (or -{num_states}..-1); choose one."
            )
        self.layer = layer % num_states
        # Whisper: a fixed window and no attention mask; the others: padded to the batch's longest utterance
        whisper_like = self.config.is_encoder_decoder
        self.pass_attention_mask = bool(self.feature_extractor.return_attention_mask) and not whisper_like
        self.padding = {} if whisper_like else {"padding": "longest"}

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "layer": self.layer}

    def embed(self, waveforms: list[np.ndarray]) -> list[np.ndarray]:
        inputs = self.feature_extractor(
            waveforms, sampling_rate=self.sampling_rate, return_attention_mask=True, return_tensors="pt", **self.padding
        )
        attention_mask = inputs.pop("attention_mask")
        if self.pass_attention_mask:
            inputs["attention_mask"] = attention_mask
        with torch.inference_mode():
            outputs = self.model(**inputs.to(self.device), output_hidden_states=True)
        hidden = outputs.hidden_states[self.layer].float().cpu()
        lengths = self.model._get_feat_extract_output_lengths(attention_mask.sum(-1)).tolist()
        frames = [utterance[:length] for utterance, length in zip(hidden, lengths)]
        if self.level == "frame":
            return [utterance.numpy() for utterance in frames]
        return [utterance.mean(0).numpy() for utterance in frames]
