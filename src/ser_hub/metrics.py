"""The metric math of ser-hub, written once and used by the evaluate modules in `metrics/` and by the protocols.

F1 comes from scikit-learn and the statistical tests from scipy. Recall, accuracy and the confusion matrix are
counted from one numpy confusion matrix (equal to scikit-learn's, as the tests check) so that thousands of
bootstrap resamples stay cheap. Dimensional scores (Lin's concordance correlation coefficient, Pearson's r, MSE)
are numpy moments. On top: the benchmark reductions of the seed papers (SERAB UM/WM/GM, the SER Evals
out-of-domain matrix), speaker-level bootstrap intervals and the logit adjustment of SER Evals, with input checks
that name the input, the problem and the fix.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from scipy.stats import binomtest, chi2, gmean
from sklearn.metrics import f1_score

from ser_hub.errors import SerHubError

SERAB_KEYS = ("UM", "WM", "GM")
MCNEMAR_EXACT = "exact_binomial"
MCNEMAR_CHI2 = "chi2_continuity_corrected"
AVERAGE_OVER = ("labels", "references")  # the classes UAR and macro-F1 average over (`classification_scores`)


class MetricInputError(SerHubError, ValueError):
    """Inputs to a metric cannot be scored as given (mismatched lengths, empty, unknown labels, non-finite scores)."""


# ---------------------------------------------------------------------------------------------------------------------
# input checks


def require_utterances(**inputs) -> None:
    """Raise for the first given input that holds no utterance (evaluate modules call it on their first batch)."""
    for name, values in inputs.items():
        if values is not None and len(values) == 0:
            raise MetricInputError(f"{name} is empty: pass one class label per utterance (at least one utterance).")


def _label_array(values, name: str) -> np.ndarray:
    """One class label per utterance, all integers or all strings."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise MetricInputError(
            f"{name} must be a flat sequence with one class label per utterance, got shape {array.shape}."
        )
    require_utterances(**{name: array})
    if (
        array.dtype.kind == "U"
        and not isinstance(values, np.ndarray)
        and not all(isinstance(value, str) for value in values)
    ):
        raise MetricInputError(
            f"{name} mixes strings with other types: use either all integers or all strings as labels."
        )
    if array.dtype.kind not in "iuU":
        raise MetricInputError(
            f"{name} holds {array.dtype} values: class labels must be integers or strings (map scores to labels first)."
        )
    return array


def _check_same_length(**sequences) -> None:
    lengths = {name: len(sequence) for name, sequence in sequences.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name} has {length}" for name, length in lengths.items())
        raise MetricInputError(f"inputs must have one entry per utterance, but {listed}: pass aligned sequences.")


def _check_same_kind(**arrays: np.ndarray) -> None:
    kinds = {name: "strings" if array.dtype.kind == "U" else "integers" for name, array in arrays.items()}
    if len(set(kinds.values())) > 1:
        listed = ", ".join(f"{name} are {kind}" for name, kind in kinds.items())
        raise MetricInputError(f"labels must be of one type, but {listed}: convert them to the same label type.")


