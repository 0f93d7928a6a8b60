"""Annotation files as rows of text values: CSV, JSON, YAML, one id per line, and Praat TextGrids.

Corpus definitions name these formats (`files.metadata[].format`, `tables.<name>.reader`); the scan reads them through
here, so each format is read in one place. Every value becomes text, as in a CSV (numbers keep their spelling).
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import yaml

from ..errors import CorpusError

FORMATS = ("csv", "json", "yaml", "lines")
_TEXTGRID_TIER = re.compile(r'name = "(?P<name>[^"]*)"(?P<body>.*?)(?=\n\s*item \[|\Z)', re.DOTALL)
_TEXTGRID_TEXT = re.compile(r'text = "(?P<text>(?:[^"]|"")*)"')

# libyaml's safe loader where PyYAML was built with it: the same documents, about 4.5x faster (PAVOQUE's YAML)
SAFE_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def format_of(path: str) -> str:
    """The format a file's suffix implies (csv by default)."""
    suffix = path.rsplit(".", 1)[-1].lower()
    return {"json": "json", "yaml": "yaml", "yml": "yaml", "txt": "lines", "lst": "lines"}.get(suffix, "csv")


def rows(text: str, format: str, where: str, delimiter: str = ",") -> list[dict[str, str]]:
    """The rows of an annotation file. CSV has a header row (fields separated by `delimiter`); JSON and YAML hold a
    list of objects, or an object of objects (then each row also has `key`, its key); `lines` gives one row per
    non-empty line, `{"line": ...}`."""
    if format == "csv":
        return [dict(row) for row in csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter)]
    if format == "lines":
        return [{"line": line.strip()} for line in text.splitlines() if line.strip()]
    try:
        document = json.loads(text) if format == "json" else yaml.load(text, Loader=SAFE_YAML_LOADER)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise CorpusError(f"{where} is not valid {format.upper()} ({error}); replace it with the distributed file.") from None
    if isinstance(document, dict):
        document = [{"key": key, **_object(value, where)} for key, value in document.items()]
    if not isinstance(document, list):
        raise CorpusError(f"{where} holds neither a list of records nor an object of records; check the file.")
    return [{name: _text(value) for name, value in _object(row, where).items()} for row in document]


def textgrid(text: str) -> dict[str, str]:
    """A Praat TextGrid's tiers -> the text of their first non-empty interval (long or short text format)."""
    tiers = {}
    for tier in _TEXTGRID_TIER.finditer(text):
        texts = [match["text"].replace('""', '"').strip() for match in _TEXTGRID_TEXT.finditer(tier["body"])]
        tiers[tier["name"]] = next((value for value in texts if value), "")
    return tiers


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CorpusError(f"{where}: a record is {type(value).__name__}, not an object of fields; check the file.")
    return value


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)
