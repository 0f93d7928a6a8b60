"""The SERAB protocol (Scheidwasser-Clow et al., SERAB §2.2; docs/design.md §8) on frozen utterance embeddings.

Embeddings are standardised per speaker within each split, as the reference code does (`global` and `none` are the
alternatives for corpora whose speakers are confounded with their emotions: per-speaker standardisation then erases
the signal). Five scikit-learn classifiers are grid-searched on the fixed train/validation split (fit on train,
accuracy on validation, as `GridSearchCV` with a `PredefinedSplit`); the best configuration of each is refit on
train+validation and scored on test (accuracy and UAR). One classifier is reported: the best on validation (default,
no test leakage) or, as the reference code does, the best on test. `serab_benchmark` aggregates tasks (UM/WM/GM).

The search gives exactly what `GridSearchCV` gives (`reference_search` runs that plain version; the tests compare
both) with less work and less waiting (`benchmarks/serab_classifiers.py` measures it against `GridSearchCV(n_jobs=-1)`
as the reference code runs it). Exact work is shared: a random forest whose trees all stay shallower than its
`max_depth` never hit that limit, so it is also the forest of every larger `max_depth` and those grid points are not
fitted again (a chain of grid points, deepest first, is one task). The fits run on joblib's worker processes, each
array memory-mapped to them once, rather than on threads: libsvm releases the GIL (two threads fit two linear SVCs
2.0x as fast as one) but a forest holds it for its per-tree Python work (1.75x) and lbfgs for most of its iterations
(1.0x). The workers outlive a run (joblib reuses them); starting them costs the first run in a process a few seconds
(each imports `ser_hub.protocols`). Fits start longest first (the discriminant analyses, whose fits grow with the cube
of the embedding size: LDA's least-squares solve, most of its fit, takes 0.1 s at 512 dimensions and 80 s at
openSMILE's 6373, its automatic shrinkage a sixth of that; then the forest chains; then decreasing C), the refit of a
one-point grid (LDA) with them, since its point is the best unless its fit fails, and the other refits as soon as the
searches end, longest first too: no long fit is left running alone at the end. Selection follows `GridSearchCV`: the
first best grid point in grid order, failed fits ranked last.

Left out because they change results: precomputed SVC kernels (with libsvm's kernel cache, kernel evaluations are a
small part of a fit: a precomputed Gram matrix saved about 5% of a linear fit on URDU, the SMO iterations dominate; and
their rounding differs from libsvm's) and warm-started logistic regressions (they end at different iterates). Left out
although exact: reusing the single trees of a deeper forest that stayed shallower than a smaller `max_depth` (a fifth
to a third of the forest fits left on URDU) needs scikit-learn's private tree-building code; and a linear SVC's SMO
iterates do not depend on C until a dual variable reaches C, but libsvm's output cannot tell whether one ever did.

Iteration limits are the reference code's (`get_sklearn_models` in SERAB's `clf_benchmark.py`): logistic regression
stops after `LOGISTIC_REGRESSION_MAX_ITER` = 10,000 lbfgs iterations (`LogisticRegression(max_iter=1e4)` there;
scikit-learn's default is 100) and SVC after `SVC_MAX_ITER` = 10,000 SMO iterations per class pair (`SVC(max_iter=1e4)`
there; libsvm's default, no limit, did not finish in minutes for the linear kernel at C >= 100 on per-speaker
standardised URDU embeddings, most class pairs still unconverged after 10^6 iterations). The reference passes 1e4, a
float, which the scikit-learn of its time accepted; scikit-learn 1.9 requires an integer, so both are the int 10_000,
the same limit. A fit stopped by its limit is kept, as there, and its ConvergenceWarning recorded in `fit_warnings`.

One departure from the reference run: scikit-learn 1.9 refuses QDA (svd solver) whenever a class has no more training
utterances than embedding dimensions, whatever `reg_param`: such grid points are recorded as failed, as is any failing
fit, and the run carries on with the other classifiers.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, ParameterGrid, PredefinedSplit
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from tqdm.auto import tqdm

from ser_hub.errors import SerHubError
from ser_hub.metrics import classification_scores, serab_scores
from ser_hub.protocols.options import SELECT_MODES, STANDARDIZE_MODES

if TYPE_CHECKING:  # datasets and the audit load with run_serab, not in the search's worker processes
    import datasets

    from ser_hub.audit import AuditReport

SEED = 42
SPLITS = ("train", "validation", "test")
LOGISTIC_REGRESSION_MAX_ITER = 10_000
SVC_MAX_ITER = 10_000
C_GRID = np.logspace(5, -5, 11).tolist()
CLASS_WEIGHTS = ["balanced", None]
_AUDIT_COLUMNS = ("speaker_id", "native_label", "duration")
# The log-mel mean and standard deviation SERAB standardised each corpus with before BYOL-A/BYOL-S/CvT, as published
# in SERAB's `settings.py` (`CLF_STATS_DICT`, keyed there by its TFDS names; IEMOCAP is its four-class `iem4`).
PUBLISHED_LOGMEL_STATISTICS = {
    "aesdd": (-4.1785407066345215, 4.3656463623046875),
    "cafe": (-7.9731621742248535, 5.112339973449707),
    "crema_d": (-4.993728160858154, 3.1366026401519775),
    "emodb": (-2.6927330493927, 4.103071212768555),
    "emovo": (-6.7016167640686035, 4.619407653808594),
    "iemocap": (-5.752230644226074, 3.403254508972168),
    "ravdess": (-10.320347785949707, 4.999551773071289),
    "savee": (-7.362058639526367, 4.717724800109863),
    "shemo": (-3.533191204071045, 4.027871608734131),
}
PUBLISHED_LABEL_SETS = {"iemocap": "iem4"}  # the label set SERAB's statistics were computed on, where a corpus has several


def published_statistics(corpus: str, label_set: str | None) -> dict[str, float] | None:
    """SERAB's published log-mel statistics of a corpus as it prepared it (`norm_mean`, `norm_std`), or None."""
    if corpus not in PUBLISHED_LOGMEL_STATISTICS or label_set != PUBLISHED_LABEL_SETS.get(corpus):
        return None
    mean, std = PUBLISHED_LOGMEL_STATISTICS[corpus]
    return {"norm_mean": mean, "norm_std": std}


