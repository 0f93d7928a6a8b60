"""A SERAB run's scores as the Hub's `model-index`: `huggingface_hub` EvalResults merged into a model card.

Each corpus gives one result (task `audio-classification`, dataset `ser-hub/<corpus>` with the split protocol as its
config and split `test`) with the metrics `uar`, `accuracy` and `f1` (macro); the run as a whole gives one result on
the dataset `serab` with SERAB's UM, WM and GM of the accuracies and of the UARs (metric config `UM`, `WM`, `GM`).
A run of regression probes (`--target`) gives per corpus `ccc`, `pearsonr` and `mse` and on `serab` the mean CCC,
each with the dimension as its metric config. Its task is `audio-classification` too: the Hub has no audio
regression task (a regression head is still an `AutoModelForAudioClassification`), and the Hub groups a card's
results by task type, dataset, config and split, keeping one task name per group, so both kinds share the task name.
Every metric's args record the protocol settings (and, for SERAB's means, the corpora), so results of other settings
or dimensions stay beside these while a rerun with the same settings updates its values. The card's text and other
metadata are kept as they are; YAML comments in its header are not.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from huggingface_hub import EvalResult, ModelCard, ModelCardData

from .corpora import corpus_info
from .errors import SerHubError
from .files import atomic_path
from .metrics import SERAB_KEYS
from .runs import read_serab_run, task_scores

TASK = {"task_type": "audio-classification", "task_name": "Speech Emotion Recognition"}
SETTINGS = ("select", "standardize", "statistics")
CORPUS_METRICS = (("uar", "uar", "UAR"), ("accuracy", "accuracy", "Accuracy"), ("macro_f1", "f1", "Macro-F1"))
SERAB_METRICS = (("", "accuracy", "accuracy"), ("_uar", "uar", "UAR"))  # (suffix in serab_scores, type, name)
REGRESSION_METRICS = (("ccc", "ccc", "CCC"), ("pearson", "pearsonr", "Pearson's r"), ("mse", "mse", "MSE"))
NEW_CARD = "---\n{metadata}---\n\n# {name}\n"


class ModelCardError(SerHubError, ValueError):
    """A model card cannot be read or written as asked."""


def _dataset_name(name: str, task: dict) -> str:
    """The corpus's title as its Hub dataset card shows it (built-in corpora), else its name."""
    return corpus_info(name).title if task["corpus"].get("definition") == "built-in" else name


def _corpus_metrics(target: str | None) -> list[tuple[str, str, str, str | None]]:
    """(`task_scores` key, metric type, name, config) of each corpus's metrics in a run with `target` (or none)."""
    if target is None:
        return [(key, metric, label, None) for key, metric, label in CORPUS_METRICS]
    return [(key, metric, f"{label} ({target})", target) for key, metric, label in REGRESSION_METRICS]


def _mean_metrics(target: str | None) -> list[tuple[str, str, str, str]]:
    """(results.json `scores` key, metric type, name, config) of the metrics over the corpora (dataset serab)."""
    if target is None:
        return [(key + suffix, metric, f"SERAB {key} ({label})", key)
                for suffix, metric, label in SERAB_METRICS for key in SERAB_KEYS]
    return [("mean_ccc", "ccc", f"SERAB mean CCC ({target})", target)]


def eval_results(payload: dict) -> list[EvalResult]:
    """The `EvalResult`s of a SERAB run's payload (`ser_hub.runs.read_serab_run`): per corpus, then the means over
    the corpora (SERAB's, or the mean CCC of a run with a target)."""
    settings = {key: payload.get(key) for key in SETTINGS}
    target = payload.get("target")
    results = []
    for name, task in payload["tasks"].items():
        scores = task_scores(payload, name)
        dataset = {"dataset_type": f"ser-hub/{name}", "dataset_name": _dataset_name(name, task),
                   "dataset_config": payload["split_protocol"], "dataset_split": "test"}
        results += [EvalResult(**TASK, **dataset, metric_type=metric, metric_config=config, metric_name=label,
                               metric_value=scores[key], metric_args=settings)
                    for key, metric, label, config in _corpus_metrics(target)]
    means = {"dataset_type": "serab", "dataset_name": "SERAB", "dataset_config": payload["split_protocol"],
             "dataset_split": "test"}
    arguments = {**settings, "tasks": list(payload["tasks"])}
    results += [EvalResult(**TASK, **means, metric_type=metric, metric_config=config, metric_name=label,
                           metric_value=payload["scores"][key], metric_args=arguments)
                for key, metric, label, config in _mean_metrics(target) if payload["scores"].get(key) is not None]
    return results


def merge_eval_results(existing: list[EvalResult], new: list[EvalResult]) -> list[EvalResult]:
    """`existing` with each new result in place of the one it updates (equal in everything but the value), in order,
    and the other new results after them."""
    merged = list(existing)
    for result in new:
        index = next((i for i, old in enumerate(merged) if old.is_equal_except_value(result)), None)
        if index is None:
            merged.append(result)
        else:
            merged[index] = result
    return merged


def _read_card(path: Path) -> ModelCard:
    try:
        return ModelCard.load(path)
    except (ValueError, OSError, yaml.YAMLError) as error:
        cause = str(error).splitlines()[0].split(". Pass `ignore_metadata_errors")[0]  # the library's advice is for Python
        raise ModelCardError(f"cannot read the model card {path}: {cause}. Fix its YAML header, or pass the path of "
                             "a new card.") from None


def write_model_index(run_dir: str | os.PathLike, card_path: str | os.PathLike,
                      model_name: str | None = None) -> ModelCard:
    """Merge a SERAB run's results into the model-index of the card at `card_path` (a README.md), creating the card
    when there is none; written atomically. The model's name on leaderboards is `model_name`, else the card's, else
    the model the run benchmarked."""
    payload = read_serab_run(run_dir)
    path = Path(card_path)
    if path.is_dir():
        raise ModelCardError(f"{path} is a folder: pass the path of its model card, {path / 'README.md'}.")
    if path.exists():
        card = _read_card(path)
    else:
        metadata = ModelCardData(pipeline_tag="audio-classification", tags=["ser-hub", "speech-emotion-recognition"])
        card = ModelCard(NEW_CARD.format(metadata=metadata.to_yaml() + "\n", name=model_name or payload["model"]))
    card.data.model_name = model_name or card.data.model_name or payload["model"]
    card.data.eval_results = merge_eval_results(card.data.eval_results or [], eval_results(payload))
    with atomic_path(path) as temporary:
        card.save(temporary)
    return card
