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
from matplotlib.patches import Patch, Rectangle

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


INELIGIBLE_HATCH = "//"


def ood_matrix_figure(
    train_corpus: Sequence[str],
    test_corpus: Sequence[str],
    score: Sequence[float],
    eligible: Sequence[str] | None = None,
    title: str = "Train × test scores",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """The train × test score matrix as an annotated heatmap; cells not evaluated stay blank.

    With `eligible` (the OOD-eligible corpora, as `ood_matrix_scores` takes them), the off-diagonal cells whose
    training or test corpus is not eligible — left out of the out-of-domain reductions — are greyed and hatched,
    with a legend saying so. The default size grows with the number of corpora: (2.5 + 0.7 n) × (1.5 + 0.6 n) inches.
    """
    corpora, matrix = pivot_ood_cells(train_corpus, test_corpus, score)
    figure = _heatmap_figure(matrix, corpora, corpora, "{:.2f}", ("test corpus", "training corpus"), title, figsize)
    if eligible is None:
        return figure
    unknown = sorted(set(eligible) - set(corpora))
    if unknown:
        raise ReportError(f"eligible names {unknown} are not in the matrix (corpora: {corpora}): fix the names.")
    axes = figure.axes[0]
    for (row, column), value in np.ndenumerate(matrix):
        if row != column and not np.isnan(value) and not {corpora[row], corpora[column]} <= set(eligible):
            axes.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, facecolor=(1, 1, 1, 0.5), edgecolor="0.3",
                                     hatch=INELIGIBLE_HATCH, linewidth=0))
    if axes.patches:
        figure.legend(handles=[Patch(facecolor="white", edgecolor="0.3", hatch=INELIGIBLE_HATCH,
                                     label="not OOD-eligible (left out of the out-of-domain reductions)")],
                      loc="outside lower center", fontsize="small", frameon=False)
    return figure


def plot_ood_matrix(
    train_corpus: Sequence[str],
    test_corpus: Sequence[str],
    score: Sequence[float],
    path: str | os.PathLike,
    title: str = "Train × test scores",
    figsize: tuple[float, float] | None = None,
    dpi: int = 100,
    eligible: Sequence[str] | None = None,
) -> Path:
    """Write `ood_matrix_figure` as a PNG."""
    return _save_png(ood_matrix_figure(train_corpus, test_corpus, score, eligible, title, figsize), path, dpi)


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
    return _save_png(_heatmap_figure(matrix, rows, columns, cell_format, axis_labels, title, figsize), path, dpi)


def _heatmap_figure(matrix: np.ndarray, rows: Sequence[str], columns: Sequence[str], cell_format: str,
                    axis_labels: tuple[str, str], title: str, figsize) -> Figure:
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
    return figure


