"""Shared training pieces: class weights, the uar module as compute_metrics, the weighted-loss Trainer; for regression
heads, CCC/Pearson/MSE as compute_metrics, the concordance loss against ser_hub.metrics and the regression Trainer."""

import math

import numpy as np
import pytest
import torch
from sklearn.utils.class_weight import compute_class_weight
from transformers import EvalPrediction

from ser_hub.errors import SerHubError
from ser_hub.metrics import concordance_correlation, regression_scores
from ser_hub.training import (
    REGRESSION_LOSSES,
    RegressionLossTrainer,
    WeightedLossTrainer,
    class_weights,
    concordance_loss,
    regression_compute_metrics,
    uar_compute_metrics,
)


class LogitsModel(torch.nn.Module):
    """A stand-in model whose output logits are its input."""

    def forward(self, logits):
        return type("Output", (), {"logits": logits})()


def test_class_weights_equal_sklearn_balanced_and_zero_for_absent_classes():
    labels = [0, 0, 0, 1, 2, 2]
    expected = compute_class_weight("balanced", classes=np.arange(3), y=labels)
    assert class_weights(labels, 3).tolist() == pytest.approx(expected.tolist())
    assert class_weights([0, 0, 2], 4).tolist() == pytest.approx([0.75, 0.0, 1.5, 0.0])  # 3 / (2 x count)
    with pytest.raises(SerHubError, match="labels go up to 5"):
        class_weights([5], 3)


def test_compute_metrics_goes_through_the_uar_module():
    logits = np.array([[2.0, 0, 0], [0, 2.0, 0], [0, 2.0, 0], [0, 0, 2.0]])
    metrics = uar_compute_metrics(3)(EvalPrediction(predictions=logits, label_ids=np.array([0, 1, 0, 2])))
    assert metrics == {"uar": pytest.approx(2.5 / 3), "accuracy": 0.75, "macro_f1": pytest.approx((2 / 3 + 2 / 3 + 1) / 3)}


def test_weighted_loss_is_class_weighted_cross_entropy():
    logits = torch.tensor([[1.0, 0.0], [0.0, 3.0], [2.0, 1.0]])
    labels = torch.tensor([0, 1, 1])
    trainer = WeightedLossTrainer.__new__(WeightedLossTrainer)
    trainer.class_weights = torch.tensor([1.0, 4.0])
    loss, outputs = trainer.compute_loss(LogitsModel(), {"logits": logits, "labels": labels}, return_outputs=True)
    # −log softmax of the true class: log(1 + e^(other − true)); the mean weighted by each utterance's class weight
    losses = [math.log1p(math.exp(-1)), math.log1p(math.exp(-3)), math.log1p(math.exp(1))]
    weights = [1, 4, 4]
    assert loss.item() == pytest.approx(sum(w * x for w, x in zip(weights, losses)) / sum(weights))
    assert loss.item() == pytest.approx(0.640073, abs=1e-6)
    assert outputs.logits is logits


def rated_predictions(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """60 utterances x 3 dimensions of ratings on a 1-5 scale and predictions: shrunk and shifted, noisy, unrelated."""
    rng = np.random.default_rng(seed)
    references = rng.uniform(1, 5, (60, 3))
    predictions = np.stack([0.5 * references[:, 0] + 2, references[:, 1] + rng.normal(0, 1, 60),
                            rng.normal(3, 1, 60)], axis=1)
    return predictions, references


def test_concordance_loss_is_one_minus_the_metrics_ccc_averaged_over_dimensions():
    predictions, references = rated_predictions()
    loss = concordance_loss(torch.tensor(predictions), torch.tensor(references))
    per_dimension = [concordance_correlation(predictions[:, column], references[:, column]) for column in range(3)]
    assert loss.item() == pytest.approx(1 - np.mean(per_dimension), abs=1e-6)
    assert loss.item() == pytest.approx(1 - regression_scores(predictions, references)["ccc"], abs=1e-6)
    one = concordance_loss(torch.tensor(predictions[:, :1]), torch.tensor(references[:, :1]))
    assert one.item() == pytest.approx(1 - per_dimension[0], abs=1e-6)
    assert concordance_loss(torch.tensor(references), torch.tensor(references)).item() == pytest.approx(0, abs=1e-6)

    trained = torch.tensor(predictions, requires_grad=True)
    concordance_loss(trained, torch.tensor(references)).backward()
    assert torch.isfinite(trained.grad).all() and trained.grad.abs().sum() > 0


def test_compute_metrics_of_a_regression_head_are_the_metrics_regression_scores():
    predictions, references = rated_predictions()
    dimensions = ["arousal", "valence", "dominance"]
    metrics = regression_compute_metrics(dimensions)(EvalPrediction(predictions=predictions, label_ids=references))
    scores = regression_scores(predictions, references, dimensions=dimensions)
    assert metrics == {"ccc": scores["ccc"], "pearson": scores["pearson"], "mse": scores["mse"],
                       **{f"{name}_{key}": value for name, values in scores["per_dimension"].items()
                          for key, value in values.items()}}
    assert list(metrics)[:5] == ["ccc", "pearson", "mse", "arousal_ccc", "arousal_pearson"]


def test_the_regression_trainer_takes_its_loss_on_the_logits():
    predictions, references = rated_predictions()
    logits, labels = torch.tensor(predictions, dtype=torch.float32), torch.tensor(references, dtype=torch.float32)
    trainer = RegressionLossTrainer.__new__(RegressionLossTrainer)
    expected = {"ccc": 1 - regression_scores(predictions, references)["ccc"],
                "mse": ((predictions - references) ** 2).mean()}
    for name, value in expected.items():
        trainer.regression_loss = REGRESSION_LOSSES[name]
        loss, outputs = trainer.compute_loss(LogitsModel(), {"logits": logits, "labels": labels}, return_outputs=True)
        assert loss.item() == pytest.approx(value, rel=1e-6) and outputs.logits is logits
