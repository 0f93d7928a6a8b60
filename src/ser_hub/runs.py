"""Benchmark runs read back: the `results.json` of a `ser-hub benchmark serab` output folder, checked, and its scores.

The model-index (`ser_hub.model_index`) and the leaderboard (`ser_hub.leaderboard`) read runs through here, so both
refuse the same folders with the same messages and score a task the same way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import SerHubError
from .metrics import classification_scores

RESULTS = "results.json"
RUN_KEYS = ("model", "split_protocol", "select", "standardize", "scores", "tasks")
TASK_KEYS = ("corpus", "build", "result")
RESULT_KEYS = ("selected", "classifiers", "test_references")


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
    if payload.get("target") is not None:
        raise RunError(f"{path} holds regression probes (target {payload['target']!r}); only classification runs "
                       "are scored here: pass a run made without --target.")
    missing = [key for key in RUN_KEYS if key not in payload]
    for name, task in payload.get("tasks", {}).items():
        missing += [f"tasks.{name}.{key}" for key in TASK_KEYS if key not in task]
        missing += [f"tasks.{name}.result.{key}" for key in RESULT_KEYS if key not in task.get("result", {})]
    if missing or not payload["tasks"]:
        raise RunError(f"{path} lacks {', '.join(missing) or 'tasks'}: it was not written by this version of "
                       "`ser-hub benchmark serab`; run the benchmark again.")
    return payload


def task_scores(result: dict) -> dict[str, float]:
    """A SERAB task's test accuracy, UAR and macro-F1: the selected classifier's test predictions scored by
    `ser_hub.metrics.classification_scores`, as the protocol scores them."""
    chosen = result["classifiers"][result["selected"]]
    scores = classification_scores(chosen["test_predictions"], result["test_references"])
    return {key: scores[key] for key in ("accuracy", "uar", "macro_f1")}
