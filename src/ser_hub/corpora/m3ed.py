"""M3ED's annotation reader: its labels and speakers live only in ``annotation.json`` (m3ed.yaml).

The file nests series -> dialogue -> ``{"SpeakerInfo": {role: {"Name", "Gender", "Age", ...}}, "Dialog": {utterance:
{"Speaker": role, "Text", "EmoAnnotation": {"final_main_emo", ...}, ...}}}``; an utterance's recording is
``modality_speech/<role>_<utterance>.wav``.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import CorpusError
from .source import CorpusSource

_LAYOUT = ("series -> dialogue -> {SpeakerInfo: {role: {Name, ...}}, Dialog: {utterance: {Speaker, Text, "
           "EmoAnnotation: {final_main_emo}}}}")


def read_annotation(source: CorpusSource, root: str) -> dict[str, dict[str, str]]:
    """``<role>_<utterance>`` (the recording's stem) -> {label, name, gender, age, text} of every annotated
    utterance; gender, age and text are empty where the file omits them."""
    path = f"{root}annotation.json"
    if path not in source.paths:
        raise CorpusError(f"{source}: {path} is missing; M3ED's labels and speakers are only there: pass the whole "
                          "release (annotation.json beside modality_speech/), not only the recordings.")
    try:
        document = json.loads(source.read_text(path))
    except json.JSONDecodeError as error:
        raise CorpusError(f"{path} is not valid JSON ({error}); replace it with the distributed file.") from None
    rows = {}
    for series, dialogues in _object(document, path).items():
        for dialogue, content in _object(dialogues, f"{path}: {series}").items():
            where = f"{path}: {series}/{dialogue}"
            speakers = _field(content, "SpeakerInfo", where)
            for utterance, turn in _object(_field(content, "Dialog", where), f"{where}/Dialog").items():
                role = _field(turn, "Speaker", f"{where}/Dialog/{utterance}")
                speaker = _field(speakers, role, f"{where}/SpeakerInfo")
                emotions = _field(turn, "EmoAnnotation", f"{where}/Dialog/{utterance}")
                rows[f"{role}_{utterance}"] = {
                    "label": _field(emotions, "final_main_emo", f"{where}/Dialog/{utterance}/EmoAnnotation"),
                    "name": _field(speaker, "Name", f"{where}/SpeakerInfo/{role}").strip(),
                    "gender": speaker.get("Gender") or "", "age": speaker.get("Age") or "", "text": turn.get("Text") or "",
                }
    return rows


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CorpusError(f"{where} is {type(value).__name__}, not an object; annotation.json nests {_LAYOUT}: "
                          "replace it with the distributed file.")
    return value


def _field(value: Any, key: str, where: str) -> Any:
    if key not in _object(value, where):
        raise CorpusError(f"{where} has no {key!r}; annotation.json nests {_LAYOUT}: replace it with the distributed "
                          "file.")
    return value[key]
