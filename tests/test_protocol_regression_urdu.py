"""The regression probes on real URDU BYOL-S 512 embeddings (serab split) with a synthetic continuous target: a fixed
linear function of the embeddings plus noise is learned (high test CCC, the same selections and predictions as plain
GridSearchCV), the same target shuffled across utterances is not (CCC near 0)."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import ser_hub
from ser_hub.features import extract
from ser_hub.metrics import concordance_correlation
from ser_hub.models.byol.convert_byol_checkpoint import convert_byol_checkpoint
from ser_hub.protocols.regression import ccc_score, run_serab_regression, serab_regressors
from ser_hub.protocols.serab import SPLITS, SplitData, reference_search, standardize_embeddings

pytestmark = pytest.mark.slow  # real data and checkpoints end to end

CHECKPOINT = "weights/byol-s/default512_BYOLAs64x96-2107281850-e100-bs256-lr0003-rs42.pth"
NOISE = 0.25  # noise standard deviation, in standard deviations of the noise-free target


@pytest.fixture(scope="module")
def urdu_byol_s(shared, urdu_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("regression-urdu")
    model = convert_byol_checkpoint(shared / CHECKPOINT, "byol-s", work / "byol-s-512")
    corpus = ser_hub.load_corpus("urdu", str(urdu_dir), "serab", cache_dir=str(work / "hf"))
    return extract(corpus, str(model), progress=False)


@pytest.fixture(scope="module")
def synthetic(urdu_byol_s):
    """The features with `arousal_score`: 3 + 0.5 (signal + noise) on a 1-5 like scale, the signal a fixed linear
    function of the per-speaker standardised embeddings (along their ten main directions on train, so that 274
    training utterances of 512 dimensions can learn it), scaled to unit variance on train; and the noise-free
    signal's test CCC against the target, the most a probe can reach."""
    rng = np.random.default_rng(0)
    splits = {name: SplitData(np.asarray(split["embedding"]), np.zeros(len(split)), np.asarray(split["speaker_id"]))
              for name, split in urdu_byol_s.items()}
    standardized = standardize_embeddings(splits, "speaker")
    _, _, directions = np.linalg.svd(standardized["train"] - standardized["train"].mean(axis=0), full_matrices=False)
    weights = directions[:10].T @ rng.standard_normal(10)
    scale = (standardized["train"] @ weights).std()
    signal = {name: 3 + 0.5 * standardized[name] @ weights / scale for name in SPLITS}
    targets = {name: signal[name] + 0.5 * NOISE * rng.standard_normal(len(signal[name])) for name in SPLITS}
    scored = {name: urdu_byol_s[name].add_column("arousal_score", targets[name].tolist()) for name in SPLITS}
    return scored, targets, concordance_correlation(signal["test"], targets["test"])


def test_a_linear_target_is_learned_as_plain_gridsearchcv_learns_it(synthetic):
    scored, targets, ceiling = synthetic
    result = run_serab_regression(scored, "arousal_score", progress=False)
    assert result.test_size == 96 and result.test_references == pytest.approx(targets["test"].tolist())
    assert ceiling == pytest.approx(2 / (2 + NOISE**2), abs=0.02)  # 2 var / (2 var + noise var) for the signal
    for regressor in result.regressors.values():
        assert 0.9 < regressor.test_ccc <= ceiling
    chosen = max(result.regressors.values(), key=lambda regressor: regressor.validation_ccc)
    assert result.selected == chosen.name and result.test_ccc == chosen.test_ccc

    splits = {name: SplitData(np.asarray(scored[name]["embedding"]), np.asarray(scored[name]["arousal_score"]),
                              np.asarray(scored[name]["speaker_id"])) for name in SPLITS}
    standardized = standardize_embeddings(splits, "speaker")
    train, validation = ((standardized[name], splits[name].labels) for name in ("train", "validation"))
    with threadpool_limits(limits=1):  # one BLAS thread: the same numbers, faster on a busy 2-core machine
        for spec in serab_regressors():
            ours = result.regressors[spec.name]
            plain = reference_search(spec, train, validation, scoring=ccc_score)
            assert [point.validation_ccc for point in ours.grid] == plain.cv_results_["mean_test_score"].tolist()
            assert ours.best_params == plain.best_params_
            assert ours.test_predictions == plain.predict(standardized["test"]).tolist()


def test_a_shuffled_target_is_not_learned(synthetic):
    scored, targets, _ = synthetic
    rng = np.random.default_rng(1)
    shuffled = {name: split.remove_columns("arousal_score").add_column(
        "arousal_score", rng.permutation(targets[name]).tolist()) for name, split in scored.items()}
    result = run_serab_regression(shuffled, "arousal_score", progress=False)
    for regressor in result.regressors.values():
        assert abs(regressor.test_ccc) < 0.15
