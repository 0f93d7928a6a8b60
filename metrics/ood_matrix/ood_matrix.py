"""OOD matrix: the SER Evals in-domain and out-of-domain reductions of a train x test corpus score matrix."""

import datasets
import evaluate

from ser_hub import metrics  # From: ser-hub

_DESCRIPTION = """
SER Evals (Osman et al., 2024) trains a probe on each corpus and tests it on every corpus. The scores (macro F1
in the paper) form a matrix: rows are training corpora, columns test corpora, the diagonal is in-domain. This
module takes the evaluated cells, one row each, and returns the paper's reductions: the mean and sample standard
deviation (ddof 1) of the diagonal over all corpora; for each training corpus the mean of its row's off-diagonal
cells ("out-of-domain given training corpus"); for each test corpus the mean of its column's off-diagonal cells
("average performance when unseen"); the mean and sample standard deviation of the row means; and the weighted
average (ID mean + OOD mean) / 2 − λ (ID std + OOD std) / 2. Out-of-domain reductions use only cells whose
training and test corpora are both OOD-eligible (they share exactly the same classes). Cells that were not
evaluated are skipped, never read as zero; a cell given twice or a non-finite score is an error.

Cell scores: in a cross-corpus cell the test corpus may lack some of the training classes. ser-hub's SER Evals
protocol computes each cell's UAR and macro-F1 over the classes present in the test references (the `uar` module's
`average_over="references"`), so an absent class neither counts as recall 0 nor divides the score; the
training-class variant stays available as `uar_training_classes` and `macro_f1_training_classes`.
"""

_KWARGS_DESCRIPTION = """
Args:
    train_corpus (`list` of `str`): the training corpus of each cell (its row).
    test_corpus (`list` of `str`): the test corpus of each cell (its column).
    score (`list` of `float`): the cell's score, e.g. macro F1 over the classes present in the test references.
    eligible (`list` of `str`, optional): corpora that take part in the out-of-domain reductions. Default: all.
    lam (`float`, default 1.0): the discount λ of the standard deviations in the weighted average.
Returns:
    in_domain_mean, in_domain_std (`float`): over all diagonal cells.
    ood_given_train (`dict`): eligible training corpus -> mean of its eligible off-diagonal cells.
    ood_unseen (`dict`): eligible test corpus -> mean of its eligible off-diagonal cells.
    ood_mean, ood_std (`float`): mean and sample standard deviation of the `ood_given_train` values.
    weighted_average (`float`): (in_domain_mean + ood_mean) / 2 - lam * (in_domain_std + ood_std) / 2.
Examples:
    >>> ood_matrix = evaluate.load("ser-hub/ood_matrix")
    >>> results = ood_matrix.compute(train_corpus=["emodb", "emodb", "emovo", "emovo"],
    ...                              test_corpus=["emodb", "emovo", "emodb", "emovo"],
    ...                              score=[0.9, 0.4, 0.2, 0.7])
    >>> results["ood_given_train"], results["ood_unseen"]
    ({'emodb': 0.4, 'emovo': 0.2}, {'emodb': 0.2, 'emovo': 0.4})
    >>> round(results["in_domain_mean"], 4), round(results["ood_mean"], 4), round(results["weighted_average"], 4)
    (0.8, 0.3, 0.4086)
"""

_CITATION = """
@inproceedings{osman2024serevals,
  title={{SER} Evals: In-domain and Out-of-domain Benchmarking for Speech Emotion Recognition},
  author={Osman, Mohamed and Kaplan, Daniel Z. and Nadeem, Tamer},
  booktitle={Interspeech 2024},
  year={2024}
}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class OodMatrix(evaluate.Metric):
    """SER Evals in-domain / out-of-domain matrix reductions."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "train_corpus": datasets.Value("string"),
                    "test_corpus": datasets.Value("string"),
                    "score": datasets.Value("float64"),
                }
            ),
            reference_urls=["https://arxiv.org/abs/2408.07851"],
        )

    def _compute(self, train_corpus, test_corpus, score, eligible=None, lam=1.0):
        return metrics.ood_matrix_scores(train_corpus, test_corpus, score, eligible=eligible, lam=lam)
