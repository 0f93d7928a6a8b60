"""Report writers: tables (CSV, JSON, Markdown) and PNG plots of benchmark results, each written atomically.

Every writer renders into a temporary file beside the target and renames it into place, so a report file is
either complete or absent, never half-written. Plots use matplotlib's Agg canvas directly (no pyplot state).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ser_hub.errors import SerHubError
from ser_hub.files import atomic_path
from ser_hub.metrics import pivot_ood_cells

TABLE_FORMATS = (".csv", ".json", ".md")


class ReportError(SerHubError, ValueError):
    """A report cannot be written as asked (unknown format, nothing to write)."""


def write_table(rows: Sequence[Mapping] | pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write rows (dicts sharing keys, or a DataFrame) as CSV, JSON (a list of records) or Markdown, by suffix."""
    path = Path(path)
    if path.suffix not in TABLE_FORMATS:
        raise ReportError(f"cannot write a table to {path}: use one of the suffixes {', '.join(TABLE_FORMATS)}.")
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(list(rows))
    if frame.empty:
        raise ReportError(f"no rows to write to {path}: pass at least one row.")
    with atomic_path(path) as temporary:
        if path.suffix == ".csv":
            frame.to_csv(temporary, index=False)
        elif path.suffix == ".json":
            frame.to_json(temporary, orient="records", indent=2, force_ascii=False)
        else:
            temporary.write_text(frame.to_markdown(index=False) + "\n", encoding="utf-8")
    return path


def _save_png(figure: Figure, path: str | os.PathLike, dpi: int) -> Path:
    path = Path(path)
    if path.suffix != ".png":
        raise ReportError(f"cannot write a plot to {path}: plots are PNG files, use the suffix .png.")
    FigureCanvasAgg(figure)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=dpi)
    return path


def plot_ood_matrix(
    train_corpus: Sequence[str],
    test_corpus: Sequence[str],
    score: Sequence[float],
    path: str | os.PathLike,
    title: str = "Train × test scores",
    figsize: tuple[float, float] | None = None,
    dpi: int = 100,
) -> Path:
    """Draw the train × test score matrix as an annotated heatmap PNG; cells not evaluated stay blank.

    The default size grows with the number of corpora: (2.5 + 0.7 n) × (1.5 + 0.6 n) inches.
    """
    corpora, matrix = pivot_ood_cells(train_corpus, test_corpus, score)
    return _heatmap(matrix, corpora, corpora, "{:.2f}", ("test corpus", "training corpus"), title, path, figsize, dpi)


def plot_confusion_matrix(
    matrix: Sequence[Sequence[int]],
    labels: Sequence[str],
    path: str | os.PathLike,
    title: str = "Confusion matrix",
    figsize: tuple[float, float] | None = None,
    dpi: int = 100,
) -> Path:
    """Draw a confusion matrix (rows: references, columns: predictions) as an annotated heatmap PNG."""
    counts = np.asarray(matrix, dtype=float)
    if counts.shape != (len(labels), len(labels)):
        raise ReportError(f"a {counts.shape} confusion matrix needs {counts.shape[0]} labels, got {len(labels)}.")
    return _heatmap(counts, labels, labels, "{:.0f}", ("predicted", "reference"), title, path, figsize, dpi)


def _heatmap(matrix: np.ndarray, rows: Sequence[str], columns: Sequence[str], cell_format: str,
             axis_labels: tuple[str, str], title: str, path, figsize, dpi: int) -> Path:
    """An annotated heatmap (NaN cells blank); the default size grows with the number of rows and columns."""
    count = max(len(rows), len(columns))
    figure = Figure(figsize=figsize or (2.5 + 0.7 * count, 1.5 + 0.6 * count), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(np.ma.masked_invalid(matrix), cmap=colormaps["viridis"].with_extremes(bad="white"))
    low, high = np.nanmin(matrix), np.nanmax(matrix)
    for (row, column), value in np.ndenumerate(matrix):
        if not np.isnan(value):
            bright = high > low and (value - low) / (high - low) > 0.6
            axes.text(column, row, cell_format.format(value), ha="center", va="center",
                      color="black" if bright else "white")
    axes.set_xticks(range(len(columns)), columns, rotation=45, ha="right")
    axes.set_yticks(range(len(rows)), rows)
    axes.set_xlabel(axis_labels[0])
    axes.set_ylabel(axis_labels[1])
    axes.set_title(title)
    figure.colorbar(image, ax=axes)
    return _save_png(figure, path, dpi)


def plot_serab_scores(
    scores: Mapping,
    path: str | os.PathLike,
    title: str = "SERAB per-task scores",
    figsize: tuple[float, float] = (8.0, 4.5),
    dpi: int = 100,
) -> Path:
    """Draw SERAB per-task accuracy (and UAR) as grouped bars with UM as a dashed line, from `serab_scores` output."""
    per_task = scores.get("per_task")
    if not per_task:
        raise ReportError("scores has no per_task entries: pass the result of ser_hub.metrics.serab_scores.")
    tasks = list(per_task)
    metrics = [metric for metric in ("accuracy", "uar") if all(metric in per_task[task] for task in tasks)]
    width = 0.8 / len(metrics)
    figure = Figure(figsize=figsize, layout="constrained")
    axes = figure.add_subplot()
    for index, metric in enumerate(metrics):
        positions = np.arange(len(tasks)) + (index - (len(metrics) - 1) / 2) * width
        axes.bar(positions, [per_task[task][metric] for task in tasks], width, label=metric)
    axes.axhline(scores["UM"], color="black", linestyle="--", linewidth=1, label=f"UM {scores['UM']:.3g}")
    axes.set_xticks(range(len(tasks)), tasks, rotation=45, ha="right")
    axes.set_ylabel("score")
    summary = ", ".join(f"{key} {scores[key]:.3g}" for key in ("UM", "WM", "GM") if scores.get(key) is not None)
    axes.set_title(f"{title} ({summary})")
    axes.legend(loc="upper left", bbox_to_anchor=(1, 1))
    return _save_png(figure, path, dpi)
