"""The evaluate modules in metrics/: loaded offline with stock `evaluate.load`, documented, runnable examples."""

import doctest
import sys
import types
from pathlib import Path

import evaluate
import pytest
import yaml
from evaluate.loading import get_imports

from ser_hub.metrics import MCNEMAR_EXACT, MetricInputError

METRICS = Path(__file__).resolve().parents[1] / "metrics"
MODULES = ("uar", "serab", "ood_matrix", "mcnemar", "ccc")


def load(name: str, evaluate_load=evaluate.load):
    return evaluate_load(str(METRICS / name))


def hub_name_loader():
    """A stand-in for `evaluate` whose `load("ser-hub/<name>")` loads the local folder (documented examples)."""
    return types.SimpleNamespace(load=lambda name: load(name.removeprefix("ser-hub/")))


@pytest.mark.parametrize("name", MODULES)
def test_module_loads_offline_and_is_documented(name):
    module = load(name)
    assert isinstance(module, evaluate.Comparison if name == "mcnemar" else evaluate.Metric)
    assert module.name == name
    for text in (module.description, module.citation, module.inputs_description):
        assert len(text.strip()) > 100
    assert "Examples:" in module.inputs_description and ">>> " in module.inputs_description


@pytest.mark.parametrize("name", MODULES)
def test_module_declares_ser_hub_as_its_requirement(name):
    imports = get_imports(str(METRICS / name / f"{name}.py"))
    assert ("library", "ser_hub", "ser-hub", None) in imports  # evaluate's pip hint when ser_hub is missing
    assert "ser-hub" in (METRICS / name / "requirements.txt").read_text().split()


def test_loading_without_ser_hub_tells_the_user_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ser_hub", None)  # makes `import ser_hub` fail as if it were not installed
    with pytest.raises(ImportError, match="pip install ser-hub"):
        load("uar")


@pytest.mark.parametrize("name", MODULES)
def test_kwargs_description_examples_run(name):
    module = load(name)
    test = doctest.DocTestParser().get_doctest(
        module.inputs_description, {"evaluate": hub_name_loader()}, name, None, 0
    )
    assert test.examples
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False) == doctest.TestResults(failed=0, attempted=len(test.examples))


@pytest.mark.parametrize("name", MODULES)
def test_readme_card_front_matter_sections_and_examples(name, monkeypatch):
    text = (METRICS / name / "README.md").read_text(encoding="utf-8")
    _, front_matter, body = text.split("---\n", 2)
    metadata = yaml.safe_load(front_matter)
    assert metadata["tags"][:2] == ["evaluate", "comparison" if name == "mcnemar" else "metric"]
    assert metadata["app_file"] == "app.py" and (METRICS / name / "app.py").is_file()
    assert len(metadata["description"]) > 50
    for section in (
        "Description",
        "## How to Use",
        "### Inputs",
        "### Output Values",
        "### Examples",
        "## Limitations and Bias",
        "## Citation",
    ):
        assert section in body, section
    test = doctest.DocTestParser().get_doctest(body, {}, f"{name}/README.md", None, 0)
    assert test.examples
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    monkeypatch.setattr(evaluate, "load", hub_name_loader().load)
    runner.run(test)
    assert runner.summarize(verbose=False) == doctest.TestResults(failed=0, attempted=len(test.examples))


def test_uar_module_hand_computed_and_string_labels():
    uar = load("uar")
    results = uar.compute(predictions=[0, 1, 1, 2], references=[0, 1, 2, 2], return_confusion_matrix=True)
    assert results["uar"] == pytest.approx(2.5 / 3)
    assert results["accuracy"] == 0.75
    assert results["confusion_matrix"] == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    strings = uar.compute(predictions=["sad", "sad"], references=["sad", "angry"], labels=["angry", "sad", "happy"])
    assert strings["per_class_recall"] == {"angry": 0.0, "sad": 1.0, "happy": 0.0}
    assert strings["uar"] == pytest.approx(1 / 3)


def test_uar_module_speaker_bootstrap():
    uar = load("uar")
    results = uar.compute(
        predictions=[0, 0, 1, 1],
        references=[0, 0, 0, 0],
        groups=["s1", "s1", "s2", "s2"],
        confidence_interval=True,
        n_resamples=400,
    )
    assert results["accuracy_ci"] == (0.0, 1.0)
    assert results["uar_ci"] == (0.0, 1.0)


