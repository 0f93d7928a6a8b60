"""IEMOCAP's annotation reader: its labels live in ``Session<n>/dialog/EmoEvaluation/<dialog>.txt`` (iemocap.yaml).

One tab-separated line per utterance, ``[6.2901 - 8.2357]  Ses01F_impro01_F000  neu  [2.5000, 2.5000, 2.5000]``:
time span, utterance, majority label, and the mean valence, activation and dominance ratings (1-5) in that order.
"""

from __future__ import annotations

import re

from ..errors import CorpusError
from .source import CorpusSource

_EVALUATION_FILE = re.compile(r"Session[1-5]/dialog/EmoEvaluation/[^/]+\.txt")
_TURN = re.compile(
    r"^\[\d+\.\d+ - \d+\.\d+\]\s+(?P<utterance>\S+)\s+(?P<label>\w+)\s+"
    r"\[(?P<val>\d+(?:\.\d+)?), (?P<act>\d+(?:\.\d+)?), (?P<dom>\d+(?:\.\d+)?)\]\s*$",
    re.MULTILINE,
)


def read_evaluations(source: CorpusSource, root: str) -> dict[str, dict[str, str]]:
    """Utterance name -> {label, val, act, dom} from every ``Session*/dialog/EmoEvaluation/*.txt`` (not its
    subfolders, which hold the individual evaluators' files)."""
    files = [path for path in source.paths if path.startswith(root) and _EVALUATION_FILE.fullmatch(path[len(root):])]
    if not files:
        where = f" under {root!r}" if root else ""
        raise CorpusError(
            f"{source}: found no Session*/dialog/EmoEvaluation/*.txt{where}; IEMOCAP's labels live there: pass the "
            "whole release (the IEMOCAP_full_release folder or its archive), not only the wav folders."
        )
    return {
        turn["utterance"]: {key: turn[key] for key in ("label", "val", "act", "dom")}
        for path in files
        for turn in _TURN.finditer(source.read_text(path))
    }
