"""Lin's concordance correlation coefficient (`ser_hub.metrics`) and the `ccc` evaluate module: hand-computed values,
the definition with population moments on random data, the coefficient's properties, and input errors."""

import math
import statistics
from fractions import Fraction
from pathlib import Path

import evaluate
import numpy as np
import pytest

from ser_hub.metrics import MetricInputError, concordance_correlation, regression_scores

CCC_MODULE = Path(__file__).resolve().parents[1] / "metrics" / "ccc"


def ccc_by_definition(predictions, references) -> float:
    """2·cov / (var_p + var_r + (mean_p − mean_r)²) with population moments (divided by n), in plain Python."""
    n = len(predictions)
    mean_p, mean_r = statistics.fmean(predictions), statistics.fmean(references)
    covariance = sum((p - mean_p) * (r - mean_r) for p, r in zip(predictions, references)) / n
    return 2 * covariance / (statistics.pvariance(predictions) + statistics.pvariance(references)
                             + (mean_p - mean_r) ** 2)


def test_hand_computed_values():
    # p = [2, 3, 5], r = [2, 4, 4]: both means 10/3; var_p = 14/9, var_r = 8/9, cov = 8/9 -> CCC = (16/9) / (22/9)
    assert concordance_correlation([2, 3, 5], [2, 4, 4]) == pytest.approx(float(Fraction(8, 11)), abs=1e-15)
    # p = [2.5, 3, 4, 1.5], r = [2, 3.5, 4.5, 1]: means 2.75; var_p = 0.8125, var_r = 1.8125, cov = 1.1875
    assert concordance_correlation([2.5, 3.0, 4.0, 1.5], [2.0, 3.5, 4.5, 1.0]) == pytest.approx(2.375 / 2.625)
    # a shift of the means: p = [1, 2, 3], r = [2, 3, 4]: var 2/3 each, cov 2/3, (mean difference)² = 1
    assert concordance_correlation([1, 2, 3], [2, 3, 4]) == pytest.approx((4 / 3) / (4 / 3 + 1))
    scores = regression_scores([[1, 2], [2, 3], [3, 5]], [[1, 2], [2, 4], [3, 4]], dimensions=["arousal", "valence"])
    assert scores["per_dimension"] == {
        "arousal": {"ccc": 1.0, "pearson": 1.0, "mse": 0.0},
        "valence": {"ccc": pytest.approx(8 / 11), "pearson": pytest.approx(8 / math.sqrt(112)),
                    "mse": pytest.approx(2 / 3)},
    }
    assert scores["ccc"] == pytest.approx((1 + 8 / 11) / 2)
    assert scores["pearson"] == pytest.approx((1 + 8 / math.sqrt(112)) / 2)
    assert scores["mse"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("seed", range(5))
def test_equals_the_definition_with_population_moments_on_random_data(seed):
    rng = np.random.default_rng(seed)
    references = rng.normal(3.0, 0.8, 200)
    predictions = 0.6 * references + rng.normal(1.0, 0.5, 200)
    assert concordance_correlation(predictions, references) == pytest.approx(
        ccc_by_definition(predictions.tolist(), references.tolist()), rel=1e-12)
    scores = regression_scores(predictions, references)
    assert scores["pearson"] == pytest.approx(np.corrcoef(predictions, references)[0, 1], rel=1e-12)
    assert scores["mse"] == pytest.approx(np.mean((predictions - references) ** 2), rel=1e-12)
    # the sample moments (n − 1) would give another number: the population ones are meant
    sample = 2 * np.cov(predictions, references)[0, 1] / (
        predictions.var(ddof=1) + references.var(ddof=1) + (predictions.mean() - references.mean()) ** 2)
    assert sample != pytest.approx(scores["ccc"], rel=1e-6)


def test_properties_identical_mirrored_shifted_scaled():
    rng = np.random.default_rng(7)
    x = rng.normal(3.0, 1.0, 100)
    assert concordance_correlation(x, x) == pytest.approx(1.0, abs=1e-15)
    assert concordance_correlation(2 * x.mean() - x, x) == pytest.approx(-1.0, abs=1e-15)  # mirrored about the mean
    assert concordance_correlation([5, 4, 3, 2, 1], [1, 2, 3, 4, 5]) == -1.0  # a reversed linear series
    variance = x.var()
    shifted = regression_scores(x + 0.5, x)
    assert shifted["ccc"] == pytest.approx(2 * variance / (2 * variance + 0.25))  # not invariant to a shift
    assert shifted["pearson"] == pytest.approx(1.0) and shifted["mse"] == pytest.approx(0.25)
    centred = x - x.mean()
    scaled = regression_scores(2 * centred, centred)
    assert scaled["ccc"] == pytest.approx(2 * 2 / (1 + 4))  # nor to a scale: 2a / (1 + a²) for a = 2
    assert scaled["pearson"] == pytest.approx(1.0)


def test_symmetric_bounded_by_pearson_and_invariant_to_a_common_affine_map():
    rng = np.random.default_rng(3)
    references = rng.normal(size=50)
    predictions = references + rng.normal(0.3, 0.7, 50)
    value = concordance_correlation(predictions, references)
    assert concordance_correlation(references, predictions) == pytest.approx(value, rel=1e-12)
    assert abs(value) <= abs(regression_scores(predictions, references)["pearson"])
    # one affine map applied to both (e.g. standardising ratings with fixed statistics) leaves CCC unchanged
    assert concordance_correlation(3 * predictions - 2, 3 * references - 2) == pytest.approx(value, rel=1e-12)


def test_constant_series_are_undefined_only_where_the_formula_is_zero_over_zero():
    assert math.isnan(concordance_correlation([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]))
    one_constant = regression_scores([2.0, 2.0, 2.0], [1.0, 2.0, 3.0])
    assert one_constant["ccc"] == 0.0 and math.isnan(one_constant["pearson"])
    assert one_constant["mse"] == pytest.approx(2 / 3)


def test_per_dimension_names_default_to_column_indices_and_one_named_dimension():
    two = regression_scores([[1.0, 2.0], [2.0, 1.0]], [[1.0, 1.0], [2.0, 2.0]])
    assert list(two["per_dimension"]) == [0, 1]
    assert two["per_dimension"][1]["ccc"] == pytest.approx(-1.0)
    assert "per_dimension" not in regression_scores([1.0, 2.0], [1.0, 2.0])
    named = regression_scores([1.0, 2.0], [1.0, 2.0], dimensions=["valence"])
    assert named["per_dimension"] == {"valence": {"ccc": 1.0, "pearson": 1.0, "mse": 0.0}}


@pytest.mark.parametrize(
    ("predictions", "references", "kwargs", "message"),
    [
        ([1.0, 2.0], [1.0], {}, r"predictions have shape \(2,\) but references \(1,\)"),
        ([], [], {}, "predictions is empty"),
        ([1.0, float("nan")], [1.0, 2.0], {}, "predictions holds NaN or infinite scores"),
        (["high", "low"], [1.0, 2.0], {}, "predictions must hold numbers"),
        ([[[1.0]]], [[[1.0]]], {}, r"predictions has shape \(1, 1, 1\)"),
        ([[1.0, 2.0]], [[1.0, 2.0]], {"dimensions": ["arousal"]}, "dimensions names 1 dimensions but the scores have 2"),
    ],
)
def test_inputs_that_cannot_be_scored_are_errors_that_say_why(predictions, references, kwargs, message):
    with pytest.raises(MetricInputError, match=message):
        regression_scores(predictions, references, **kwargs)


def test_concordance_correlation_takes_one_series():
    with pytest.raises(MetricInputError, match="regression_scores scores several dimensions"):
        concordance_correlation([[1.0, 2.0], [2.0, 3.0]], [[1.0, 2.0], [2.0, 3.0]])


def test_module_offline_one_and_several_dimensions_and_batches():
    ccc = evaluate.load(str(CCC_MODULE))
    assert ccc.compute(predictions=[2, 3, 5], references=[2, 4, 4])["ccc"] == pytest.approx(8 / 11)
    results = ccc.compute(predictions=[[1.0, 2.0], [2.0, 3.0], [3.0, 5.0]],
                          references=[[1.0, 2.0], [2.0, 4.0], [3.0, 4.0]], dimensions=["arousal", "valence"])
    assert results == regression_scores([[1, 2], [2, 3], [3, 5]], [[1, 2], [2, 4], [3, 4]], ["arousal", "valence"])
    for predictions, references in (([2.0], [2.0]), ([3.0, 5.0], [4.0, 4.0])):  # moments over every batch
        ccc.add_batch(predictions=predictions, references=references)
    assert ccc.compute()["ccc"] == pytest.approx(8 / 11)
    with pytest.raises(MetricInputError, match="predictions is empty"):
        ccc.compute(predictions=[], references=[])
