"""The `speech-emotion-recognition` pipeline: any audio in, per-window emotions (or emotion dimensions) out.

```python
import ser_hub  # registers the task with transformers (lazily, once transformers.pipelines is imported)
from transformers import pipeline

ser = pipeline("speech-emotion-recognition", model="path/to/finetuned-model")
ser("interview.mp4", window=4.0, hop=2.0, batch_size=8)
# [{'start': 0.0, 'end': 4.0, 'label': 'neutral', 'score': 0.91, 'warnings': []}, ...]
```

Inputs: a file path (anything `ser_hub.audio` decodes: WAV, FLAC, MP3, OGG, audio in video/AAC containers), the
file's bytes, a float array `[samples]` or `[channels, samples]` with `sampling_rate=...`, a dict
`{"raw" or "array": ..., "sampling_rate": ...}` (a `datasets` audio value) or a torchcodec `AudioDecoder`. Channels
are averaged and the audio is resampled to the model's rate with soxr (VHQ), never torchaudio.

Windows: `window` and `hop` in seconds on the resampled audio. Windows start every `hop` seconds; the last window is
aligned to the end of the recording (it may overlap the one before more than the others do), so every window has
the same length and together they cover the whole recording. A recording no longer than `window` is one window, the
whole recording. Default window: the front end's own `max_duration` (EmoNet 5 s, multi-task wav2vec 2.0 6 s), else
6 s (the fine-tuning recipe's training clips); default hop: the window (no overlap). Windows are batched with
`batch_size`: each batch is padded and run at once; ser-hub's models give the same numbers padded or not.

Output per input: a list of windows, each `{"start": s, "end": s, ...}` in seconds with

- classification heads: `label` and `score` (softmax probability; sigmoid for `multi_label_classification`), and with
  `top_k=k > 1` the k best as `top_k: [{"label", "score"}, ...]`;
- regression heads (`config.problem_type == "regression"`): `values`, the prediction per dimension named by
  `id2label` (e.g. `{"arousal": 0.6, "valence": 0.4, "dominance": 0.5}`);
- `warnings`: `clipped (...)` when at least 0.1 % of the window's source samples are at or beyond full scale
  (|x| >= 0.999; the prediction is still made, on the clipped audio), `silent` when every sample of the window is zero.

Heads: any `*ForSequenceClassification` / `*ForAudioClassification`; EmoNet's per-domain heads with `domain=`
(required when the model has several: their order is not kept by a saved config; classes named by
`config.domain_labels`); the multi-task wav2vec 2.0's emotion
head (its other heads are not reported).
A model without a trained head (e.g. a converted BYOL-S encoder, whose head would be random) is refused.

Bad input raises an error naming the input and the cause: unreadable or empty files, NaN or infinite samples,
audio shorter than 0.1 s (`MIN_DURATION`), silence throughout.
"""

from __future__ import annotations

import inspect
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForAudioClassification
from transformers.pipelines import PIPELINE_REGISTRY
from transformers.pipelines.base import ChunkPipeline

from . import audio
from .errors import AudioError, SerHubError

TASK = "speech-emotion-recognition"
DEFAULT_WINDOW = 6.0  # seconds, when the front end has no `max_duration`
MIN_DURATION = 0.1  # seconds: shorter recordings are refused
CLIP_LEVEL = 0.999  # a sample at or beyond this magnitude is at full scale
CLIPPED_SHARE = 0.001  # a window with at least this share of full-scale samples is flagged clipped
HEAD_SUFFIXES = ("ForSequenceClassification", "ForAudioClassification")


class PipelineError(SerHubError, ValueError):
    """The pipeline cannot run as asked (a model without a head, an unknown domain, bad window settings)."""


@dataclass(frozen=True)
class Recording:
    """Decoded audio: float32 `samples` [channels, frames] at `sampling_rate`; `name` says where it came from."""

    samples: np.ndarray
    sampling_rate: int
    name: str

    @property
    def duration(self) -> float:
        return self.samples.shape[1] / self.sampling_rate