class SerabInputError(SerHubError, ValueError):
    """Embeddings or options cannot be run through the SERAB protocol as given."""


@dataclass(frozen=True)
class ClassifierSpec:
    """One classifier of the protocol: a name, the estimator with its fixed settings, and the grid searched."""

    name: str
    estimator: BaseEstimator
    grid: Mapping[str, Sequence]

    def candidates(self) -> list[dict]:
        """The grid points in `GridSearchCV`'s order, which breaks ties between equal validation scores."""
        return list(ParameterGrid(dict(self.grid)))


def serab_classifiers(seed: int = SEED) -> tuple[ClassifierSpec, ...]:
    """The five classifiers and grids of SERAB (docs/design.md §8), seeded where an estimator draws random numbers."""
    return (
        ClassifierSpec("lda", LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"), {}),
        ClassifierSpec(
            "logistic_regression",
            LogisticRegression(max_iter=LOGISTIC_REGRESSION_MAX_ITER, random_state=seed),
            {"C": C_GRID, "class_weight": CLASS_WEIGHTS},
        ),
        ClassifierSpec("qda", QuadraticDiscriminantAnalysis(), {"reg_param": [0.0, 0.1, 0.25]}),
        ClassifierSpec(
            "random_forest",
            RandomForestClassifier(random_state=seed),
            {"max_depth": [5, 10, 15, 20, 25], "min_samples_split": [2, 5, 10], "class_weight": CLASS_WEIGHTS},
        ),
        ClassifierSpec(
            "svc",
            SVC(max_iter=SVC_MAX_ITER, random_state=seed),
            {"kernel": ["rbf", "linear"], "C": C_GRID, "class_weight": CLASS_WEIGHTS},
        ),
    )


@dataclass(frozen=True)
class SplitData:
    """One split as arrays: `embeddings` [utterances, dim], and one label and one speaker id per utterance."""

    embeddings: np.ndarray
    labels: np.ndarray
    speakers: np.ndarray


@dataclass
class GridPoint:
    """A configuration searched and its validation accuracy (None when its fit failed)."""

    params: dict
    validation_accuracy: float | None


@dataclass
class FailedConfiguration:
    """A configuration whose fit raised: at the `search` stage (fit on train) or the `refit` (train+validation)."""

    classifier: str
    params: dict
    stage: str
    error: str


@dataclass
class ClassifierResult:
    """One classifier's search and test scores; the test fields are None when no configuration could be fitted.

    `fits` counts the fits the search ran (fewer than the grid points where work was shared); `seconds` is the time
    spent in its fits, refit included. `confusion_matrix` rows are references, columns predictions, in the result's
    `labels` order.
    """

    name: str
    grid: list[GridPoint]
    fits: int
    best_params: dict | None
    validation_accuracy: float | None
    test_accuracy: float | None
    test_uar: float | None
    test_predictions: list | None
    confusion_matrix: list[list[int]] | None
    seconds: float


@dataclass
class SerabResult:
    """Everything one SERAB task computed, as plain data (`to_dict` is JSON-serialisable).

    `selected` names the reported classifier (by `select`) and `test_accuracy`/`test_uar` are its scores. `labels`
    are the class values in classifier order (`label_names` their names), `test_references` the test labels.
    `warnings` carries the audit's warnings about the data; `fit_warnings` counts the library warnings raised by the
    fits (e.g. convergence); `seconds` times the standardisation, the classifiers and the whole run.
    """

    selected: str
    select: str
    standardize: str
    seed: int
    test_accuracy: float
    test_uar: float
    test_size: int
    labels: list
    label_names: list[str]
    test_references: list
    classifiers: dict[str, ClassifierResult]
    failed: list[FailedConfiguration]
    warnings: list[str] = field(default_factory=list)
    fit_warnings: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def run_serab(
    dataset: Mapping[str, datasets.Dataset],
    *,
    standardize: str = "speaker",
    select: str = "validation",
    embedding_column: str = "embedding",
    label_column: str = "native_label",
    classifiers: Sequence[ClassifierSpec] | None = None,
    seed: int = SEED,
    n_jobs: int | None = -1,
    progress: bool = True,
) -> SerabResult:
    """Run the SERAB protocol on one corpus's utterance embeddings.

    `dataset` maps `train`, `validation` and `test` to datasets with `embedding_column` (e.g. from
    `ser_hub.features.extract` with an utterance-level extractor), `speaker_id` and `label_column` (SERAB classifies
    the corpus's own classes, `native_label`). When the columns the audit reads are there, `ser_hub.audit` runs on the
    splits and its warnings (speaker overlap, missing classes, speakers confounded with emotions) come with the
    result. See `evaluate_embeddings` for the other arguments.
    """
    import datasets

    splits = {name: _read_split(dataset, name, embedding_column, label_column) for name in SPLITS}
    feature = dataset["train"].features[label_column]
    report, audit_notes = _audit(dataset)
    result = evaluate_embeddings(
        splits,
        standardize=standardize,
        select=select,
        classifiers=classifiers,
        seed=seed,
        n_jobs=n_jobs,
        label_names=feature.names if isinstance(feature, datasets.ClassLabel) else None,
        audit_report=report,
        progress=progress,
    )
    result.warnings.extend(audit_notes)
    return result


def evaluate_embeddings(
    splits: Mapping[str, SplitData],
    *,
    standardize: str = "speaker",
    select: str = "validation",
    classifiers: Sequence[ClassifierSpec] | None = None,
    seed: int = SEED,
    n_jobs: int | None = -1,
    label_names: Sequence[str] | None = None,
    audit_report: AuditReport | None = None,
    progress: bool = True,
) -> SerabResult:
    """Standardise, search, refit and score every classifier on `train`/`validation`/`test` arrays.

    - `standardize`: `speaker` (each speaker's utterances to zero mean and unit variance within each split, the
      reference), `global` (the training split's statistics) or `none`.
    - `select`: report the classifier with the best `validation` accuracy, or the best `test` accuracy (the reference
      behaviour, needed to compare with the paper's Table 3; it reads the test labels).
    - `classifiers`: the specs to run (default `serab_classifiers(seed)`).
    - `n_jobs`: worker processes fitting at once (joblib's convention: -1 uses every core; 1 fits in this process).
    - `label_names`: the class names when labels are class indices (e.g. a ClassLabel's `names`).
    - `audit_report`: the corpus audit, whose warnings are passed on; with `standardize="speaker"` and speakers
      recorded in one emotion only, a warning says to compare with `global`.
    """
    _check_choice("standardize", standardize, STANDARDIZE_MODES)
    _check_choice("select", select, SELECT_MODES)
    notes = with_audit(_check_splits(splits), audit_report, standardize)
    specs = list(classifiers) if classifiers is not None else list(serab_classifiers(seed))
    run = search_standardized(splits, specs, standardize, n_jobs, progress)
    data = run.data
    classes = np.unique(np.concatenate([data.train[1], data.validation[1], data.test[1]]))
    results = {spec.name: _classifier_result(spec, run.searches[spec.name], data, classes) for spec in specs}
    selected = _select(results, select, run.failed)
    names = list(label_names) if label_names is not None else None
    return SerabResult(
        selected=selected.name,
        select=select,
        standardize=standardize,
        seed=seed,
        test_accuracy=selected.test_accuracy,
        test_uar=selected.test_uar,
        test_size=len(data.test[1]),
        labels=classes.tolist(),
        label_names=[names[label] for label in classes] if names is not None else [str(c) for c in classes],
        test_references=data.test[1].tolist(),
        classifiers=results,
        failed=run.failed,
        warnings=notes,
        fit_warnings=run.fit_warnings,
        seconds=run.timings(),
    )


def with_audit(notes: list[str], audit_report: AuditReport | None, standardize: str) -> list[str]:
    """The audit's warnings, then `notes`, then, with `standardize="speaker"` and speakers recorded in one emotion
    only, a warning to compare with `global`."""
    if audit_report is None:
        return notes
    notes = list(audit_report.warnings) + notes
    if standardize == "speaker" and audit_report.confounded_speakers:
        notes.append(
            f"standardize='speaker' was used although {len(audit_report.confounded_speakers)} speakers are "
            "recorded in one emotion only: their emotion information is removed; compare with "
            "standardize='global' before drawing conclusions."
        )
    return notes


def serab_benchmark(results: Mapping[str, SerabResult]) -> dict:
    """SERAB's benchmark scores over tasks (corpora): UM, WM (weighted by test size) and GM of the test accuracies,
    the same for UAR, and the per-task entries (`ser_hub.metrics.serab_scores`, the `serab` evaluate module's math)."""
    return serab_scores(
        {task: {"accuracy": result.test_accuracy, "uar": result.test_uar} for task, result in results.items()},
        {task: result.test_size for task, result in results.items()},
    )


def standardize_embeddings(splits: Mapping[str, SplitData], mode: str = "speaker") -> dict[str, np.ndarray]:
    """Each split's embeddings as float64, standardised per speaker within the split (`speaker`), with the training
    split's mean and variance (`global`), or unchanged (`none`). Constant dimensions stay at zero (scikit-learn's
    `StandardScaler`), so a speaker with one utterance in a split becomes all zeros there."""
    _check_choice("standardize", mode, STANDARDIZE_MODES)
    arrays = {name: np.asarray(split.embeddings, dtype=np.float64) for name, split in splits.items()}
    if mode == "none":
        return arrays
    if mode == "global":
        scaler = StandardScaler().fit(arrays["train"])
        return {name: scaler.transform(array) for name, array in arrays.items()}
    standardized = {}
    for name, array in arrays.items():
        speakers = np.asarray(splits[name].speakers)
        standardized[name] = np.empty_like(array)
        for speaker in np.unique(speakers):
            rows = speakers == speaker
            standardized[name][rows] = StandardScaler().fit_transform(array[rows])
    return standardized


def reference_search(
    spec: ClassifierSpec, train: tuple[np.ndarray, np.ndarray], validation: tuple[np.ndarray, np.ndarray],
    n_jobs: int | None = None, scoring: Callable | None = None,
) -> GridSearchCV:
    """The plain version of one classifier's search: `GridSearchCV` over train+validation with a `PredefinedSplit`
    (fit on train, accuracy on validation, or `scoring(estimator, embeddings, targets)`), refit on train+validation.
    `evaluate_embeddings` selects the same configurations and predicts the same labels, faster. Like
    `GridSearchCV`, raises when every fit fails."""
    embeddings = np.concatenate([train[0], validation[0]])
    labels = np.concatenate([train[1], validation[1]])
    fold = np.concatenate([np.full(len(train[1]), -1), np.zeros(len(validation[1]), dtype=int)])
    search = GridSearchCV(clone(spec.estimator), dict(spec.grid), scoring=scoring, cv=PredefinedSplit(fold),
                          n_jobs=n_jobs)
    return search.fit(embeddings, labels)


# ---------------------------------------------------------------------------------------------------------------------
# the shared search


@dataclass
class SearchRun:
    """Every estimator's search on the standardised splits, with what a protocol's result reports of it: the
    configurations that failed, the library warnings counted, and the seconds of each stage."""

    data: _Data
    searches: dict[str, _Search]
    failed: list[FailedConfiguration]
    fit_warnings: dict[str, int]
    stages: dict[str, float]
    started: float

    def timings(self) -> dict[str, float]:
        """Seconds of standardisation, of the search, and in total until now."""
        return {**self.stages, "total": time.perf_counter() - self.started}


def search_standardized(
    splits: Mapping[str, SplitData], specs: Sequence[ClassifierSpec], standardize: str, n_jobs: int | None,
    progress: bool, *, labels_dtype=None, scoring: Callable | None = None, stage: str = "classifiers",
) -> SearchRun:
    """Standardise the splits' embeddings and run every spec's grid search and refit (`_shared_search`), labels as
    `labels_dtype` arrays, grid points scored by `scoring` (default: the estimator's own score); `stage` names the
    search in the progress bar and the timings."""
    started = time.perf_counter()
    arrays = standardize_embeddings(splits, standardize)
    standardized = time.perf_counter()
    data = _Data(**{name: (arrays[name], np.asarray(splits[name].labels, dtype=labels_dtype)) for name in SPLITS})
    searches = _shared_search(specs, data, n_jobs, progress, scoring, f"SERAB {stage}")
    return SearchRun(
        data=data,
        searches=searches,
        failed=[failure for spec in specs for failure in searches[spec.name].failures(spec.name)],
        fit_warnings=dict(Counter(warning for search in searches.values() for warning in search.warnings)),
        stages={"standardize": standardized - started, stage: time.perf_counter() - standardized},
        started=started,
    )


@dataclass(frozen=True)
class _Data:
    train: tuple[np.ndarray, np.ndarray]
    validation: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]

    @property
    def train_validation(self) -> tuple[np.ndarray, np.ndarray]:
        """Train then validation rows, the order `GridSearchCV` refits on."""
        return np.concatenate([self.train[0], self.validation[0]]), np.concatenate([self.train[1], self.validation[1]])


