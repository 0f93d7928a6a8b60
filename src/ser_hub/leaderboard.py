"""SERAB runs of several models side by side: one row per model, the test UAR of each corpus and SERAB's UM/WM/GM.

`write_leaderboard` reads each run's results.json (`ser_hub.runs`), refuses runs that are not comparable (other
protocol settings, other corpora, other splits of a corpus, one model twice) and writes `leaderboard.md`,
`leaderboard.csv` and `leaderboard.png` (the UAR columns as grouped bars), models ranked by UM of the UARs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from tabulate import tabulate

from . import report
from .files import atomic_path
from .metrics import SERAB_KEYS
from .runs import RunError, read_serab_run, task_scores

COMPARED = {"split_protocol": "--protocol", "select": "--select", "standardize": "--standardize",
            "statistics": "--statistics"}  # settings every run must share, with the benchmark option that sets each
RANKED_BY = "UM_uar"
UAR_MEANS = [f"{key}_uar" for key in SERAB_KEYS]


def _check_comparable(runs: list[tuple[Path, dict]]) -> None:
    (first_dir, first), *others = runs
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
    """One row per run's model (`read_runs`): the test UAR of each corpus, SERAB's UM/WM/GM of the UARs (`*_uar`) and
    of the accuracies, ranked by UM of the UARs (ties in the order given)."""
    rows = [{"model": payload["model"],
             **{name: task_scores(payload["tasks"][name]["result"])["uar"] for name in runs[0][1]["tasks"]},
             **{key: payload["scores"][key] for key in (*UAR_MEANS, *SERAB_KEYS)}}
            for _, payload in runs]
    return pd.DataFrame(rows).sort_values(RANKED_BY, ascending=False, kind="stable", ignore_index=True)


def _markdown(table: pd.DataFrame, runs: list[tuple[Path, dict]]) -> str:
    first = runs[0][1]
    settings = ", ".join(f"{key} `{first.get(key)}`" for key in COMPARED)
    folders = {payload["model"]: run_dir for run_dir, payload in runs}
    return "\n\n".join([
        "# SERAB leaderboard",
        f"{len(table)} models ranked by {RANKED_BY}; {settings}.",
        ("Corpus columns: test UAR of the classifier each run selected. UM, WM, GM: SERAB's unweighted, "
         "test-size-weighted and geometric means over the corpora of the test accuracies; `_uar`: of the test UARs."),
        tabulate(table, headers="keys", tablefmt="github", showindex=False, floatfmt=".4f"),
        "![test UAR per corpus and SERAB's means of the UARs](leaderboard.png)",
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
    labels = {**{name: name for name in first["tasks"]}, **dict(zip(UAR_MEANS, SERAB_KEYS))}  # table column -> bar group
    report.plot_leaderboard({row["model"]: {label: row[column] for column, label in labels.items()}
                             for row in table.to_dict("records")},
                            out / "leaderboard.png", title=f"SERAB leaderboard ({first['split_protocol']} splits)",
                            ylabel="test UAR (UM, WM, GM: of the UARs)")
    with atomic_path(out / "leaderboard.md") as temporary:
        temporary.write_text(_markdown(table, runs), encoding="utf-8")
    return table
