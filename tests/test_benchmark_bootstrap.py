"""`ser-hub benchmark serab --bootstrap N` on real URDU with openSMILE eGeMAPSv02: the stored intervals against
ser_hub.metrics recomputed from results.json, the table, report and figure that show them, a run without them, a
one-speaker test split, and the refusals."""

import contextlib
import io
import json

import numpy as np
import pytest

import ser_hub
from run_helpers import markdown_rows
from ser_hub import benchmark, report
from ser_hub.cli import main
from ser_hub.metrics import bootstrap_ci, recognition_rates, serab_confidence_intervals
from ser_hub.runs import read_serab_run, task_scores

RESAMPLES = 200


def _serab(urdu_dir, out, cache, *extra) -> tuple[dict, str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["benchmark", "serab", "--model", "opensmile:eGeMAPSv02", "--corpus", f"urdu={urdu_dir}",
                     "--out", str(out), "--cache-dir", str(cache), "--quiet", *extra]) == 0
    return json.loads((out / "results.json").read_text()), printed.getvalue()


@pytest.fixture(scope="module")
def runs(urdu_dir, tmp_path_factory) -> dict:
    """A run with --bootstrap and one without, the second reusing the first's SERAB results (identical by
    construction, so only the option differs), with each run's scores figure and printed table."""
    folder = tmp_path_factory.mktemp("bootstrap")
    results, figures, made = [], [], {}
    run_serab, figure = benchmark.run_serab, report.serab_scores_figure
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(benchmark, "run_serab", lambda *args, **kwargs: results.append(run_serab(*args, **kwargs))
                      or results[-1])
        patch.setattr(report, "serab_scores_figure", lambda *args, **kwargs: figures.append(figure(*args, **kwargs))
                      or figures[-1])
        made["with"] = (*_serab(urdu_dir, folder / "with", folder / "cache", "--bootstrap", str(RESAMPLES)),
                        figures[-1])
        patch.setattr(benchmark, "run_serab", lambda *args, **kwargs: results[0])
        made["without"] = (*_serab(urdu_dir, folder / "without", folder / "cache", "--bootstrap", "0"), figures[-1])
    made["result"] = results[0]
    made["folder"] = folder
    return made


def _interval(interval) -> str:
    return f"[{interval[0]:.2f}, {interval[1]:.2f}]"


@pytest.mark.slow
def test_stored_intervals_are_ser_hub_metrics_on_the_stored_predictions_and_speakers(runs, urdu_dir):
    payload, printed, figure = runs["with"]
    bootstrap = payload["bootstrap"]
    assert {key: bootstrap[key] for key in ("n_resamples", "confidence", "seed", "resampled")} == {
        "n_resamples": RESAMPLES, "confidence": 0.95, "seed": 0, "resampled": "speakers"}
    urdu = bootstrap["tasks"]["urdu"]
    test = ser_hub.load_corpus("urdu", urdu_dir, "serab", cache_dir=str(runs["folder"] / "cache" / "corpora"))["test"]
    assert urdu["test_speakers"] == list(test["speaker_id"]) and len(set(urdu["test_speakers"])) == 6
    assert urdu["resampled"] == "speakers"
    result = payload["tasks"]["urdu"]["result"]
    predictions = result["classifiers"][result["selected"]]["test_predictions"]
    expected = bootstrap_ci(recognition_rates, predictions, result["test_references"], groups=urdu["test_speakers"],
                            n_resamples=RESAMPLES, seed=0)
    assert urdu["intervals"] == {metric: list(interval) for metric, interval in expected.items()}
    low, high = expected["accuracy"]
    assert low < result["test_accuracy"] < high and high - low > 0.05  # six speakers: a wide interval
    means = serab_confidence_intervals(predictions, result["test_references"], ["urdu"] * len(predictions),
                                       groups=urdu["test_speakers"], n_resamples=RESAMPLES, seed=0)
    assert bootstrap["intervals"] == {key: list(interval) for key, interval in means.items()}
    # the printed table and report.md show each score with its interval; the figure draws the per-task ones
    text = (runs["folder"] / "with" / "report.md").read_text()
    for shown in (f"{result['test_accuracy']:.4f} {_interval(expected['accuracy'])}",
                  f"{result['test_uar']:.4f} {_interval(expected['uar'])}",
                  f"{payload['scores']['GM_uar']:.4f} {_interval(means['GM_uar'])}"):
        assert shown in printed and shown in text
    assert f"95% percentile bootstrap intervals of the selected classifier's test scores ({RESAMPLES} resamples, " \
           "seed 0), drawing whole test speakers (urdu 6)" in text
    axes = figure.axes[0]
    bars = {container.get_label(): container[0].get_x() + container[0].get_width() / 2 for container in axes.containers}
    drawn = {collection.get_label(): [segment.tolist() for segment in collection.get_segments()]
             for collection in axes.collections}
    for metric in ("accuracy", "uar"):
        assert drawn[f"{metric} interval"] == [[[bars[metric], expected[metric][0]], [bars[metric], expected[metric][1]]]]


