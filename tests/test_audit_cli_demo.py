"""The audit, the `ser-hub` commands and the offline demo, on the real URDU corpus and the synthetic demo corpus."""

import datasets
import pytest

import ser_hub
from ser_hub.audit import audit
from ser_hub.cli import main


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache"))


def test_audit_of_real_urdu_warns_about_confounding_and_missing_classes(urdu_dir, cache):
    report = audit(ser_hub.load_corpus("urdu", urdu_dir, cache_dir=cache))
    table = report.table.set_index("split")
    assert table["utterances"].to_dict() == {"train": 274, "validation": 30, "test": 96}
    assert int(table[["Angry", "Happy", "Neutral", "Sad"]].to_numpy().sum()) == 400
    assert table.loc["validation", "Angry"] == 0
    assert "class 'Angry' is missing from the validation split." in report.warnings
    assert len(report.confounded_speakers) == 26
    assert any(w.startswith("speakers and emotions are confounded: 26 of 29 speakers") for w in report.warnings)
    assert all(not shared["speakers"] for shared in report.overlaps.values())


def test_audit_flags_speaker_overlap_of_the_stratified_protocol(urdu_dir, cache):
    report = audit(ser_hub.load_corpus("urdu", urdu_dir, "stratified", cache_dir=cache))
    assert report.overlaps[("train", "test")]["speakers"]
    assert any("not speaker-independent" in warning for warning in report.warnings)


def test_cli_corpora_prepare_audit_export(urdu_dir, cache, tmp_path, capsys):
    assert main(["corpora"]) == 0
    table = capsys.readouterr().out
    assert "| urdu " in table and "4: Angry, Happy, Neutral, Sad" in table and "siddiquelatif" in table
    assert main(["prepare", "urdu", "--data-dir", str(urdu_dir), "--cache-dir", cache, "--protocol", "serab"]) == 0
    assert "Split protocol 'serab'" in capsys.readouterr().out
    assert main(["audit", "urdu", "--data-dir", str(urdu_dir), "--cache-dir", cache]) == 0
    assert "WARNING: speakers and emotions are confounded" in capsys.readouterr().out
    out = tmp_path / "export"
    assert main(["export", "urdu", "--data-dir", str(urdu_dir), "--cache-dir", cache, "--out", str(out),
                 "--protocol", "loso"]) == 0
    assert "exported urdu" in capsys.readouterr().out
    loaded = datasets.load_dataset(str(out), "loso", cache_dir=str(tmp_path / "hf"))
    assert list(loaded) == [f"fold_{k}" for k in range(29)]


@pytest.mark.slow
def test_demo_synthesises_audits_and_exports(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "Audit of demo" in printed and "Hub-ready export" in printed
    assert "SERAB protocol on the demo corpus with opensmile:eGeMAPSv02" in printed
    assert {"report.md", "results.json", "results.csv", "serab_scores.png", "confusion_demo.png"} <= {
        path.name for path in (tmp_path / "benchmark").iterdir()}
    exported = datasets.load_dataset(str(tmp_path / "export"), "speaker-independent", cache_dir=str(tmp_path / "hf"))
    assert sum(len(split) for split in exported.values()) == 120
    names = exported["train"].features["native_label"].names
    assert sorted(names) == ["anger", "happiness", "neutral", "sadness"]
    assert len(set(exported["train"]["speaker_id"]) | set(exported["test"]["speaker_id"])
               | set(exported["validation"]["speaker_id"])) == 6
    assert main(["demo", "--out", str(tmp_path)]) == 0  # idempotent: the complete corpus is reused