def read_audio(inputs, sampling_rate: int | None = None) -> Recording:
    """Decode any input the pipeline takes (see the module docstring) to a `Recording`; nothing is validated yet."""
    if isinstance(inputs, (str, os.PathLike)):
        path = Path(inputs)
        if not path.is_file():
            raise AudioError(f"{path}: no such file.")
        if path.stat().st_size == 0:
            raise AudioError(f"{path}: the file is empty (0 bytes); re-record or remove it.")
        with path.open("rb") as file:
            samples, rate = audio.decode(file, str(path))
        return Recording(samples, rate, str(path))
    if isinstance(inputs, (bytes, bytearray)):
        return Recording(*_decode_bytes(bytes(inputs)), "audio bytes")
    if (torchcodec := sys.modules.get("torchcodec")) and isinstance(inputs, torchcodec.decoders.AudioDecoder):
        decoded = inputs.get_all_samples()
        return Recording(_channels_first(decoded.data, "AudioDecoder"), int(decoded.sample_rate), "AudioDecoder")
    name = "array"
    if isinstance(inputs, dict):
        if "sampling_rate" not in inputs or not ("raw" in inputs or "array" in inputs):
            raise AudioError(
                f"a dict input needs the samples under 'raw' or 'array' and their 'sampling_rate'; got keys "
                f"{sorted(inputs)}."
            )
        name = inputs.get("path") or "dict input"
        sampling_rate = inputs["sampling_rate"]
        inputs = inputs["raw"] if "raw" in inputs else inputs["array"]
    if sampling_rate is None:
        raise AudioError(
            f"{name}: pass the sampling rate of the samples (sampling_rate=...); a wrong rate gives wrong predictions."
        )
    return Recording(_channels_first(inputs, name), int(sampling_rate), str(name))


def _decode_bytes(data: bytes) -> tuple[np.ndarray, int]:
    """libsndfile first (WAV, FLAC, OGG, MP3), then ffmpeg through torchcodec (audio in video/AAC containers)."""
    try:
        return audio.decode(data, "audio bytes")
    except AudioError:
        pass
    try:
        return audio.decode(data, "audio bytes.mp4")  # the container suffix routes it to ffmpeg, which probes the format
    except AudioError:
        raise AudioError(
            f"audio bytes ({len(data)} bytes): neither libsndfile nor ffmpeg can decode them; pass an audio file."
        ) from None


def _channels_first(samples, name: str) -> np.ndarray:
    """float32 [channels, frames] from [frames] or [channels, frames] samples; integers are scaled to [-1, 1)."""
    if isinstance(samples, torch.Tensor):
        samples = samples.detach().cpu().numpy()
    array = np.asarray(samples)
    if np.issubdtype(array.dtype, np.integer):
        array = array / -np.iinfo(array.dtype).min
    array = np.atleast_2d(array.astype(np.float32, copy=False))
    if array.ndim != 2:
        raise AudioError(f"{name}: expected samples shaped [samples] or [channels, samples], got {array.shape}.")
    if array.shape[1] == 1 and array.shape[0] > 1:
        array = array.T  # one column: mono
    if array.size and array.shape[0] > array.shape[1]:
        raise AudioError(
            f"{name}: samples shaped {array.shape} look like [samples, channels]; pass them channels first "
            "([channels, samples], e.g. array.T)."
        )
    return array


def check_recording(recording: Recording, min_duration: float = MIN_DURATION) -> None:
    """Refuse audio no prediction can be made from: empty, NaN or infinite samples, shorter than `min_duration`
    seconds, or silent throughout (an AudioError naming the input and the cause)."""
    samples, name = recording.samples, recording.name
    if samples.size == 0:
        raise AudioError(f"{name}: the audio is empty (0 samples).")
    finite = np.isfinite(samples).all(axis=0)
    if not finite.all():
        first = int(np.argmin(finite)) / recording.sampling_rate
        raise AudioError(f"{name}: the audio contains NaN or infinite samples (the first at {first:.3f} s).")
    if recording.duration < min_duration:
        raise AudioError(
            f"{name}: too short ({recording.duration:.3f} s); predictions need at least {min_duration:g} s of audio."
        )
    if not samples.any():
        raise AudioError(f"{name}: silent (every sample is zero); there is nothing to predict from.")


def window_bounds(num_samples: int, window: int, hop: int) -> list[tuple[int, int]]:
    """(first, last) sample of each window: every `hop` samples, the last aligned to the end; one window, the whole
    signal, when it is no longer than `window`."""
    if num_samples <= window:
        return [(0, num_samples)]
    return [(first, first + window) for first in range(0, num_samples - window, hop)] + [(num_samples - window, num_samples)]


