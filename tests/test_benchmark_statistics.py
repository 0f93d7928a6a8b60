"""SERAB with BYOL: the log-mel statistics computed on each corpus's training split, or those SERAB published."""

import json

import pytest

from corpora.test_emodb import build as build_emodb
from ser_hub.benchmark import benchmark_serab
from ser_hub.errors import SerHubError
from ser_hub.features import ByolExtractor
from ser_hub.models.byol.convert_byol_checkpoint import convert_byol_checkpoint
from ser_hub.protocols.serab import PUBLISHED_LOGMEL_STATISTICS, published_statistics

CHECKPOINT = "weights/byol-s/default512_BYOLAs64x96-2107281850-e100-bs256-lr0003-rs42.pth"


def test_published_statistics_exist_for_the_nine_corpora_as_serab_prepared_them():
    assert sorted(PUBLISHED_LOGMEL_STATISTICS) == [
        "aesdd", "cafe", "crema_d", "emodb", "emovo", "iemocap", "ravdess", "savee", "shemo"]
    mean, std = PUBLISHED_LOGMEL_STATISTICS["iemocap"]
    assert published_statistics("iemocap", "iem4") == {"norm_mean": mean, "norm_std": std}
    assert published_statistics("iemocap", "all") is None  # SERAB's statistics are those of its four classes
    assert published_statistics("urdu", None) is None


@pytest.mark.slow
def test_serab_uses_the_published_statistics_where_they_exist_and_says_so(shared, urdu_dir, tmp_path, monkeypatch):
    models = tmp_path / "models"
    convert_byol_checkpoint(shared / CHECKPOINT, "byol-s", models / "byol-s-512")
    fitted = []
    original = ByolExtractor.fit_statistics
    monkeypatch.setattr(ByolExtractor, "fit_statistics", lambda self, batches: fitted.append(1) or original(self, batches))
    corpora = {"emodb": str(build_emodb(tmp_path / "emodb")), "urdu": str(urdu_dir)}
    payload = benchmark_serab("byol-s-512", corpora, tmp_path / "out", models_dir=str(models), select="test",
                              statistics="published", cache_dir=tmp_path / "cache", progress=False)
    mean, std = PUBLISHED_LOGMEL_STATISTICS["emodb"]
    emodb, urdu = payload["tasks"]["emodb"], payload["tasks"]["urdu"]
    assert emodb["statistics"] == {"source": "published by SERAB (settings.py, CLF_STATS_DICT)",
                                   "norm_mean": mean, "norm_std": std}
    assert emodb["extractor"]["statistics"] == {"norm_mean": mean, "norm_std": std}
    assert urdu["statistics"]["source"] == "computed on the training split: SERAB published none for this corpus"
    assert fitted == [1]  # computed for URDU only
    assert payload["statistics"] == "published"
    report = (tmp_path / "out" / "report.md").read_text()
    assert f"Log-mel statistics published by SERAB (settings.py, CLF_STATS_DICT): mean {mean:.6g}, std {std:.6g}." in report
    assert json.loads((tmp_path / "out" / "results.json").read_text())["tasks"]["emodb"]["statistics"]["norm_std"] == std


def test_published_statistics_need_a_model_that_uses_them(urdu_dir, tmp_path):
    with pytest.raises(SerHubError, match=r"opensmile:eGeMAPSv02 standardises with no dataset statistics: "
                                          r"--statistics published applies to the BYOL family"):
        benchmark_serab("opensmile:eGeMAPSv02", {"urdu": str(urdu_dir)}, tmp_path / "out", statistics="published",
                        cache_dir=tmp_path / "cache", progress=False)
