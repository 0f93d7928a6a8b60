"""SERAB's probes for continuous emotion: regression on frozen utterance embeddings, scored by CCC (docs/design.md §8).

The classification protocol (`ser_hub.protocols.serab`) with a continuous target (arousal, valence or dominance
ratings): the same standardisation of the embeddings, the same fixed train/validation split and the same search
machinery (joblib worker processes, longest fits first, `GridSearchCV`'s selection; `reference_search` with
`scoring=ccc_score` is the plain version), with three regressors instead of the five classifiers: ridge regression
(alpha grid), a linear support vector regressor (C and epsilon grids) and a small MLP (hidden sizes and alpha grids).
Each is fitted with its targets standardised on the data it is fitted on (`TransformedTargetRegressor`), so epsilon
and the MLP's weights live in target standard deviations whatever the rating scale, and predictions come back in
the corpus's units. Grid points are chosen by validation CCC, the best is refit on train+validation and scored on
test (CCC, Pearson's r, MSE). One regressor is reported, the best on validation (default) or on test.

A corpus's scores are found by one convention: a column `<dimension>_score` (`arousal_score`, `valence_score`,
`dominance_score`), declared as a `float32` extra in its definition. `SCORE_COLUMNS` names the columns of built-in
corpora that keep their scores under their own names until their definitions declare them so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import Ridge
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVR

from ser_hub.metrics import concordance_correlation, regression_scores
from ser_hub.protocols.options import DIMENSIONS, SELECT_MODES, STANDARDIZE_MODES
from ser_hub.protocols.serab import (
    SEED,
    SPLITS,
    ClassifierSpec,
    FailedConfiguration,
    SerabInputError,
    SplitData,
    _audit,
    _check_choice,
    _Data,
    _plain,
    _read_split,
    _Search,
    check_embeddings,
    search_standardized,
    with_audit,
)

if TYPE_CHECKING:
    import datasets

    from ser_hub.corpora.spec import CorpusSpec

SVR_MAX_ITER = 10_000
MLP_MAX_ITER = 1_000
# Corpora whose definitions keep their scores under their own names: corpus -> {dimension: column}.
SCORE_COLUMNS = {name: {"arousal": "act", "valence": "val", "dominance": "dom"} for name in ("iemocap", "msppodcast")}


def score_column(spec: CorpusSpec, dimension: str) -> str | None:
    """The column holding a corpus's scores on `dimension` (`<dimension>_score`, or its `SCORE_COLUMNS` name), or
    None when the corpus has no such scores."""
    _check_choice("dimension", dimension, DIMENSIONS)
    column = SCORE_COLUMNS.get(spec.name, {}).get(dimension, f"{dimension}_score")
    return column if column in spec.extras else None


def score_columns(specs: Mapping[str, CorpusSpec], dimension: str) -> dict[str, str]:
    """Each corpus's column of `dimension` scores; an error names the corpora without them and those that have them."""
    columns = {name: score_column(spec, dimension) for name, spec in specs.items()}
    lacking = [name for name, column in columns.items() if column is None]
    if lacking:
        raise SerabInputError(
            f"{', '.join(lacking)} {'has' if len(lacking) == 1 else 'have'} no continuous {dimension} scores; the "
            f"built-in corpora with them: {', '.join(corpora_with(dimension)) or 'none'}. A corpus of your own "
            f"declares them as a column {dimension}_score (extras: {dimension}_score: {{value: ..., dtype: float32}})."
        )
    return columns


def corpora_with(dimension: str) -> list[str]:
    """The built-in corpora that have continuous scores on `dimension`."""
    from ser_hub.corpora import REGISTRY

    return [name for name, spec in REGISTRY.items() if score_column(spec, dimension) is not None]


def ccc_score(estimator: BaseEstimator, embeddings: np.ndarray, targets: np.ndarray) -> float:
    """The CCC of a fitted regressor's predictions: a scorer for `GridSearchCV(scoring=...)` and the search."""
    return concordance_correlation(estimator.predict(embeddings), targets)


def _standardized_targets(regressor: BaseEstimator) -> TransformedTargetRegressor:
    return TransformedTargetRegressor(regressor, transformer=StandardScaler())


