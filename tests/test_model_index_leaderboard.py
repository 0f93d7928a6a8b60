"""`ser-hub model-index` and `ser-hub leaderboard` on two real SERAB runs (openSMILE eGeMAPSv02 and GeMAPSv01b on URDU
and the synthetic demo corpus): the model-index read back by huggingface_hub, merging into an existing card, the
leaderboard's CSV, Markdown and figure against each run's results.json, and the refusals."""

import json

import pandas as pd
import pytest
import yaml
from huggingface_hub import ModelCard
from huggingface_hub.repocard_data import model_index_to_eval_results
from PIL import Image
from sklearn.metrics import f1_score

from run_helpers import changed_copy, markdown_rows
from ser_hub import report
from ser_hub.cli import main
from ser_hub.demo import synthesize_demo_corpus
from ser_hub.metrics import serab_scores
from ser_hub.report import ReportError, leaderboard_figure

MODELS = ("opensmile:eGeMAPSv02", "opensmile:GeMAPSv01b")
EXISTING_CARD = """---
license: mit
tags:
- audio
model-index:
- name: my-ser-model
  results:
  - task:
      type: automatic-speech-recognition
    dataset:
      name: Other
      type: other/dataset
    metrics:
    - type: wer
      value: 0.3
  - task:
      type: audio-classification
      name: Speech Emotion Recognition
    dataset:
      name: URDU-Dataset
      type: ser-hub/urdu
      config: serab
      split: test
    metrics:
    - type: uar
      value: 0.9
      name: UAR
      args:
        select: test
        standardize: speaker
        statistics: computed
---

# My SER model

Trained on things.
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory, urdu_dir) -> dict[str, tuple]:
    """model -> (run folder, its results.json), each a real `ser-hub benchmark serab` run on URDU and the demo."""
    folder = tmp_path_factory.mktemp("runs")
    demo = synthesize_demo_corpus(folder / "demo-corpus")
    made = {}
    for model in MODELS:
        out = folder / model.split(":")[1]
        assert main(["benchmark", "serab", "--model", model, "--corpus", f"urdu={urdu_dir}", "--corpus",
                     f"demo={demo}", "--out", str(out), "--cache-dir", str(folder / "cache"), "--quiet"]) == 0
        made[model] = (out, json.loads((out / "results.json").read_text()))
    return made


def expected_results(payload) -> dict[tuple, tuple]:
    """(dataset type, metric type, metric config) -> (value, dataset name): each corpus's selected classifier's test
    scores (macro-F1 by scikit-learn from its predictions) and SERAB's means recomputed by ser_hub.metrics."""
    names = {"urdu": "URDU-Dataset", "demo": "ser-hub synthetic demo corpus (espeak-ng)"}
    expected, per_task, sizes = {}, {}, {}
    for name, task in payload["tasks"].items():
        result = task["result"]
        predictions = result["classifiers"][result["selected"]]["test_predictions"]
        macro_f1 = f1_score(result["test_references"], predictions, average="macro")
        for metric, value in (("uar", result["test_uar"]), ("accuracy", result["test_accuracy"]), ("f1", macro_f1)):
            expected[f"ser-hub/{name}", metric, None] = (value, names[name])
        per_task[name] = {"accuracy": result["test_accuracy"], "uar": result["test_uar"]}
        sizes[name] = len(result["test_references"])
    assert sizes == {"urdu": 96, "demo": 40}
    means = serab_scores(per_task, sizes)
    for key in ("UM", "WM", "GM"):
        expected["serab", "accuracy", key] = (means[key], "SERAB")
        expected["serab", "uar", key] = (means[f"{key}_uar"], "SERAB")
    return expected


def serab_results(eval_results, select="validation") -> dict[tuple, tuple]:
    """The card's results of ser-hub's SERAB runs with `select`, keyed as `expected_results`."""
    found = {}
    for result in eval_results:
        if result.dataset_type.startswith(("ser-hub/", "serab")) and result.metric_args["select"] == select:
            assert (result.task_type, result.dataset_config, result.dataset_split) == (
                "audio-classification", "serab", "test")
            found[result.dataset_type, result.metric_type, result.metric_config] = (result.metric_value,
                                                                                   result.dataset_name)
    return found