@dataclass
class _Fit:
    """What one fit produced: a validation accuracy (test predictions for a refit) or the error, its seconds and the
    library warnings it raised (recorded in the worker that ran it)."""

    value: object = None
    error: str | None = None
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def _fit(estimator: BaseEstimator, fit_on: tuple, then) -> _Fit:
    """Fit, then apply `then` to the fitted estimator; any exception is recorded, as `GridSearchCV` does."""
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            estimator.fit(*fit_on)
            value, error = then(estimator), None
        except Exception as exception:  # noqa: BLE001  (a failing configuration is data, never the end of the run)
            value, error = None, f"{type(exception).__name__}: {exception}"
    noted = [f"{warning.category.__name__}: {warning.message}" for warning in caught]
    return _Fit(value, error, time.perf_counter() - start, noted)


def _search_chain(
    estimator: BaseEstimator, chain: list[dict], train: tuple, validation: tuple, scoring: Callable | None = None
) -> list[tuple[_Fit, int]]:
    """Fit and score a chain of grid points in order (the estimator's `score` on validation, or
    `scoring(estimator, embeddings, targets)`); each fit with the number of points it stands for: a forest whose
    trees all stayed shallower than the next point's `max_depth` never hit that limit, so it is that point's forest
    too."""
    fits, position = [], 0
    while position < len(chain):
        fitted = clone(estimator).set_params(**chain[position])
        fit = _fit(fitted, train, lambda model: (scoring or type(model).score)(model, *validation))
        covered = 1
        if fit.error is None and _is_forest(fitted):
            depth = max(tree.get_depth() for tree in fitted.estimators_)
            while position + covered < len(chain) and depth < _depth_limit(chain[position + covered]):
                covered += 1
        fits.append((fit, covered))
        position += covered
    return fits