def _classification_inputs(predictions, references, labels=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated predictions, references and the class set (the given `labels`, else every label seen, sorted)."""
    predictions = _label_array(predictions, "predictions")
    references = _label_array(references, "references")
    _check_same_length(predictions=predictions, references=references)
    _check_same_kind(predictions=predictions, references=references)
    if labels is None:
        return predictions, references, np.union1d(references, predictions)
    labels = _label_array(labels, "labels")
    _check_same_kind(labels=labels, references=references)
    values, counts = np.unique(labels, return_counts=True)
    if (counts > 1).any():
        raise MetricInputError(f"labels lists {values[counts > 1].tolist()} more than once: give each class once.")
    unknown = np.setdiff1d(np.union1d(references, predictions), labels)
    if unknown.size:
        raise MetricInputError(
            f"predictions or references contain {unknown.tolist()[:10]}, which are not in labels {labels.tolist()}: "
            "add them to labels or fix the label mapping."
        )
    return predictions, references, labels


def _python(value):
    """A numpy scalar as the plain Python value (for JSON-friendly outputs)."""
    return value.item() if isinstance(value, np.generic) else value


# ---------------------------------------------------------------------------------------------------------------------
# classification scores


def _confusion_matrix(predictions: np.ndarray, references: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Counts of (reference, prediction) pairs, rows references and columns predictions in `labels` order."""
    order = np.argsort(labels)
    reference_codes = order[np.searchsorted(labels[order], references)]
    prediction_codes = order[np.searchsorted(labels[order], predictions)]
    classes = len(labels)
    return np.bincount(reference_codes * classes + prediction_codes, minlength=classes * classes).reshape(
        classes, classes
    )


def _recalls(matrix: np.ndarray) -> np.ndarray:
    """Per-class recall from a confusion matrix; 0 for classes without reference utterances (`zero_division=0`)."""
    support = matrix.sum(axis=1)
    return np.divide(np.diag(matrix), support, out=np.zeros(len(matrix)), where=support > 0)


def _averaged(matrix: np.ndarray, average_over: str) -> np.ndarray:
    """Which classes (rows of `matrix`) the macro averages count: all of them, or those with reference utterances."""
    if average_over not in AVERAGE_OVER:
        raise MetricInputError(
            f"average_over is {average_over!r}: choose 'labels' (every class in labels, scikit-learn's rule) or "
            "'references' (the classes present in the references, for cross-corpus tests)."
        )
    return np.ones(len(matrix), bool) if average_over == "labels" else matrix.sum(axis=1) > 0


def _rates(matrix: np.ndarray, average_over: str = "labels") -> dict[str, float]:
    """Accuracy (trace over total) and UAR (mean recall over the averaged classes) of a confusion matrix."""
    uar = np.mean(_recalls(matrix)[_averaged(matrix, average_over)])
    return {"accuracy": float(np.trace(matrix) / matrix.sum()), "uar": float(uar)}


def classification_scores(
    predictions, references, labels=None, return_confusion_matrix: bool = False, average_over: str = "labels"
) -> dict:
    """UAR (macro recall), accuracy (WA), macro and weighted F1 and per-class recall, equal to scikit-learn's.

    `labels` fixes the class set: a class absent from both inputs still counts, with recall 0, in the macro
    averages. Without it the classes are those seen in either input (scikit-learn's default). Classes with no
    reference utterance get recall 0 (scikit-learn's `zero_division=0`).

    `average_over="references"` makes UAR and macro-F1 average over the classes present in the references only,
    the rule for cross-corpus tests: a test corpus that lacks some of the training classes is not scored on
    them (a prediction of such a class is still an error, for the reference's class). Equal to scikit-learn's with
    `labels` set to the reference classes.
    """
    predictions, references, labels = _classification_inputs(predictions, references, labels)
    matrix = _confusion_matrix(predictions, references, labels)
    averaged = labels[_averaged(matrix, average_over)]
    scores = {
        **_rates(matrix, average_over),
        "macro_f1": float(f1_score(references, predictions, labels=averaged, average="macro", zero_division=0)),
        "weighted_f1": float(f1_score(references, predictions, labels=labels, average="weighted", zero_division=0)),
        "per_class_recall": {_python(label): float(recall) for label, recall in zip(labels, _recalls(matrix))},
    }
    if return_confusion_matrix:
        scores["labels"] = [_python(label) for label in labels]
        scores["confusion_matrix"] = matrix.tolist()
    return scores


def recognition_rates(predictions, references, labels=None, average_over: str = "labels") -> dict[str, float]:
    """The two headline SER rates, accuracy (weighted accuracy, WA) and UAR; cheap enough for bootstrapping.
    `labels` and `average_over` as in `classification_scores`."""
    predictions, references, labels = _classification_inputs(predictions, references, labels)
    return _rates(_confusion_matrix(predictions, references, labels), average_over)


# ---------------------------------------------------------------------------------------------------------------------
# dimensional (continuous) scores


def _score_arrays(predictions, references) -> tuple[np.ndarray, np.ndarray]:
    """Validated scores as float64 arrays of one shape: [utterances] or [utterances, dimensions]."""
    arrays = []
    for name, values in (("predictions", predictions), ("references", references)):
        try:
            array = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            raise MetricInputError(f"{name} must hold numbers (one score, or one score per dimension, per "
                                   "utterance).") from None
        if array.ndim not in (1, 2):
            raise MetricInputError(f"{name} has shape {array.shape}: give [utterances] or [utterances, dimensions].")
        require_utterances(**{name: array})
        if not np.isfinite(array).all():
            raise MetricInputError(f"{name} holds NaN or infinite scores: every utterance needs a finite score.")
        arrays.append(array)
    if arrays[0].shape != arrays[1].shape:
        raise MetricInputError(
            f"predictions have shape {arrays[0].shape} but references {arrays[1].shape}: give one score per utterance "
            "(and dimension) in both."
        )
    return arrays[0], arrays[1]


def _agreement(predictions: np.ndarray, references: np.ndarray) -> dict[str, np.ndarray]:
    """CCC, Pearson's r and MSE of each column, from population moments (divided by n); undefined ratios are NaN."""
    mean_p, mean_r = predictions.mean(axis=0), references.mean(axis=0)
    var_p, var_r = predictions.var(axis=0), references.var(axis=0)
    covariance = ((predictions - mean_p) * (references - mean_r)).mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "ccc": 2 * covariance / (var_p + var_r + (mean_p - mean_r) ** 2),
            "pearson": covariance / np.sqrt(var_p * var_r),
            "mse": ((predictions - references) ** 2).mean(axis=0),
        }


