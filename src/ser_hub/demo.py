"""The offline demo: synthesise a small labelled corpus with espeak-ng, audit it and export it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tqdm.auto import tqdm

from .errors import SerHubError
from .files import atomic_folder

VOICES = {"f1": "en-us+f1", "f2": "en-gb+f2", "f3": "en-us+f4", "m1": "en-us+m1", "m2": "en-gb+m3", "m3": "en-us+m7"}
SENTENCES = (
    "The train leaves the station at nine tomorrow morning.",
    "I put the keys on the kitchen table.",
    "We will talk about the results next week.",
    "She said the parcel arrived this afternoon.",
    "Nobody told me the meeting had been moved.",
)
# espeak-ng prosody per emotion: words per minute, pitch (0-99), amplitude (0-200), pause between words (10 ms units).
PROSODY = {
    "neutral": {"-s": 160, "-p": 45, "-a": 100, "-g": 2},
    "anger": {"-s": 195, "-p": 35, "-a": 190, "-g": 0},
    "happiness": {"-s": 185, "-p": 80, "-a": 140, "-g": 1},
    "sadness": {"-s": 115, "-p": 20, "-a": 60, "-g": 8},
}
_COMPLETE = ".complete"


def synthesize_demo_corpus(out_dir: str | Path) -> Path:
    """Write the demo corpus (``<emotion>/<voice>_s<NN>_<emotion>.wav``) once; later calls reuse a complete one."""
    out = Path(out_dir)
    if (out / _COMPLETE).exists():
        return out
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise SerHubError("espeak-ng is not installed; install it (apt-get install espeak-ng) or run `make demo`.")
    jobs = [
        (speaker, index, emotion)
        for speaker in VOICES
        for index in range(1, len(SENTENCES) + 1)
        for emotion in PROSODY
    ]
    with atomic_folder(out) as staging:
        for speaker, index, emotion in tqdm(jobs, desc="synthesising demo corpus", unit="file"):
            target = staging / emotion / f"{speaker}_s{index:02d}_{emotion}.wav"
            target.parent.mkdir(exist_ok=True)
            settings = [str(part) for option in PROSODY[emotion].items() for part in option]
            command = [espeak, "-v", VOICES[speaker], *settings, "-w", str(target), SENTENCES[index - 1]]
            subprocess.run(command, check=True, capture_output=True)
        (staging / _COMPLETE).touch()
    return out
