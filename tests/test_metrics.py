"""The metric math in ser_hub.metrics: hand-computed cases, agreement with scikit-learn/scipy, published tables."""

import math
import statistics
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import bootstrap

from metric_helpers import assert_equals_scikit_learn
from ser_hub.errors import SerHubError
from ser_hub.metrics import (
    MCNEMAR_CHI2,
    MCNEMAR_EXACT,
    MetricInputError,
    bootstrap_ci,
    classification_scores,
    logit_adjust,
    mcnemar_test,
    ood_matrix_scores,
    ood_weighted_average,
    pivot_ood_cells,
    recognition_rates,
    serab_confidence_intervals,
    serab_scores,
    serab_scores_from_predictions,
)

SERAB_TASKS = ("AES", "CAF", "CRE", "EMB", "EMV", "IEM", "RAV", "SAV", "SHE")


def read_tab_table(path: Path, header_start: str) -> list[list[str]]:
    """The tab-separated rows following the line that starts with `header_start`, up to the first blank line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        rows.append(line.split("\t"))
    return rows


@pytest.fixture(scope="module")
def serab_table3(shared) -> list[dict]:
    """SERAB Table 3 as printed in the seed paper: model, nine task accuracies, UM, WM, GM (percent)."""
    header, *body = read_tab_table(shared / "seeds" / "000_54a89015e475372a.txt", "Model\tAES")
    assert header == ["Model", *SERAB_TASKS, "UM", "WM", "GM"]
    rows = []
    for cells in body:
        if not cells[1].strip():  # the "Proposed:" separator row
            continue
        values = [float(cell) for cell in cells[1:]]
        rows.append({"model": cells[0], "tasks": dict(zip(SERAB_TASKS, values[:9])), "UM": values[9], "GM": values[11]})
    return rows


@pytest.fixture(scope="module")
def ser_evals_table3(shared) -> list[dict]:
    """SER Evals Table 3: ID mean, ID std, OOD mean, OOD std and weighted average per model."""
    _, *body = read_tab_table(shared / "seeds" / "003_b882b0efc685a5fa.txt", "Model\tIn-Domai")
    return [
        dict(zip(("model", "id_mean", "id_std", "ood_mean", "ood_std", "weighted"), [cells[0], *map(float, cells[1:])]))
        for cells in body
    ]


@pytest.fixture(scope="module")
def urdu_utterances(urdu_dir) -> tuple[np.ndarray, np.ndarray]:
    """Reference emotion (the folder) and speaker (S<G><n>, the name's first field) of every URDU file."""
    files = sorted(urdu_dir.glob("*/*.wav"))
    assert len(files) == 400
    return np.array([file.parent.name for file in files]), np.array([file.name.split("_")[0] for file in files])


def speaker_correlated_system(references: np.ndarray, speakers: np.ndarray) -> np.ndarray:
    """Predictions that are right for speakers with an odd number and a rotated (wrong) class for the others."""
    classes = np.unique(references)
    rotated = classes[(np.searchsorted(classes, references) + 1) % len(classes)]
    odd = np.array([int(speaker[2:]) % 2 == 1 for speaker in speakers])
    return np.where(odd, references, rotated)


# --- classification scores ------------------------------------------------------------------------------------------


def test_classification_scores_hand_computed():
    scores = classification_scores([0, 1, 1, 2], [0, 1, 2, 2], return_confusion_matrix=True)
    # recalls 1/1, 1/1, 1/2; F1: class 0 = 1, class 1 = 2·(1/2·1)/(3/2) = 2/3, class 2 = 2·(1·1/2)/(3/2) = 2/3
    assert scores["uar"] == pytest.approx(2.5 / 3)
    assert scores["accuracy"] == 0.75
    assert scores["macro_f1"] == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)
    assert scores["weighted_f1"] == pytest.approx((1 * 1 + 1 * 2 / 3 + 2 * 2 / 3) / 4)
    assert scores["per_class_recall"] == {0: 1.0, 1: 1.0, 2: 0.5}
    assert scores["labels"] == [0, 1, 2]
    assert scores["confusion_matrix"] == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]


