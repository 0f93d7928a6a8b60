"""Pieces every training recipe shares: the `uar` evaluate module as `compute_metrics`, inverse-frequency class
weights and a `Trainer` whose cross-entropy uses them; for regression heads, CCC/Pearson/MSE as `compute_metrics`, the
concordance (CCC) loss and a `Trainer` that applies it or MSE."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import evaluate
import numpy as np
import torch
from transformers import Trainer

from ..errors import SerHubError
from ..metrics import regression_scores

# The evaluate module in this repository; on the Hub it is "ser-hub/uar".
UAR_MODULE = Path(__file__).resolve().parents[3] / "metrics" / "uar"


def load_uar_metric(path: str | Path | None = None) -> evaluate.EvaluationModule:
    """The `uar` evaluate module: the repository's folder when present, else the Hub's `ser-hub/uar`."""
    location = Path(path) if path is not None else UAR_MODULE
    return evaluate.load(str(location) if location.is_dir() else "ser-hub/uar")


def logits_of(prediction) -> np.ndarray:
    """The head's outputs of a `Trainer` `EvalPrediction` (the first output when the model returns several)."""
    return prediction.predictions[0] if isinstance(prediction.predictions, tuple) else prediction.predictions


def uar_compute_metrics(num_labels: int, metric: evaluate.EvaluationModule | None = None):
    """A `Trainer` `compute_metrics` that logs UAR, accuracy and macro-F1 from logits through the `uar` module."""
    metric = metric or load_uar_metric()
    labels = list(range(num_labels))

    def compute_metrics(prediction) -> dict[str, float]:
        logits = logits_of(prediction)
        scores = metric.compute(predictions=np.argmax(logits, axis=-1).tolist(),
                                references=np.asarray(prediction.label_ids).tolist(), labels=labels)
        return {"uar": scores["uar"], "accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"]}

    return compute_metrics


def class_weights(labels: Sequence[int], num_labels: int) -> torch.Tensor:
    """Inverse class frequency n / (present classes x count), as scikit-learn's "balanced"; absent classes get 0."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=num_labels).astype(np.float64)
    if counts.size > num_labels:
        raise SerHubError(f"labels go up to {counts.size - 1}, but the model has {num_labels} classes.")
    present = np.count_nonzero(counts)
    weights = np.divide(counts.sum(), present * counts, out=np.zeros_like(counts), where=counts > 0)
    return torch.tensor(weights, dtype=torch.float32)


class WeightedLossTrainer(Trainer):
    """A `Trainer` whose loss is class-weighted cross-entropy on the model's `logits` (weights None: plain)."""

    def __init__(self, *args, class_weights: torch.Tensor | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.class_weights = class_weights

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if self.class_weights is None:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        loss = torch.nn.functional.cross_entropy(outputs.logits, labels, weight=self.class_weights.to(labels.device))
        return (loss, outputs) if return_outputs else loss


def regression_compute_metrics(dimensions: Sequence[str]):
    """A `Trainer` `compute_metrics` for a regression head with one output per dimension: `ser_hub.metrics`'
    `regression_scores` as `ccc`, `pearson` and `mse` (means over the dimensions) and `<dimension>_ccc`, ... each."""

    def compute_metrics(prediction) -> dict[str, float]:
        scores = regression_scores(logits_of(prediction), prediction.label_ids, dimensions=list(dimensions))
        per_dimension = scores.pop("per_dimension")
        return {**scores, **{f"{dimension}_{key}": value for dimension, values in per_dimension.items()
                             for key, value in values.items()}}

    return compute_metrics


def concordance_loss(predictions: torch.Tensor, references: torch.Tensor) -> torch.Tensor:
    """1 − Lin's CCC of each column of [utterances, dimensions], averaged over the dimensions: the differentiable form
    of `ser_hub.metrics.concordance_correlation` (population moments), so training lowers exactly what selection and
    the report score. It penalises a wrong offset or scale as well as a low correlation."""
    predictions, references = predictions.float(), references.float()
    mean_p, mean_r = predictions.mean(dim=0), references.mean(dim=0)
    covariance = ((predictions - mean_p) * (references - mean_r)).mean(dim=0)
    variances = predictions.var(dim=0, correction=0) + references.var(dim=0, correction=0)
    return 1 - (2 * covariance / (variances + (mean_p - mean_r) ** 2)).mean()


def mse_loss(predictions: torch.Tensor, references: torch.Tensor) -> torch.Tensor:
    """Mean squared error over utterances and dimensions (transformers' loss for `problem_type="regression"`)."""
    return torch.nn.functional.mse_loss(predictions.float(), references.float())


REGRESSION_LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "ccc": concordance_loss, "mse": mse_loss,
}


class RegressionLossTrainer(Trainer):
    """A `Trainer` whose loss is `REGRESSION_LOSSES[regression_loss]` of the model's `logits` [utterances, dimensions]
    and the scores: most audio heads compute cross-entropy whatever their `problem_type`, so the loss is taken here."""

    def __init__(self, *args, regression_loss: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.regression_loss = REGRESSION_LOSSES[regression_loss]

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        loss = self.regression_loss(outputs.logits, labels)
        return (loss, outputs) if return_outputs else loss