def concordance_correlation(predictions, references) -> float:
    """Lin's concordance correlation coefficient of one series of scores against its references:
    2·cov(p, r) / (var(p) + var(r) + (mean(p) − mean(r))²), with population moments (divided by n, as Lin 1989).

    1 only for identical series, −1 for a series mirrored about the common mean; unlike Pearson's r it falls when
    the predictions are shifted or scaled. NaN (undefined, 0/0) when both series are the same constant.
    """
    predictions, references = _score_arrays(predictions, references)
    if predictions.ndim != 1:
        raise MetricInputError(f"give one score per utterance (a flat sequence), got shape {predictions.shape}; "
                               "regression_scores scores several dimensions.")
    return float(_agreement(predictions, references)["ccc"])


def regression_scores(predictions, references, dimensions: Sequence | None = None) -> dict:
    """CCC (`concordance_correlation`), Pearson's r and mean squared error of continuous predictions.

    Inputs are [utterances] (one dimension) or [utterances, dimensions] (e.g. arousal, valence, dominance). Returns
    `ccc`, `pearson` and `mse`, each the mean over dimensions, and, for two-dimensional inputs or named
    `dimensions`, `per_dimension`: {name: {ccc, pearson, mse}} (names default to the column indices). Pearson's r is
    NaN for a constant series, CCC only when both series are the same constant (0/0).
    """
    predictions, references = _score_arrays(predictions, references)
    columns = 1 if predictions.ndim == 1 else predictions.shape[1]
    if dimensions is not None and len(dimensions) != columns:
        raise MetricInputError(f"dimensions names {len(dimensions)} dimensions but the scores have {columns}: "
                               "name each column once.")
    scores = _agreement(predictions.reshape(len(predictions), columns), references.reshape(len(references), columns))
    result = {key: float(np.mean(values)) for key, values in scores.items()}
    if predictions.ndim == 2 or dimensions is not None:
        names = [_python(name) for name in dimensions] if dimensions is not None else list(range(columns))
        result["per_dimension"] = {
            name: {key: float(values[index]) for key, values in scores.items()} for index, name in enumerate(names)
        }
    return result


# ---------------------------------------------------------------------------------------------------------------------
# SERAB benchmark scores


def _geometric_mean(values: np.ndarray) -> float:
    """Geometric mean of non-negative scores; exactly 0 when any score is 0 (log(0) is never taken)."""
    return 0.0 if (values == 0).any() else float(gmean(values))


def _benchmark_means(values: np.ndarray, weights: np.ndarray | None) -> tuple[float, float | None, float]:
    """(UM, WM, GM): unweighted, size-weighted (None without sizes) and geometric mean."""
    weighted = None if weights is None else float(np.average(values, weights=weights))
    return float(np.mean(values)), weighted, _geometric_mean(values)


