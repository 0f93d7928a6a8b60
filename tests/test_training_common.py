"""Shared training pieces: class weights, the uar module as compute_metrics, the weighted-loss Trainer."""

import math

import numpy as np
import pytest
import torch
from sklearn.utils.class_weight import compute_class_weight
from transformers import EvalPrediction

from ser_hub.errors import SerHubError
from ser_hub.training import WeightedLossTrainer, class_weights, uar_compute_metrics


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
    class Model(torch.nn.Module):
        def forward(self, logits):
            return type("Output", (), {"logits": logits})()

    logits = torch.tensor([[1.0, 0.0], [0.0, 3.0], [2.0, 1.0]])
    labels = torch.tensor([0, 1, 1])
    trainer = WeightedLossTrainer.__new__(WeightedLossTrainer)
    trainer.class_weights = torch.tensor([1.0, 4.0])
    loss, outputs = trainer.compute_loss(Model(), {"logits": logits, "labels": labels}, return_outputs=True)
    # −log softmax of the true class: log(1 + e^(other − true)); the mean weighted by each utterance's class weight
    losses = [math.log1p(math.exp(-1)), math.log1p(math.exp(-3)), math.log1p(math.exp(1))]
    weights = [1, 4, 4]
    assert loss.item() == pytest.approx(sum(w * x for w, x in zip(weights, losses)) / sum(weights))
    assert loss.item() == pytest.approx(0.640073, abs=1e-6)
    assert outputs.logits is logits
