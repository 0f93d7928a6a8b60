"""Audio decoding, down-mixing, resampling and encoding: the one place ser-hub touches raw audio."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

import numpy as np
import soundfile as sf
import soxr

from .errors import AudioError

# Audio in video or AAC containers, decoded with ffmpeg through torchcodec (never a shell-out per file).
CONTAINER_EXTENSIONS = (".mp4", ".m4a", ".avi", ".webm", ".mkv", ".mov", ".aac")
# Integer subtypes that 16 bits store without loss; anything finer is kept at 24 bits.
_SIXTEEN_BIT_OR_LESS = {"PCM_S8", "PCM_U8", "PCM_16", "ULAW", "ALAW", "DWVW_12", "DWVW_16", "GSM610"}


@dataclass(frozen=True)
class AudioInfo:
    sampling_rate: int
    channels: int
    frames: int
    subtype: str

    @property
    def duration(self) -> float:
        return self.frames / self.sampling_rate


def is_container(name: str) -> bool:
    """Audio inside a video or AAC container (ffmpeg through torchcodec decodes it; libsndfile cannot)."""
    return PurePosixPath(name).suffix.lower() in CONTAINER_EXTENSIONS


def probe(data: bytes | BinaryIO, name: str) -> AudioInfo:
    """Read the header of an encoded file; corrupt or empty files raise an AudioError naming ``name``."""
    if isinstance(data, bytes) and not data:
        raise AudioError(f"{name}: the file is empty (0 bytes); re-download or remove it.")
    if is_container(name):
        metadata = _container(data, name).metadata
        codec = str(metadata.codec).upper()
        return AudioInfo(int(metadata.sample_rate), int(metadata.num_channels), 0,
                         "PCM_16" if codec.startswith("PCM_S16") else codec)
    try:
        info = sf.info(io.BytesIO(data) if isinstance(data, bytes) else data)
    except (sf.LibsndfileError, RuntimeError, TypeError) as error:
        raise AudioError(f"{name}: not a readable audio file ({error}); re-download or remove it.") from None
    finally:
        if not isinstance(data, bytes):
            data.seek(0)
    return AudioInfo(int(info.samplerate), int(info.channels), int(info.frames), str(info.subtype))


def decode(data: bytes | BinaryIO, name: str, start: float | None = None, end: float | None = None
           ) -> tuple[np.ndarray, int]:
    """Decode an encoded file (or the segment from ``start`` to ``end`` seconds, reading only that part) to float32
    samples shaped [channels, frames] and its sampling rate."""
    if is_container(name):
        decoder = _container(data, name)
        try:
            samples = decoder.get_samples_played_in_range(start or 0.0, end) if start is not None else \
                decoder.get_all_samples()
        except (RuntimeError, ValueError) as error:
            raise AudioError(f"{name}: cannot decode the audio ({error}); re-download or remove it.") from None
        return samples.data.numpy(), int(samples.sample_rate)
    try:
        with sf.SoundFile(io.BytesIO(data) if isinstance(data, bytes) else data) as file:
            rate = int(file.samplerate)
            if start is not None:
                first, last = round(start * rate), round(end * rate) if end is not None else file.frames
                if first >= file.frames or last > file.frames:
                    raise AudioError(
                        f"{name}: the segment {start:g}-{end:g} s lies beyond the end of the recording "
                        f"({file.frames / rate:g} s); check its annotation."
                    )
                file.seek(first)
                samples = file.read(last - first, dtype="float32", always_2d=True)
            else:
                samples = file.read(dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as error:
        raise AudioError(f"{name}: cannot decode the audio ({error}); re-download or remove it.") from None
    return samples.T, rate


def _container(data: bytes | BinaryIO, name: str):
    """A torchcodec decoder of the audio stream of a container."""
    from torchcodec.decoders import AudioDecoder

    try:
        return AudioDecoder(data if isinstance(data, bytes) else data.read())
    except (RuntimeError, ValueError) as error:
        reason = "it has no audio stream" if "audio stream" in str(error) else f"{error}".splitlines()[0]
        raise AudioError(f"{name}: cannot decode the audio ({reason}); re-download or remove it.") from None


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Down-mix [channels, frames] (or [frames]) to [frames] by averaging the channels."""
    return samples if samples.ndim == 1 else samples.mean(axis=0, dtype=np.float32)


def resample(samples: np.ndarray, rate: int, target_rate: int) -> np.ndarray:
    """Resample a mono signal with soxr's very-high-quality filter; identity when the rates match."""
    if rate == target_rate:
        return samples
    return soxr.resample(samples, rate, target_rate, quality="VHQ").astype(np.float32, copy=False)


def encode_flac(samples: np.ndarray, rate: int, subtype: str = "PCM_16") -> bytes:
    """Encode a mono float signal as FLAC (lossless at the given bit depth)."""
    buffer = io.BytesIO()
    sf.write(buffer, np.clip(samples, -1.0, 1.0), rate, format="FLAC", subtype=subtype)
    return buffer.getvalue()