@pytest.mark.slow
def test_the_model_index_reads_back_with_huggingface_hub_as_the_runs_numbers(runs, tmp_path, capsys):
    run_dir, payload = runs["opensmile:eGeMAPSv02"]
    card_path = tmp_path / "my-model" / "README.md"
    assert main(["model-index", str(run_dir), "--model-card", str(card_path)]) == 0
    assert "holds 12 results" in capsys.readouterr().out
    card = ModelCard.load(card_path)
    assert card.data.model_name == "opensmile:eGeMAPSv02"
    assert (card.data.pipeline_tag, card.data.tags) == ("audio-classification", ["ser-hub", "speech-emotion-recognition"])
    assert serab_results(card.data.eval_results) == expected_results(payload)
    assert len(card.data.eval_results) == 12 and card.text == "\n# opensmile:eGeMAPSv02\n"
    # the raw YAML through the library's model-index parser gives the same
    header = yaml.safe_load(card_path.read_text().split("---")[1])
    name, parsed = model_index_to_eval_results(header["model-index"])
    assert name == "opensmile:eGeMAPSv02" and parsed == card.data.eval_results
    means = [result for result in parsed if result.dataset_type == "serab"]
    assert {result.metric_name for result in means} == {f"SERAB {key} ({metric})" for key in ("UM", "WM", "GM")
                                                        for metric in ("accuracy", "UAR")}
    assert all(result.metric_args == {"select": "validation", "standardize": "speaker", "statistics": "computed",
                                      "tasks": ["urdu", "demo"]} for result in means)


@pytest.mark.slow
def test_merging_keeps_the_card_and_earlier_results_and_updates_a_rerun(runs, tmp_path):
    card_path = tmp_path / "README.md"
    card_path.write_text(EXISTING_CARD)
    (first_dir, _), (second_dir, second) = runs.values()
    assert main(["model-index", str(first_dir), "--model-card", str(card_path)]) == 0
    # the same settings again (here another model's run): its values replace those of the first, nothing is added
    assert main(["model-index", str(second_dir), "--model-card", str(card_path)]) == 0
    card = ModelCard.load(card_path)
    assert card.text == "\n# My SER model\n\nTrained on things.\n"
    assert (card.data.license, card.data.tags, card.data.model_name) == ("mit", ["audio"], "my-ser-model")
    results = card.data.eval_results
    assert len(results) == 2 + 12
    assert (results[0].dataset_type, results[0].metric_type, results[0].metric_value) == ("other/dataset", "wer", 0.3)
    assert [(result.metric_value, result.metric_args["select"]) for result in results[1:2]] == [(0.9, "test")]
    assert serab_results(results) == expected_results(second)
    assert serab_results(results, select="test") == {("ser-hub/urdu", "uar", None): (0.9, "URDU-Dataset")}
    assert main(["model-index", str(first_dir), "--model-card", str(card_path), "--model-name", "renamed"]) == 0
    assert ModelCard.load(card_path).data.model_name == "renamed"


@pytest.mark.slow
def test_the_leaderboard_holds_each_runs_numbers(runs, tmp_path, monkeypatch, capsys):
    figures = []
    draw = report.leaderboard_figure
    monkeypatch.setattr(report, "leaderboard_figure", lambda *args: figures.append(draw(*args)) or figures[-1])
    out = tmp_path / "board"
    assert main(["leaderboard", *(str(run_dir) for run_dir, _ in runs.values()), "--out", str(out)]) == 0
    columns = ["model", "urdu", "demo", "UM_uar", "WM_uar", "GM_uar", "UM", "WM", "GM"]
    expected = []
    for model, (_, payload) in runs.items():
        results = {name: task["result"] for name, task in payload["tasks"].items()}
        per_task = {name: {"accuracy": result["test_accuracy"], "uar": result["test_uar"]}
                    for name, result in results.items()}
        means = serab_scores(per_task, {name: len(result["test_references"]) for name, result in results.items()})
        expected.append({"model": model, **{name: per_task[name]["uar"] for name in ("urdu", "demo")},
                         **{column: means[column] for column in columns[3:]}})
    expected.sort(key=lambda row: -row["UM_uar"])
    table = pd.read_csv(out / "leaderboard.csv")
    assert list(table.columns) == columns and table.to_dict("records") == expected
    text = (out / "leaderboard.md").read_text()
    assert markdown_rows(text) == [columns] + [
        [row["model"], *(f"{row[column]:.4f}" for column in columns[1:])] for row in expected]
    assert "split_protocol `serab`, select `validation`, standardize `speaker`" in text
    assert markdown_rows(capsys.readouterr().out) == markdown_rows(text)
    # the figure: one group per UAR column, one bar per model in rank order
    (figure,) = figures
    axes = figure.axes[0]
    groups = ["urdu", "demo", "UM_uar", "WM_uar", "GM_uar"]
    assert [label.get_text() for label in axes.get_xticklabels()] == ["urdu", "demo", "UM", "WM", "GM"]
    assert [bars.get_label() for bars in axes.containers] == [row["model"] for row in expected]
    assert [[bar.get_height() for bar in bars] for bars in axes.containers] == [
        [row[column] for column in groups] for row in expected]
    assert [text.get_text() for text in figure.legends[0].get_texts()] == [row["model"] for row in expected]
    assert axes.get_title() == "SERAB leaderboard (serab splits)" and axes.get_ylabel().startswith("test UAR")
    assert Image.open(out / "leaderboard.png").size == (700, 450)  # (4 + 0.3 · 5 columns · 2 models) × 4.5 in, 100 dpi


