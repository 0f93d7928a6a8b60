"""Report writers: table round trips, atomic replacement, and PNG plots of real sizes."""

import json

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from ser_hub.benchmark import ood_tables
from ser_hub.errors import SerHubError
from ser_hub.files import atomic_path
from ser_hub.metrics import MetricInputError, serab_scores, serab_scores_from_predictions
from ser_hub.report import (
    INELIGIBLE_HATCH,
    ReportError,
    ood_matrix_figure,
    plot_ood_matrix,
    plot_serab_scores,
    serab_scores_figure,
    write_table,
)

ROWS = [
    {"model": "BYOL-S, 2048", "UM": 75.2, "tasks": 9},
    {"model": "openSMILE", "UM": 69.8, "tasks": 9},
]
OOD = {
    "train_corpus": ["emodb", "emodb", "emovo", "emovo", "urdu"],
    "test_corpus": ["emodb", "emovo", "emodb", "emovo", "urdu"],
    "score": [0.9, 0.4, 0.2, 0.7, 0.65],
}


def png_pixels(path) -> np.ndarray:
    """The decoded PNG as an array of shape (height, width, channels)."""
    return matplotlib.image.imread(path)


def test_write_table_csv_round_trip(tmp_path):
    path = write_table(ROWS, tmp_path / "scores.csv")
    assert path.read_text().splitlines() == ["model,UM,tasks", '"BYOL-S, 2048",75.2,9', "openSMILE,69.8,9"]
    assert pd.read_csv(path).to_dict("records") == ROWS


def test_write_table_json_round_trip(tmp_path):
    path = write_table(pd.DataFrame(ROWS), tmp_path / "scores.json")
    assert json.loads(path.read_text()) == ROWS


def test_write_table_markdown(tmp_path):
    path = write_table(ROWS, tmp_path / "report" / "scores.md")
    assert path.read_text().splitlines() == [
        "| model        |   UM |   tasks |",
        "|:-------------|-----:|--------:|",
        "| BYOL-S, 2048 | 75.2 |       9 |",
        "| openSMILE    | 69.8 |       9 |",
    ]


def test_write_table_errors(tmp_path):
    with pytest.raises(ReportError, match=r"use one of the suffixes \.csv, \.json, \.md") as error:
        write_table(ROWS, tmp_path / "scores.xlsx")
    assert isinstance(error.value, SerHubError)
    with pytest.raises(ReportError, match="no rows to write"):
        write_table([], tmp_path / "scores.csv")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_replaces_on_success_and_leaves_the_old_file_on_failure(tmp_path):
    target = tmp_path / "scores.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            temporary.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old\n"
    assert [path.name for path in tmp_path.iterdir()] == ["scores.csv"]
    with atomic_path(target) as temporary:
        assert temporary.parent == tmp_path and temporary.suffix == ".csv" and temporary != target
        temporary.write_text("new\n")
    assert target.read_text() == "new\n"
    assert [path.name for path in tmp_path.iterdir()] == ["scores.csv"]


def test_plot_ood_matrix_explicit_size(tmp_path):
    path = plot_ood_matrix(**OOD, path=tmp_path / "ood.png", figsize=(6, 5), dpi=100)
    pixels = png_pixels(path)
    assert pixels.shape == (500, 600, 4)
    assert path.stat().st_size > 10_000
    assert len(np.unique(pixels.reshape(-1, 4), axis=0)) > 50  # a drawn heatmap, not a blank canvas


def test_plot_ood_matrix_default_size_grows_with_corpora(tmp_path):
    # three corpora: (2.5 + 0.7 * 3) x (1.5 + 0.6 * 3) inches at 100 dpi
    assert png_pixels(plot_ood_matrix(**OOD, path=tmp_path / "ood.png")).shape == (330, 460, 4)


def test_plot_ood_matrix_rejects_bad_cells_and_suffix(tmp_path):
    with pytest.raises(MetricInputError, match="given twice"):
        plot_ood_matrix(["a", "a"], ["a", "a"], [0.1, 0.2], tmp_path / "ood.png")
    with pytest.raises(ReportError, match="use the suffix .png"):
        plot_ood_matrix(**OOD, path=tmp_path / "ood.jpg")
    assert list(tmp_path.iterdir()) == []


