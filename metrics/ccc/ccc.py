"""CCC: Lin's concordance correlation coefficient per emotion dimension and their mean, with Pearson's r and MSE."""

import datasets
import evaluate

from ser_hub import metrics  # From: ser-hub

_DESCRIPTION = """
Lin's concordance correlation coefficient (CCC) scores continuous emotion predictions (arousal, valence, dominance)
against the annotated ratings: CCC = 2·cov(p, r) / (var(p) + var(r) + (mean(p) − mean(r))²), computed with
population moments (divided by n). It is Pearson's correlation penalised for any difference in mean and scale, so
a prediction scores 1 only when it equals the reference, and −1 when it is the reference mirrored about its mean.
The module also returns Pearson's r and the mean squared error (MSE). Scores of several dimensions ([utterances,
dimensions]) are scored per dimension (`per_dimension`) and the top-level `ccc`, `pearson` and `mse` are their
means over the dimensions.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `float`, or of `list` of `float`): predicted score of each utterance, or its scores on
        several dimensions.
    references (`list` of `float`, or of `list` of `float`): annotated score(s) of each utterance, the same shape.
    dimensions (`list` of `str`, optional): a name per dimension, keys of `per_dimension` (default: 0, 1, ...).
Returns:
    ccc (`float`): the concordance correlation coefficient (the mean over dimensions), in [-1, 1].
    pearson (`float`): Pearson's correlation coefficient (the mean over dimensions), in [-1, 1].
    mse (`float`): the mean squared error (the mean over dimensions), in the scores' units squared.
    per_dimension (`dict`): {dimension: {ccc, pearson, mse}}, for several dimensions or named `dimensions`.
    CCC is NaN (undefined) only when both series are the same constant; Pearson's r whenever one series is constant.
Examples:
    >>> ccc = evaluate.load("ser-hub/ccc")
    >>> ccc.compute(predictions=[1.0, 2.0, 3.0, 4.0, 5.0], references=[1.0, 2.0, 3.0, 4.0, 5.0])
    {'ccc': 1.0, 'pearson': 1.0, 'mse': 0.0}
    >>> ccc.compute(predictions=[5.0, 4.0, 3.0, 2.0, 1.0], references=[1.0, 2.0, 3.0, 4.0, 5.0])["ccc"]
    -1.0
    >>> shifted = ccc.compute(predictions=[2.0, 3.0, 4.0, 5.0, 6.0], references=[1.0, 2.0, 3.0, 4.0, 5.0])
    >>> shifted["ccc"], shifted["pearson"], shifted["mse"]
    (0.8, 1.0, 1.0)
    >>> results = ccc.compute(predictions=[[1.0, 2.0], [2.0, 3.0], [3.0, 5.0]],
    ...                       references=[[1.0, 2.0], [2.0, 4.0], [3.0, 4.0]], dimensions=["arousal", "valence"])
    >>> results["per_dimension"]["valence"]["ccc"], round(results["ccc"], 4)
    (0.7272727272727273, 0.8636)
"""

_CITATION = """
@article{lin1989concordance,
  title={A Concordance Correlation Coefficient to Evaluate Reproducibility},
  author={Lin, Lawrence I-Kuei},
  journal={Biometrics},
  volume={45},
  number={1},
  pages={255--268},
  year={1989}
}
"""

_SCORE_FEATURES = [
    datasets.Features({"predictions": datasets.Value("float64"), "references": datasets.Value("float64")}),
    datasets.Features({"predictions": datasets.Sequence(datasets.Value("float64")),
                       "references": datasets.Sequence(datasets.Value("float64"))}),
]


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Ccc(evaluate.Metric):
    """Concordance correlation coefficient, Pearson's r and MSE of continuous emotion scores."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=_SCORE_FEATURES,
            reference_urls=["https://doi.org/10.2307/2532051"],
        )

    def add_batch(self, **batch):
        """Add a batch; an empty first batch is an error (evaluate picks the one- or several-dimension schema
        from it)."""
        if self.writer is None:
            metrics.require_utterances(**batch)
        super().add_batch(**batch)

    def _compute(self, predictions, references, dimensions=None):
        return metrics.regression_scores(predictions, references, dimensions)