def quantize(samples: np.ndarray, bits: int) -> np.ndarray:
    """The integers a ``bits``-bit lossless file holds for float samples, rounded as libsndfile's FLAC writer rounds
    them (x * 2^(bits-1) to the nearest, ties to even, clipped), so PCM and FLAC copies decode to the same samples."""
    full = 2 ** (bits - 1)
    scaled = np.clip(samples, -1.0, 1.0).astype(np.float32, copy=False) * np.float32(full)
    return np.clip(np.rint(scaled), -full, full - 1).astype(np.int32)


def encode_pcm(samples: np.ndarray, rate: int, bits: int = 16) -> bytes:
    """Encode a mono float signal as 16- or 24-bit PCM WAV: lossless like FLAC, and about ten times cheaper to write
    and to read back with soundfile (libsndfile stores the top 24 bits of an int32 as PCM_24)."""
    integers = quantize(samples, bits)
    buffer = io.BytesIO()
    sf.write(buffer, integers.astype(np.int16) if bits == 16 else integers << 8, rate, format="WAV",
             subtype=f"PCM_{bits}")
    return buffer.getvalue()


def pcm_to_flac(data: bytes, name: str) -> bytes:
    """A 16- or 24-bit PCM file as FLAC at the same depth, sample for sample (the compact form exports store)."""
    info = probe(data, name)
    samples, rate = sf.read(io.BytesIO(data), dtype="int16" if info.subtype == "PCM_16" else "int32")
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format="FLAC", subtype=info.subtype)
    return buffer.getvalue()


def prepare(data: bytes | BinaryIO, name: str, target_rate: int | None, min_duration: float, *,
            start: float | None = None, end: float | None = None, channel: int | None = None) -> tuple[bytes, float]:
    """Decode a corpus file once: refuse empty, corrupt, too short and silent audio (an AudioError naming ``name``)
    and return what a prepared corpus stores with the audio's duration in seconds: mono at ``target_rate`` as PCM at
    the source's bit depth (16, or 24 for finer sources), or the original bytes when ``target_rate`` is None.

    ``start``/``end`` (seconds) take a segment of a long recording (only that part is read); ``channel`` takes one
    channel of a recording with one speaker per channel instead of down-mixing. Both are stored as PCM at the
    source's rate when ``target_rate`` is None (their original bytes are the whole recording)."""
    info = probe(data, name)
    samples, rate = decode(data, name, start, end)
    if channel is not None:
        if channel >= samples.shape[0]:
            raise AudioError(f"{name}: has {samples.shape[0]} channel(s); the corpus expects one speaker per channel "
                             f"(channel {channel}); check the file.")
        samples = samples[channel : channel + 1]
    duration = samples.shape[1] / rate
    if samples.size == 0:
        raise AudioError(f"{name}: no audio samples (zero-length file).")
    if duration < min_duration:
        raise AudioError(f"{name}: too short ({duration:.3f} s < min_duration={min_duration} s).")
    if not np.any(samples):
        raise AudioError(f"{name}: silent (every sample is zero).")
    bits = 16 if info.subtype in _SIXTEEN_BIT_OR_LESS else 24
    if target_rate is None:
        whole = start is None and channel is None
        return (data if isinstance(data, bytes) else data.read()) if whole else encode_pcm(to_mono(samples), rate, bits), duration
    return encode_pcm(resample(to_mono(samples), rate, target_rate), target_rate, bits), duration


def check_waveform(samples, sampling_rate: int | None, expected_rate: int, name: str = "input") -> np.ndarray:
    """Validate one mono waveform handed to a model front end; return it as float32 numpy.

    Raises an AudioError for a wrong or missing sampling rate, a multi-channel array, empty or non-finite audio.
    """
    if sampling_rate is None:
        raise AudioError(f"{name}: pass sampling_rate={expected_rate}; silent rate mismatches give wrong features.")
    if sampling_rate != expected_rate:
        raise AudioError(
            f"{name}: audio at {sampling_rate} Hz, the model expects {expected_rate} Hz; resample first "
            f"(ser_hub.audio.resample(samples, {sampling_rate}, {expected_rate}))."
        )
    array = np.asarray(samples.detach().cpu() if hasattr(samples, "detach") else samples, dtype=np.float32)
    if array.ndim == 2 and 1 in array.shape:
        array = array.reshape(-1)
    if array.ndim != 1:
        raise AudioError(
            f"{name}: expected mono audio of shape [samples], got shape {tuple(array.shape)}; "
            "down-mix with ser_hub.audio.to_mono(samples) (channels first)."
        )
    if array.size == 0:
        raise AudioError(f"{name}: the audio is empty (0 samples).")
    if not np.isfinite(array).all():
        raise AudioError(f"{name}: the audio contains NaN or infinite samples.")
    return array
