"""`ser-hub export-onnx`: each family's graph (BYOL-S from the real checkpoint, BYOL-S/CvT from SERAB's reference
format, tiny random EmoNet and multi-task wav2vec 2.0) against PyTorch under onnxruntime on real URDU clips of
different lengths in one padded batch, the dynamic batch and time axes, the saved folder, and the errors."""

import json
import sys

import numpy as np
import onnx
import pytest
import soundfile as sf
import torch
from transformers import AutoFeatureExtractor

import ser_hub  # noqa: F401  (registers the model families)
from ser_hub import audio, cli, onnx_export
from ser_hub.models.byol.convert_byol_checkpoint import convert_byol_checkpoint
from ser_hub.models.byol.convert_cvt_checkpoint import convert_cvt_checkpoint
from ser_hub.models.emonet import EmoNetConfig, EmoNetFeatureExtractor, EmoNetForSequenceClassification
from ser_hub.models.mtl_wav2vec2 import (
    MtlWav2Vec2Config,
    MtlWav2Vec2FeatureExtractor,
    MtlWav2Vec2ForSequenceClassification,
)
from ser_hub.onnx_export import OnnxExportError, export_onnx, onnx_session

BYOL_S_CHECKPOINT = "weights/byol-s/default512_BYOLAs64x96-2107281850-e100-bs256-lr0003-rs42.pth"
FAMILIES = ["byol", "byol_cvt", "emonet", "mtl_wav2vec2"]
TIME_AXIS = {"byol": "frames", "byol_cvt": "frames", "emonet": "frames", "mtl_wav2vec2": "samples"}
# Small versions of the paper architectures, built from scratch (as in test_models_emonet / test_models_mtl_wav2vec2).
TINY_EMONET = dict(stem_channels=4, stage_channels=[8, 16, 32], attention_units=8, head_hidden_size=8)
TINY_BACKBONE = dict(
    hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
    conv_dim=(16, 16), conv_stride=(16, 20), conv_kernel=(20, 8), num_conv_pos_embeddings=16,
    num_conv_pos_embedding_groups=2, feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True,
)


@pytest.fixture(scope="module")
def urdu_waves(urdu_dir):
    """Real 16 kHz clips of four lengths: a 1 s, a 2 s and a 3 s file and a crop of the 3 s one."""
    by_length = {}
    for path in sorted(urdu_dir.rglob("*.wav")):
        by_length.setdefault(sf.info(path).frames, path)
    waves = []
    for frames in sorted(by_length):
        samples, rate = sf.read(by_length[frames], dtype="float32", always_2d=True)
        waves.append(audio.resample(audio.to_mono(samples.T), rate, 16000))
    waves.append(waves[-1][5000:32345])
    assert sorted(len(wave) for wave in waves) == [15874, 27345, 32000, 48057]
    return waves


@pytest.fixture(scope="module")
def model_folders(shared, urdu_waves, tmp_path_factory):
    """A saved model folder per family."""
    root = tmp_path_factory.mktemp("models")
    byol = convert_byol_checkpoint(shared / BYOL_S_CHECKPOINT, "byol-s", root / "byol")
    extractor = AutoFeatureExtractor.from_pretrained(byol)
    extractor.fit_normalization(urdu_waves, sampling_rate=16000)
    extractor.save_pretrained(byol)
    cvt = convert_cvt_checkpoint(shared / "reference" / "cvt" / "cvt_small_shared.pth", root / "byol_cvt")
    extractor.save_pretrained(cvt)
    torch.manual_seed(0)
    emonet = EmoNetForSequenceClassification(EmoNetConfig(domains={"urdu": 4, "emodb": 7}, **TINY_EMONET))
    emonet.save_pretrained(root / "emonet")
    EmoNetFeatureExtractor().save_pretrained(root / "emonet")
    mtl = MtlWav2Vec2ForSequenceClassification(MtlWav2Vec2Config(wav2vec2_config=dict(TINY_BACKBONE)))
    mtl.save_pretrained(root / "mtl_wav2vec2")
    MtlWav2Vec2FeatureExtractor().save_pretrained(root / "mtl_wav2vec2")
    return {family: root / family for family in FAMILIES}


