"""Report writers: table round trips, atomic replacement, and PNG plots of real sizes."""

import json

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from ser_hub.errors import SerHubError
from ser_hub.files import atomic_path
from ser_hub.metrics import MetricInputError, serab_scores, serab_scores_from_predictions
from ser_hub.report import ReportError, plot_ood_matrix, plot_serab_scores, write_table

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