def test_labels_absent_from_both_inputs_still_count():
    assert classification_scores([0, 1], [0, 1])["uar"] == 1.0
    scores = classification_scores([0, 1], [0, 1], labels=[0, 1, 2])
    assert scores["uar"] == pytest.approx(2 / 3)
    assert scores["per_class_recall"] == {0: 1.0, 1: 1.0, 2: 0.0}


def test_a_class_only_predicted_counts_with_recall_zero_as_in_scikit_learn():
    scores = classification_scores(["anger", "neutral"], ["anger", "anger"])
    assert scores["per_class_recall"] == {"anger": 0.5, "neutral": 0.0}
    assert scores["uar"] == 0.25


def test_classification_scores_match_scikit_learn_on_real_urdu_labels(urdu_utterances):
    references, speakers = urdu_utterances
    predictions = speaker_correlated_system(references, speakers)
    labels = ["Angry", "Happy", "Neutral", "Sad", "Surprise"]
    scores = classification_scores(predictions, references, labels=labels, return_confusion_matrix=True)
    assert_equals_scikit_learn(scores, predictions, references, labels)
    odd_speaker = np.array([int(speaker[2:]) % 2 == 1 for speaker in speakers])
    assert scores["accuracy"] == odd_speaker.mean()


def test_cross_corpus_rule_averages_over_the_classes_present_in_the_references():
    # ASED -> BAVED as the issue reports it: five training classes, a test corpus of neutral speech only
    training = ["neutral", "anger", "happiness", "sadness", "fear"]
    references = ["neutral"] * 17
    predictions = ["neutral"] * 6 + ["anger"] * 4 + ["happiness"] * 3 + ["sadness"] * 2 + ["fear"] * 2
    present = classification_scores(predictions, references, training, average_over="references")
    # neutral: recall 6/17, precision 6/6, F1 2·(6/17)/(1 + 6/17) = 12/23; no other class is in the references
    assert present["accuracy"] == 6 / 17 and present["uar"] == 6 / 17
    assert present["macro_f1"] == pytest.approx(12 / 23) and present["weighted_f1"] == pytest.approx(12 / 23)
    training_classes = classification_scores(predictions, references, training)  # average_over="labels"
    assert training_classes["accuracy"] == 6 / 17
    assert training_classes["uar"] == pytest.approx(6 / 17 / 5)  # 0.353 / 5 = 0.071
    assert training_classes["macro_f1"] == pytest.approx(12 / 23 / 5)
    assert present["per_class_recall"] == training_classes["per_class_recall"]
    rates = recognition_rates(predictions, references, training, average_over="references")
    assert rates == {"accuracy": 6 / 17, "uar": 6 / 17}
    # two reference classes out of three labels: recalls anger 1/2, sadness 1 (fear, absent, is not averaged)
    scores = classification_scores(["anger", "fear", "sadness"], ["anger", "anger", "sadness"],
                                   ["anger", "sadness", "fear"], average_over="references")
    assert scores["uar"] == 0.75 and scores["macro_f1"] == pytest.approx((2 / 3 + 1) / 2)
    with pytest.raises(MetricInputError, match="average_over is 'present': choose 'labels'"):
        classification_scores(predictions, references, average_over="present")


def test_recognition_rates_are_the_classification_headline():
    rates = recognition_rates(["a", "b", "b"], ["a", "b", "a"])
    assert rates == {"accuracy": pytest.approx(2 / 3), "uar": 0.75}


@pytest.mark.parametrize(
    ("predictions", "references", "labels", "message"),
    [
        ([0, 1], [0], None, "predictions has 2, references has 1"),
        ([], [], None, "predictions is empty"),
        ([0, 3], [0, 1], [0, 1, 2], r"contain \[3\], which are not in labels"),
        ([0, 1], [0, 1], [0, 1, 1], r"lists \[1\] more than once"),
        ([0, "a"], [0, 1], None, "mixes strings with other types"),
        ([0.5, 1.0], [0, 1], None, "class labels must be integers or strings"),
        (["a", "b"], [0, 1], None, "predictions are strings, references are integers"),
        ([[0, 1]], [[0, 1]], None, "one class label per utterance"),
    ],
)
def test_classification_input_errors_name_the_problem(predictions, references, labels, message):
    with pytest.raises(MetricInputError, match=message) as error:
        classification_scores(predictions, references, labels)
    assert isinstance(error.value, SerHubError) and isinstance(error.value, ValueError)