class SpeechEmotionRecognitionPipeline(ChunkPipeline):
    """Speech emotion recognition over windows of any recording; see the module docstring for inputs and outputs.

    Parameters (at creation or per call): `window`, `hop` (seconds), `sampling_rate` (of array inputs), `top_k`
    (classification), `domain` (EmoNet) and `batch_size` (windows per forward pass).
    """

    _load_processor = False
    _load_image_processor = False
    _load_feature_extractor = True
    _load_tokenizer = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.model.eval()  # a model passed in may be in training mode: dropout and batch statistics would vary
        self._check_head()
        padding = inspect.signature(self.feature_extractor.__call__).parameters.get("padding")
        # Extractors that do not pad by default (wav2vec 2.0's) pad to the longest window; the others pad their way.
        self._padding = {"padding": "longest"} if padding is not None and padding.default is False else {}

    def _check_head(self) -> None:
        config, name = self.model.config, type(self.model).__name__
        if not name.endswith(HEAD_SUFFIXES):
            raise PipelineError(
                f"{name} has no classification or regression head; load the model with "
                "AutoModelForAudioClassification after fine-tuning a head (scripts/finetune_audio_classification.py)."
            )
        if config.architectures and name not in config.architectures:
            raise PipelineError(
                f"the saved model is a {config.architectures[0]} without a trained classification or regression head: "
                f"as a {name} its head would be random. Fine-tune a head first "
                "(scripts/finetune_audio_classification.py) and pass the fine-tuned folder."
            )
        if config.model_type == "mtl_wav2vec2" and "emotion" not in config.classification_heads:
            raise PipelineError(
                f"this multi-task wav2vec 2.0 model has no emotion head (its heads: {config.head_names}); the pipeline "
                "reports the emotion head."
            )

    @property
    def sampling_rate(self) -> int:
        return self.feature_extractor.sampling_rate

    def _sanitize_parameters(self, window=None, hop=None, sampling_rate=None, top_k=None, domain=None, **kwargs):
        if kwargs:
            raise PipelineError(
                f"unknown parameters {sorted(kwargs)}; the pipeline takes window, hop, sampling_rate, top_k, domain "
                "and batch_size."
            )
        self.window_samples(window, hop)  # refuse bad settings before any audio is read
        preprocess = {key: value for key, value in (("window", window), ("hop", hop), ("sampling_rate", sampling_rate))
                      if value is not None}
        forward, postprocess = {}, {}
        if domain is not None:
            forward["domain"] = postprocess["domain"] = self._domain(domain)
        if top_k is not None:
            if self.problem_type == "regression":
                raise PipelineError(f"top_k={top_k}: this model's head is a regression head, which has no ranking.")
            if int(top_k) < 1:
                raise PipelineError(f"top_k={top_k}: pass a positive number of classes.")
            postprocess["top_k"] = int(top_k)
        return preprocess, forward, postprocess

    def _domain(self, domain: str | None) -> str:
        """EmoNet's head to use: the one named, else the model's only domain (a saved config sorts its domains, so no
        other one can stand as a default)."""
        config = self.model.config
        if config.model_type != "emonet":
            raise PipelineError(f"domain={domain!r}: only EmoNet models have per-domain heads; drop domain.")
        if not config.domains:
            raise PipelineError("this EmoNet model has no domain, hence no head; train or add one (add_domain).")
        if domain is None:
            if len(config.domains) > 1:
                raise PipelineError(f"this EmoNet model has the domains {list(config.domains)}: choose one with "
                                    "domain= (ser-hub predict --domain).")
            return next(iter(config.domains))
        if domain not in config.domains:
            raise PipelineError(f"domain={domain!r}: unknown to this model; its domains are {list(config.domains)}.")
        return domain

    @property
    def problem_type(self) -> str:
        """How the head's outputs are read: `regression`, `multi_label_classification` or classification."""
        return self.model.config.problem_type or "single_label_classification"

    def output_names(self, domain: str | None = None) -> list[str]:
        """The head's classes (or regression dimensions), in the order of its outputs. An EmoNet domain saved without
        class names (`config.domain_labels`: a config from before they were recorded, or `add_domain` without
        labels) reports `LABEL_0`, `LABEL_1`, ..."""
        config = self.model.config
        if config.model_type == "mtl_wav2vec2":
            return list(config.classification_heads["emotion"])
        if config.model_type == "emonet":
            domain = self._domain(domain)
            names = config.domain_labels.get(domain)
            return list(names) if names else [f"LABEL_{index}" for index in range(config.domains[domain])]
        return [config.id2label[index] for index in range(config.num_labels)]

    def window_samples(self, window: float | None = None, hop: float | None = None) -> tuple[int, int]:
        """Window and hop in samples at the model's rate, checked against the front end."""
        limit = getattr(self.feature_extractor, "max_duration", None)
        window = (limit or DEFAULT_WINDOW) if window is None else float(window)
        hop = window if hop is None else float(hop)
        if not (window >= MIN_DURATION and hop > 0):
            raise PipelineError(
                f"window={window:g} s, hop={hop:g} s: the window must be at least {MIN_DURATION:g} s (shorter audio is "
                "too short to predict from) and the hop positive."
            )
        if limit is not None and window > limit:
            raise PipelineError(
                f"window={window:g} s: this model's front end keeps only the first {limit:g} s of its input; pass "
                f"window <= {limit:g}."
            )
        return round(window * self.sampling_rate), round(hop * self.sampling_rate)

    def preprocess(self, inputs, window=None, hop=None, sampling_rate=None):
        window, hop = self.window_samples(window, hop)
        recording = read_audio(inputs, sampling_rate)
        check_recording(recording)
        waveform = audio.resample(audio.to_mono(recording.samples), recording.sampling_rate, self.sampling_rate)
        magnitude = np.abs(recording.samples).max(axis=0)
        full_scale = np.concatenate([[0], np.cumsum(magnitude >= CLIP_LEVEL)])
        nonzero = np.concatenate([[0], np.cumsum(magnitude > 0)])
        ratio = recording.sampling_rate / self.sampling_rate
        bounds = window_bounds(len(waveform), window, hop)
        for index, (first, last) in enumerate(bounds):
            # the window's samples in the source recording, where clipping and silence are counted
            source_first = min(int(first * ratio), recording.samples.shape[1] - 1)
            source_last = max(min(math.ceil(last * ratio), recording.samples.shape[1]), source_first + 1)
            clipped = (full_scale[source_last] - full_scale[source_first]) / (source_last - source_first)
            warnings = [f"clipped ({clipped:.2%} of samples at full scale)"] if clipped >= CLIPPED_SHARE else []
            if nonzero[source_last] == nonzero[source_first]:
                warnings.append("silent (every sample is zero)")
            yield {
                "waveform": torch.from_numpy(np.ascontiguousarray(waveform[first:last]))[None],
                "num_samples": torch.tensor([last - first]),
                "start": torch.tensor([first]),
                "end": torch.tensor([last]),
                "warnings": warnings,
                "is_last": index == len(bounds) - 1,
            }

    def _forward(self, model_inputs, domain=None):
        lengths = model_inputs.pop("num_samples").tolist()
        waveforms = [row[:length].cpu().numpy() for row, length in zip(model_inputs.pop("waveform"), lengths)]
        features = self.feature_extractor(waveforms, sampling_rate=self.sampling_rate, return_tensors="pt",
                                          **self._padding)
        if self.dtype is not None:
            features = features.to(dtype=self.dtype)
        features = features.to(self.device)
        emonet = self.model.config.model_type == "emonet"
        outputs = self.model(**features, **({"domain": self._domain(domain)} if emonet else {}))
        logits = outputs.emotion_logits if self.model.config.model_type == "mtl_wav2vec2" else outputs.logits
        return {"logits": logits, **model_inputs}

    def postprocess(self, model_outputs, top_k=1, domain=None):
        names = self.output_names(domain)
        top_k = min(top_k, len(names))
        windows = []
        for output in model_outputs:
            logits = output["logits"][0].float()
            window = {"start": int(output["start"]) / self.sampling_rate, "end": int(output["end"]) / self.sampling_rate}
            if self.problem_type == "regression":
                window["values"] = dict(zip(names, logits.tolist()))
            else:
                scores = logits.sigmoid() if self.problem_type == "multi_label_classification" else logits.softmax(-1)
                best, indices = scores.topk(top_k)
                ranked = [{"label": names[index], "score": score} for score, index in zip(best.tolist(), indices.tolist())]
                window.update(ranked[0])
                if top_k > 1:
                    window["top_k"] = ranked
            window["warnings"] = list(output["warnings"])
            windows.append(window)
        return windows


def register() -> None:
    """Register the task with transformers (`ser_hub.models` calls this once this module is imported)."""
    PIPELINE_REGISTRY.register_pipeline(
        TASK, pipeline_class=SpeechEmotionRecognitionPipeline, pt_model=AutoModelForAudioClassification, type="audio"
    )


__all__ = [
    "TASK",
    "PipelineError",
    "Recording",
    "SpeechEmotionRecognitionPipeline",
    "check_recording",
    "read_audio",
    "register",
    "window_bounds",
]
