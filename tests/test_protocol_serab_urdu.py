"""SERAB on the real URDU corpus (serab split) with the released BYOL-S 512 checkpoint: the same selections and
predictions as plain GridSearchCV on real embeddings, QDA's failed grid points recorded, the audit's confounding
warning surfaced, and the other standardisation and selection modes."""

import json

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import ser_hub
from ser_hub.features import extract
from ser_hub.models.byol.convert_byol_checkpoint import convert_byol_checkpoint
from ser_hub.protocols.serab import SplitData, reference_search, run_serab, serab_classifiers, standardize_embeddings

pytestmark = pytest.mark.slow  # real data or checkpoints end to end

CHECKPOINT = "weights/byol-s/default512_BYOLAs64x96-2107281850-e100-bs256-lr0003-rs42.pth"
CONFOUNDED = "speakers and emotions are confounded: 26 of 29 speakers (74% of the utterances) are recorded in one"


@pytest.fixture(scope="module")
def urdu_byol_s(shared, urdu_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("serab-urdu")
    model = convert_byol_checkpoint(shared / CHECKPOINT, "byol-s", work / "byol-s-512")
    corpus = ser_hub.load_corpus("urdu", str(urdu_dir), "serab", cache_dir=str(work / "hf"))
    return extract(corpus, str(model), progress=False)


def test_real_urdu_byol_s_selections_and_predictions_equal_plain_gridsearchcv(urdu_byol_s):
    result = run_serab(urdu_byol_s, progress=False)
    assert result.test_size == 96 and result.label_names == ["Angry", "Happy", "Neutral", "Sad"]
    assert result.warnings[0] == "class 'Angry' is missing from the validation split."
    assert result.warnings[1].startswith(CONFOUNDED)
    assert result.warnings[2].startswith("standardize='speaker' was used although 26 speakers are recorded in one")
    assert [(failure.classifier, failure.params) for failure in result.failed] == [
        ("qda", {"reg_param": 0.0}), ("qda", {"reg_param": 0.1}), ("qda", {"reg_param": 0.25})]
    assert all("not full rank. When using `solver='svd'` the number of samples in each class should be more than "
               "the number of features" in failure.error for failure in result.failed)
    assert result.classifiers["qda"].test_accuracy is None and result.selected != "qda"
    assert result.fit_warnings == {  # lbfgs converged within its 10,000 iterations; linear SVCs at C >= 1 stopped
        "ConvergenceWarning: Solver terminated early (max_iter=10000).  Consider pre-processing your data with "
        "StandardScaler or MinMaxScaler.": 12}

    splits = {
        name: SplitData(np.asarray(split["embedding"]), np.asarray(split["native_label"]),
                        np.asarray(split["speaker_id"]))
        for name, split in urdu_byol_s.items()
    }
    standardized = standardize_embeddings(splits, "speaker")
    train, validation = ((standardized[name], splits[name].labels) for name in ("train", "validation"))
    with threadpool_limits(limits=1):  # one BLAS thread: the same numbers, much faster on a busy 2-core machine
        for spec in serab_classifiers():
            ours = result.classifiers[spec.name]
            if spec.name == "qda":
                with pytest.raises(ValueError, match="All the 3 fits failed"):
                    reference_search(spec, train, validation)
                continue
            plain = reference_search(spec, train, validation)
            assert [point.validation_accuracy for point in ours.grid] == plain.cv_results_["mean_test_score"].tolist()
            assert ours.best_params == plain.best_params_
            assert ours.test_predictions == plain.predict(standardized["test"]).tolist()
    assert result.classifiers["random_forest"].fits < 30
    assert json.loads(json.dumps(result.to_dict())) == result.to_dict()


def test_real_urdu_global_standardisation_selected_on_test(urdu_byol_s):
    result = run_serab(urdu_byol_s, standardize="global", select="test", progress=False)
    assert result.standardize == "global" and len(result.warnings) == 2 and result.warnings[1].startswith(CONFOUNDED)
    usable = {name: c.test_accuracy for name, c in result.classifiers.items() if c.test_accuracy is not None}
    assert sorted(usable) == ["lda", "logistic_regression", "random_forest", "svc"]
    assert result.selected == max(usable, key=usable.get) and result.test_accuracy == max(usable.values())
    assert result.test_uar == result.classifiers[result.selected].test_uar
