"""Benchmark runs read back: the `results.json` of a `ser-hub benchmark serab` output folder, checked, and its scores.

A run holds emotion classifiers, or regression probes of one dimension (`--target`, its `target`). The model-index
(`ser_hub.model_index`) and the leaderboard (`ser_hub.leaderboard`) read runs through here, so both refuse the same
folders with the same messages and score a task the same way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import SerHubError
from .metrics import classification_scores, regression_scores
from .protocols.options import DIMENSIONS

RESULTS = "results.json"
RUN_KEYS = ("model", "split_protocol", "select", "standardize", "scores", "tasks")
TASK_KEYS = ("corpus", "build", "result")
RESULT_KEYS = {None: ("selected", "classifiers", "test_references"),
               **{target: ("selected", "regressors", "test_references") for target in DIMENSIONS}}


class RunError(SerHubError, ValueError):
    """A folder is not a benchmark run ser-hub can read, or runs cannot be compared."""


def read_serab_run(run_dir: str | os.PathLike) -> dict:
    """The results.json payload of a `ser-hub benchmark serab` output folder, checked to hold what is scored here."""
    path = Path(run_dir) / RESULTS
    if not path.is_file():
        raise RunError(f"{run_dir} is not a benchmark run: it has no {RESULTS}. Pass the --out folder of "
                       "`ser-hub benchmark serab`.")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RunError(f"{path} is not valid JSON ({error}): run the benchmark again to rewrite it.") from None
    if not isinstance(payload, dict) or payload.get("benchmark") != "serab":
        kind = payload.get("benchmark") if isinstance(payload, dict) else None
        raise RunError(f"{path} is not a SERAB run (benchmark: {kind!r}): pass the --out folder of "
                       "`ser-hub benchmark serab`; out-of-domain matrices (`benchmark ood`) are not scored here.")
    target = payload.get("target")
    if target is not None and target not in DIMENSIONS:
        raise RunError(f"{path} has the target {target!r}, not one of {', '.join(DIMENSIONS)}: it was not written by "
                       "`ser-hub benchmark serab`; run the benchmark again.")
    missing = [key for key in RUN_KEYS if key not in payload]
    for name, task in payload.get("tasks", {}).items():
        missing += [f"tasks.{name}.{key}" for key in TASK_KEYS if key not in task]
        missing += [f"tasks.{name}.result.{key}" for key in RESULT_KEYS[target] if key not in task.get("result", {})]
    if missing or not payload["tasks"]:
        raise RunError(f"{path} lacks {', '.join(missing) or 'tasks'}: it was not written by this version of "
                       "`ser-hub benchmark serab`; run the benchmark again.")
    return payload


def run_kind(payload: dict) -> str:
    """What a run's scores are, in words, with the benchmark option that chose it."""
    target = payload.get("target")
    return "emotion classifiers (no --target)" if target is None else f"{target} regression probes (--target {target})"


def task_scores(payload: dict, name: str) -> dict[str, float]:
    """The test scores of a run's task `name`, from the reported probe's test predictions as the protocol scores
    them: accuracy, UAR and macro-F1 of the selected classifier (`ser_hub.metrics.classification_scores`), or, in a
    run with a target, CCC, Pearson's r and MSE of the selected regressor (`ser_hub.metrics.regression_scores`)."""
    result = payload["tasks"][name]["result"]
    if payload.get("target") is None:
        chosen = result["classifiers"][result["selected"]]
        scores = classification_scores(chosen["test_predictions"], result["test_references"])
        return {key: scores[key] for key in ("accuracy", "uar", "macro_f1")}
    chosen = result["regressors"][result["selected"]]
    scores = regression_scores(chosen["test_predictions"], result["test_references"])
    return {key: scores[key] for key in ("ccc", "pearson", "mse")}