def serab_regressors(seed: int = SEED) -> tuple[ClassifierSpec, ...]:
    """The three regression probes and their grids (docs/design.md §8), seeded where a fit draws random numbers."""
    return (
        ClassifierSpec("ridge", _standardized_targets(Ridge()), {"regressor__alpha": np.logspace(-3, 5, 9).tolist()}),
        ClassifierSpec(
            "linear_svr",
            _standardized_targets(LinearSVR(dual=True, max_iter=SVR_MAX_ITER, random_state=seed)),
            {"regressor__C": np.logspace(-5, -1, 5).tolist(), "regressor__epsilon": [0.0, 0.1]},
        ),
        ClassifierSpec(
            "mlp",
            _standardized_targets(MLPRegressor(max_iter=MLP_MAX_ITER, random_state=seed)),
            {"regressor__hidden_layer_sizes": [[64], [256]], "regressor__alpha": [1e-2, 1.0, 10.0]},
        ),
    )


@dataclass
class RegressionGridPoint:
    """A configuration searched and its validation CCC (None when its fit failed or CCC was undefined)."""

    params: dict
    validation_ccc: float | None


@dataclass
class RegressorResult:
    """One regressor's search and test scores; the test fields are None when no configuration could be fitted."""

    name: str
    grid: list[RegressionGridPoint]
    fits: int
    best_params: dict | None
    validation_ccc: float | None
    test_ccc: float | None
    test_pearson: float | None
    test_mse: float | None
    test_predictions: list[float] | None
    seconds: float


@dataclass
class RegressionResult:
    """Everything one regression task computed, as plain data (`to_dict` is JSON-serialisable).

    `selected` names the reported regressor (by `select`) and `test_ccc`/`test_pearson`/`test_mse` are its scores
    (MSE in the target's units). `failed` lists configurations whose fit raised (its `classifier` field names the
    regressor). `warnings`, `fit_warnings` and `seconds` as in `SerabResult`.
    """

    target: str
    selected: str
    select: str
    standardize: str
    seed: int
    test_ccc: float
    test_pearson: float
    test_mse: float
    test_size: int
    test_references: list[float]
    regressors: dict[str, RegressorResult]
    failed: list[FailedConfiguration]
    warnings: list[str] = field(default_factory=list)
    fit_warnings: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def run_serab_regression(
    dataset: Mapping[str, datasets.Dataset],
    target_column: str,
    *,
    standardize: str = "speaker",
    select: str = "validation",
    embedding_column: str = "embedding",
    regressors: Sequence[ClassifierSpec] | None = None,
    seed: int = SEED,
    n_jobs: int | None = -1,
    progress: bool = True,
) -> RegressionResult:
    """The regression probes on one corpus's utterance embeddings and its continuous scores in `target_column`
    (`score_column` finds a dimension's). The splits are read and audited as `run_serab` does."""
    splits = {name: _read_split(dataset, name, embedding_column, target_column) for name in SPLITS}
    report, audit_notes = _audit(dataset)
    result = evaluate_regression(splits, target_column, standardize=standardize, select=select,
                                 regressors=regressors, seed=seed, n_jobs=n_jobs, audit_report=report,
                                 progress=progress)
    result.warnings.extend(audit_notes)
    return result


def evaluate_regression(
    splits: Mapping[str, SplitData],
    target: str = "target",
    *,
    standardize: str = "speaker",
    select: str = "validation",
    regressors: Sequence[ClassifierSpec] | None = None,
    seed: int = SEED,
    n_jobs: int | None = -1,
    audit_report=None,
    progress: bool = True,
) -> RegressionResult:
    """Standardise, search (validation CCC), refit and score every regressor on `train`/`validation`/`test` arrays
    whose `labels` are the continuous targets; `target` names them in the result. The other arguments as in
    `ser_hub.protocols.serab.evaluate_embeddings` (`select` compares validation or test CCC)."""
    _check_choice("standardize", standardize, STANDARDIZE_MODES)
    _check_choice("select", select, SELECT_MODES)
    _check_targets(splits, target)
    notes = with_audit([], audit_report, standardize)
    specs = list(regressors) if regressors is not None else list(serab_regressors(seed))
    run = search_standardized(splits, specs, standardize, n_jobs, progress, labels_dtype=np.float64,
                              scoring=ccc_score, stage="regressors")
    data = run.data
    results = {spec.name: _regressor_result(spec, run.searches[spec.name], data) for spec in specs}
    selected = _select(results, select, run.failed)
    return RegressionResult(
        target=target,
        selected=selected.name,
        select=select,
        standardize=standardize,
        seed=seed,
        test_ccc=selected.test_ccc,
        test_pearson=selected.test_pearson,
        test_mse=selected.test_mse,
        test_size=len(data.test[1]),
        test_references=data.test[1].tolist(),
        regressors=results,
        failed=run.failed,
        warnings=notes,
        fit_warnings=run.fit_warnings,
        seconds=run.timings(),
    )