def leaderboard_figure(
    scores: Mapping[str, Mapping[str, float]],
    title: str = "Leaderboard",
    ylabel: str = "score",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Models side by side as grouped bars: `scores` maps each model to {column: score}, every model with the same
    columns (tasks, benchmark means); one group per column, one bar per model in `scores`' order, models in the
    legend below the axes. The default width grows with the bars: 4 + 0.3 × columns × models inches, 4.5 high."""
    models = list(scores)
    if not models:
        raise ReportError("scores is empty: pass at least one model's scores.")
    columns = list(scores[models[0]])
    differing = [model for model in models if list(scores[model]) != columns]
    if differing:
        raise ReportError(f"models {differing} do not have the columns {columns} of {models[0]!r}: give every model "
                          "the same columns, in the same order.")
    figure = Figure(figsize=figsize or (4 + 0.3 * len(columns) * len(models), 4.5), layout="constrained")
    axes = figure.add_subplot()
    width = 0.8 / len(models)
    for index, model in enumerate(models):
        positions = np.arange(len(columns)) + (index - (len(models) - 1) / 2) * width
        axes.bar(positions, [scores[model][column] for column in columns], width, label=model)
    axes.set_xticks(range(len(columns)), columns, rotation=45, ha="right")
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    figure.legend(loc="outside lower center", ncols=min(len(models), 3), frameon=False)
    return figure


def plot_leaderboard(
    scores: Mapping[str, Mapping[str, float]],
    path: str | os.PathLike,
    title: str = "Leaderboard",
    ylabel: str = "score",
    figsize: tuple[float, float] | None = None,
    dpi: int = 100,
) -> Path:
    """Write `leaderboard_figure` as a PNG."""
    return _save_png(leaderboard_figure(scores, title, ylabel, figsize), path, dpi)


def serab_scores_figure(
    scores: Mapping,
    chance: Mapping[str, float] | None = None,
    intervals: Mapping[str, Mapping[str, tuple[float, float]]] | None = None,
    title: str = "SERAB per-task scores",
    figsize: tuple[float, float] = (8.0, 4.5),
) -> Figure:
    """SERAB per-task accuracy (and UAR) as grouped bars with UM as a dashed line, from `serab_scores` output.

    `chance` maps tasks to their chance level, in the scores' scale, drawn as a dotted line across the task's bars.
    ser-hub's reports use 1 / number of classes: the UAR of every predictor that ignores the audio (constant or
    random), and the expected accuracy of a uniform guess (always answering the largest class can score a higher
    accuracy: its share). `intervals` maps tasks to {metric: (low, high)}, e.g. `ser_hub.metrics.bootstrap_ci` of
    `recognition_rates` on the task's predictions, drawn as a vertical line through the metric's bar.
    """
    per_task = scores.get("per_task")
    if not per_task:
        raise ReportError("scores has no per_task entries: pass the result of ser_hub.metrics.serab_scores.")
    tasks = list(per_task)
    for name, given in (("chance", chance), ("intervals", intervals)):
        unknown = sorted(set(given or ()) - set(tasks))
        if unknown:
            raise ReportError(f"{name} names tasks {unknown} that scores does not have (tasks: {tasks}): fix the names.")
    metrics = [metric for metric in ("accuracy", "uar") if all(metric in per_task[task] for task in tasks)]
    width = 0.8 / len(metrics)
    figure = Figure(figsize=figsize, layout="constrained")
    axes = figure.add_subplot()
    for index, metric in enumerate(metrics):
        positions = np.arange(len(tasks)) + (index - (len(metrics) - 1) / 2) * width
        axes.bar(positions, [per_task[task][metric] for task in tasks], width, label=metric)
        shown = [(position, intervals[task][metric]) for position, task in zip(positions, tasks)
                 if metric in (intervals or {}).get(task, {})]
        if shown:
            axes.vlines([position for position, _ in shown], *np.transpose([interval for _, interval in shown]),
                        colors="black", linewidth=1.5, label=f"{metric} interval")
    if chance:
        drawn = [(position, chance[task]) for position, task in enumerate(tasks) if task in chance]
        axes.hlines([level for _, level in drawn], [position - 0.45 for position, _ in drawn],
                    [position + 0.45 for position, _ in drawn], colors="red", linestyles=":", label="chance")
    axes.axhline(scores["UM"], color="black", linestyle="--", linewidth=1, label=f"UM {scores['UM']:.3g}")
    axes.set_xticks(range(len(tasks)), tasks, rotation=45, ha="right")
    axes.set_ylabel("score")
    summary = ", ".join(f"{key} {scores[key]:.3g}" for key in ("UM", "WM", "GM") if scores.get(key) is not None)
    axes.set_title(f"{title} ({summary})")
    axes.legend(loc="upper left", bbox_to_anchor=(1, 1))
    return figure


def plot_serab_scores(
    scores: Mapping,
    path: str | os.PathLike,
    title: str = "SERAB per-task scores",
    figsize: tuple[float, float] = (8.0, 4.5),
    dpi: int = 100,
    chance: Mapping[str, float] | None = None,
    intervals: Mapping[str, Mapping[str, tuple[float, float]]] | None = None,
) -> Path:
    """Write `serab_scores_figure` as a PNG."""
    return _save_png(serab_scores_figure(scores, chance, intervals, title, figsize), path, dpi)


def timeline_figure(
    start: Sequence[float],
    end: Sequence[float],
    labels: Sequence[str] | None = None,
    values: Mapping[str, Sequence[float]] | None = None,
    classes: Sequence[str] | None = None,
    title: str = "Predictions over time",
    figsize: tuple[float, float] = (10.0, 3.0),
) -> Figure:
    """A recording's per-window predictions over time (seconds), from the `speech-emotion-recognition` pipeline.

    Classification (`labels`, one per window): each window is a bar from its start to its end on the row of its label,
    half transparent so that overlapping windows show darker; the rows are `classes` in their order (the model's
    classes, so every recording gets the same rows), by default the labels in order of appearance. Regression
    (`values`, {dimension: one value per window}): each dimension is a line through the windows' centres, with each
    window's span drawn as a horizontal segment at its value.
    """
    start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    if (labels is None) == (values is None):
        raise ReportError("pass either labels (a classifier's) or values (a regression head's), not both or neither.")
    series = [labels] if labels is not None else list(values.values())
    if len(start) == 0 or len(end) != len(start) or any(len(column) != len(start) for column in series):
        raise ReportError(f"{len(start)} starts, {len(end)} ends and {[len(column) for column in series]} predictions: "
                          "pass one of each per window, at least one window.")
    figure = Figure(figsize=figsize, layout="constrained")
    axes = figure.add_subplot()
    colours = colormaps["tab10"]
    if labels is not None:
        rows = list(classes) if classes is not None else list(dict.fromkeys(labels))
        unknown = sorted(set(labels) - set(rows))
        if unknown:
            raise ReportError(f"labels {unknown} are not among the classes {rows}: pass every class.")
        indices = [rows.index(label) for label in labels]
        axes.barh(indices, end - start, left=start, height=0.8, alpha=0.5,
                  color=[colours(index % colours.N) for index in indices])
        axes.set_yticks(range(len(rows)), rows)
        axes.set_ylim(-0.5, len(rows) - 0.5)
        axes.set_ylabel("label")
    else:
        for index, (name, column) in enumerate(values.items()):
            colour = colours(index % colours.N)
            axes.hlines(column, start, end, colors=[colour], linewidth=2, alpha=0.5)
            axes.plot((start + end) / 2, column, marker="o", markersize=3, color=colour, label=name)
        axes.set_ylabel("value")
        axes.legend(loc="upper left", bbox_to_anchor=(1, 1))
    axes.set_xlim(float(start.min()), float(end.max()))
    axes.set_xlabel("time (s)")
    axes.set_title(title)
    return figure


def plot_timeline(
    start: Sequence[float],
    end: Sequence[float],
    path: str | os.PathLike,
    labels: Sequence[str] | None = None,
    values: Mapping[str, Sequence[float]] | None = None,
    classes: Sequence[str] | None = None,
    title: str = "Predictions over time",
    figsize: tuple[float, float] = (10.0, 3.0),
    dpi: int = 100,
) -> Path:
    """Write `timeline_figure` as a PNG (figsize × dpi pixels: 1000 × 300 by default)."""
    return _save_png(timeline_figure(start, end, labels, values, classes, title, figsize), path, dpi)


def regression_scatter_figure(
    references: Sequence[float],
    predictions: Sequence[float],
    dimension: str = "score",
    title: str = "Predictions against references",
    figsize: tuple[float, float] = (5.0, 5.0),
) -> Figure:
    """Each utterance's prediction against its reference score, with the identity line (where CCC would be 1)."""
    references, predictions = np.asarray(references, dtype=float), np.asarray(predictions, dtype=float)
    if references.shape != predictions.shape or references.ndim != 1 or not len(references):
        raise ReportError(f"give one prediction per reference: got {predictions.shape} predictions and "
                          f"{references.shape} references.")
    figure = Figure(figsize=figsize, layout="constrained")
    axes = figure.add_subplot()
    axes.scatter(references, predictions, s=12, alpha=0.7)
    span = [min(references.min(), predictions.min()), max(references.max(), predictions.max())]
    axes.plot(span, span, color="black", linestyle="--", linewidth=1, label="identity")
    axes.set_xlabel(f"reference {dimension}")
    axes.set_ylabel(f"predicted {dimension}")
    axes.set_title(title)
    axes.legend(loc="upper left")
    return figure


def plot_regression_scatter(
    references: Sequence[float],
    predictions: Sequence[float],
    path: str | os.PathLike,
    dimension: str = "score",
    title: str = "Predictions against references",
    figsize: tuple[float, float] = (5.0, 5.0),
    dpi: int = 100,
) -> Path:
    """Write `regression_scatter_figure` as a PNG."""
    return _save_png(regression_scatter_figure(references, predictions, dimension, title, figsize), path, dpi)