def _task_score(task: str, value) -> dict[str, float]:
    """A task's entry as {"accuracy": ..., ["uar": ...]}, checked finite and non-negative."""
    entry = {"accuracy": value} if not isinstance(value, Mapping) else dict(value)
    if "accuracy" not in entry or set(entry) - {"accuracy", "uar"}:
        raise MetricInputError(
            f"task_scores[{task!r}] is {value!r}: give the task's accuracy as a number, or a dict with 'accuracy' "
            "and optionally 'uar'."
        )
    for key, score in entry.items():
        if (
            isinstance(score, bool)
            or not isinstance(score, (int, float, np.number))
            or not math.isfinite(score)
            or score < 0
        ):
            raise MetricInputError(
                f"task_scores[{task!r}][{key!r}] is {score!r}: scores must be finite non-negative numbers "
                "(the geometric mean is undefined otherwise)."
            )
        entry[key] = float(score)
    return entry


def serab_scores(
    task_scores: Mapping[str, float | Mapping[str, float]], test_sizes: Mapping[str, int] | None = None
) -> dict:
    """SERAB's benchmark scores from per-task scores (SERAB §2.2, Table 3).

    `task_scores` maps each task to its test accuracy, or to {"accuracy": ..., "uar": ...}. Returns UM (unweighted
    mean of the task accuracies), WM (mean weighted by `test_sizes`, the number of test utterances per task; None
    when no sizes are given), GM (geometric mean), the same for UAR as UM_uar/WM_uar/GM_uar when every task has a
    UAR, and `per_task`. Scores keep their scale (fractions or percent).
    """
    if not task_scores:
        raise MetricInputError("task_scores is empty: give at least one task's score.")
    per_task = {task: _task_score(task, value) for task, value in task_scores.items()}
    with_uar = [task for task, entry in per_task.items() if "uar" in entry]
    if with_uar and len(with_uar) != len(per_task):
        raise MetricInputError(
            f"only some tasks have a UAR ({sorted(with_uar)}): give 'uar' for every task or for none."
        )
    weights = None
    if test_sizes is not None:
        if set(test_sizes) != set(per_task):
            raise MetricInputError(
                f"test_sizes covers {sorted(test_sizes)} but task_scores covers {sorted(per_task)}: "
                "give one test-set size per task."
            )
        for task, size in test_sizes.items():
            if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
                raise MetricInputError(f"test_sizes[{task!r}] is {size!r}: a test-set size is a positive integer.")
            per_task[task]["test_size"] = int(size)
        weights = np.array([per_task[task]["test_size"] for task in per_task], dtype=float)
    result = {}
    metrics = ("accuracy", "uar") if with_uar else ("accuracy",)
    for metric in metrics:
        values = np.array([entry[metric] for entry in per_task.values()])
        suffix = "" if metric == "accuracy" else "_uar"
        for key, value in zip(SERAB_KEYS, _benchmark_means(values, weights)):
            result[key + suffix] = value
    result["per_task"] = per_task
    return result


def _task_array(tasks, predictions: np.ndarray) -> np.ndarray:
    """The task (corpus) name of each utterance."""
    tasks = _label_array(tasks, "task")
    _check_same_length(predictions=predictions, task=tasks)
    return tasks.astype(str)


def serab_scores_from_predictions(predictions, references, tasks) -> dict:
    """SERAB scores from per-utterance predictions: per-task accuracy and UAR, test sizes counted per task."""
    predictions, references, _ = _classification_inputs(predictions, references)
    tasks = _task_array(tasks, predictions)
    task_scores, test_sizes = {}, {}
    for task in np.unique(tasks):
        selected = tasks == task
        task_scores[str(task)] = recognition_rates(predictions[selected], references[selected])
        test_sizes[str(task)] = int(selected.sum())
    return serab_scores(task_scores, test_sizes)


# ---------------------------------------------------------------------------------------------------------------------
# bootstrap confidence intervals


def _resampling_units(predictions: np.ndarray, references: np.ndarray, groups) -> list[np.ndarray]:
    """The units drawn with replacement: whole groups (sorted by name), or single utterances in a canonical order.

    Both orders depend only on the content, so permuting the utterances leaves the intervals unchanged.
    """
    if groups is None:
        return [np.array([index]) for index in np.lexsort((predictions, references))]
    groups = np.asarray(groups)
    if groups.ndim != 1 or groups.dtype.kind not in "iuU":
        raise MetricInputError("groups must give one integer or string group id (e.g. the speaker) per utterance.")
    _check_same_length(predictions=predictions, groups=groups)
    names, inverse = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(inverse == position) for position in range(len(names))]
    return [indices[np.lexsort((predictions[indices], references[indices]))] for indices in members]