@pytest.fixture(scope="module")
def exported(model_folders, tmp_path_factory):
    """Each family exported once, on first use (an export takes several seconds)."""
    root = tmp_path_factory.mktemp("onnx")
    cache = {}

    def export(family):
        if family not in cache:
            export_onnx(model_folders[family], root / family, domain="emodb" if family == "emonet" else None)
            cache[family] = root / family
        return cache[family]

    return export


def load_pytorch(folder):
    return onnx_export.load_model(folder)


def run_both(model, session, extractor, waves):
    """PyTorch's and onnxruntime's outputs on the padded batch of `waves`, by output name."""
    forward_kwargs = {"domain": "emodb"} if model.config.model_type == "emonet" else {}
    batch = extractor(waves, sampling_rate=16000, return_tensors="pt")
    input_name = onnx_export.GRAPH_INPUTS[model.config.model_type][0]
    names = [output.name for output in session.get_outputs()]
    with torch.inference_mode():
        outputs = model(**batch, **forward_kwargs)
    expected = {name: outputs[name].numpy() for name in names}
    feeds = {input_name: batch[input_name].numpy(), "attention_mask": batch["attention_mask"].numpy()}
    return expected, dict(zip(names, session.run(names, feeds)))


def assert_close(actual: np.ndarray, expected: np.ndarray, name: str):
    assert actual.shape == expected.shape, name
    assert np.abs(actual - expected).max() <= 1e-4 * np.abs(expected).max(), name


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_padded_urdu_batch_matches_pytorch_batch_and_one_by_one(family, model_folders, exported, urdu_waves):
    folder = exported(family)
    model = load_pytorch(model_folders[family])
    extractor = AutoFeatureExtractor.from_pretrained(folder)
    session = onnx_session(folder / "model.onnx")
    expected, actual = run_both(model, session, extractor, urdu_waves)
    assert len({len(wave) for wave in urdu_waves}) == 4  # four lengths padded into one batch
    for name in expected:
        assert_close(actual[name], expected[name], name)
    utterance_outputs = [name for name in expected if name != "last_hidden_state"]
    for index, wave in enumerate(urdu_waves):
        alone, _ = run_both(model, session, extractor, [wave])
        for name in utterance_outputs:
            assert_close(actual[name][index], alone[name][0], name)


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_batch_and_time_axes_are_dynamic(family, model_folders, exported, urdu_waves):
    folder = exported(family)
    graph = onnx.load(folder / "model.onnx")
    input_axes = [[axis.dim_param or axis.dim_value for axis in value.type.tensor_type.shape.dim]
                  for value in graph.graph.input]
    assert input_axes[0][0] == "batch" and input_axes[0][-1] == TIME_AXIS[family]
    assert input_axes[1] == ["batch", TIME_AXIS[family]]
    model = load_pytorch(model_folders[family])
    extractor = AutoFeatureExtractor.from_pretrained(folder)
    session = onnx_session(folder / "model.onnx")
    for waves in ([urdu_waves[0]], urdu_waves[1:]):  # batch 1 of the 1 s clip, batch 3 of 2 s, 3 s and 1.7 s
        expected, actual = run_both(model, session, extractor, waves)
        for name in expected:
            assert actual[name].shape[0] == len(waves)
            assert_close(actual[name], expected[name], name)


@pytest.mark.slow
def test_export_writes_a_checked_folder_with_the_preprocessing_beside_the_graph(model_folders, exported):
    folder = exported("emonet")
    assert sorted(path.name for path in folder.iterdir()) == [
        "config.json", "model.onnx", "onnx_export.json", "preprocessor_config.json",
    ]
    assert AutoFeatureExtractor.from_pretrained(folder).to_dict() == (
        AutoFeatureExtractor.from_pretrained(model_folders["emonet"]).to_dict()
    )
    summary = json.loads((folder / "onnx_export.json").read_text())
    assert summary["inputs"] == {"input_features": ["batch", 1, "n_mels", "frames"], "attention_mask": ["batch", "frames"]}
    assert (summary["outputs"], summary["domain"], summary["opset"]) == ({"logits": [2, 7]}, "emodb", 18)
    assert set(summary["max_abs_difference"]) == {"logits"} and summary["max_abs_difference"]["logits"] <= 1e-4
    mtl_summary = json.loads((exported("mtl_wav2vec2") / "onnx_export.json").read_text())
    assert mtl_summary["inputs"] == {"input_values": ["batch", "samples"], "attention_mask": ["batch", "samples"]}
    assert list(mtl_summary["outputs"]) == [
        "emotion_logits", "gender_logits", "language_logits", "f0_mean", "pooler_output",
    ]