# --- SERAB ----------------------------------------------------------------------------------------------------------


def test_serab_table3_um_and_gm_recomputed_for_every_row(serab_table3):
    assert len(serab_table3) == 13
    for row in serab_table3:
        scores = serab_scores(row["tasks"])
        assert abs(scores["UM"] - row["UM"]) <= 0.05, row["model"]
        assert abs(scores["GM"] - row["GM"]) <= 0.05, row["model"]
        assert scores["WM"] is None
        assert scores["UM"] == pytest.approx(sum(row["tasks"].values()) / 9)
        assert scores["GM"] == pytest.approx(math.prod(row["tasks"].values()) ** (1 / 9))


def test_serab_scores_hand_computed_with_sizes_and_uar():
    scores = serab_scores({"a": {"accuracy": 0.5, "uar": 0.4}, "b": {"accuracy": 0.8, "uar": 0.9}}, {"a": 10, "b": 30})
    assert scores["UM"] == pytest.approx(0.65)
    assert scores["WM"] == pytest.approx((10 * 0.5 + 30 * 0.8) / 40)
    assert scores["GM"] == pytest.approx(math.sqrt(0.4))
    assert scores["UM_uar"] == pytest.approx(0.65)
    assert scores["WM_uar"] == pytest.approx((10 * 0.4 + 30 * 0.9) / 40)
    assert scores["GM_uar"] == pytest.approx(math.sqrt(0.36))
    assert scores["per_task"] == {
        "a": {"accuracy": 0.5, "uar": 0.4, "test_size": 10},
        "b": {"accuracy": 0.8, "uar": 0.9, "test_size": 30},
    }


def test_serab_geometric_mean_of_a_zero_score_is_zero():
    assert serab_scores({"a": 0.0, "b": 0.9})["GM"] == 0.0


def test_serab_scores_from_predictions_per_task():
    scores = serab_scores_from_predictions(
        predictions=[0, 1, 1, 0, 2, 2], references=[0, 1, 0, 0, 2, 1], tasks=["emodb"] * 4 + ["savee"] * 2
    )
    # emodb: 3/4 right, recalls 2/3 (class 0) and 1 (class 1); savee: 1/2 right, recalls 0 (class 1) and 1 (class 2)
    assert scores["per_task"] == {
        "emodb": {"accuracy": 0.75, "uar": pytest.approx(5 / 6), "test_size": 4},
        "savee": {"accuracy": 0.5, "uar": 0.5, "test_size": 2},
    }
    assert scores["UM"] == 0.625
    assert scores["WM"] == pytest.approx((4 * 0.75 + 2 * 0.5) / 6)
    assert scores["GM"] == pytest.approx(math.sqrt(0.375))
    assert scores["UM_uar"] == pytest.approx((5 / 6 + 0.5) / 2)


@pytest.mark.parametrize(
    ("task_scores", "test_sizes", "message"),
    [
        ({}, None, "task_scores is empty"),
        ({"a": {"accuracy": 0.5, "uar": 0.4}, "b": 0.7}, None, "only some tasks have a UAR"),
        ({"a": 0.5, "b": 0.7}, {"a": 10}, "give one test-set size per task"),
        ({"a": 0.5}, {"a": 0}, "a test-set size is a positive integer"),
        ({"a": -0.1}, None, "finite non-negative"),
        ({"a": float("nan")}, None, "finite non-negative"),
        ({"a": {"acc": 0.5}}, None, "give the task's accuracy"),
    ],
)
def test_serab_input_errors(task_scores, test_sizes, message):
    with pytest.raises(MetricInputError, match=message):
        serab_scores(task_scores, test_sizes)