def _bootstrap_distribution(metric_fn, predictions, references, groups, n_resamples: int, seed) -> list:
    """`metric_fn` evaluated on `n_resamples` resamples of the units (whole groups when given)."""
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) or n_resamples < 1:
        raise MetricInputError(f"n_resamples is {n_resamples!r}: use a positive integer such as 1000.")
    predictions, references, _ = _classification_inputs(predictions, references)
    units = _resampling_units(predictions, references, groups)
    rng = np.random.default_rng(seed)
    distribution = []
    for _ in range(n_resamples):
        indices = np.concatenate([units[position] for position in rng.integers(0, len(units), len(units))])
        distribution.append(metric_fn(predictions[indices], references[indices]))
    return distribution


def _percentile_interval(distribution: list, confidence: float):
    """Percentile interval of a list of floats, or of each key of a list of dicts."""
    if isinstance(distribution[0], Mapping):
        return {
            key: _percentile_interval([sample[key] for sample in distribution], confidence) for key in distribution[0]
        }
    low, high = np.percentile(np.asarray(distribution, dtype=float), [50 * (1 - confidence), 50 * (1 + confidence)])
    return float(low), float(high)


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise MetricInputError(f"confidence is {confidence!r}: give the coverage as a fraction, e.g. 0.95.")


def bootstrap_ci(
    metric_fn: Callable[[np.ndarray, np.ndarray], float | Mapping[str, float]],
    predictions,
    references,
    groups=None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
):
    """Percentile bootstrap confidence interval of `metric_fn(predictions, references)`.

    With `groups` (one id per utterance, e.g. the speaker) whole groups are resampled, so the interval reflects
    variation between speakers rather than between utterances of the same speaker. `metric_fn` returns a float,
    giving a (low, high) tuple, or a dict of floats, giving a dict of (low, high) tuples. Seeded and independent of
    the order of the utterances.
    """
    _check_confidence(confidence)
    return _percentile_interval(
        _bootstrap_distribution(metric_fn, predictions, references, groups, n_resamples, seed), confidence
    )


