"""`ser-hub benchmark serab --target arousal` end to end on the real URDU corpus, given synthetic continuous scores by
a definition file, and its runs through `ser-hub model-index` and `ser-hub leaderboard`: results.json, results.csv,
report.md and the scatter plot against the scores recomputed by ser_hub.metrics, the refusal of a corpus without
scores, the model-index read back by huggingface_hub beside classification results and another dimension, the
leaderboard's CSV, Markdown and figure against each run's results.json, and the refusal of runs that do not compare.

The synthetic arousal score of a file is its label's level plus an offset in [-0.5, 0.5) from a CRC of its name, so
the probes can learn it (the label is in the audio) and every file's value is known exactly."""

import contextlib
import io
import json
import zlib
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from huggingface_hub import ModelCard
from huggingface_hub.repocard_data import model_index_to_eval_results
from PIL import Image

import ser_hub
from run_helpers import changed_copy, markdown_rows
from ser_hub import report
from ser_hub.cli import main
from ser_hub.metrics import regression_scores

MODELS = ("opensmile:eGeMAPSv02", "opensmile:GeMAPSv01b")
CORPUS = "urdu_arousal"
LEVELS = {"A": 4.0, "H": 3.5, "N": 2.0, "S": 1.5}  # arousal of URDU's label codes: angry, happy, neutral, sad
SCORES_TABLE = """\
tables:
  scores: {path: scores.csv, key: file, match: "{stem}"}
extras:
  arousal_score: {value: "{scores[arousal]}", dtype: float32}
"""
METRICS = (("ccc", "ccc", "CCC"), ("pearson", "pearsonr", "Pearson's r"), ("mse", "mse", "MSE"))  # key, type, name
CLASSIFICATION_CARD = """---
model-index:
- name: my-ser-model
  results:
  - task:
      type: audio-classification
      name: Speech Emotion Recognition
    dataset:
      name: urdu_arousal
      type: ser-hub/urdu_arousal
      config: serab
      split: test
    metrics:
    - type: uar
      value: 0.9
      name: UAR
      args:
        select: validation
        standardize: global
        statistics: computed
---

# My SER model
"""


def synthetic_arousal(stem: str) -> str:
    """A URDU file's synthetic arousal score, as written in scores.csv: its label's level (the code starting the
    last part of its name, e.g. A in SM1_F10_A010) plus an offset in [-0.5, 0.5) from the CRC-32 of its name."""
    offset = zlib.crc32(stem.encode()) % 1000 / 1000 - 0.5
    return f"{LEVELS[stem.rsplit('_', 1)[1][0]] + offset:.3f}"