def test_serab_task_must_align_with_predictions():
    with pytest.raises(MetricInputError, match="predictions has 2, task has 1"):
        serab_scores_from_predictions([0, 1], [0, 1], ["emodb"])


# --- out-of-domain matrix ------------------------------------------------------------------------------------------

# rows: training corpus, columns: test corpus; urdu is not OOD-eligible; (emovo, emodb) was not evaluated.
OOD_CELLS = [
    ("emodb", "emodb", 0.9), ("emodb", "emovo", 0.4), ("emodb", "ravdess", 0.5), ("emodb", "urdu", 0.1),
    ("emovo", "emovo", 0.7), ("emovo", "ravdess", 0.3),
    ("ravdess", "emodb", 0.6), ("ravdess", "emovo", 0.2), ("ravdess", "ravdess", 0.8),
    ("urdu", "emodb", 0.05), ("urdu", "urdu", 0.6),
]  # fmt: skip
OOD_ELIGIBLE = ["emodb", "emovo", "ravdess"]


def test_ood_matrix_hand_computed_with_eligibility_and_a_missing_cell():
    train, test, score = zip(*OOD_CELLS)
    result = ood_matrix_scores(train, test, score, eligible=OOD_ELIGIBLE, lam=1.0)
    diagonal = [0.9, 0.7, 0.8, 0.6]
    assert result["in_domain_mean"] == pytest.approx(0.75)
    assert result["in_domain_std"] == pytest.approx(statistics.stdev(diagonal))
    # the missing (emovo, emodb) cell is skipped, not read as 0: emovo's row mean is its one cell, 0.3
    assert result["ood_given_train"] == {"emodb": pytest.approx(0.45), "emovo": 0.3, "ravdess": pytest.approx(0.4)}
    assert result["ood_unseen"] == {"emodb": 0.6, "emovo": pytest.approx(0.3), "ravdess": pytest.approx(0.4)}
    row_means = [0.45, 0.3, 0.4]
    assert result["ood_mean"] == pytest.approx(statistics.mean(row_means))
    assert result["ood_std"] == pytest.approx(statistics.stdev(row_means))
    expected = (0.75 + statistics.mean(row_means)) / 2 - (statistics.stdev(diagonal) + statistics.stdev(row_means)) / 2
    assert result["weighted_average"] == pytest.approx(expected)


def test_ood_matrix_all_corpora_eligible_by_default():
    train, test, score = zip(*OOD_CELLS)
    result = ood_matrix_scores(train, test, score)
    assert result["ood_given_train"]["emodb"] == pytest.approx((0.4 + 0.5 + 0.1) / 3)
    assert result["ood_given_train"]["urdu"] == 0.05
    assert result["ood_unseen"]["urdu"] == 0.1


def test_ood_weighted_average_reproduces_ser_evals_table3(ser_evals_table3):
    assert len(ser_evals_table3) == 9
    for row in ser_evals_table3:
        recomputed = ood_weighted_average(row["id_mean"], row["id_std"], row["ood_mean"], row["ood_std"], lam=1.0)
        assert recomputed == pytest.approx(row["weighted"], abs=1e-6), row["model"]


def test_pivot_ood_cells_keeps_missing_cells_as_nan():
    corpora, matrix = pivot_ood_cells(["a", "b"], ["b", "b"], [0.25, 0.75])
    assert corpora == ["a", "b"]
    assert np.isnan(matrix[0, 0]) and np.isnan(matrix[1, 0])
    assert matrix[0, 1] == 0.25 and matrix[1, 1] == 0.75


