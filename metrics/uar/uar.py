"""UAR: unweighted average recall (macro recall), accuracy, F1 and per-class recall for speech emotion recognition."""

import functools

import datasets
import evaluate

from ser_hub import metrics  # From: ser-hub

_DESCRIPTION = """
Unweighted average recall (UAR) is the mean of the per-class recalls, the headline metric of speech emotion
recognition because emotion corpora are imbalanced: every class counts the same however many utterances it has.
The module also returns accuracy (weighted accuracy, WA), macro and weighted F1, the recall of each class and,
on request, the confusion matrix and percentile bootstrap confidence intervals that resample whole speakers.
All values equal scikit-learn's `recall_score(average="macro")`, `accuracy_score` and `f1_score`.

Which classes the macro averages count: by default every class in `labels` (scikit-learn's rule), so a class the
test set lacks counts with recall 0. In cross-corpus tests, where a test corpus may lack some of the training
classes, pass `average_over="references"`: UAR and macro-F1 then average over the classes present in the references
only (equal to scikit-learn's with `labels` set to those classes); a prediction of another class is still an error.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `int` or `str`): predicted class of each utterance.
    references (`list` of `int` or `str`): true class of each utterance.
    labels (`list`, optional): the class set. Classes absent from both inputs still count (with recall 0) in the
        macro averages; a label outside this set is an error. Default: every class seen in either input.
    average_over (`str`, default `"labels"`): the classes UAR and macro-F1 average over: `"labels"` (every class in
        `labels`) or `"references"` (only the classes present in the references: the cross-corpus rule).
    return_confusion_matrix (`bool`, default `False`): also return `labels` and `confusion_matrix`
        (rows: references, columns: predictions, in `labels` order).
    confidence_interval (`bool`, default `False`): also return percentile bootstrap intervals of UAR and accuracy.
    groups (`list`, optional): one group id per utterance (e.g. the speaker); the bootstrap resamples whole groups.
    n_resamples (`int`, default 1000), confidence (`float`, default 0.95), seed (`int`, default 0): bootstrap settings.
Returns:
    uar (`float`): macro recall, in [0, 1].
    accuracy (`float`): fraction of utterances classified correctly (WA).
    macro_f1 (`float`), weighted_f1 (`float`): F1 averaged over classes, unweighted and weighted by support.
    per_class_recall (`dict`): recall of each class.
    labels (`list`), confusion_matrix (`list` of `list`): with `return_confusion_matrix=True`.
    uar_ci, accuracy_ci (`tuple` (low, high)): with `confidence_interval=True`.
Examples:
    >>> uar = evaluate.load("ser-hub/uar")
    >>> results = uar.compute(predictions=["anger", "anger", "sadness", "sadness"],
    ...                       references=["anger", "sadness", "sadness", "sadness"])
    >>> round(results["uar"], 4), results["accuracy"]
    (0.8333, 0.75)
    >>> results["per_class_recall"]
    {'anger': 1.0, 'sadness': 0.6666666666666666}
    >>> uar.compute(predictions=[0, 1], references=[0, 1], labels=[0, 1, 2])["uar"]
    0.6666666666666666
    >>> uar.compute(predictions=[0, 1], references=[0, 1], labels=[0, 1, 2], average_over="references")["uar"]
    1.0
    >>> uar.compute(predictions=[0, 1, 1], references=[0, 1, 0], return_confusion_matrix=True)["confusion_matrix"]
    [[1, 1], [0, 1]]
    >>> uar.compute(predictions=[0, 1, 1, 1], references=[0, 1, 1, 1], groups=["s1", "s1", "s2", "s2"],
    ...             confidence_interval=True, n_resamples=100)["uar_ci"]
    (1.0, 1.0)
"""

_CITATION = """
@article{schuller2011recognising,
  title={Recognising realistic emotions and affect in speech:
         State of the art and lessons learnt from the first challenge},
  author={Schuller, Bj{\\"o}rn and Batliner, Anton and Steidl, Stefan and Seppi, Dino},
  journal={Speech Communication},
  volume={53},
  number={9-10},
  pages={1062--1087},
  year={2011}
}
@article{pedregosa2011scikit,
  title={Scikit-learn: Machine Learning in {P}ython},
  author={Pedregosa, F. and Varoquaux, G. and Gramfort, A. and Michel, V. and Thirion, B. and Grisel, O. and others},
  journal={Journal of Machine Learning Research},
  volume={12},
  pages={2825--2830},
  year={2011}
}
"""

_LABEL_FEATURES = [
    datasets.Features({"predictions": datasets.Value(dtype), "references": datasets.Value(dtype)})
    for dtype in ("int64", "string")
]


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Uar(evaluate.Metric):
    """Unweighted average recall and companion classification scores."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=_LABEL_FEATURES,
            reference_urls=["https://scikit-learn.org/stable/modules/generated/sklearn.metrics.recall_score.html"],
        )

    def add_batch(self, **batch):
        """Add a batch; an empty first batch is an error (evaluate picks the int or string schema from it)."""
        if self.writer is None:
            metrics.require_utterances(**batch)
        super().add_batch(**batch)

    def _compute(
        self,
        predictions,
        references,
        labels=None,
        average_over="labels",
        return_confusion_matrix=False,
        confidence_interval=False,
        groups=None,
        n_resamples=1000,
        confidence=0.95,
        seed=0,
    ):
        results = metrics.classification_scores(
            predictions, references, labels, return_confusion_matrix, average_over=average_over
        )
        if confidence_interval:
            intervals = metrics.bootstrap_ci(
                functools.partial(metrics.recognition_rates, labels=labels, average_over=average_over),
                predictions,
                references,
                groups=groups,
                n_resamples=n_resamples,
                confidence=confidence,
                seed=seed,
            )
            results.update({f"{name}_ci": interval for name, interval in intervals.items()})
        return results