def test_uar_module_cross_corpus_rule_also_in_the_bootstrap():
    uar = load("uar")
    inputs = {"predictions": [0, 0, 2], "references": [0, 0, 0], "labels": [0, 1, 2], "confidence_interval": True,
              "n_resamples": 50}
    # only class 0 is in the references: recall 2/3 alone, or averaged with two zero recalls over all labels
    present = uar.compute(**inputs, average_over="references")
    assert present["uar"] == present["accuracy"] == pytest.approx(2 / 3)
    assert present["macro_f1"] == pytest.approx(0.8)  # precision 1, recall 2/3
    assert uar.compute(**inputs)["uar"] == pytest.approx(2 / 9)
    # every resample holds only class 0: the rule makes UAR equal accuracy in each, the default a third of it
    assert present["uar_ci"] == present["accuracy_ci"]
    assert uar.compute(**inputs)["uar_ci"] == pytest.approx(tuple(value / 3 for value in present["accuracy_ci"]))


def test_uar_module_errors_reach_the_user():
    uar = load("uar")
    with pytest.raises(MetricInputError, match="not in labels"):
        uar.compute(predictions=[0, 3], references=[0, 1], labels=[0, 1])
    with pytest.raises(MetricInputError, match="predictions is empty"):
        uar.compute(predictions=[], references=[])
    with pytest.raises(ValueError, match="Mismatch in the number of predictions"):
        uar.compute(predictions=[0, 1], references=[0])


def test_serab_module_with_stratified_intervals():
    serab = load("serab")
    results = serab.compute(
        predictions=[0, 1, 0, 1, 0, 0, 1, 1],
        references=[0, 1, 0, 1, 0, 0, 0, 0],
        task=["a"] * 4 + ["b"] * 4,
        groups=["a1", "a1", "a2", "a2", "b1", "b1", "b2", "b2"],
        confidence_interval=True,
        n_resamples=400,
    )
    assert (results["UM"], results["WM"]) == (0.75, 0.75)
    assert results["GM"] == pytest.approx(0.5**0.5)
    assert results["per_task"]["b"] == {"accuracy": 0.5, "uar": 0.25, "test_size": 4}
    assert results["UM_ci"] == (0.5, 1.0)


def test_ood_matrix_module_hand_computed():
    results = load("ood_matrix").compute(
        train_corpus=["a", "a", "b", "b", "c"],
        test_corpus=["a", "b", "a", "b", "c"],
        score=[0.9, 0.4, 0.2, 0.7, 0.5],
        eligible=["a", "b"],
        lam=0.5,
    )
    assert results["in_domain_mean"] == pytest.approx(0.7)
    assert results["in_domain_std"] == pytest.approx(0.2)
    assert results["ood_given_train"] == {"a": 0.4, "b": 0.2}
    assert results["ood_mean"] == pytest.approx(0.3)
    assert results["weighted_average"] == pytest.approx((0.7 + 0.3) / 2 - 0.5 * (0.2 + 2**0.5 / 10) / 2)


def test_ood_matrix_module_rejects_duplicate_and_missing_scores():
    ood_matrix = load("ood_matrix")
    with pytest.raises(MetricInputError, match="given twice"):
        ood_matrix.compute(train_corpus=["a", "a"], test_corpus=["a", "a"], score=[0.5, 0.5])
    with pytest.raises(MetricInputError, match="has score nan"):
        ood_matrix.compute(train_corpus=["a", "b"], test_corpus=["a", "b"], score=[0.5, None])


def test_mcnemar_module_with_string_labels():
    results = load("mcnemar").compute(
        predictions1=["anger", "anger", "sadness"],
        predictions2=["sadness", "anger", "anger"],
        references=["anger", "anger", "anger"],
    )
    assert results["method"] == MCNEMAR_EXACT
    assert (results["only_first_correct"], results["only_second_correct"]) == (1, 1)
    assert results["p_value"] == 1.0


@pytest.mark.parametrize(
    ("name", "inputs", "message"),
    [
        ("serab", {"predictions": [], "references": [], "task": []}, "predictions is empty"),
        ("mcnemar", {"predictions1": [], "predictions2": [], "references": []}, "predictions1 is empty"),
        ("ood_matrix", {"train_corpus": [], "test_corpus": [], "score": []}, "the matrix is empty"),
    ],
)
def test_empty_inputs_get_a_clear_error_through_evaluate(name, inputs, message):
    with pytest.raises(MetricInputError, match=message):
        load(name).compute(**inputs)


def test_modules_accumulate_batches_like_any_evaluate_module():
    uar = load("uar")
    for predictions, references in (([0, 1], [0, 1]), ([], []), ([1, 1], [0, 1])):
        uar.add_batch(predictions=predictions, references=references)
    assert uar.compute() == load("uar").compute(predictions=[0, 1, 1, 1], references=[0, 1, 0, 1])