@pytest.mark.parametrize(
    ("cells", "kwargs", "message"),
    [
        ([("a", "a", 0.5), ("a", "a", 0.6)], {}, "trained on 'a' and tested on 'a' is given twice"),
        ([("a", "a", 0.5), ("a", "b", float("nan"))], {}, "trained on 'a' and tested on 'b' has score nan"),
        ([("a", "a", 0.5), ("a", "b", None)], {}, "has score nan"),
        ([("a", "a", 0.5), ("b", "b", float("inf"))], {}, "has score inf"),
        ([("a", "a", 0.5), ("b", "b", 0.6)], {"eligible": ["a", "c"]}, r"eligible names \['c'\]"),
        ([("a", "a", 0.5), ("a", "b", 0.6)], {}, r"the diagonal \(in-domain cells\) has 1 value"),
        ([("a", "a", 0.5), ("b", "b", 0.6), ("a", "b", 0.2)], {}, "out-of-domain row means .* has 1 value"),
        ([("a", "a", 0.5), ("b", "b", 0.6)], {"lam": float("nan")}, "lam is nan"),
        ([("a", "", 0.5)], {}, "corpus name '' is not a non-empty string"),
    ],
)
def test_ood_matrix_input_errors(cells, kwargs, message):
    train, test, score = zip(*cells)
    with pytest.raises(MetricInputError, match=message):
        ood_matrix_scores(train, test, score, **kwargs)


def test_ood_matrix_empty_and_misaligned_inputs():
    with pytest.raises(MetricInputError, match="the matrix is empty"):
        ood_matrix_scores([], [], [])
    with pytest.raises(MetricInputError, match="train_corpus has 2, test_corpus has 1, score has 1"):
        ood_matrix_scores(["a", "b"], ["a"], [0.5])


# --- McNemar --------------------------------------------------------------------------------------------------------


def test_mcnemar_exact_binomial_hand_computed():
    # b = 1 (only the first right), c = 5: two-sided p = 2 · (C(6,0) + C(6,1)) / 2^6 = 14 / 64
    result = mcnemar_test(
        predictions1=[0, 0, 0, 0, 0, 0, 1, 0],
        predictions2=[1, 1, 1, 1, 1, 0, 1, 1],
        references=[1, 1, 1, 1, 1, 1, 1, 0],
    )
    assert result == {
        "statistic": 1.0,
        "p_value": 0.21875,
        "method": MCNEMAR_EXACT,
        "both_correct": 1,
        "only_first_correct": 1,
        "only_second_correct": 5,
        "both_wrong": 1,
    }


def test_mcnemar_chi_square_with_continuity_correction_hand_computed():
    # b = 10, c = 25, b + c = 35 >= 25: statistic (|10 - 25| - 1)^2 / 35 = 5.6; chi2(1) survival = erfc(sqrt(x / 2))
    result = mcnemar_test([1] * 10 + [0] * 25 + [1] * 3, [0] * 10 + [1] * 25 + [1] * 3, [1] * 38)
    assert result["method"] == MCNEMAR_CHI2
    assert result["statistic"] == pytest.approx(5.6)
    assert result["p_value"] == pytest.approx(math.erfc(math.sqrt(5.6 / 2)))
    assert (
        result["both_correct"],
        result["only_first_correct"],
        result["only_second_correct"],
        result["both_wrong"],
    ) == (3, 10, 25, 0)


def test_mcnemar_threshold_chooses_the_test_and_exact_p_matches_the_binomial_sum():
    just_below = mcnemar_test([1] * 4 + [0] * 20, [0] * 4 + [1] * 20, [1] * 24)
    assert just_below["method"] == MCNEMAR_EXACT
    assert just_below["p_value"] == pytest.approx(2 * sum(math.comb(24, k) for k in range(5)) / 2**24)
    at_threshold = mcnemar_test([1] * 5 + [0] * 20, [0] * 5 + [1] * 20, [1] * 25)
    assert at_threshold["method"] == MCNEMAR_CHI2
    assert mcnemar_test([1] * 5 + [0] * 20, [0] * 5 + [1] * 20, [1] * 25, exact_threshold=26)["method"] == MCNEMAR_EXACT


def test_mcnemar_without_discordant_pairs_is_not_significant():
    result = mcnemar_test(["a", "b"], ["a", "b"], ["a", "a"])
    assert (result["method"], result["statistic"], result["p_value"]) == (MCNEMAR_EXACT, 0.0, 1.0)
    assert (result["both_correct"], result["both_wrong"]) == (1, 1)