def _refit(estimator: BaseEstimator, train_validation: tuple, test_embeddings: np.ndarray) -> _Fit:
    return _fit(estimator, train_validation, lambda model: model.predict(test_embeddings))


def _is_forest(estimator: BaseEstimator) -> bool:
    return isinstance(estimator, RandomForestClassifier)


def _depth_limit(params: dict) -> float:
    return np.inf if params["max_depth"] is None else params["max_depth"]


def _longest_first(spec: ClassifierSpec, params: dict, points: int = 1) -> tuple[int, float, float]:
    """Sort key that starts the longest fits first, so that no long fit is left running alone at the end: the
    discriminant analyses (their fits solve systems the size of the embedding: a tenth of a second at 512 dimensions,
    over a minute at openSMILE's 6373), then chains of forests (up to one forest per point), then the others by
    decreasing C (libsvm and lbfgs iterate longer on less regularised problems; the large-C linear SVCs run to their
    iteration limit). The order changes no result."""
    if isinstance(spec.estimator, LinearDiscriminantAnalysis | QuadraticDiscriminantAnalysis):
        return 0, 0, 0
    if _is_forest(spec.estimator):
        return 1, -points, 0
    return 2, 0, -{**spec.estimator.get_params(), **params}.get("C", 0.0)


@dataclass
class _Search:
    """One classifier's grid: a validation accuracy (NaN when failed) and error per point, then its refit."""

    candidates: list[dict]
    scores: list[float | None] = field(init=False)
    errors: dict[int, str] = field(default_factory=dict)
    fits: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    refit: _Fit | None = None

    def __post_init__(self) -> None:
        self.scores = [None] * len(self.candidates)

    def record(self, chain: list[int], fits: list[tuple[_Fit, int]]) -> None:
        """The fits of a chain of grid points, each standing for `covered` points in chain order."""
        points = iter(chain)
        for fit, covered in fits:
            self.fits += 1
            self._count(fit)
            for index in [next(points) for _ in range(covered)]:
                self.scores[index] = np.nan if fit.error else fit.value
                if fit.error:
                    self.errors[index] = fit.error

    def record_refit(self, fit: _Fit) -> None:
        self.refit = fit
        self._count(fit)

    def _count(self, fit: _Fit) -> None:
        self.seconds += fit.seconds
        self.warnings += fit.warnings

    def best(self) -> int | None:
        """`GridSearchCV`'s choice: the first grid point with the highest score, failed points ranked last."""
        scores = np.asarray(self.scores, dtype=float)
        return None if np.isnan(scores).all() else int(np.nanargmax(scores))

    def failures(self, name: str) -> list[FailedConfiguration]:
        failed = [
            FailedConfiguration(name, _plain(self.candidates[index]), "search", error)
            for index, error in self.errors.items()
        ]
        if self.refit is not None and self.refit.error:
            failed.append(FailedConfiguration(name, _plain(self.candidates[self.best()]), "refit", self.refit.error))
        return failed


