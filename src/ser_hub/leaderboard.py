"""SERAB runs of several models side by side: one row per model, the test UAR of each corpus and SERAB's UM/WM/GM,
or, for runs of regression probes (`--target`), the test CCC of each corpus and their mean.

`write_leaderboard` reads each run's results.json (`ser_hub.runs`), refuses runs that are not comparable (classifiers
and regression probes or two targets, other protocol settings, other corpora, other splits of a corpus, one model
twice) and writes `leaderboard.md`, `leaderboard.csv` and `leaderboard.png` (the UAR or CCC columns as grouped bars),
models ranked by UM of the UARs or by the mean CCC.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tabulate import tabulate

from . import report
from .files import atomic_path
from .metrics import SERAB_KEYS
from .runs import RunError, read_serab_run, run_kind, task_scores

COMPARED = {"split_protocol": "--protocol", "select": "--select", "standardize": "--standardize",
            "statistics": "--statistics"}  # settings every run must share, with the benchmark option that sets each
UAR_MEANS = [f"{key}_uar" for key in SERAB_KEYS]


@dataclass(frozen=True)
class Board:
    """What a leaderboard of one kind of run shows: each corpus's `task_scores` key, the results.json `scores` in the
    columns after the corpora, those drawn beside the corpora (column -> bar label), the column models are ranked by,
    and the words: heading, legend of the columns, the figure's y label and alt text."""

    corpus_score: str
    means: tuple[str, ...]
    bars: dict[str, str]
    ranked_by: str
    heading: str
    legend: str
    ylabel: str
    alt: str


CLASSIFICATION_BOARD = Board(
    "uar", (*UAR_MEANS, *SERAB_KEYS), dict(zip(UAR_MEANS, SERAB_KEYS)), "UM_uar", "SERAB leaderboard",
    "Corpus columns: test UAR of the classifier each run selected. UM, WM, GM: SERAB's unweighted, test-size-weighted "
    "and geometric means over the corpora of the test accuracies; `_uar`: of the test UARs.",
    "test UAR (UM, WM, GM: of the UARs)", "test UAR per corpus and SERAB's means of the UARs")


def board_of(payload: dict) -> Board:
    """The leaderboard of runs like this one: SERAB's of classification runs, the CCC's of a target's runs."""
    target = payload.get("target")
    if target is None:
        return CLASSIFICATION_BOARD
    return Board("ccc", ("mean_ccc",), {"mean_ccc": "mean"}, "mean_ccc", f"SERAB {target} regression leaderboard",
                 f"Corpus columns: test CCC of the regressor each run selected, on the corpus's {target} scores. "
                 "mean_ccc: their unweighted mean (SERAB's geometric mean is undefined for CCC).",
                 f"test CCC ({target})", f"test CCC ({target}) per corpus and their mean")


def _check_comparable(runs: list[tuple[Path, dict]]) -> None:
    (first_dir, first), *others = runs
    for run_dir, payload in others:
        if payload.get("target") != first.get("target"):
            raise RunError(f"{run_dir} holds {run_kind(payload)} but {first_dir} {run_kind(first)}: a leaderboard "
                           "ranks one kind of score; pass runs made with the same --target, or all without it.")
    models = {}
    for run_dir, payload in runs:
        if payload["model"] in models:
            raise RunError(f"{models[payload['model']]} and {run_dir} are both runs of {payload['model']}: pass one "
                           "run per model.")
        models[payload["model"]] = run_dir
    for run_dir, payload in others:
        for key, option in COMPARED.items():
            if payload.get(key) != first.get(key):
                raise RunError(f"{run_dir} was run with {key} {payload.get(key)!r} but {first_dir} with "
                               f"{first.get(key)!r}: a leaderboard compares models under one protocol; run the "
                               f"benchmark again with the same {option}.")
        if set(payload["tasks"]) != set(first["tasks"]):
            raise RunError(f"{run_dir} covers the corpora {sorted(payload['tasks'])} but {first_dir} "
                           f"{sorted(first['tasks'])}: SERAB's means compare models on the same corpora; run the "
                           "benchmark again with the same --corpus options.")
        for name, task in payload["tasks"].items():
            hashes, expected = _split_hashes(task), _split_hashes(first["tasks"][name])
            if hashes != expected:
                raise RunError(f"{name} has other splits in {run_dir} ({hashes}) than in {first_dir} ({expected}): "
                               "the runs read different copies or versions of the corpus; run both on one copy.")


def _split_hashes(task: dict) -> dict[str, str]:
    return {split: info["sha256_sorted_ids"] for split, info in task["build"]["splits"].items()}


def read_runs(run_dirs: list[str | os.PathLike]) -> list[tuple[Path, dict]]:
    """Each run's folder and results.json payload, checked to be comparable with the others."""
    if not run_dirs:
        raise RunError("no runs given: pass the --out folders of `ser-hub benchmark serab` runs.")
    runs = [(Path(run_dir), read_serab_run(run_dir)) for run_dir in run_dirs]
    _check_comparable(runs)
    return runs


def leaderboard_table(runs: list[tuple[Path, dict]]) -> pd.DataFrame:
    """One row per run's model (`read_runs`), ranked by `board_of(...).ranked_by` (ties in the order given):
    classification runs give the test UAR of each corpus and SERAB's UM/WM/GM of the UARs (`*_uar`) and of the
    accuracies, ranked by UM of the UARs; regression runs the test CCC of each corpus and `mean_ccc`, ranked by it."""
    board = board_of(runs[0][1])
    rows = [{"model": payload["model"],
             **{name: task_scores(payload, name)[board.corpus_score] for name in runs[0][1]["tasks"]},
             **{key: payload["scores"][key] for key in board.means}}
            for _, payload in runs]
    return pd.DataFrame(rows).sort_values(board.ranked_by, ascending=False, kind="stable", ignore_index=True)


def _markdown(table: pd.DataFrame, runs: list[tuple[Path, dict]], board: Board) -> str:
    first = runs[0][1]
    settings = ", ".join(f"{key} `{first.get(key)}`" for key in COMPARED)
    folders = {payload["model"]: run_dir for run_dir, payload in runs}
    return "\n\n".join([
        f"# {board.heading}",
        f"{len(table)} models ranked by {board.ranked_by}; {settings}.",
        board.legend,
        tabulate(table, headers="keys", tablefmt="github", showindex=False, floatfmt=".4f"),
        f"![{board.alt}](leaderboard.png)",
        "Runs:\n\n" + "\n".join(f"- `{model}`: {folders[model]}" for model in table["model"]),
    ]) + "\n"


def write_leaderboard(run_dirs: list[str | os.PathLike], out: str | os.PathLike) -> pd.DataFrame:
    """Write `leaderboard.md`, `leaderboard.csv` and `leaderboard.png` of the runs into `out` (each atomically) and
    return the table."""
    out = Path(out)
    runs = read_runs(run_dirs)
    table = leaderboard_table(runs)
    report.write_table(table, out / "leaderboard.csv")
    first = runs[0][1]
    board = board_of(first)
    labels = {**{name: name for name in first["tasks"]}, **board.bars}  # table column -> bar group
    report.plot_leaderboard({row["model"]: {label: row[column] for column, label in labels.items()}
                             for row in table.to_dict("records")},
                            out / "leaderboard.png", title=f"{board.heading} ({first['split_protocol']} splits)",
                            ylabel=board.ylabel)
    with atomic_path(out / "leaderboard.md") as temporary:
        temporary.write_text(_markdown(table, runs, board), encoding="utf-8")
    return table