@pytest.mark.slow
@pytest.mark.parametrize(("change", "message"), [
    (lambda payload: payload.update(split_protocol="speaker-independent"),
     "was run with split_protocol 'speaker-independent' but"),
    (lambda payload: payload.update(select="test"), "run the benchmark again with the same --select"),
    (lambda payload: payload["tasks"].pop("demo"), "covers the corpora ['urdu'] but"),
    (lambda payload: payload["tasks"]["urdu"]["build"]["splits"]["test"].update(sha256_sorted_ids="0" * 16),
     "urdu has other splits in"),
    (lambda payload: payload.update(model="opensmile:eGeMAPSv02"), "are both runs of opensmile:eGeMAPSv02"),
])
def test_the_leaderboard_refuses_runs_that_do_not_compare(runs, tmp_path, capsys, change, message):
    (first_dir, _), (second_dir, _) = runs.values()
    changed = changed_copy(second_dir, tmp_path, change)
    assert main(["leaderboard", str(first_dir), changed, "--out", str(tmp_path / "board")]) == 2
    assert message in capsys.readouterr().err and not (tmp_path / "board").exists()


@pytest.mark.slow
def test_a_card_that_cannot_be_read_is_named_and_left_alone(runs, tmp_path, capsys):
    run_dir = str(runs["opensmile:eGeMAPSv02"][0])
    card = tmp_path / "README.md"
    card.write_text("---\nmodel-index:\n- name: broken\n---\n# text\n")
    assert main(["model-index", run_dir, "--model-card", str(card)]) == 2
    assert f"cannot read the model card {card}: Invalid `model_index`" in capsys.readouterr().err
    assert card.read_text() == "---\nmodel-index:\n- name: broken\n---\n# text\n"
    assert main(["model-index", run_dir, "--model-card", str(tmp_path)]) == 2
    assert f"pass the path of its model card, {card}" in capsys.readouterr().err


@pytest.mark.parametrize(("results", "message"), [
    (None, "is not a benchmark run: it has no results.json"),
    ("{not json", "is not valid JSON"),
    ('{"benchmark": "ood"}', "is not a SERAB run (benchmark: 'ood')"),
    ('{"benchmark": "serab", "target": "activation"}',
     "has the target 'activation', not one of arousal, valence, dominance"),
    ('{"benchmark": "serab", "target": "arousal", "model": "m", "tasks": {"urdu": {"result": {}}}}',
     "lacks split_protocol, select, standardize, scores, tasks.urdu.corpus, tasks.urdu.build, "
     "tasks.urdu.result.selected, tasks.urdu.result.regressors"),
    ('{"benchmark": "serab", "model": "m", "tasks": {"urdu": {"result": {}}}}',
     "lacks split_protocol, select, standardize, scores, tasks.urdu.corpus, tasks.urdu.build, "
     "tasks.urdu.result.selected"),
])
def test_folders_that_are_not_serab_runs_are_refused_by_both_commands(tmp_path, capsys, results, message):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    if results is not None:
        (run_dir / "results.json").write_text(results)
    assert main(["leaderboard", str(run_dir), "--out", str(tmp_path / "board")]) == 2
    assert main(["model-index", str(run_dir), "--model-card", str(tmp_path / "README.md")]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert [line.split(": error: ")[0] for line in errors] == ["ser-hub leaderboard", "ser-hub model-index"]
    assert all(f"{run_dir}" in line and message in line for line in errors)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run"]


def test_the_leaderboard_figure_wants_the_same_columns_for_every_model():
    with pytest.raises(ReportError, match=r"models \['b'\] do not have the columns \['x', 'y'\] of 'a'"):
        leaderboard_figure({"a": {"x": 0.5, "y": 0.25}, "b": {"y": 0.25, "x": 0.5}})
    with pytest.raises(ReportError, match="scores is empty"):
        leaderboard_figure({})