def _chains(spec: ClassifierSpec) -> list[list[int]]:
    """Grid points that may share a fit, deepest `max_depth` first (forests only; otherwise one point each)."""
    candidates = spec.candidates()
    if not (_is_forest(spec.estimator) and "max_depth" in spec.grid):
        return [[index] for index in range(len(candidates))]
    groups = {}
    for index, params in enumerate(candidates):
        groups.setdefault(repr(sorted((k, v) for k, v in params.items() if k != "max_depth")), []).append(index)
    return [sorted(group, key=lambda index: -_depth_limit(candidates[index])) for group in groups.values()]


def _first_tasks(specs: Sequence[ClassifierSpec]) -> list[tuple[str, ClassifierSpec, list[int]]]:
    """The tasks started together, longest first: every chain of grid points to `search`, and the `refit` of each
    one-point grid, which need not wait for its search: its point is the best unless its fit fails (then the refit is
    dropped, as `GridSearchCV` refits nothing when every fit fails)."""
    tasks = [("search", spec, chain) for spec in specs for chain in _chains(spec)]
    tasks += [("refit", spec, [0]) for spec in specs if len(spec.candidates()) == 1]
    return sorted(tasks, key=lambda task: _longest_first(task[1], task[1].candidates()[task[2][0]], len(task[2])))