def test_mcnemar_input_errors():
    with pytest.raises(MetricInputError, match="predictions1 has 2, predictions2 has 1, references has 2"):
        mcnemar_test([0, 1], [0], [0, 1])
    with pytest.raises(MetricInputError, match="predictions2 are strings"):
        mcnemar_test([0, 1], ["a", "b"], [0, 1])


# --- bootstrap ------------------------------------------------------------------------------------------------------


def accuracy(predictions, references):
    return float(np.mean(predictions == references))


def test_bootstrap_of_a_perfect_system_is_a_point():
    assert bootstrap_ci(accuracy, [0, 1, 2, 1], [0, 1, 2, 1], n_resamples=50) == (1.0, 1.0)


def test_bootstrap_resamples_whole_groups():
    sizes = []

    def resample_size(predictions, references):
        sizes.append(len(predictions))
        return float(len(predictions))

    # group "g1" has one utterance and "g2" three: a resample of two groups has 2, 4 or 6 utterances
    low, high = bootstrap_ci(
        resample_size, [0, 1, 1, 1], [0, 1, 1, 1], groups=["g1", "g2", "g2", "g2"], n_resamples=200
    )
    assert set(sizes) == {2, 4, 6}
    assert (low, high) == (2.0, 6.0)


def test_bootstrap_two_speakers_one_right_one_wrong():
    # resampled accuracy is 0, 1/2 or 1 with probabilities 1/4, 1/2, 1/4: the 95% interval spans [0, 1]
    interval = bootstrap_ci(accuracy, [0, 0, 1, 1], [0, 0, 0, 0], groups=["s1", "s1", "s2", "s2"], n_resamples=400)
    assert interval == (0.0, 1.0)


def test_bootstrap_is_seeded_and_returns_dicts_for_dict_metrics():
    predictions, references = [0, 1, 1, 0, 1, 0, 0, 1], [0, 1, 0, 0, 1, 1, 0, 1]
    first = bootstrap_ci(recognition_rates, predictions, references, n_resamples=100, seed=3)
    assert first == bootstrap_ci(recognition_rates, predictions, references, n_resamples=100, seed=3)
    assert set(first) == {"accuracy", "uar"}
    assert first != bootstrap_ci(recognition_rates, predictions, references, n_resamples=100, seed=4)


def test_bootstrap_matches_scipy_percentile_interval():
    rng = np.random.default_rng(1)
    references = rng.integers(0, 4, 400)
    predictions = np.where(rng.random(400) < 0.7, references, (references + 1) % 4)
    low, high = bootstrap_ci(accuracy, predictions, references, n_resamples=2000, confidence=0.9)
    reference = bootstrap(
        (predictions, references),
        accuracy,
        paired=True,
        vectorized=False,
        n_resamples=2000,
        confidence_level=0.9,
        method="percentile",
        random_state=1,
    ).confidence_interval
    assert low == pytest.approx(reference.low, abs=0.01)
    assert high == pytest.approx(reference.high, abs=0.01)


def test_speaker_level_interval_is_wider_when_errors_follow_speakers(urdu_utterances):
    references, speakers = urdu_utterances
    predictions = speaker_correlated_system(references, speakers)
    by_utterance = bootstrap_ci(accuracy, predictions, references, n_resamples=300)
    by_speaker = bootstrap_ci(accuracy, predictions, references, groups=speakers, n_resamples=300)
    point = accuracy(predictions, references)
    assert by_utterance[0] < point < by_utterance[1] and by_speaker[0] < point < by_speaker[1]
    assert by_speaker[1] - by_speaker[0] > 2 * (by_utterance[1] - by_utterance[0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"confidence": 95}, "confidence is 95"),
        ({"n_resamples": 0}, "n_resamples is 0"),
        ({"groups": ["s1"]}, "predictions has 2, groups has 1"),
        ({"groups": [0.5, 0.5]}, "one integer or string group id"),
    ],
)
def test_bootstrap_input_errors(kwargs, message):
    with pytest.raises(MetricInputError, match=message):
        bootstrap_ci(accuracy, [0, 1], [0, 1], **kwargs)


