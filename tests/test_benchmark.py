"""`ser-hub benchmark` on real data: SERAB on URDU with the real BYOL-S 512 checkpoint and openSMILE ComParE_2016,
the cached second run, and the out-of-domain matrix on URDU + the synthetic demo corpus."""

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import ser_hub
from ser_hub.cli import main
from ser_hub.corpora import read_build_record
from ser_hub.demo import synthesize_demo_corpus
from ser_hub.features import ByolExtractor
from ser_hub.models.byol.convert_byol_checkpoint import convert_byol_checkpoint

CHECKPOINT = "weights/byol-s/default512_BYOLAs64x96-2107281850-e100-bs256-lr0003-rs42.pth"
CONFOUNDED = "speakers and emotions are confounded: 26 of 29 speakers"


@pytest.fixture(scope="module")
def models_dir(shared, tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    convert_byol_checkpoint(shared / CHECKPOINT, "byol-s", folder / "byol-s-512")
    return folder


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("benchmark-cache")


def _serab(model, urdu_dir, out, cache, models_dir=None, *extra):
    arguments = ["benchmark", "serab", "--model", model, "--corpus", f"urdu={urdu_dir}", "--out", str(out),
                 "--cache-dir", str(cache), "--quiet", *extra]
    assert main(arguments + (["--models-dir", str(models_dir)] if models_dir else [])) == 0
    return json.loads((out / "results.json").read_text())


def _check_report(payload, out, urdu_dir, cache):
    task = payload["tasks"]["urdu"]
    result = task["result"]
    assert result["test_size"] == 96 and result["selected"] in result["classifiers"]
    chosen = result["classifiers"][result["selected"]]
    assert (result["test_accuracy"], result["test_uar"]) == (chosen["test_accuracy"], chosen["test_uar"])
    scores = payload["scores"]
    assert [scores[key] for key in ("UM", "WM", "GM")] == pytest.approx([result["test_accuracy"]] * 3)
    built = read_build_record(ser_hub.load_corpus("urdu", urdu_dir, "serab", cache_dir=str(cache / "corpora")))
    assert task["build"]["splits"] == built["splits"]
    assert payload["seed"] == 42 and payload["environment"]["packages"]["ser-hub"] == ser_hub.__version__
    assert any(warning.startswith(CONFOUNDED) for warning in result["warnings"])
    text = (out / "report.md").read_text()
    assert f"WARNING: {CONFOUNDED}" in text and "| UM " in text
    assert "results.csv" in {path.name for path in out.iterdir()}
    for plot in ("serab_scores.png", "confusion_urdu.png"):
        assert Image.open(out / plot).size[0] >= 300


def test_serab_with_the_real_byol_s_checkpoint_both_select_modes_and_a_cached_rerun(
        urdu_dir, models_dir, cache, tmp_path, monkeypatch):
    by_validation = _serab("byol-s-512", urdu_dir, tmp_path / "validation", cache, models_dir)
    _check_report(by_validation, tmp_path / "validation", urdu_dir, cache)
    extractor = by_validation["tasks"]["urdu"]["extractor"]
    assert extractor["level"] == "utterance" and extractor["weights_sha256"] and extractor["statistics"]

    def never(*args, **kwargs):
        raise AssertionError("the second run must reuse the cached embeddings")

    monkeypatch.setattr(ByolExtractor, "embed", never)
    monkeypatch.setattr(ByolExtractor, "fit_statistics", never)
    by_test = _serab("byol-s-512", urdu_dir, tmp_path / "test", cache, models_dir, "--select", "test")
    _check_report(by_test, tmp_path / "test", urdu_dir, cache)
    classifiers = by_test["tasks"]["urdu"]["result"]["classifiers"].values()
    best_on_test = max(c["test_accuracy"] for c in classifiers if c["test_accuracy"] is not None)  # QDA fails here
    assert by_test["tasks"]["urdu"]["result"]["test_accuracy"] == best_on_test
    def searched(payload):  # every number of the search except its timings
        return {name: {key: value for key, value in classifier.items() if key != "seconds"}
                for name, classifier in payload["tasks"]["urdu"]["result"]["classifiers"].items()}

    assert searched(by_test) == searched(by_validation)  # identical search; only the choice differs


@pytest.mark.slow
def test_serab_with_opensmile_compare_2016(urdu_dir, cache, tmp_path):
    payload = _serab("opensmile:ComParE_2016", urdu_dir, tmp_path / "compare", cache, None,
                     "--select", "test", "--standardize", "global")
    _check_report(payload, tmp_path / "compare", urdu_dir, cache)
    assert payload["tasks"]["urdu"]["extractor"]["num_features"] == 6373
    assert payload["standardize"] == "global"


def _markdown_rows(text: str, heading: str) -> dict[str, list[str]]:
    """The first Markdown table after `heading`: each row's first cell -> its other cells."""
    lines = text.split(heading, 1)[1].splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("|"))
    table = list(itertools.takewhile(lambda line: line.startswith("|"), lines[start:]))
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table[2:]]  # after header and rule
    return {row[0]: row[1:] for row in rows}


