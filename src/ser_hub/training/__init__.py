"""Training recipes on `transformers.Trainer` (the logic behind `scripts/`): shared pieces in `common`."""

from .common import (
    REGRESSION_LOSSES,
    UAR_MODULE,
    RegressionLossTrainer,
    WeightedLossTrainer,
    class_weights,
    concordance_loss,
    load_uar_metric,
    regression_compute_metrics,
    uar_compute_metrics,
)

__all__ = ["REGRESSION_LOSSES", "UAR_MODULE", "RegressionLossTrainer", "WeightedLossTrainer", "class_weights",
           "concordance_loss", "load_uar_metric", "regression_compute_metrics", "uar_compute_metrics"]
