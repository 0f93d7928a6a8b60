"""Batch inference behind `ser-hub predict`: the `speech-emotion-recognition` pipeline over files and folders.

Every audio file given, or found under a folder given (recursively, by the suffixes of
`ser_hub.corpora.spec.AUDIO_EXTENSIONS`), becomes rows of one table (CSV, JSON or Markdown by the suffix of `out`,
written atomically): one row per window with `file`, `start`, `end` and the prediction (`label`, `score` and, with
`top_k`, `label_2`, `score_2`, ...; or one column per regression dimension), `warnings` (clipped or silent windows)
and an empty `skipped`. A file that cannot be used (unreadable, empty, NaN samples, too short, silent) is not
predicted: it gets one row whose `skipped` column holds the reason, and the run goes on. Each recording longer than
one window also gets a timeline PNG in `<out stem>_timelines/` beside the table, named after the file's path under
the folder common to all files (`Angry/a.wav` -> `preds_timelines/Angry/a.wav.png`).
"""

from __future__ import annotations

import os
from pathlib import Path

from tqdm.auto import tqdm

from .corpora.spec import AUDIO_EXTENSIONS
from .errors import SerHubError
from .features.loading import resolve_model_folder
from .report import TABLE_FORMATS, plot_timeline, write_table


class PredictError(SerHubError, ValueError):
    """`ser-hub predict` cannot run as asked (a missing path, a folder without audio)."""


def find_audio(paths) -> list[Path]:
    """The files named and the audio files under the folders named (recursively, sorted), each once, in order."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            files = sorted(file for file in path.rglob("*") if file.is_file() and file.suffix.lower() in AUDIO_EXTENSIONS)
            if not files:
                raise PredictError(f"{path}: no audio files ({', '.join(AUDIO_EXTENSIONS)}) in this folder or below.")
            found += files
        elif path.is_file():
            found.append(path)
        else:
            raise PredictError(f"{path}: no such file or folder.")
    unique = {}
    for file in found:
        unique.setdefault(file.resolve(), file)
    return list(unique.values())


def timeline_names(files: list[Path]) -> list[Path]:
    """Each file's path under the folder common to all, with `.png` appended: unique names for the timelines."""
    root = Path(os.path.commonpath([file.resolve().parent for file in files]))
    return [file.resolve().relative_to(root).with_name(file.name + ".png") for file in files]


def window_rows(file: str, windows: list[dict]) -> list[dict]:
    """Table rows of one file's pipeline output."""
    rows = []
    for window in windows:
        row = {"file": file, "start": window["start"], "end": window["end"]}
        if "values" in window:
            row.update(window["values"])
        else:
            row.update(label=window["label"], score=window["score"])
            for rank, ranked in enumerate(window.get("top_k", [])[1:], start=2):
                row.update({f"label_{rank}": ranked["label"], f"score_{rank}": ranked["score"]})
        rows.append({**row, "warnings": "; ".join(window["warnings"]), "skipped": ""})
    return rows


def predict_files(paths, model: str, out: str | os.PathLike, *, window: float | None = None, hop: float | None = None,
                  batch_size: int = 1, top_k: int | None = None, domain: str | None = None,
                  models_dir: str | os.PathLike | None = None, progress: bool = True) -> dict:
    """Predict every audio file of `paths` with `model` (a folder, a Hub id or a converted shorthand) and write the
    table `out` and the timelines (see the module docstring). Returns a summary: `rows`, `files`, `windows`,
    `skipped` ({file: reason}), `timelines` (the PNGs written) and `timelines_dir`."""
    from transformers import pipeline
    from transformers.utils import logging

    from .pipelines import TASK

    out = Path(out)
    if out.suffix not in TABLE_FORMATS:
        raise PredictError(f"{out}: the table is written as {', '.join(TABLE_FORMATS)} by its suffix; name one of them.")
    files = find_audio(paths)
    folder = resolve_model_folder(model, models_dir)
    parameters = {key: value for key, value in {"window": window, "hop": hop, "top_k": top_k, "domain": domain}.items()
                  if value is not None}
    bars = logging.is_progress_bar_enabled()
    if not progress:
        logging.disable_progress_bar()
    try:
        ser = pipeline(TASK, model=str(folder), batch_size=batch_size, **parameters)
    finally:
        (logging.enable_progress_bar if bars else logging.disable_progress_bar)()
    classes = None if ser.problem_type == "regression" else ser.output_names(domain)
    timelines_dir = out.parent / f"{out.stem}_timelines"
    rows, skipped, timelines = [], {}, []
    for file, name in tqdm(list(zip(files, timeline_names(files))), desc="predict", unit="file", disable=not progress):
        try:
            windows = ser(str(file))
        except SerHubError as error:
            skipped[str(file)] = str(error).removeprefix(f"{file}: ")
            rows.append({"file": str(file), "skipped": skipped[str(file)]})
            continue
        rows += window_rows(str(file), windows)
        if len(windows) > 1:
            prediction = ({"values": {key: [w["values"][key] for w in windows] for key in windows[0]["values"]}}
                          if classes is None else {"labels": [w["label"] for w in windows], "classes": classes})
            timelines.append(plot_timeline([w["start"] for w in windows], [w["end"] for w in windows],
                                           timelines_dir / name, title=str(name.with_suffix("")),
                                           **prediction))
    columns = list(dict.fromkeys(key for row in rows for key in row if key not in ("warnings", "skipped")))
    write_table([{key: row.get(key, "") for key in [*columns, "warnings", "skipped"]} for row in rows], out)
    return {"rows": len(rows), "files": len(files), "windows": len(rows) - len(skipped), "skipped": skipped,
            "timelines": timelines, "timelines_dir": timelines_dir}