def _shared_search(
    specs: Sequence[ClassifierSpec], data: _Data, n_jobs: int | None, progress: bool, scoring: Callable | None,
    description: str,
) -> dict[str, _Search]:
    """Every estimator's grid points on joblib's worker processes, longest fits first, then the refits of the best
    points that could not start with them (longest first too). joblib sends each array to the workers once,
    memory-mapped. Grid points are scored by the estimator's `score` on validation, or by `scoring` (a picklable
    `scoring(estimator, embeddings, targets)`, as `GridSearchCV` takes)."""
    searches = {spec.name: _Search(spec.candidates()) for spec in specs}
    train_validation = data.train_validation

    def task(kind: str, spec: ClassifierSpec, chain: list[int]):
        points = [searches[spec.name].candidates[index] for index in chain]
        if kind == "search":
            return delayed(_search_chain)(spec.estimator, points, data.train, data.validation, scoring)
        return delayed(_refit)(clone(spec.estimator).set_params(**points[0]), train_validation, data.test[0])

    first, refits = _first_tasks(specs), {}
    total = sum(len(search.candidates) + 1 for search in searches.values())
    with (
        tqdm(total=total, desc=description, unit="fit", disable=not progress) as bar,
        Parallel(n_jobs=n_jobs, backend="loky", return_as="generator") as parallel,
    ):
        for (kind, spec, chain), result in zip(first, parallel(task(*item) for item in first), strict=True):
            if kind == "search":
                searches[spec.name].record(chain, result)
            else:
                refits[spec.name] = result
            bar.update(len(chain))
        best = {name: index for name, search in searches.items() if (index := search.best()) is not None}
        bar.update(sum(name not in best and name not in refits for name in searches))  # nothing to refit
        late = sorted(
            (spec for spec in specs if spec.name in best and spec.name not in refits),
            key=lambda spec: _longest_first(spec, searches[spec.name].candidates[best[spec.name]]),
        )
        for spec, result in zip(late, parallel(task("refit", spec, [best[spec.name]]) for spec in late), strict=True):
            refits[spec.name] = result
            bar.update()
    for name in best:  # where every configuration failed there is no best: an early refit is dropped
        searches[name].record_refit(refits[name])
    return searches