@pytest.fixture(scope="module")
def scored_urdu(urdu_dir, tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """The definition file (the built-in URDU definition named urdu_arousal, with a `scores` table and the column
    arousal_score), a corpus folder of links to every URDU recording beside scores.csv, and each file's score."""
    folder = tmp_path_factory.mktemp("scored-urdu")
    corpus = folder / "URDU-Dataset"
    scores = {}
    for path in sorted(urdu_dir.glob("*/*.wav")):
        (corpus / path.parent.name).mkdir(parents=True, exist_ok=True)
        (corpus / path.parent.name / path.name).symlink_to(path)
        scores[path.stem] = synthetic_arousal(path.stem)
    assert len(scores) == 400
    (corpus / "scores.csv").write_text("file,arousal\n" + "".join(f"{stem},{score}\n" for stem, score in scores.items()))
    urdu = (resources.files("ser_hub.corpora") / "urdu.yaml").read_text(encoding="utf-8")
    definition = folder / f"{CORPUS}.yaml"
    definition.write_text(urdu.replace("name: urdu\n", f"name: {CORPUS}\n", 1) + SCORES_TABLE)
    return definition, corpus, scores


@pytest.fixture(scope="module")
def runs(scored_urdu, tmp_path_factory) -> dict[str, dict]:
    """model -> its real `ser-hub benchmark serab --target arousal` run on the scored URDU: the folder, results.json,
    what the command printed and the scatter figures it drew. Standardised globally: 26 of URDU's 29 speakers speak
    in one emotion only, so per-speaker standardisation would remove most of the arousal signal."""
    definition, corpus, _ = scored_urdu
    folder = tmp_path_factory.mktemp("regression-runs")
    made = {}
    with pytest.MonkeyPatch.context() as patch:
        figures = []
        draw = report.regression_scatter_figure
        patch.setattr(report, "regression_scatter_figure", lambda *args: figures.append(draw(*args)) or figures[-1])
        for model in MODELS:
            out = folder / model.split(":")[1]
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                assert main(["benchmark", "serab", "--model", model, "--target", "arousal", "--standardize", "global",
                             "--corpus", f"{definition}={corpus}", "--out", str(out), "--cache-dir",
                             str(folder / "cache"), "--quiet"]) == 0
            made[model] = {"dir": out, "payload": json.loads((out / "results.json").read_text()),
                           "printed": printed.getvalue(), "figures": figures[:]}
            figures.clear()
    made["cache"] = folder / "cache"
    return made


def numbers(cells: list[str]) -> list[str | float]:
    """Markdown table cells with the numbers read as numbers."""
    def read(cell: str) -> str | float:
        try:
            return float(cell)
        except ValueError:
            return cell
    return [read(cell) for cell in cells]


def recomputed(payload: dict) -> dict[str, dict[str, float]]:
    """Each corpus's test CCC, Pearson's r and MSE, from its selected regressor's test predictions."""
    return {name: regression_scores(task["result"]["regressors"][task["result"]["selected"]]["test_predictions"],
                                    task["result"]["test_references"])
            for name, task in payload["tasks"].items()}


# -------------------------------------------------------------------------------------------- the benchmark command


@pytest.mark.slow
def test_a_target_run_writes_the_scores_that_the_metrics_recompute(runs, scored_urdu):
    definition, corpus, scores = scored_urdu
    run = runs["opensmile:eGeMAPSv02"]
    payload = run["payload"]
    assert (payload["target"], payload["standardize"], list(payload["tasks"])) == ("arousal", "global", [CORPUS])
    task = payload["tasks"][CORPUS]
    assert task["target_column"] == "arousal_score" and task["corpus"]["definition"] == str(definition.resolve())
    result = task["result"]
    # the references: the test split's files' scores from scores.csv, as float32, in corpus order
    test = ser_hub.load_corpus(str(definition), str(corpus), "serab", cache_dir=str(runs["cache"]), progress=False)["test"]
    assert result["test_references"] == [float(np.float32(scores[Path(file).stem])) for file in test["file"]]
    assert result["test_size"] == len(test) == 96
    for regressor in result["regressors"].values():
        assert {key: regressor[f"test_{key}"] for key in ("ccc", "pearson", "mse")} == regression_scores(
            regressor["test_predictions"], result["test_references"])
        searched = [point["validation_ccc"] for point in regressor["grid"]]
        best = searched.index(max(searched))  # GridSearchCV's choice: the first of the best
        assert (regressor["validation_ccc"], regressor["best_params"]) == (searched[best],
                                                                             regressor["grid"][best]["params"])
    chosen = max(result["regressors"].values(), key=lambda regressor: regressor["validation_ccc"])
    assert result["selected"] == chosen["name"]
    expected = recomputed(payload)[CORPUS]
    assert {key: result[f"test_{key}"] for key in expected} == expected
    assert payload["scores"] == {"mean_ccc": expected["ccc"], "per_task": {CORPUS: {**expected, "test_size": 96}}}
    assert expected["ccc"] > 0.5  # the label's level is in the audio

    csv = pd.read_csv(run["dir"] / "results.csv")
    assert csv.to_dict("records") == [
        {"task": CORPUS, "regressor": name, "selected": name == result["selected"],
         "best_params": json.dumps(regressor["best_params"]), "validation_ccc": regressor["validation_ccc"],
         "test_ccc": regressor["test_ccc"], "test_pearson": regressor["test_pearson"],
         "test_mse": regressor["test_mse"], "fits": regressor["fits"]}
        for name, regressor in result["regressors"].items()]

    text = (run["dir"] / "report.md").read_text()
    rows = [[CORPUS, 96, result["selected"], *(round(expected[key], 4) for key in ("ccc", "pearson", "mse"))],
            ["mean", "", "", round(expected["ccc"], 4), "", ""]]
    assert [numbers(cells) for cells in markdown_rows(text)] == [
        ["task", "test utterances", "regressor", "CCC", "Pearson", "MSE"], *rows]
    assert markdown_rows(run["printed"]) == markdown_rows(text)
    assert "regressor selected on **validation** CCC" in text and "Scores: column `arousal_score`." in text
    assert f"![predictions against references](scatter_{CORPUS}.png)" in text

    (figure,) = run["figures"]
    axes = figure.axes[0]
    points = axes.collections[0].get_offsets()
    assert points[:, 0].tolist() == result["test_references"]
    assert points[:, 1].tolist() == result["regressors"][result["selected"]]["test_predictions"]
    assert axes.get_title() == f"{CORPUS}: {result['selected']} (test, CCC {expected['ccc']:.3f})"
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("reference arousal", "predicted arousal")
    assert Image.open(run["dir"] / f"scatter_{CORPUS}.png").size == (500, 500)


def test_a_corpus_without_scores_is_refused_before_any_work(scored_urdu, urdu_dir, tmp_path, capsys):
    definition, corpus, _ = scored_urdu
    out, cache = tmp_path / "run", tmp_path / "cache"
    assert main(["benchmark", "serab", "--model", "opensmile:eGeMAPSv02", "--target", "arousal", "--corpus",
                 f"{definition}={corpus}", "--corpus", f"urdu={urdu_dir}", "--out", str(out), "--cache-dir",
                 str(cache), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("ser-hub benchmark: error: urdu has no continuous arousal scores; the built-in corpora "
                            "with them: iemocap, msppodcast.")
    assert "declares them as a column arousal_score" in error
    assert not out.exists() and not cache.exists()


# ----------------------------------------------------------------------------------------------------- model-index


def expected_results(payload: dict, dimension: str = "arousal") -> dict[tuple, float]:
    """(dataset type, metric type, metric name) -> value: each corpus's scores recomputed from its predictions, and
    their mean on the dataset serab."""
    scores = recomputed(payload)
    expected = {(f"ser-hub/{name}", metric, f"{label} ({dimension})"): scores[name][key]
                for name in scores for key, metric, label in METRICS}
    expected["serab", "ccc", f"SERAB mean CCC ({dimension})"] = float(np.mean([task["ccc"] for task in scores.values()]))
    return expected


def ser_hub_results(eval_results, dimension: str = "arousal") -> dict[tuple, float]:
    """The card's results of ser-hub's runs of `dimension`, keyed as `expected_results`, checked on the way."""
    found = {}
    for result in eval_results:
        if result.metric_config == dimension:
            settings = {"select": "validation", "standardize": "global", "statistics": "computed"}
            assert (result.task_type, result.task_name, result.dataset_config, result.dataset_split) == (
                "audio-classification", "Speech Emotion Recognition", "serab", "test")
            assert result.dataset_name == (CORPUS if result.dataset_type.startswith("ser-hub/") else "SERAB")
            assert result.metric_args == (settings if result.dataset_type != "serab" else {**settings,
                                                                                          "tasks": [CORPUS]})
            found[result.dataset_type, result.metric_type, result.metric_name] = result.metric_value
    return found


@pytest.mark.slow
def test_a_target_runs_model_index_reads_back_with_huggingface_hub(runs, tmp_path, capsys):
    run = runs["opensmile:eGeMAPSv02"]
    card_path = tmp_path / "README.md"
    assert main(["model-index", str(run["dir"]), "--model-card", str(card_path)]) == 0
    assert "holds 4 results" in capsys.readouterr().out
    card = ModelCard.load(card_path)
    assert (card.data.model_name, card.data.pipeline_tag) == ("opensmile:eGeMAPSv02", "audio-classification")
    assert len(card.data.eval_results) == 4
    assert ser_hub_results(card.data.eval_results) == expected_results(run["payload"])
    header = yaml.safe_load(card_path.read_text().split("---")[1])
    name, parsed = model_index_to_eval_results(header["model-index"])
    assert name == "opensmile:eGeMAPSv02" and parsed == card.data.eval_results


@pytest.mark.slow
def test_merging_keeps_classification_results_and_other_dimensions_and_updates_a_rerun(runs, tmp_path):
    card_path = tmp_path / "README.md"
    card_path.write_text(CLASSIFICATION_CARD)
    first, second = (runs[model] for model in MODELS)
    valence = changed_copy(first["dir"], tmp_path, lambda payload: payload.update(target="valence"))
    for run_dir in (first["dir"], valence, second["dir"]):  # the second model's run has the same settings: an update
        assert main(["model-index", str(run_dir), "--model-card", str(card_path)]) == 0
    card = ModelCard.load(card_path)
    assert card.text == "\n# My SER model\n" and card.data.model_name == "my-ser-model"
    results = card.data.eval_results
    assert len(results) == 1 + 4 + 4
    assert (results[0].metric_type, results[0].metric_value) == ("uar", 0.9)
    assert ser_hub_results(results) == expected_results(second["payload"])
    assert ser_hub_results(results, "valence") == expected_results(first["payload"], "valence")
    # the Hub groups results by task, dataset, config and split: one entry for the corpus holds UAR and both CCCs
    header = yaml.safe_load(card_path.read_text().split("---")[1])
    entries = {entry["dataset"]["type"]: entry for entry in header["model-index"][0]["results"]}
    assert entries[f"ser-hub/{CORPUS}"]["task"] == {"type": "audio-classification",
                                                   "name": "Speech Emotion Recognition"}
    assert [(metric["type"], metric.get("config")) for metric in entries[f"ser-hub/{CORPUS}"]["metrics"]] == [
        ("uar", None), *((metric, dimension) for dimension in ("arousal", "valence") for _, metric, _ in METRICS)]


# ----------------------------------------------------------------------------------------------------- leaderboard


@pytest.mark.slow
def test_the_leaderboard_of_target_runs_holds_each_runs_ccc(runs, tmp_path, monkeypatch, capsys):
    figures = []
    draw = report.leaderboard_figure
    monkeypatch.setattr(report, "leaderboard_figure", lambda *args: figures.append(draw(*args)) or figures[-1])
    out = tmp_path / "board"
    assert main(["leaderboard", *(str(runs[model]["dir"]) for model in MODELS), "--out", str(out)]) == 0
    columns = ["model", CORPUS, "mean_ccc"]
    expected = []
    for model in MODELS:
        payload = runs[model]["payload"]
        ccc = recomputed(payload)[CORPUS]["ccc"]
        assert payload["scores"]["mean_ccc"] == ccc  # one corpus: its CCC is the mean
        expected.append({"model": model, CORPUS: ccc, "mean_ccc": ccc})
    expected.sort(key=lambda row: -row["mean_ccc"])
    assert pd.read_csv(out / "leaderboard.csv").to_dict("records") == expected
    text = (out / "leaderboard.md").read_text()
    assert text.startswith("# SERAB arousal regression leaderboard\n\n2 models ranked by mean_ccc; split_protocol "
                           "`serab`, select `validation`, standardize `global`, statistics `computed`.")
    assert markdown_rows(text) == [columns] + [
        [row["model"], *(f"{row[column]:.4f}" for column in columns[1:])] for row in expected]
    assert markdown_rows(capsys.readouterr().out) == markdown_rows(text)
    (figure,) = figures
    axes = figure.axes[0]
    assert [label.get_text() for label in axes.get_xticklabels()] == [CORPUS, "mean"]
    assert [bars.get_label() for bars in axes.containers] == [row["model"] for row in expected]
    assert [[bar.get_height() for bar in bars] for bars in axes.containers] == [
        [row[CORPUS], row["mean_ccc"]] for row in expected]
    assert axes.get_title() == "SERAB arousal regression leaderboard (serab splits)"
    assert axes.get_ylabel() == "test CCC (arousal)"
    assert Image.open(out / "leaderboard.png").size == (520, 450)  # (4 + 0.3 · 2 columns · 2 models) × 4.5 in


def as_classification(payload: dict) -> None:
    """A regression run's payload changed into one a classification run would read as (no target, classifiers)."""
    payload["target"] = None
    for task in payload["tasks"].values():
        task["result"]["classifiers"] = task["result"].pop("regressors")


@pytest.mark.slow
@pytest.mark.parametrize(("copied", "change", "message"), [  # a copy of the first model's run: the kind comes first
    (MODELS[0], as_classification, "holds emotion classifiers (no --target) but {first} arousal regression probes "
                                   "(--target arousal): a leaderboard ranks one kind of score"),
    (MODELS[0], lambda payload: payload.update(target="valence"),
     "holds valence regression probes (--target valence) but {first} arousal regression probes (--target arousal)"),
    (MODELS[1], lambda payload: payload.update(standardize="speaker"), "was run with standardize 'speaker' but {first}"),
])
def test_the_leaderboard_refuses_to_mix_kinds_dimensions_or_settings(runs, tmp_path, capsys, copied, change, message):
    first = runs[MODELS[0]]["dir"]
    changed = changed_copy(runs[copied]["dir"], tmp_path, change)
    assert main(["leaderboard", str(first), changed, "--out", str(tmp_path / "board")]) == 2
    error = capsys.readouterr().err
    assert f"error: {changed} " + message.format(first=first) in error
    assert not (tmp_path / "board").exists()