def test_serab_intervals_are_stratified_by_task():
    # a perfect task and a task right on one of its two speakers: UM is 1/2 + (0, 1/2 or 1)/2, never below 1/2
    predictions = [0, 1, 0, 1] + [0, 0, 1, 1]
    references = [0, 1, 0, 1] + [0, 0, 0, 0]
    tasks = ["a"] * 4 + ["b"] * 4
    groups = ["a1", "a1", "a2", "a2", "b1", "b1", "b2", "b2"]
    intervals = serab_confidence_intervals(predictions, references, tasks, groups=groups, n_resamples=400)
    assert set(intervals) == {"UM", "WM", "GM", "UM_uar", "WM_uar", "GM_uar"}
    assert intervals["UM"] == (0.5, 1.0)
    assert intervals["WM"] == (0.5, 1.0)
    assert intervals["GM"] == (0.0, 1.0)
    assert intervals == serab_confidence_intervals(predictions, references, tasks, groups=groups, n_resamples=400)


# --- logit adjustment ----------------------------------------------------------------------------------------------


def test_logit_adjust_subtracts_the_log_training_prior():
    adjusted = logit_adjust([[0.0, 0.0, 0.0], [2.0, 1.0, 0.0]], train_prior=[0.5, 0.25, 0.25])
    expected_shift = [math.log(2), math.log(4), math.log(4)]
    np.testing.assert_allclose(adjusted, [expected_shift, [2 + math.log(2), 1 + math.log(4), math.log(4)]])


def test_logit_adjust_adds_the_log_target_prior_only_when_given_and_accepts_counts():
    adjusted = logit_adjust([1.0, 1.0], train_prior=[30, 10], target_prior=[1, 3], tau=0.5)
    np.testing.assert_allclose(
        adjusted, [1 + 0.5 * (math.log(0.25) - math.log(0.75)), 1 + 0.5 * (math.log(0.75) - math.log(0.25))]
    )
    assert logit_adjust([1.0, 1.0], train_prior=[30, 10], tau=0.5)[1] == pytest.approx(1 - 0.5 * math.log(0.25))


def test_logit_adjust_rare_training_class_can_win():
    logits = np.array([1.0, 0.5])
    assert logits.argmax() == 0
    assert logit_adjust(logits, train_prior=[0.9, 0.1]).argmax() == 1


def test_logit_adjust_zero_prior_class_is_never_predicted_and_nothing_is_nan():
    for train_prior, target_prior in [
        ([0.5, 0.5, 0.0], None),
        ([0.5, 0.5, 0.0], [0.4, 0.6, 0.0]),
        ([0.5, 0.5, 0.1], [0.5, 0.5, 0.0]),
    ]:
        adjusted = logit_adjust([[0.0, 0.0, 9.0]], train_prior, target_prior)
        assert not np.isnan(adjusted).any()
        assert adjusted[0, 2] == -np.inf
        assert np.isfinite(adjusted[0, :2]).all()
        assert adjusted.argmax() != 2


def test_logit_adjust_with_tau_zero_changes_nothing():
    np.testing.assert_array_equal(logit_adjust([0.3, -1.0], train_prior=[0.0, 1.0], tau=0.0), [0.3, -1.0])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (([0.0, 1.0], [0.5, 0.3, 0.2]), "train_prior has shape"),
        (([0.0, 1.0], [-0.5, 1.5]), "finite non-negative values"),
        (([0.0, 1.0], [0.0, 0.0]), "not all zero"),
        (([float("nan"), 1.0], [0.5, 0.5]), "without NaN"),
        (([0.0, 1.0], [0.5, 0.5], [1.0]), "target_prior has shape"),
        (([0.0, 1.0], [0.5, 0.5], None, -1.0), "tau is -1.0"),
    ],
)
def test_logit_adjust_input_errors(arguments, message):
    with pytest.raises(MetricInputError, match=message):
        logit_adjust(*arguments)
