"""Corpora described by definition files, through every command: both benchmarks from the command line with two
user corpora and URDU, and a fine-tuning script."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from corpora.definitions import LEVELS, build_levels, build_moods
from ser_hub.cli import main
from ser_hub.corpora.definition import definition_hash, read_definition

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "finetune_audio_classification.py"


@pytest.fixture(scope="module")
def corpora(tmp_path_factory, urdu_dir) -> list[str]:
    folder = tmp_path_factory.mktemp("user-corpora")
    (levels, levels_dir), (moods, moods_dir) = build_levels(folder), build_moods(folder)
    return [f"{levels}={levels_dir}", f"{moods}={moods_dir}", f"urdu={urdu_dir}"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


def run(arguments, capsys) -> tuple[str, str]:
    assert main(arguments) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_serab_on_two_user_corpora_and_urdu_records_their_definitions(corpora, cache, tmp_path, capsys):
    out = tmp_path / "serab"
    arguments = ["benchmark", "serab", "--model", "opensmile:eGeMAPSv02", "--out", str(out), "--cache-dir", str(cache),
                 "--protocol", "speaker-independent", "--standardize", "global", "--quiet"]
    printed, errors = run(arguments + [part for corpus in corpora for part in ("--corpus", corpus)], capsys)
    assert "it/s" not in errors and "%|" not in errors  # --quiet silences every bar
    payload = json.loads((out / "results.json").read_text())
    assert list(payload["tasks"]) == ["levels", "moods", "urdu"]
    levels = payload["tasks"]["levels"]["corpus"]
    definition = Path(corpora[0].split("=")[0])
    assert levels["definition"] == str(definition.resolve()) and levels["definition_text"] == LEVELS
    assert levels["definition_sha256"] == definition_hash(read_definition(definition))
    assert payload["tasks"]["urdu"]["corpus"]["definition"] == "built-in"
    assert payload["tasks"]["levels"]["result"]["label_names"] == ["calm", "aroused", "very aroused"]
    assert "| levels " in printed and "| UM " in printed


def test_ood_on_two_user_corpora_and_urdu(corpora, cache, tmp_path, capsys):
    out = tmp_path / "ood"
    arguments = ["benchmark", "ood", "--model", "opensmile:eGeMAPSv02", "--out", str(out), "--cache-dir", str(cache),
                 "--epochs", "2", "--quiet"]
    _, errors = run(arguments + [part for corpus in corpora for part in ("--corpus", corpus)], capsys)
    assert "it/s" not in errors and "%|" not in errors
    payload = json.loads((out / "results.json").read_text())
    cells = {(cell["train_corpus"], cell["test_corpus"]) for cell in payload["result"]["cells"]}
    assert cells == {(a, b) for a in ("levels", "moods", "urdu") for b in ("levels", "moods", "urdu")}
    assert payload["corpora"]["moods"]["corpus"]["definition"].endswith("moods.yaml")


def test_a_fine_tuning_script_takes_a_definition_file(corpora, cache, tmp_path):
    out = tmp_path / "finetuned"
    model = tmp_path / "tiny"
    subprocess.run([sys.executable, "-c", f"""
import torch
from transformers import AutoModel, Wav2Vec2Config, Wav2Vec2FeatureExtractor
torch.manual_seed(0)
config = Wav2Vec2Config(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                        conv_dim=(16, 16), conv_stride=(20, 16), conv_kernel=(20, 16), num_conv_pos_embeddings=16,
                        num_conv_pos_embedding_groups=2, classifier_proj_size=16)
AutoModel.from_config(config).save_pretrained({str(model)!r})
Wav2Vec2FeatureExtractor(return_attention_mask=True).save_pretrained({str(model)!r})
"""], check=True)
    arguments = ["--model_name_or_path", str(model), "--corpus", corpora[0], "--output_dir", str(out),
                 "--corpus_cache_dir", str(cache / "corpora"), "--max_steps", "2", "--per_device_train_batch_size",
                 "4", "--max_length_seconds", "0.5", "--use_cpu", "--disable_tqdm", "true", "--label_space", "native"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    completed = subprocess.run([sys.executable, str(SCRIPT), *arguments], env=env, capture_output=True, text=True,
                               timeout=600, check=False)
    assert completed.returncode == 0, completed.stderr[-4000:]
    config = json.loads((out / "config.json").read_text())
    assert config["id2label"] == {"0": "calm", "1": "aroused", "2": "very aroused"}
    assert "test_uar" in json.loads((out / "all_results.json").read_text())