def serab_confidence_intervals(
    predictions, references, tasks, groups=None, n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """Percentile intervals of UM, WM, GM and their UAR versions, resampling within each task (stratified).

    Every task keeps its place in the benchmark and its test size in WM; within a task, utterances (or whole
    groups, e.g. speakers) are drawn with replacement, each task from its own seeded stream.
    """
    _check_confidence(confidence)
    predictions, references, _ = _classification_inputs(predictions, references)
    tasks = _task_array(tasks, predictions)
    groups = None if groups is None else np.asarray(groups)
    if groups is not None:
        _check_same_length(predictions=predictions, groups=groups)
    names = [str(task) for task in np.unique(tasks)]
    per_task, test_sizes = {}, {}
    for name, task_seed in zip(names, np.random.SeedSequence(seed).spawn(len(names))):
        selected = tasks == name
        task_groups = None if groups is None else groups[selected]
        per_task[name] = _bootstrap_distribution(
            recognition_rates, predictions[selected], references[selected], task_groups, n_resamples, task_seed
        )
        test_sizes[name] = int(selected.sum())
    distribution = []
    for sample in range(n_resamples):
        scores = serab_scores({name: per_task[name][sample] for name in names}, test_sizes)
        distribution.append({key: value for key, value in scores.items() if key != "per_task"})
    return _percentile_interval(distribution, confidence)


# ---------------------------------------------------------------------------------------------------------------------
# SER Evals out-of-domain matrix


def pivot_ood_cells(train_corpus, test_corpus, score) -> tuple[list[str], np.ndarray]:
    """Cells (training corpus, test corpus, score) as a square matrix over the sorted corpus names.

    Rows are training corpora, columns test corpora; cells never evaluated are NaN (never zero). A cell given
    twice, a non-finite score or misaligned inputs are errors.
    """
    train_corpus, test_corpus = list(train_corpus), list(test_corpus)
    try:
        score = np.asarray(score, dtype=float)
    except (TypeError, ValueError):
        raise MetricInputError(
            "score must hold one number per cell; remove the cells that were not evaluated."
        ) from None
    if score.ndim != 1:
        raise MetricInputError(f"score must be a flat sequence with one number per cell, got shape {score.shape}.")
    _check_same_length(train_corpus=train_corpus, test_corpus=test_corpus, score=score)
    if not train_corpus:
        raise MetricInputError("the matrix is empty: pass one (train_corpus, test_corpus, score) cell per evaluation.")
    for name in train_corpus + test_corpus:
        if not isinstance(name, str) or not name:
            raise MetricInputError(f"corpus name {name!r} is not a non-empty string: name each corpus, e.g. 'emodb'.")
    corpora = sorted(set(train_corpus) | set(test_corpus))
    position = {name: index for index, name in enumerate(corpora)}
    matrix = np.full((len(corpora), len(corpora)), np.nan)
    for train, test, value in zip(train_corpus, test_corpus, score):
        if not math.isfinite(value):
            raise MetricInputError(
                f"the cell trained on {train!r} and tested on {test!r} has score {value}: every given cell needs a "
                "finite score; leave cells that were not evaluated out instead."
            )
        if not math.isnan(matrix[position[train], position[test]]):
            raise MetricInputError(
                f"the cell trained on {train!r} and tested on {test!r} is given twice: give each cell once."
            )
        matrix[position[train], position[test]] = value
    return corpora, matrix


def ood_weighted_average(
    in_domain_mean: float, in_domain_std: float, ood_mean: float, ood_std: float, lam: float = 1.0
) -> float:
    """SER Evals §4.4: (ID mean + OOD mean) / 2 − λ · (ID std + OOD std) / 2."""
    return (in_domain_mean + ood_mean) / 2 - lam * (in_domain_std + ood_std) / 2


def _sample_std(values: np.ndarray, what: str) -> float:
    if values.size < 2:
        raise MetricInputError(
            f"{what} has {values.size} value(s): a sample standard deviation (ddof=1) needs at least two; "
            "evaluate more cells."
        )
    return float(np.std(values, ddof=1))


def _line_means(block: np.ndarray, names: list[str]) -> dict[str, float]:
    """Mean of each row of `block` over its evaluated cells; rows with none are left out."""
    return {name: float(np.nanmean(row)) for name, row in zip(names, block) if not np.isnan(row).all()}


def ood_matrix_scores(
    train_corpus, test_corpus, score, eligible: Sequence[str] | None = None, lam: float = 1.0
) -> dict:
    """The SER Evals reductions of a train-corpus × test-corpus score matrix (§3.5, §4.4).

    In-domain mean and sample std over every diagonal cell; out-of-domain reductions over the off-diagonal cells
    whose training and test corpora are both `eligible` (default: all): per training corpus (row means), per
    unseen test corpus (column means), and the mean and sample std of the row means; then the weighted average
    with discount `lam`. Missing cells are skipped, never read as zero.
    """
    corpora, matrix = pivot_ood_cells(train_corpus, test_corpus, score)
    if not math.isfinite(lam):
        raise MetricInputError(f"lam is {lam!r}: the discount factor must be a finite number (the paper uses 1.0).")
    if eligible is None:
        eligible = corpora
    else:
        eligible = sorted(set(eligible))
        unknown = sorted(set(eligible) - set(corpora))
        if unknown:
            raise MetricInputError(
                f"eligible names {unknown}, which are not in the matrix (corpora: {corpora}): "
                "fix the names or drop them."
            )
    diagonal = np.diag(matrix)
    diagonal = diagonal[~np.isnan(diagonal)]
    in_domain_std = _sample_std(diagonal, "the diagonal (in-domain cells)")
    off_diagonal = matrix.copy()
    np.fill_diagonal(off_diagonal, np.nan)
    selected = [corpora.index(name) for name in eligible]
    block = off_diagonal[np.ix_(selected, selected)]
    given_train = _line_means(block, eligible)
    unseen = _line_means(block.T, eligible)
    row_means = np.array(list(given_train.values()))
    ood_std = _sample_std(row_means, "the out-of-domain row means (eligible training corpora with off-diagonal cells)")
    in_domain_mean, ood_mean = float(np.mean(diagonal)), float(np.mean(row_means))
    return {
        "in_domain_mean": in_domain_mean,
        "in_domain_std": in_domain_std,
        "ood_given_train": given_train,
        "ood_unseen": unseen,
        "ood_mean": ood_mean,
        "ood_std": ood_std,
        "weighted_average": ood_weighted_average(in_domain_mean, in_domain_std, ood_mean, ood_std, lam),
    }


# ---------------------------------------------------------------------------------------------------------------------
# McNemar's test


def mcnemar_test(predictions1, predictions2, references, exact_threshold: int = 25) -> dict:
    """McNemar's test of two systems' paired errors on the same references (EmoNet §7, McNemar 1947).

    Counts the discordant pairs b (only the first system right) and c (only the second right). With b + c below
    `exact_threshold` the exact two-sided binomial test (statistic min(b, c)) is used, otherwise the chi-square
    test with continuity correction, (|b − c| − 1)² / (b + c), on one degree of freedom. `method` says which.
    """
    predictions1 = _label_array(predictions1, "predictions1")
    predictions2 = _label_array(predictions2, "predictions2")
    references = _label_array(references, "references")
    _check_same_length(predictions1=predictions1, predictions2=predictions2, references=references)
    _check_same_kind(predictions1=predictions1, predictions2=predictions2, references=references)
    correct1, correct2 = predictions1 == references, predictions2 == references
    only_first, only_second = int(np.sum(correct1 & ~correct2)), int(np.sum(~correct1 & correct2))
    discordant = only_first + only_second
    if discordant < exact_threshold:
        method, statistic = MCNEMAR_EXACT, float(min(only_first, only_second))
        p_value = 1.0 if discordant == 0 else float(binomtest(min(only_first, only_second), discordant, 0.5).pvalue)
    else:
        method = MCNEMAR_CHI2
        statistic = (abs(only_first - only_second) - 1) ** 2 / discordant
        p_value = float(chi2.sf(statistic, df=1))
    return {
        "statistic": statistic,
        "p_value": p_value,
        "method": method,
        "both_correct": int(np.sum(correct1 & correct2)),
        "only_first_correct": only_first,
        "only_second_correct": only_second,
        "both_wrong": int(np.sum(~correct1 & ~correct2)),
    }


# ---------------------------------------------------------------------------------------------------------------------
# logit adjustment


def _prior(prior, classes: int, name: str) -> np.ndarray:
    """A class prior (probabilities or counts) normalised to sum to one."""
    prior = np.asarray(prior, dtype=float)
    if prior.shape != (classes,):
        raise MetricInputError(
            f"{name} has shape {prior.shape} but the logits have {classes} classes: give one value per class."
        )
    if not np.isfinite(prior).all() or (prior < 0).any() or prior.sum() == 0:
        raise MetricInputError(f"{name} is {prior.tolist()}: a prior needs finite non-negative values, not all zero.")
    return prior / prior.sum()


def logit_adjust(logits, train_prior, target_prior=None, tau: float = 1.0) -> np.ndarray:
    """Logit adjustment (Menon et al. 2021) as SER Evals §3.4 applies it to correct for class priors.

    Returns logits − τ·log(train prior), plus τ·log(target prior) when a target prior is given. Priors may be
    probabilities or counts. A class whose prior is zero (in either prior) cannot occur under it: its adjusted
    logit is −inf, so it is never predicted and gets probability 0 — never NaN. τ = 0 returns the logits unchanged.
    """
    logits = np.asarray(logits, dtype=float)
    if logits.ndim == 0 or np.isnan(logits).any():
        raise MetricInputError("logits must be an array of shape (..., classes) without NaN.")
    if not (math.isfinite(tau) and tau >= 0):
        raise MetricInputError(f"tau is {tau!r}: the adjustment strength must be a finite number >= 0 (usually 1.0).")
    classes = logits.shape[-1]
    priors = [_prior(train_prior, classes, "train_prior")]
    if target_prior is not None:
        priors.append(_prior(target_prior, classes, "target_prior"))
    if tau == 0:
        return logits.copy()
    impossible = np.logical_or.reduce([prior == 0 for prior in priors])
    possible = ~impossible
    log_ratio = np.zeros(classes)
    log_ratio[possible] = -np.log(priors[0][possible])
    if target_prior is not None:
        log_ratio[possible] += np.log(priors[1][possible])
    return np.where(impossible, -np.inf, logits + tau * log_ratio)