@pytest.mark.slow
def test_bootstrap_0_leaves_the_payload_report_and_figure_as_before(runs):
    with_intervals, _, _ = runs["with"]
    payload, printed, figure = runs["without"]
    result = payload["tasks"]["urdu"]["result"]
    assert "bootstrap" not in payload
    assert payload == {key: value for key, value in with_intervals.items() if key != "bootstrap"}
    text = (runs["folder"] / "without" / "report.md").read_text()
    assert markdown_rows(printed)[1] == ["urdu", "96", result["selected"], str(round(result["test_accuracy"], 4)),
                                         str(round(result["test_uar"], 4))]
    assert markdown_rows(text) == markdown_rows(printed) and "bootstrap" not in text
    assert not [c for c in figure.axes[0].collections if c.get_label().endswith("interval")]
    for run in ("with", "without"):  # both read back alike by model-index and the leaderboard
        read = read_serab_run(runs["folder"] / run)
        assert task_scores(read, "urdu")["uar"] == pytest.approx(payload["tasks"]["urdu"]["result"]["test_uar"])


@pytest.mark.slow
def test_a_one_speaker_test_split_resamples_utterances_and_says_so(runs, tmp_path):
    result = runs["result"]
    predictions = result.classifiers[result.selected].test_predictions
    speakers = {"urdu": ["unknown"] * result.test_size}
    bootstrap = benchmark.bootstrap_intervals({"urdu": result}, speakers, RESAMPLES)
    assert bootstrap["resampled"] == bootstrap["tasks"]["urdu"]["resampled"] == "utterances"
    assert bootstrap["tasks"]["urdu"]["intervals"] == bootstrap_ci(
        recognition_rates, predictions, result.test_references, n_resamples=RESAMPLES, seed=0)
    assert bootstrap["intervals"] == serab_confidence_intervals(
        predictions, result.test_references, ["urdu"] * result.test_size, n_resamples=RESAMPLES, seed=0)
    low, high = bootstrap["tasks"]["urdu"]["intervals"]["accuracy"]
    assert low < high and np.isfinite([low, high]).all()  # not the single point one speaker would give
    payload = {**runs["with"][0], "bootstrap": bootstrap}
    benchmark.write_serab_report(payload, tmp_path)
    assert "NOTE: the test split of urdu has one speaker, so utterances were drawn there and for UM/WM/GM" in (
        tmp_path / "report.md").read_text()


@pytest.mark.parametrize(("extra", "message"), [
    (["--bootstrap", "-5"],
     "bootstrap is -5: give the number of resamples, e.g. 1000, or 0 for no confidence intervals."),
    (["--bootstrap", "100", "--target", "arousal"],
     "bootstrap intervals are computed for the emotion classifiers only: drop --bootstrap or --target arousal."),
])
def test_bad_bootstrap_options_are_refused_before_any_work(extra, message, tmp_path, capsys):
    missing = tmp_path / "no-such-corpus"  # never read: the options are checked first
    assert main(["benchmark", "serab", "--model", "opensmile:eGeMAPSv02", "--corpus", f"urdu={missing}",
                 "--out", str(tmp_path / "out"), "--quiet", *extra]) == 2
    assert capsys.readouterr().err == f"ser-hub benchmark: error: {message}\n"
    assert not (tmp_path / "out").exists()