def regression_benchmark(results: Mapping[str, RegressionResult]) -> dict:
    """The scores over tasks (corpora): `mean_ccc`, the unweighted mean of their test CCCs, and per task its CCC,
    Pearson's r, MSE and test size. CCC lies in [-1, 1], so SERAB's geometric mean (GM) is undefined; MSE is in
    each corpus's rating units and is not averaged across corpora."""
    per_task = {
        task: {"ccc": result.test_ccc, "pearson": result.test_pearson, "mse": result.test_mse,
               "test_size": result.test_size}
        for task, result in results.items()
    }
    return {"mean_ccc": float(np.mean([entry["ccc"] for entry in per_task.values()])), "per_task": per_task}


def _regressor_result(spec: ClassifierSpec, search: _Search, data: _Data) -> RegressorResult:
    best = search.best()
    scored = {}
    if search.refit is not None and search.refit.error is None:
        predictions = search.refit.value
        scores = regression_scores(predictions, data.test[1])
        scored = {"test_ccc": scores["ccc"], "test_pearson": scores["pearson"], "test_mse": scores["mse"],
                  "test_predictions": predictions.tolist()}
    return RegressorResult(
        name=spec.name,
        grid=[RegressionGridPoint(_plain(params), None if np.isnan(score) else float(score))
              for params, score in zip(search.candidates, search.scores)],
        fits=search.fits,
        best_params=None if best is None else _plain(search.candidates[best]),
        validation_ccc=None if best is None else float(search.scores[best]),
        test_ccc=scored.get("test_ccc"),
        test_pearson=scored.get("test_pearson"),
        test_mse=scored.get("test_mse"),
        test_predictions=scored.get("test_predictions"),
        seconds=search.seconds,
    )


def _select(results: dict[str, RegressorResult], select: str, failed: list[FailedConfiguration]) -> RegressorResult:
    """The regressor with the best validation (or test) CCC; ties go to the first in the regressors' order."""
    usable = [result for result in results.values() if result.test_ccc is not None]
    if not usable:
        errors = sorted({f"{failure.classifier}: {failure.error}" for failure in failed})
        raise SerabInputError(
            "no regressor could be fitted on these embeddings; the errors were:\n" + "\n".join(errors[:10])
        )
    return max(usable, key=lambda result: getattr(result, f"{select}_ccc"))


def _check_targets(splits: Mapping[str, SplitData], target: str) -> None:
    """Raise unless the embeddings are usable and every split holds one finite number per utterance that varies."""
    check_embeddings(splits)
    for name in SPLITS:
        try:
            values = np.asarray(splits[name].labels, dtype=np.float64)
        except (TypeError, ValueError):
            first = np.asarray(splits[name].labels)[:3].tolist()
            raise SerabInputError(
                f"the {name} split's {target!r} values are not numbers ({first}...): declare the score column with "
                "dtype float32 in the corpus definition."
            ) from None
        if not np.isfinite(values).all():
            missing = int((~np.isfinite(values)).sum())
            raise SerabInputError(
                f"the {name} split has {missing} utterances without a finite {target!r} score: give every utterance "
                "a score, or leave the unscored ones out of the corpus."
            )
        if np.ptp(values) == 0:
            raise SerabInputError(
                f"every utterance of the {name} split has the {target!r} score {values[0]}: a constant target "
                "cannot be learned or scored by CCC."
            )


__all__ = [
    "MLP_MAX_ITER", "SCORE_COLUMNS", "SVR_MAX_ITER", "RegressionGridPoint", "RegressionResult", "RegressorResult",
    "ccc_score", "corpora_with", "evaluate_regression", "regression_benchmark", "run_serab_regression",
    "score_column", "score_columns", "serab_regressors",
]