# ---------------------------------------------------------------------------------------------------------------------
# results, selection, inputs


def _classifier_result(spec: ClassifierSpec, search: _Search, data: _Data, classes: np.ndarray) -> ClassifierResult:
    best = search.best()
    grid = [
        GridPoint(_plain(params), None if np.isnan(score) else float(score))
        for params, score in zip(search.candidates, search.scores)
    ]
    scored = {}
    if search.refit is not None and search.refit.error is None:
        predictions, references = search.refit.value, data.test[1]
        rates = classification_scores(predictions, references)
        matrix = classification_scores(predictions, references, labels=classes, return_confusion_matrix=True)
        scored = {
            "test_accuracy": rates["accuracy"],
            "test_uar": rates["uar"],
            "test_predictions": predictions.tolist(),
            "confusion_matrix": matrix["confusion_matrix"],
        }
    return ClassifierResult(
        name=spec.name,
        grid=grid,
        fits=search.fits,
        best_params=None if best is None else _plain(search.candidates[best]),
        validation_accuracy=None if best is None else float(search.scores[best]),
        test_accuracy=scored.get("test_accuracy"),
        test_uar=scored.get("test_uar"),
        test_predictions=scored.get("test_predictions"),
        confusion_matrix=scored.get("confusion_matrix"),
        seconds=search.seconds,
    )


def _select(results: dict[str, ClassifierResult], select: str, failed: list[FailedConfiguration]) -> ClassifierResult:
    """The classifier with the best validation (or test) accuracy; ties go to the first in the classifiers' order.
    Classifiers without test scores (every configuration, or the refit, failed) cannot be reported."""
    usable = [result for result in results.values() if result.test_accuracy is not None]
    if not usable:
        errors = sorted({f"{failure.classifier}: {failure.error}" for failure in failed})
        raise SerabInputError(
            "no classifier could be fitted on these embeddings; the errors were:\n" + "\n".join(errors[:10])
        )
    return max(usable, key=lambda result: getattr(result, f"{select}_accuracy"))


def _plain(params: dict) -> dict:
    """Grid parameters as plain Python values (numpy scalars unwrapped) for JSON."""
    return {key: value.item() if isinstance(value, np.generic) else value for key, value in params.items()}


def _check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise SerabInputError(f"{name}={value!r} is not an option: choose one of {', '.join(map(repr, choices))}.")


def _check_splits(splits: Mapping[str, SplitData]) -> list[str]:
    """Raise for inputs the protocol cannot run on; return warnings about classes it cannot learn."""
    check_embeddings(splits)
    trained = set(np.unique(splits["train"].labels).tolist())
    if len(trained) < 2:
        raise SerabInputError(
            f"the train split holds {len(trained)} class ({sorted(trained)}): classifiers need at least two."
        )
    return [
        f"classes {sorted(unseen)} of the {name} split are absent from train: no classifier can predict them."
        for name in ("validation", "test")
        if (unseen := set(np.unique(splits[name].labels).tolist()) - trained)
    ]


