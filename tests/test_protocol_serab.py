"""SERAB protocol on synthetic embeddings: standardisation by hand, equality with plain GridSearchCV, selection,
failed configurations, warnings, errors, JSON and the benchmark aggregate."""

import json
import math

import datasets
import numpy as np
import pytest
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
from sklearn.ensemble import RandomForestClassifier

from ser_hub.protocols.serab import (
    C_GRID,
    ClassifierSpec,
    SerabInputError,
    SerabResult,
    SplitData,
    _first_tasks,
    evaluate_embeddings,
    reference_search,
    run_serab,
    serab_benchmark,
    serab_classifiers,
    standardize_embeddings,
)

SPEAKERS = {"train": 6, "validation": 3, "test": 3}


def synthetic_splits(seed: int = 0, dim: int = 8, per_class: int = 5, classes: int = 3) -> dict[str, SplitData]:
    """Class clusters plus a per-speaker offset; the last dimension duplicates the first, so class covariances are
    singular (QDA without regularisation must fail) while every class has more utterances than dimensions."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1.0, (classes, dim))
    splits = {}
    for name, count in SPEAKERS.items():
        rows, labels, speakers = [], [], []
        for speaker in range(count):
            offset = rng.normal(0, 2.0, dim)
            for label in range(classes):
                rows.append(centres[label] + offset + rng.normal(0, 1.0, (per_class, dim)))
                labels += [label] * per_class
                speakers += [f"{name}{speaker}"] * per_class
        embeddings = np.concatenate(rows)
        embeddings = np.concatenate([embeddings, embeddings[:, :1]], axis=1).astype(np.float32)
        splits[name] = SplitData(embeddings, np.array(labels), np.array(speakers))
    return splits


@pytest.fixture(scope="module")
def splits():
    return synthetic_splits()


@pytest.fixture(scope="module")
def result(splits):
    return evaluate_embeddings(splits, progress=False)


def test_per_speaker_standardisation_within_each_split_by_hand():
    splits = {
        "train": SplitData(np.array([[1.0, 2.0], [3.0, 2.0], [10.0, 10.0]]), np.array([0, 1, 0]),
                           np.array(["a", "a", "b"])),
        "validation": SplitData(np.array([[0.0, 4.0], [2.0, 8.0]]), np.array([0, 1]), np.array(["c", "c"])),
        "test": SplitData(np.array([[5.0, 5.0]]), np.array([1]), np.array(["d"])),
    }
    standardized = standardize_embeddings(splits, "speaker")
    np.testing.assert_array_equal(standardized["train"], [[-1.0, 0.0], [1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(standardized["validation"], [[-1.0, -1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(standardized["test"], [[0.0, 0.0]])
    global_ = standardize_embeddings(splits, "global")
    mean, std = np.array([14 / 3, 14 / 3]), np.sqrt(np.array([(11 / 3) ** 2 + (5 / 3) ** 2 + (16 / 3) ** 2,
                                                               2 * (8 / 3) ** 2 + (16 / 3) ** 2]) / 3)
    np.testing.assert_allclose(global_["test"], [(np.array([5.0, 5.0]) - mean) / std], rtol=1e-12)
    np.testing.assert_allclose(global_["train"].mean(axis=0), [0.0, 0.0], atol=1e-12)
    unchanged = standardize_embeddings(splits, "none")
    assert unchanged["validation"].dtype == np.float64
    np.testing.assert_array_equal(unchanged["validation"], splits["validation"].embeddings)


def test_search_selections_and_predictions_equal_plain_gridsearchcv(splits, result):
    standardized = standardize_embeddings(splits, "speaker")
    train, validation, test = ((standardized[name], splits[name].labels) for name in ("train", "validation", "test"))
    for spec in serab_classifiers():
        ours = result.classifiers[spec.name]
        plain = reference_search(spec, train, validation)
        scores = plain.cv_results_["mean_test_score"]
        assert [point.params for point in ours.grid] == plain.cv_results_["params"]
        assert [point.validation_accuracy for point in ours.grid] == [None if np.isnan(s) else s for s in scores]
        assert ours.best_params == plain.best_params_
        assert ours.validation_accuracy == plain.best_score_
        assert ours.test_predictions == plain.predict(test[0]).tolist()
        assert ours.test_accuracy == float(np.mean(plain.predict(test[0]) == test[1]))
    forest = result.classifiers["random_forest"]
    assert forest.fits < len(forest.grid) == 30  # forests shallower than max_depth stood for the deeper grid points
    assert result.classifiers["svc"].fits == len(result.classifiers["svc"].grid) == 44


def test_failed_configurations_are_recorded_and_the_run_carries_on(result):
    assert [(failure.classifier, failure.params, failure.stage) for failure in result.failed] == [
        ("qda", {"reg_param": 0.0}, "search")]
    assert result.failed[0].error.startswith("LinAlgError: The covariance matrix of class 0 is not full rank")
    qda = result.classifiers["qda"]
    assert [point.validation_accuracy is None for point in qda.grid] == [True, False, False]
    assert qda.best_params in ({"reg_param": 0.1}, {"reg_param": 0.25}) and qda.test_accuracy is not None
    assert result.fit_warnings == {  # SVC's linear kernel at C >= 1000 stops at SVC_MAX_ITER (6 of the fits here)
        "ConvergenceWarning: Solver terminated early (max_iter=10000).  Consider pre-processing your data with "
        "StandardScaler or MinMaxScaler.": 6}


def test_iteration_limits_are_the_reference_codes():
    estimators = {spec.name: spec.estimator for spec in serab_classifiers()}
    assert estimators["logistic_regression"].max_iter == estimators["svc"].max_iter == 10_000  # max_iter=1e4 there
    assert type(estimators["logistic_regression"].max_iter) is type(estimators["svc"].max_iter) is int


def test_selection_by_validation_and_by_test(splits, result):
    names = [spec.name for spec in serab_classifiers()]
    by_validation = max(names, key=lambda name: result.classifiers[name].validation_accuracy)
    assert result.select == "validation" and result.selected == by_validation
    assert result.test_accuracy == result.classifiers[by_validation].test_accuracy
    assert result.test_uar == result.classifiers[by_validation].test_uar
    on_test = evaluate_embeddings(splits, select="test", progress=False)
    by_test = max(names, key=lambda name: on_test.classifiers[name].test_accuracy)
    assert on_test.selected == by_test and on_test.test_accuracy == max(
        classifier.test_accuracy for classifier in on_test.classifiers.values())
    assert {name: c.test_predictions for name, c in on_test.classifiers.items()} == {
        name: c.test_predictions for name, c in result.classifiers.items()}


def test_scores_confusion_matrix_and_json_round_trip(splits, result):
    forest = result.classifiers["random_forest"]
    predictions, references = np.array(forest.test_predictions), splits["test"].labels
    recalls = [np.mean(predictions[references == label] == label) for label in range(3)]
    assert forest.test_uar == pytest.approx(np.mean(recalls), abs=1e-15)
    assert forest.confusion_matrix == [
        [int(np.sum((references == truth) & (predictions == guess))) for guess in range(3)] for truth in range(3)]
    assert result.labels == [0, 1, 2] and result.label_names == ["0", "1", "2"]
    assert result.test_size == 45 and result.test_references == references.tolist()
    assert set(result.seconds) == {"standardize", "classifiers", "total"}
    assert json.loads(json.dumps(result.to_dict())) == result.to_dict()


def test_worker_count_does_not_change_results(splits, result):
    one = evaluate_embeddings(splits, n_jobs=1, progress=False)  # in this process; `result` ran on worker processes
    assert [c.grid for c in one.classifiers.values()] == [c.grid for c in result.classifiers.values()]
    assert [c.test_predictions for c in one.classifiers.values()] == [
        c.test_predictions for c in result.classifiers.values()]
    assert [c.fits for c in one.classifiers.values()] == [c.fits for c in result.classifiers.values()]
    assert one.fit_warnings == result.fit_warnings


def test_fits_start_longest_first():
    order = [(kind, spec.name, spec.candidates()[chain[0]], len(chain))
             for kind, spec, chain in _first_tasks(serab_classifiers())]
    assert order[:5] == [("search", "lda", {}, 1)] + [  # discriminant analyses; LDA's one point is refit at once
        ("search", "qda", {"reg_param": reg}, 1) for reg in (0.0, 0.1, 0.25)] + [("refit", "lda", {}, 1)]
    assert order[5:11] == [  # chains of five forests, deepest max_depth first
        ("search", "random_forest", {"class_weight": weight, "max_depth": 25, "min_samples_split": split}, 5)
        for weight in ("balanced", None) for split in (2, 5, 10)]
    by_c = order[11:]
    assert [name for _, name, _, _ in by_c] == (["logistic_regression"] * 2 + ["svc"] * 4) * 11
    assert [params["C"] for _, _, params, _ in by_c] == [c for c in C_GRID for _ in range(6)]  # C_GRID decreases


def test_a_one_point_grid_whose_fit_fails_refits_nothing():
    wide = {name: SplitData(split.embeddings[:, :32], split.labels, split.speakers)  # full rank, no duplicate
            for name, split in synthetic_splits(dim=32).items()}
    standardized = standardize_embeddings(wide, "speaker")
    train, validation = ((standardized[name], wide[name].labels) for name in ("train", "validation"))
    qda = ClassifierSpec("qda", QuadraticDiscriminantAnalysis(), {"reg_param": [0.0]})
    lda = ClassifierSpec("lda", LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"), {})
    with pytest.raises(ValueError, match="All the 1 fits failed"):  # 30 utterances per class, 32 dimensions
        reference_search(qda, train, validation)
    both = (np.concatenate([train[0], validation[0]]), np.concatenate([train[1], validation[1]]))
    QuadraticDiscriminantAnalysis().fit(*both)  # 45 per class: the refit started with the search does succeed
    result = evaluate_embeddings(wide, classifiers=[qda, lda], progress=False)
    assert [(failure.classifier, failure.stage) for failure in result.failed] == [("qda", "search")]
    assert result.classifiers["qda"].test_predictions is None and result.classifiers["qda"].fits == 1
    assert result.selected == "lda"


def test_forest_sharing_stays_exact_when_trees_reach_the_limit():
    splits = synthetic_splits(seed=3, per_class=12)
    spec = ClassifierSpec("random_forest", RandomForestClassifier(n_estimators=10, random_state=42),
                          {"max_depth": [None, 2, 3, 4, 8, 30], "min_samples_split": [2, 4]})
    ours = evaluate_embeddings(splits, standardize="global", classifiers=[spec], progress=False).classifiers[spec.name]
    standardized = standardize_embeddings(splits, "global")
    plain = reference_search(spec, (standardized["train"], splits["train"].labels),
                             (standardized["validation"], splits["validation"].labels))
    assert [point.validation_accuracy for point in ours.grid] == plain.cv_results_["mean_test_score"].tolist()
    assert ours.best_params == plain.best_params_
    assert ours.test_predictions == plain.predict(standardized["test"]).tolist()
    assert 2 * 4 <= ours.fits < 12  # 2, 3 and 4 (and more) are fitted; 30 (or 8) reuse the unlimited forest


def dataset_dict(splits: dict[str, SplitData], columns=("embedding", "speaker_id", "native_label", "duration")):
    features = datasets.Features({
        "embedding": datasets.List(datasets.Value("float32"), length=9),
        "speaker_id": datasets.Value("string"),
        "native_label": datasets.ClassLabel(names=["calm", "angry", "sad"]),
        "duration": datasets.Value("float32"),
    })
    return datasets.DatasetDict({
        name: datasets.Dataset.from_dict(
            {
                "embedding": split.embeddings.tolist(),
                "speaker_id": split.speakers.tolist(),
                "native_label": split.labels.tolist(),
                "duration": [1.0] * len(split.labels),
            },
            features=features,
        ).select_columns(list(columns))
        for name, split in splits.items()
    })


def test_run_serab_on_datasets_passes_the_audits_confounding_warning(splits):
    confounded = dict(splits)
    train = splits["train"]
    keep = ~((train.speakers == "train0") & (train.labels != 0))  # speaker train0 now speaks one emotion only
    confounded["train"] = SplitData(train.embeddings[keep], train.labels[keep], train.speakers[keep])
    lda = [ClassifierSpec("lda", LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"), {})]
    by_speaker = run_serab(dataset_dict(confounded), classifiers=lda, progress=False)
    assert by_speaker.label_names == ["calm", "angry", "sad"]
    assert by_speaker.warnings[0].startswith("speakers and emotions are confounded: 1 of 12 speakers")
    assert by_speaker.warnings[1].startswith("standardize='speaker' was used although 1 speakers are recorded in one")
    assert len(by_speaker.warnings) == 2
    globally = run_serab(dataset_dict(confounded), standardize="global", classifiers=lda, progress=False)
    assert len(globally.warnings) == 1 and globally.warnings[0].startswith("speakers and emotions are confounded")
    arrays = evaluate_embeddings(confounded, classifiers=lda, progress=False)
    assert by_speaker.classifiers["lda"].test_predictions == arrays.classifiers["lda"].test_predictions
    unaudited = run_serab(dataset_dict(splits, ("embedding", "speaker_id", "native_label")), classifiers=lda,
                          progress=False)
    assert unaudited.warnings == [
        "the corpus audit did not run (the splits lack ['duration']): speaker overlap and speakers confounded with "
        "emotions were not checked; keep those columns to get the checks."]


def test_serab_benchmark_aggregates_tasks():
    def task(accuracy, uar, size):
        return SerabResult("lda", "validation", "speaker", 42, accuracy, uar, size, [], [], [], {}, [])

    scores = serab_benchmark({"emodb": task(0.5, 0.4, 10), "urdu": task(0.8, 0.6, 30)})
    assert scores["UM"] == pytest.approx(0.65) and scores["WM"] == pytest.approx(0.725)
    assert scores["GM"] == pytest.approx(math.sqrt(0.4))
    assert scores["UM_uar"] == pytest.approx(0.5) and scores["WM_uar"] == pytest.approx(0.55)
    assert scores["per_task"]["urdu"] == {"accuracy": 0.8, "uar": 0.6, "test_size": 30}


def test_every_classifier_failing_is_an_error_that_lists_the_causes(splits):
    qda = [ClassifierSpec("qda", QuadraticDiscriminantAnalysis(), {"reg_param": [0.0]})]
    with pytest.raises(SerabInputError, match=r"no classifier could be fitted(.|\n)*qda: LinAlgError: The covariance"):
        evaluate_embeddings(splits, classifiers=qda, progress=False)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: {k: v for k, v in s.items() if k != "validation"}, r"the splits \['validation'\] are missing"),
        (lambda s: {**s, "test": SplitData(s["test"].embeddings[:, :4], s["test"].labels, s["test"].speakers)},
         "embeddings of different sizes"),
        (lambda s: {**s, "test": SplitData(s["test"].embeddings[0], s["test"].labels, s["test"].speakers)},
         r"the test embeddings have shape \(9,\)"),
        (lambda s: {**s, "train": SplitData(np.where(np.arange(90)[:, None] == 3, np.nan, s["train"].embeddings),
                                            s["train"].labels, s["train"].speakers)},
         "the train embeddings hold NaN or inf values in 1 utterances"),
        (lambda s: {**s, "validation": SplitData(s["validation"].embeddings, s["validation"].labels[:3],
                                                 s["validation"].speakers)}, "the validation split has"),
        (lambda s: {**s, "train": SplitData(s["train"].embeddings, np.zeros(90, int), s["train"].speakers)},
         "the train split holds 1 class"),
    ],
)
def test_unusable_inputs_are_refused_with_the_cause(splits, change, message):
    with pytest.raises(SerabInputError, match=message):
        evaluate_embeddings(change(splits), progress=False)


def test_unknown_options_and_missing_columns(splits):
    with pytest.raises(SerabInputError, match="standardize='per-speaker' is not an option"):
        evaluate_embeddings(splits, standardize="per-speaker")
    with pytest.raises(SerabInputError, match="select='dev' is not an option"):
        evaluate_embeddings(splits, select="dev")
    frames = dataset_dict(splits).rename_column("embedding", "frames")
    with pytest.raises(SerabInputError, match=r"the train split has no 'embedding' column .* extract utterance"):
        run_serab(frames)
    with pytest.raises(SerabInputError, match="the dataset has no 'validation' split"):
        run_serab(datasets.DatasetDict({"train": dataset_dict(splits)["train"], "test": frames["test"]}))


def test_classes_missing_from_train_are_warned(splits):
    train = splits["train"]
    keep = train.labels != 2
    reduced = {**splits, "train": SplitData(train.embeddings[keep], train.labels[keep], train.speakers[keep])}
    lda = [ClassifierSpec("lda", LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"), {})]
    result = evaluate_embeddings(reduced, classifiers=lda, progress=False)
    assert result.warnings == [
        "classes [2] of the validation split are absent from train: no classifier can predict them.",
        "classes [2] of the test split are absent from train: no classifier can predict them.",
    ]
    assert result.labels == [0, 1, 2] and len(result.classifiers["lda"].confusion_matrix) == 3