@pytest.mark.slow
def test_ood_matrix_on_urdu_and_the_demo_corpus(urdu_dir, models_dir, cache, tmp_path):
    demo = synthesize_demo_corpus(tmp_path / "demo")
    out = tmp_path / "ood"
    assert main(["benchmark", "ood", "--model", "byol-s-512", "--models-dir", str(models_dir), "--corpus",
                 f"urdu={urdu_dir}", "--corpus", f"demo={demo}", "--out", str(out), "--cache-dir", str(cache),
                 "--epochs", "3", "--batch-size", "16", "--quiet"]) == 0
    payload = json.loads((out / "results.json").read_text())
    result = payload["result"]
    cells = {(cell["train_corpus"], cell["test_corpus"]): cell for cell in result["cells"]}
    assert list(cells) == [("urdu", "urdu"), ("urdu", "demo"), ("demo", "urdu"), ("demo", "demo")]
    assert [cell["n"] for cell in cells.values()] == [96, 40, 96, 40]
    assert [cell["ood_eligible"] for cell in cells.values()] == [False, True, True, False]
    assert result["eligible"] == ["demo", "urdu"] and payload["prior"] == "train" and result["notes"] == []
    assert payload["settings"] == {"hidden_size": 512, "dropout": 0.1, "epochs": 3, "batch_size": 16,
                                   "learning_rate": 1e-4, "weight_decay": 0.1, "warmup_fraction": 0.1,
                                   "label_smoothing": 0.1, "max_grad_norm": 0.5, "seed": 34}
    # every cell's scores recomputed from its saved confusion matrix with the textbook formulas
    for cell in cells.values():
        matrix = np.array(cell["confusion_matrix"])
        assert cell["labels"] == ["neutral", "anger", "happiness", "sadness"] and matrix.sum() == cell["n"]
        right, support, predicted = np.diag(matrix), matrix.sum(axis=1), matrix.sum(axis=0)
        recall = [right[k] / support[k] for k in range(4)]
        precision = [right[k] / predicted[k] if predicted[k] else 0.0 for k in range(4)]
        f1 = [2 * p * r / (p + r) if p + r else 0.0 for p, r in zip(precision, recall)]
        assert all(support > 0)  # both test splits hold all four classes: the two class rules agree here
        assert cell["accuracy"] == pytest.approx(right.sum() / cell["n"])
        assert cell["uar"] == pytest.approx(sum(recall) / 4) == cell["uar_training_classes"]
        assert cell["macro_f1"] == pytest.approx(sum(f1) / 4) == cell["macro_f1_training_classes"]
    # the reductions of two corpora by the paper's formulas: sample std of two values is |a − b| / √2
    uu, ud, du, dd = (cell["macro_f1"] for cell in cells.values())
    reductions = result["reductions"]["macro_f1"]
    assert reductions["ood_given_train"] == {"urdu": ud, "demo": du}
    assert reductions["ood_unseen"] == {"demo": ud, "urdu": du}
    in_domain = ((uu + dd) / 2, abs(uu - dd) / math.sqrt(2))
    out_of_domain = ((ud + du) / 2, abs(ud - du) / math.sqrt(2))
    assert (reductions["in_domain_mean"], reductions["in_domain_std"]) == pytest.approx(in_domain)
    assert (reductions["ood_mean"], reductions["ood_std"]) == pytest.approx(out_of_domain)
    assert reductions["weighted_average"] == pytest.approx(sum(in_domain[:1] + out_of_domain[:1]) / 2
                                                           - (in_domain[1] + out_of_domain[1]) / 2)
    # results.csv holds the same cells; report.md shows them to three decimals, the reductions and the probe
    table = pd.read_csv(out / "results.csv")
    assert table[["train_corpus", "test_corpus", "n", "macro_f1", "uar", "accuracy"]].to_dict("records") == [
        {key: cell[key] for key in ("train_corpus", "test_corpus", "n", "macro_f1", "uar", "accuracy")}
        for cell in cells.values()]
    text = (out / "report.md").read_text()
    for heading, metric in (("## Macro-F1", "macro_f1"), ("## UAR", "uar"), ("## Accuracy", "accuracy")):
        assert _markdown_rows(text, heading) == {
            train: [f"{cells[train, test][metric]:.3f}" for test in ("urdu", "demo")] for train in ("urdu", "demo")}
    assert float(_markdown_rows(text, "![matrix](ood_matrix.png)")["ood_mean"][0]) == pytest.approx(out_of_domain[0])
    probe = _markdown_rows(text, "## Probe")
    assert probe["epochs"][:2] == ["3", "100"] and probe["hidden_size"][:2] == ["512", "512"]
    assert "trainer_wandb.py" in probe["epochs"][2]
    assert Image.open(out / "ood_matrix.png").size == (390, 270)  # (2.5 + 0.7·2) × (1.5 + 0.6·2) inches at 100 dpi