def check_embeddings(splits: Mapping[str, SplitData]) -> None:
    """Raise unless train, validation and test hold finite embeddings of one size, with a label and a speaker each."""
    missing = [name for name in SPLITS if name not in splits]
    if missing:
        raise SerabInputError(
            f"the splits {missing} are missing (got {sorted(splits)}): SERAB needs train, validation and test; "
            "prepare the corpus with a protocol that has a validation split, e.g. 'serab' or 'speaker-independent'."
        )
    dims = {}
    for name in SPLITS:
        split = splits[name]
        embeddings = np.asarray(split.embeddings)
        if embeddings.ndim != 2 or len(embeddings) == 0:
            raise SerabInputError(
                f"the {name} embeddings have shape {embeddings.shape}: give one embedding vector per utterance "
                "([utterances, dim], at least one utterance)."
            )
        sizes = {"embeddings": len(embeddings), "labels": len(split.labels), "speakers": len(split.speakers)}
        if len(set(sizes.values())) > 1:
            raise SerabInputError(f"the {name} split has {sizes}: give one label and one speaker per embedding.")
        if not np.isfinite(embeddings).all():
            rows = int((~np.isfinite(embeddings)).any(axis=1).sum())
            raise SerabInputError(
                f"the {name} embeddings hold NaN or inf values in {rows} utterances: check the feature extractor."
            )
        dims[name] = embeddings.shape[1]
    if len(set(dims.values())) > 1:
        raise SerabInputError(f"the splits have embeddings of different sizes {dims}: use one extractor for all.")


def _read_split(
    dataset: Mapping[str, datasets.Dataset], name: str, embedding_column: str, label_column: str
) -> SplitData:
    if name not in dataset:
        raise SerabInputError(
            f"the dataset has no {name!r} split (it has {', '.join(dataset)}): SERAB needs train, validation and "
            "test; prepare the corpus with a protocol that has a validation split, e.g. 'serab' or "
            "'speaker-independent'."
        )
    split = dataset[name]
    for column, fix in (
        (embedding_column, "extract utterance embeddings first (ser_hub.features.extract, utterance level)"),
        (label_column, "keep the corpus's label column in the features dataset"),
        ("speaker_id", "keep the corpus's speaker_id column in the features dataset"),
    ):
        if column not in split.column_names:
            raise SerabInputError(f"the {name} split has no {column!r} column (columns: {split.column_names}): {fix}.")
    embeddings = np.asarray(split.with_format("numpy")[embedding_column])
    if embeddings.dtype == object:
        raise SerabInputError(
            f"the {name} split's {embedding_column!r} values are not vectors of one size: SERAB needs one "
            "utterance-level embedding per utterance (frame-level features go to the OOD protocol)."
        )
    return SplitData(embeddings, np.asarray(split[label_column]), np.asarray(split["speaker_id"]))


def _audit(dataset: Mapping[str, datasets.Dataset]) -> tuple[AuditReport | None, list[str]]:
    """The corpus audit of the three splits, or a note saying why it could not run (it reads `speaker_id`, a
    ClassLabel `native_label` and `duration`)."""
    import datasets

    from ser_hub.audit import audit

    train = dataset["train"]
    missing = [column for column in _AUDIT_COLUMNS if column not in train.column_names]
    if missing or not isinstance(train.features["native_label"], datasets.ClassLabel):
        return None, [
            f"the corpus audit did not run (the splits lack {missing or 'a ClassLabel native_label'}): speaker "
            "overlap and speakers confounded with emotions were not checked; keep those columns to get the checks."
        ]
    return audit(datasets.DatasetDict({name: dataset[name] for name in SPLITS})), []


__all__ = [
    "C_GRID", "CLASS_WEIGHTS", "ClassifierResult", "ClassifierSpec", "FailedConfiguration", "GridPoint",
    "LOGISTIC_REGRESSION_MAX_ITER", "PUBLISHED_LOGMEL_STATISTICS", "SEED", "SELECT_MODES", "STANDARDIZE_MODES",
    "SVC_MAX_ITER", "SearchRun", "SerabInputError", "SerabResult", "SplitData", "check_embeddings",
    "evaluate_embeddings", "published_statistics", "reference_search", "run_serab", "search_standardized",
    "serab_benchmark", "serab_classifiers", "standardize_embeddings", "with_audit",
]
