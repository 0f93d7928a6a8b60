"""Fixture files for corpora distributed as video, AAC or Opus containers (eNTERFACE'05 AVI, MELD and MER2023
MP4/AVI, MEAD M4A, EMNS WebM), generated with ffmpeg as tests/corpora/test_sources.py does, and the samples a
prepared corpus must hold for each of them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from ser_hub import audio

CODECS = {".avi": "pcm_s16le", ".mp4": "aac", ".m4a": "aac", ".webm": "libopus"}


def write_container(path: Path, rate: int, channels: int = 1, seconds: float = 0.4, frequency: float = 300.0,
                    video: bool = True) -> Path:
    """A sine of ``seconds`` at ``rate`` Hz on ``channels`` channels in the container ``path`` names (16-bit PCM in
    AVI, AAC in MP4/M4A, Opus in WebM), with a tiny black video track when ``video``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    inputs = ["-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}:sample_rate={rate}"]
    if video:
        inputs += ["-f", "lavfi", "-i", f"color=c=black:s=16x16:d={seconds}", "-c:v", "mpeg4", "-shortest"]
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *inputs, "-ac", str(channels),
                    "-c:a", CODECS[path.suffix], str(path)], check=True)
    return path


def prepared_samples(path: Path, rate: int = 16000) -> tuple[np.ndarray, float]:
    """The samples a prepared corpus stores for a container file (decoded, averaged to mono, resampled with soxr and
    quantised: 16 bits for PCM, 24 for AAC, as `ser_hub.audio.prepare` decides) and the file's duration."""
    samples, native = audio.decode(path.read_bytes(), path.name)
    bits = 16 if path.suffix == ".avi" else 24
    mono = audio.resample(audio.to_mono(samples), native, rate)
    return audio.quantize(mono, bits) / np.float32(2 ** (bits - 1)), samples.shape[1] / native