def test_ood_matrix_marks_the_cells_left_out_of_the_out_of_domain_reductions(tmp_path):
    cells = {"train_corpus": OOD["train_corpus"] + ["emodb", "urdu"], "test_corpus": OOD["test_corpus"] + ["urdu", "emovo"],
             "score": OOD["score"] + [0.5, 0.3]}
    figure = ood_matrix_figure(**cells, eligible=["emodb", "emovo"])
    axes = figure.axes[0]
    # rows and columns emodb 0, emovo 1, urdu 2: emodb -> urdu is (row 0, column 2), urdu -> emovo (2, 1); the
    # diagonal (in domain) and the eligible block are not marked, nor the cells that were not evaluated
    assert [(patch.get_xy(), patch.get_hatch()) for patch in axes.patches] == [
        ((1.5, -0.5), INELIGIBLE_HATCH), ((0.5, 1.5), INELIGIBLE_HATCH)]
    assert [text.get_text() for text in figure.legends[0].get_texts()] == [
        "not OOD-eligible (left out of the out-of-domain reductions)"]
    assert sorted(text.get_text() for text in axes.texts) == sorted(f"{value:.2f}" for value in cells["score"])
    unmarked = ood_matrix_figure(**cells)
    assert list(unmarked.axes[0].patches) == [] and unmarked.legends == []
    assert list(ood_matrix_figure(**cells, eligible=["emodb", "emovo", "urdu"]).axes[0].patches) == []
    marked = png_pixels(plot_ood_matrix(**cells, path=tmp_path / "marked.png", eligible=["emodb", "emovo"]))
    plain = png_pixels(plot_ood_matrix(**cells, path=tmp_path / "plain.png"))
    assert marked.shape == plain.shape == (330, 460, 4) and not np.array_equal(marked, plain)
    with pytest.raises(ReportError, match=r"eligible names \['emodbb'\] are not in the matrix"):
        ood_matrix_figure(**cells, eligible=["emodbb", "emovo"])


def test_ood_tables_keep_three_decimals_and_mark_the_cells_left_out_of_the_reductions():
    def cell(train, test, score, eligible):
        return {"train_corpus": train, "test_corpus": test, "in_domain": train == test, "ood_eligible": eligible,
                "macro_f1": score, "uar": score, "accuracy": score}

    cells = [cell("a", "a", 0.5, False), cell("a", "b", 0.25, True), cell("a", "c", 0.125, False),
             cell("b", "a", 0.75, True), cell("b", "b", 1.0, False), cell("c", "c", 0.3333, False)]
    assert ood_tables(cells)["uar"].splitlines() == [
        "| train \\ test   | a     | b     | c      |",
        "|----------------|-------|-------|--------|",
        "| a              | 0.500 | 0.250 | 0.125† |",
        "| b              | 0.750 | 1.000 |        |",
        "| c              |       |       | 0.333  |",
    ]


def test_serab_bars_chance_levels_and_intervals_are_drawn_where_given(tmp_path):
    scores = serab_scores_from_predictions([0, 1, 1, 0, 2, 2], [0, 1, 0, 0, 2, 1], ["emodb"] * 4 + ["savee"] * 2)
    chance = {"emodb": 1 / 3, "savee": 1 / 2}
    intervals = {"emodb": {"accuracy": (0.5, 1.0), "uar": (0.25, 0.9)}}
    axes = serab_scores_figure(scores, chance, intervals).axes[0]
    # emodb: accuracy 3/4, UAR (2/3 + 1)/2; savee: accuracy 1/2, UAR (0 + 1)/2; bars of width 0.4 at ∓0.2
    bars = [[(bar.get_x() + bar.get_width() / 2, bar.get_height()) for bar in container] for container in axes.containers]
    assert bars == [[(-0.2, 0.75), (0.8, 0.5)], [pytest.approx((0.2, 5 / 6)), (1.2, 0.5)]]
    drawn = {collection.get_label(): [segment.tolist() for segment in collection.get_segments()]
             for collection in axes.collections}
    assert drawn == {
        "accuracy interval": [[[-0.2, 0.5], [-0.2, 1.0]]],
        "uar interval": [[[0.2, 0.25], [0.2, 0.9]]],
        "chance": [[[-0.45, 1 / 3], [0.45, 1 / 3]], [[0.55, 0.5], [1.45, 0.5]]],
    }
    assert axes.get_legend() is not None
    assert list(serab_scores_figure(scores).axes[0].collections) == []
    path = plot_serab_scores(scores, tmp_path / "serab.png", chance=chance, intervals=intervals)
    assert png_pixels(path).shape == (450, 800, 4)
    with pytest.raises(ReportError, match=r"chance names tasks \['iemocap'\] that scores does not have"):
        serab_scores_figure(scores, {"iemocap": 0.25})


def test_plot_serab_scores_from_predictions(tmp_path):
    scores = serab_scores_from_predictions([0, 1, 1, 0, 2, 2], [0, 1, 0, 0, 2, 1], ["emodb"] * 4 + ["savee"] * 2)
    path = plot_serab_scores(scores, tmp_path / "serab.png", figsize=(8, 4.5), dpi=80)
    assert png_pixels(path).shape == (360, 640, 4)
    assert path.stat().st_size > 10_000


def test_plot_serab_scores_accuracy_only_and_errors(tmp_path):
    path = plot_serab_scores(serab_scores({"EMB": 88.1, "EMV": 44.4, "SHE": 91.1}), tmp_path / "serab.png")
    assert png_pixels(path).shape == (450, 800, 4)
    with pytest.raises(ReportError, match="no per_task entries"):
        plot_serab_scores({"UM": 0.5}, tmp_path / "other.png")
