"""SERAB's regression probes (`ser_hub.protocols.regression`) on synthetic embeddings: the grids, equality with plain
GridSearchCV scored by CCC, selection, scores, errors, the benchmark aggregate, and where a corpus's scores are found."""

import json
import math

import datasets
import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import Ridge
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVR

import ser_hub
from ser_hub.metrics import regression_scores
from ser_hub.protocols.regression import (
    MLP_MAX_ITER,
    SCORE_COLUMNS,
    SVR_MAX_ITER,
    RegressionResult,
    ccc_score,
    corpora_with,
    evaluate_regression,
    regression_benchmark,
    run_serab_regression,
    score_column,
    score_columns,
    serab_regressors,
)
from ser_hub.protocols.serab import ClassifierSpec, SerabInputError, SplitData, reference_search, standardize_embeddings

SPEAKERS = {"train": 6, "validation": 3, "test": 3}
SCORED = """\
name: scored
title: Scored Corpus
language: en
files:
  pattern: '(?P<speaker>s\\d)_(?P<label>calm|angry)_\\d\\.wav'
extras:
  arousal_score: {value: "{label}", map: {calm: "2.0", angry: "4.5"}, dtype: float32}
"""


def synthetic_splits(seed: int = 0, dim: int = 8, per_speaker: int = 10) -> dict[str, SplitData]:
    """Embeddings with a per-speaker offset; the target is a fixed linear function of them plus noise, on a 1-5
    rating scale."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(0, 1.0, dim)
    splits = {}
    for name, count in SPEAKERS.items():
        embeddings = np.concatenate([rng.normal(0, 2.0, dim) + rng.normal(0, 1.0, (per_speaker, dim))
                                     for _ in range(count)]).astype(np.float32)
        speakers = np.repeat([f"{name}{speaker}" for speaker in range(count)], per_speaker)
        centred = standardize_embeddings({name: SplitData(embeddings, np.zeros(len(speakers)), speakers)})[name]
        targets = 3.0 + 0.5 * centred @ weights / math.sqrt(dim) + rng.normal(0, 0.2, len(speakers))
        splits[name] = SplitData(embeddings, targets, speakers)
    return splits


@pytest.fixture(scope="module")
def splits():
    return synthetic_splits()


@pytest.fixture(scope="module")
def result(splits):
    return evaluate_regression(splits, "arousal_score", progress=False)


def test_the_probes_and_their_grids():
    ridge, svr, mlp = serab_regressors()
    assert [spec.name for spec in (ridge, svr, mlp)] == ["ridge", "linear_svr", "mlp"]
    for spec in (ridge, svr, mlp):  # targets standardised on each fit's own data
        assert isinstance(spec.estimator, TransformedTargetRegressor)
        assert isinstance(spec.estimator.transformer, StandardScaler)
    assert isinstance(ridge.estimator.regressor, Ridge)
    assert ridge.grid == {"regressor__alpha": pytest.approx([1e-3, 1e-2, 1e-1, 1, 1e1, 1e2, 1e3, 1e4, 1e5])}
    assert isinstance(svr.estimator.regressor, LinearSVR)
    assert svr.estimator.regressor.get_params() | {"C": None} == LinearSVR(
        dual=True, max_iter=SVR_MAX_ITER, random_state=42).get_params() | {"C": None}
    assert svr.grid == {"regressor__C": pytest.approx([1e-5, 1e-4, 1e-3, 1e-2, 1e-1]),
                        "regressor__epsilon": [0.0, 0.1]}
    assert svr.estimator.regressor.loss == "epsilon_insensitive" and SVR_MAX_ITER == 10_000
    assert isinstance(mlp.estimator.regressor, MLPRegressor)
    assert (mlp.estimator.regressor.max_iter, mlp.estimator.regressor.random_state) == (MLP_MAX_ITER, 42) == (1000, 42)
    assert mlp.grid == {"regressor__hidden_layer_sizes": [[64], [256]], "regressor__alpha": [1e-2, 1.0, 10.0]}


def test_search_selections_and_predictions_equal_plain_gridsearchcv_scored_by_ccc(splits, result):
    standardized = standardize_embeddings(splits, "speaker")
    train, validation = ((standardized[name], splits[name].labels) for name in ("train", "validation"))
    for spec in serab_regressors():
        ours = result.regressors[spec.name]
        plain = reference_search(spec, train, validation, scoring=ccc_score)
        assert [point.validation_ccc for point in ours.grid] == plain.cv_results_["mean_test_score"].tolist()
        assert [point.params for point in ours.grid] == [dict(params) for params in plain.cv_results_["params"]]
        assert ours.best_params == plain.best_params_ and ours.validation_ccc == plain.best_score_
        assert ours.test_predictions == plain.predict(standardized["test"]).tolist()
        assert ours.fits == len(spec.candidates())


def test_scores_are_the_metric_of_the_test_predictions_and_round_trip_json(splits, result):
    assert result.target == "arousal_score" and result.test_size == 30 and result.seed == 42
    assert result.test_references == splits["test"].labels.tolist()
    for regressor in result.regressors.values():
        scores = regression_scores(regressor.test_predictions, splits["test"].labels)
        assert (regressor.test_ccc, regressor.test_pearson, regressor.test_mse) == (
            scores["ccc"], scores["pearson"], scores["mse"])
        assert regressor.test_ccc > 0.7  # a linear target with little noise (at most 0.93 for the noise-free one)
    chosen = max(result.regressors.values(), key=lambda regressor: regressor.validation_ccc)
    assert result.selected == chosen.name and result.select == "validation"
    assert (result.test_ccc, result.test_pearson, result.test_mse) == (
        chosen.test_ccc, chosen.test_pearson, chosen.test_mse)
    assert result.failed == [] and set(result.seconds) == {"standardize", "regressors", "total"}
    assert json.loads(json.dumps(result.to_dict())) == result.to_dict()


def test_selection_by_test_and_the_other_standardisations(splits, result):
    by_test = evaluate_regression(splits, select="test", progress=False)
    assert by_test.test_ccc == max(regressor.test_ccc for regressor in by_test.regressors.values())
    assert {name: r.test_predictions for name, r in by_test.regressors.items()} == {
        name: r.test_predictions for name, r in result.regressors.items()}
    ridge = [serab_regressors()[0]]
    for mode in ("global", "none"):
        arrays = standardize_embeddings(splits, mode)
        plain = reference_search(ridge[0], (arrays["train"], splits["train"].labels),
                                 (arrays["validation"], splits["validation"].labels), scoring=ccc_score)
        ours = evaluate_regression(splits, standardize=mode, regressors=ridge, n_jobs=1, progress=False)
        assert ours.standardize == mode
        assert ours.regressors["ridge"].test_predictions == plain.predict(arrays["test"]).tolist()


def dataset_dict(splits: dict[str, SplitData], target: str = "arousal_score") -> datasets.DatasetDict:
    return datasets.DatasetDict({
        name: datasets.Dataset.from_dict(
            {"embedding": split.embeddings.tolist(), "speaker_id": split.speakers.tolist(),
             "native_label": [int(speaker[-1]) % 2 for speaker in split.speakers],  # one emotion per speaker
             "duration": [1.0] * len(split.speakers),
             target: split.labels.tolist()},
            features=datasets.Features({"embedding": datasets.List(datasets.Value("float32"), length=8),
                                        "speaker_id": datasets.Value("string"),
                                        "native_label": datasets.ClassLabel(names=["calm", "angry"]),
                                        "duration": datasets.Value("float32"), target: datasets.Value("float32")}),
        )
        for name, split in splits.items()
    })


def test_run_on_datasets_reads_the_target_column_and_passes_the_audit_on(splits):
    ridge = [serab_regressors()[0]]
    on_datasets = run_serab_regression(dataset_dict(splits), "arousal_score", regressors=ridge, progress=False)
    float32 = {name: SplitData(split.embeddings, split.labels.astype(np.float32), split.speakers)
               for name, split in splits.items()}
    on_arrays = evaluate_regression(float32, "arousal_score", regressors=ridge, progress=False)
    assert on_datasets.regressors["ridge"].test_predictions == on_arrays.regressors["ridge"].test_predictions
    # the audit sees one emotion per speaker: its warning and the per-speaker standardisation's come with the result
    assert on_datasets.warnings[0].startswith("speakers and emotions are confounded: 12 of 12 speakers")
    assert on_datasets.warnings[1].startswith("standardize='speaker' was used although 12 speakers are recorded")
    with pytest.raises(SerabInputError, match=r"the train split has no 'valence_score' column"):
        run_serab_regression(dataset_dict(splits), "valence_score")


def test_regression_benchmark_averages_ccc_over_tasks():
    def task(ccc, pearson, mse, size):
        return RegressionResult("arousal", "ridge", "validation", "speaker", 42, ccc, pearson, mse, size, [], {}, [])

    scores = regression_benchmark({"iemocap": task(0.6, 0.7, 0.5, 100), "mine": task(-0.2, 0.1, 2.0, 10)})
    assert scores == {"mean_ccc": pytest.approx(0.2), "per_task": {
        "iemocap": {"ccc": 0.6, "pearson": 0.7, "mse": 0.5, "test_size": 100},
        "mine": {"ccc": -0.2, "pearson": 0.1, "mse": 2.0, "test_size": 10}}}


def with_targets(splits: dict[str, SplitData], name: str, targets) -> dict[str, SplitData]:
    split = splits[name]
    return {**splits, name: SplitData(split.embeddings, np.asarray(targets), split.speakers)}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: with_targets(s, "test", np.full(30, 3.0)),
         "every utterance of the test split has the 'target' score 3.0: a constant target cannot be learned"),
        (lambda s: with_targets(s, "train", np.where(np.arange(60) < 2, np.nan, s["train"].labels)),
         "the train split has 2 utterances without a finite 'target' score"),
        (lambda s: with_targets(s, "validation", ["high"] * 30),
         r"the validation split's 'target' values are not numbers \(\['high', 'high', 'high'\]...\): declare"),
        (lambda s: {k: v for k, v in s.items() if k != "validation"}, r"the splits \['validation'\] are missing"),
    ],
)
def test_unusable_targets_are_refused_with_the_cause(splits, change, message):
    with pytest.raises(SerabInputError, match=message):
        evaluate_regression(change(splits), progress=False)


def test_unknown_options_and_every_regressor_failing(splits):
    with pytest.raises(SerabInputError, match="select='dev' is not an option"):
        evaluate_regression(splits, select="dev")
    broken = [ClassifierSpec("ridge", Ridge(), {"alpha": [-1.0]})]
    with pytest.raises(SerabInputError, match=r"no regressor could be fitted(.|\n)*ridge: InvalidParameterError"):
        evaluate_regression(splits, regressors=broken, n_jobs=1, progress=False)


# ---------------------------------------------------------------------------------------------------------------- columns


def test_scores_are_found_by_the_convention_or_a_corpus_own_names(tmp_path):
    assert SCORE_COLUMNS == {name: {"arousal": "act", "valence": "val", "dominance": "dom"}
                             for name in ("iemocap", "msppodcast")}
    iemocap = ser_hub.corpus_info("iemocap")
    for name in SCORE_COLUMNS:
        assert [score_column(ser_hub.corpus_info(name), dimension)
                for dimension in ("arousal", "valence", "dominance")] == ["act", "val", "dom"]
    assert corpora_with("dominance") == ["iemocap", "msppodcast"]
    (tmp_path / "scored.yaml").write_text(SCORED)
    scored = ser_hub.corpus_info(str(tmp_path / "scored.yaml"))
    assert (score_column(scored, "arousal"), score_column(scored, "valence")) == ("arousal_score", None)
    assert score_column(ser_hub.corpus_info("urdu"), "arousal") is None
    assert score_columns({"iemocap": iemocap, "scored": scored}, "arousal") == {
        "iemocap": "act", "scored": "arousal_score"}
    with pytest.raises(SerabInputError, match="dimension='activation' is not an option"):
        score_column(iemocap, "activation")


def test_corpora_without_the_scores_are_named_with_those_that_have_them(tmp_path):
    (tmp_path / "scored.yaml").write_text(SCORED)
    specs = {name: ser_hub.corpus_info(corpus) for name, corpus in (
        ("urdu", "urdu"), ("scored", str(tmp_path / "scored.yaml")), ("emodb", "emodb"))}
    with_valence = ", ".join(corpora_with("valence"))
    assert "iemocap" in corpora_with("valence") and "urdu" not in corpora_with("valence")
    with pytest.raises(SerabInputError) as raised:
        score_columns(specs, "valence")
    assert str(raised.value) == (
        f"urdu, scored, emodb have no continuous valence scores; the built-in corpora with them: {with_valence}. A "
        "corpus of your own declares them as a column valence_score (extras: valence_score: {value: ..., dtype: "
        "float32}).")
    with pytest.raises(SerabInputError, match="^urdu has no continuous arousal scores"):
        score_columns({"urdu": specs["urdu"], "scored": specs["scored"]}, "arousal")