@pytest.mark.slow
def test_cli_exports_the_chosen_emonet_domain(model_folders, urdu_waves, tmp_path, capsys):
    assert cli.main(["export-onnx", str(model_folders["emonet"]), "--out", str(tmp_path / "urdu"), "--domain", "urdu"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {tmp_path / 'urdu'}/model.onnx (opset 18, domain urdu)" in printed
    assert "output logits: max |onnxruntime - PyTorch| = " in printed
    model = load_pytorch(model_folders["emonet"])
    extractor = AutoFeatureExtractor.from_pretrained(tmp_path / "urdu")
    batch = extractor(urdu_waves, sampling_rate=16000, return_tensors="pt")
    (logits,) = onnx_session(tmp_path / "urdu" / "model.onnx").run(
        ["logits"], {"input_features": batch["input_features"].numpy(), "attention_mask": batch["attention_mask"].numpy()}
    )
    with torch.inference_mode():
        expected = model(**batch, domain="urdu").logits.numpy()
    assert logits.shape == (4, 4)
    assert_close(logits, expected, "logits")


@pytest.mark.slow
def test_a_graph_that_differs_from_pytorch_is_refused_and_nothing_is_written(model_folders, tmp_path, monkeypatch):
    monkeypatch.setattr(onnx_export, "TOLERANCE", -1.0)
    with pytest.raises(OnnxExportError, match=r"the ONNX graph's logits differs from PyTorch's .* nothing was written"):
        export_onnx(model_folders["emonet"], tmp_path / "out", domain="emodb")
    assert list(tmp_path.iterdir()) == []


def test_export_errors_are_clear_and_leave_nothing(model_folders, tmp_path):
    from transformers import Wav2Vec2Config

    Wav2Vec2Config(**TINY_BACKBONE).save_pretrained(tmp_path / "plain-wav2vec2")
    (tmp_path / "taken").mkdir()
    with pytest.raises(OnnxExportError, match="taken: already exists; remove it or choose another --out folder"):
        export_onnx(model_folders["emonet"], tmp_path / "taken")
    with pytest.raises(OnnxExportError, match="missing: not a loadable model folder or Hub name"):
        export_onnx(tmp_path / "missing", tmp_path / "out")
    with pytest.raises(OnnxExportError, match=r"model type 'wav2vec2' is not exported by ser-hub; it exports \['byol', "):
        export_onnx(tmp_path / "plain-wav2vec2", tmp_path / "out")
    with pytest.raises(OnnxExportError, match="--domain 'urdu': only EmoNet models have domains; drop it"):
        export_onnx(model_folders["mtl_wav2vec2"], tmp_path / "out", domain="urdu")
    with pytest.raises(OnnxExportError, match=r"--domain 'iemocap': unknown to this EmoNet model; its domains are \['emodb', 'urdu'\]"):
        export_onnx(model_folders["emonet"], tmp_path / "out", domain="iemocap")
    with pytest.raises(OnnxExportError, match=r"has the domains \['emodb', 'urdu'\]: choose the one to export with --domain"):
        export_onnx(model_folders["emonet"], tmp_path / "out")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["plain-wav2vec2", "taken"]


def test_a_missing_onnxruntime_names_the_extra_to_install(model_folders, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` now raises ImportError
    with pytest.raises(OnnxExportError, match=r"onnxruntime is not installed; .* pip install 'ser-hub\[onnx\]'"):
        onnx_session(tmp_path / "model.onnx")
    assert cli.main(["export-onnx", str(model_folders["emonet"]), "--out", str(tmp_path / "out")]) == 2
    assert ("onnxruntime is not installed; ONNX export needs it: pip install 'ser-hub[onnx]'"
            in capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []
