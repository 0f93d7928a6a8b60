"""`ser-hub convert cvt`: SERAB's original-format BYOL-S/CvT checkpoints -> `byol_cvt` folders. Parity with SERAB's
own CvT module on real URDU audio (../shared/reference/cvt), the architecture read from the weights, clear errors
with nothing half-written, and the saved folders' round trips (fresh process, trust_remote_code without ser-hub)."""

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoFeatureExtractor, AutoModel

import ser_hub  # noqa: F401  (registers the model families)
from model_helpers import run_python
from ser_hub import cli
from ser_hub.commands import convert as convert_command
from ser_hub.models import ByolCvtForSequenceClassification, ByolCvtModel
from ser_hub.models.byol.convert_byol_checkpoint import ConversionError
from ser_hub.models.byol.convert_cvt_checkpoint import POOLINGS, convert_cvt_checkpoint

BYOL_S_CHECKPOINT = "weights/byol-s/default512_BYOLAs64x96-2107281850-e100-bs256-lr0003-rs42.pth"
# (reference embedding, checkpoint, pooling, stage widths, parameters, embedding size)
VARIANTS = {
    "small": ("cvt_small_shared.pth", "mean", [64, 128, 256], 1_583_488, 256),
    "large": ("cvt_large_shared.pth", "mean", [64, 256, 512], 5_012_992, 512),
    "large_meanmax": ("cvt_large_shared.pth", "mean+max", [64, 256, 512], 5_012_992, 2048),
}


@pytest.fixture(scope="module")
def reference_dir(shared):
    return shared / "reference" / "cvt"


@pytest.fixture(scope="module")
def reference(reference_dir):
    with np.load(reference_dir / "cvt_reference_shared.npz") as archive:
        return {key: archive[key] for key in archive.files}


@pytest.fixture(scope="module")
def converted(reference_dir, tmp_path_factory):
    """Each reference variant converted through the command line."""
    root = tmp_path_factory.mktemp("cvt")
    for name, (checkpoint, pooling, *_) in VARIANTS.items():
        arguments = ["convert", "cvt", "--checkpoint", str(reference_dir / checkpoint), "--out", str(root / name)]
        assert cli.main(arguments + ["--pooling", pooling]) == 0
    return root


def relative_error(actual, expected) -> float:
    return float(np.linalg.norm(np.asarray(actual) - expected) / np.linalg.norm(expected))


def reference_extractor(folder, reference):
    extractor = AutoFeatureExtractor.from_pretrained(folder)
    extractor.norm_mean, extractor.norm_std = float(reference["norm_mean"]), float(reference["norm_std"])
    return extractor


@pytest.mark.parametrize("name", VARIANTS)
def test_parity_with_serab_cvt_on_real_urdu_audio(name, converted, reference):
    model = AutoModel.from_pretrained(converted / name).eval()
    extractor = reference_extractor(converted / name, reference)
    waves = [reference[f"wave_{i}"] for i in range(3)]
    inputs = extractor(waves, sampling_rate=16000, return_tensors="pt")
    with torch.inference_mode():
        embeddings = model(**inputs).pooler_output.numpy()
    for i in range(3):
        assert np.abs(inputs["input_features"][i : i + 1].numpy() - reference[f"input_{i}"]).max() <= 1e-5
        assert relative_error(embeddings[i], reference[f"{name}_embedding_{i}"]) <= 1e-4


@pytest.mark.parametrize("name", VARIANTS)
def test_architecture_is_read_from_the_checkpoint(name, converted, reference_dir):
    checkpoint, pooling, widths, parameters, embedding_size = VARIANTS[name]
    config = json.loads((converted / name / "config.json").read_text())
    assert (config["model_type"], config["embed_dims"], config["num_heads"], config["depths"]) == (
        "byol_cvt", widths, [1, 3, 6], [1, 1, 1],
    )
    assert (config["embed_kernel_sizes"], config["mlp_ratio"], config["projection_kernel_size"]) == ([7, 3, 3], 4, 3)
    assert config["pooling"] == pooling
    assert config["auto_map"] == {
        "AutoConfig": "configuration_byol_cvt.ByolCvtConfig",
        "AutoModel": "modeling_byol_cvt.ByolCvtModel",
        "AutoModelForAudioClassification": "modeling_byol_cvt.ByolCvtForSequenceClassification",
    }
    preprocessor = json.loads((converted / name / "preprocessor_config.json").read_text())
    assert (preprocessor["win_length"], preprocessor["n_fft"], preprocessor["hop_length"]) == (400, 1024, 160)
    model = AutoModel.from_pretrained(converted / name)
    assert type(model) is ByolCvtModel and model.config.hidden_size == embedding_size
    assert sum(parameter.numel() for parameter in model.parameters()) == parameters
    weights = load_file(converted / name / "model.safetensors")
    original = torch.load(reference_dir / checkpoint, map_location="cpu", weights_only=True)
    assert len(weights) == len(original) == 84
    assert torch.equal(weights["stages.1.embedding_norm.weight"], original["layers.1.1.g"].flatten())
    assert torch.equal(
        weights["stages.2.blocks.0.attention.key_value.normalization.running_var"],
        original["layers.2.2.layers.0.0.fn.to_kv.net.1.running_var"],
    )
    assert torch.equal(weights["stages.0.blocks.0.feed_forward.dense_out.bias"], original["layers.0.2.layers.0.1.fn.net.3.bias"])


def test_stage_depths_and_count_are_read_from_the_checkpoint(reference_dir, tmp_path):
    original = torch.load(reference_dir / "cvt_small_shared.pth", map_location="cpu", weights_only=True)
    two_blocks = dict(original)
    two_blocks.update({key.replace("layers.1.2.layers.0.", "layers.1.2.layers.1."): value.clone()
                       for key, value in original.items() if key.startswith("layers.1.2.layers.0.")})
    torch.save(two_blocks, tmp_path / "deeper.pth")
    config = ByolCvtModel.from_pretrained(convert_cvt_checkpoint(tmp_path / "deeper.pth", tmp_path / "deeper")).config
    assert config.depths == [1, 2, 1]
    two_stages = {key: value for key, value in original.items() if not key.startswith("layers.2.")}
    torch.save(two_stages, tmp_path / "two-stages.pth")
    model = ByolCvtModel.from_pretrained(convert_cvt_checkpoint(tmp_path / "two-stages.pth", tmp_path / "two-stages"))
    assert (model.config.embed_dims, model.config.num_heads, model.config.hidden_size) == ([64, 128], [1, 3], 128)
    assert sum(value.numel() for value in model.state_dict().values()) == sum(
        value.numel() for value in two_stages.values()
    )


def test_conversion_errors_are_clear_and_leave_nothing(shared, reference_dir, tmp_path, capsys):
    small = reference_dir / "cvt_small_shared.pth"
    out = tmp_path / "out"
    with pytest.raises(ConversionError, match="no such checkpoint file"):
        convert_cvt_checkpoint(tmp_path / "missing.pth", out)
    with pytest.raises(ConversionError, match=r"not a SERAB CvT state_dict; unexpected keys \['fc.0.bias', 'fc.0.weight'"):
        convert_cvt_checkpoint(shared / BYOL_S_CHECKPOINT, out)
    truncated_file = tmp_path / "truncated.pth"
    truncated_file.write_bytes(small.read_bytes()[: small.stat().st_size // 2])
    with pytest.raises(ConversionError, match="truncated.pth: not a loadable weights-only PyTorch state_dict"):
        convert_cvt_checkpoint(truncated_file, out)
    original = torch.load(small, map_location="cpu", weights_only=True)
    torch.save({key: value for key, value in original.items() if "to_q" not in key}, tmp_path / "no-queries.pth")
    with pytest.raises(ConversionError, match=r"key 'layers.0.2.layers.0.0.fn.to_q.net.2.weight' is missing"):
        convert_cvt_checkpoint(tmp_path / "no-queries.pth", out)
    torch.save({key: value for key, value in original.items() if "to_out" not in key}, tmp_path / "no-output.pth")
    with pytest.raises(ConversionError, match=r"no-output.pth: weights missing for \['stages.0.blocks.0.attention.output.bias', "):
        convert_cvt_checkpoint(tmp_path / "no-output.pth", out)
    torch.save({**original, "layers.0.2.layers.0.0.fn.to_out.0.bias": torch.zeros(3)}, tmp_path / "bad-shape.pth")
    with pytest.raises(ConversionError, match=r"bad-shape.pth: layers.0.2.layers.0.0.fn.to_out.0.bias has shape \(3,\) where .* \(64,\)"):
        convert_cvt_checkpoint(tmp_path / "bad-shape.pth", out)
    torch.save({**original, "pool": ByolCvtForSequenceClassification}, tmp_path / "object.pth")
    with pytest.raises(ConversionError, match="not a loadable weights-only PyTorch state_dict"):
        convert_cvt_checkpoint(tmp_path / "object.pth", out)
    with pytest.raises(ConversionError, match=r"pooling 'max': unknown; choose one of \['mean', 'mean\+max'\]"):
        convert_cvt_checkpoint(small, out, pooling="max")
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_dir()) == []
    (tmp_path / "taken").mkdir()
    assert cli.main(["convert", "cvt", "--checkpoint", str(small), "--out", str(tmp_path / "taken")]) == 2
    assert "taken: already exists; remove it or choose another --out folder" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_dir()) == ["taken"]


def test_the_cli_reports_the_converted_architecture(reference_dir, tmp_path, capsys):
    arguments = ["convert", "cvt", "--checkpoint", str(reference_dir / "cvt_large_shared.pth"), "--out", str(tmp_path / "m")]
    assert cli.main(arguments + ["--pooling", "mean+max"]) == 0
    assert "(BYOL-S/CvT 64/256/512, mean+max pooling, 2048-d embedding)" in capsys.readouterr().out
    assert convert_command.CVT_POOLINGS == POOLINGS


@pytest.mark.slow
def test_saved_folders_reproduce_the_reference_in_a_fresh_process_and_without_ser_hub(converted, reference_dir, tmp_path):
    program = f"""
        import json, numpy as np, torch
        from transformers import AutoFeatureExtractor, AutoModel, AutoModelForAudioClassification
        reference = np.load({str(reference_dir / "cvt_reference_shared.npz")!r})
        result = {{}}
        for name in {list(VARIANTS)!r}:
            folder = {str(converted)!r} + "/" + name
            model = AutoModel.from_pretrained(folder, trust_remote_code=True).eval()
            extractor = AutoFeatureExtractor.from_pretrained(folder, trust_remote_code=True)
            extractor.norm_mean, extractor.norm_std = float(reference["norm_mean"]), float(reference["norm_std"])
            with torch.inference_mode():
                inputs = extractor([reference[f"wave_{{i}}"] for i in range(3)], sampling_rate=16000, return_tensors="pt")
                np.save(name + ".npy", model(**inputs).pooler_output.numpy())
            classifier = AutoModelForAudioClassification.from_pretrained(folder, trust_remote_code=True, num_labels=4)
            result[name] = [type(model).__module__, type(classifier).__name__]
        print(json.dumps(result))
        """
    with np.load(reference_dir / "cvt_reference_shared.npz") as reference:
        for hide_ser_hub, module in [(False, "ser_hub.models.byol.modeling_byol_cvt"), (True, "transformers_modules.")]:
            result = json.loads(run_python(program, tmp_path, hide_ser_hub=hide_ser_hub).strip().splitlines()[-1])
            for name in VARIANTS:
                assert result[name][0].startswith(module) and result[name][1] == "ByolCvtForSequenceClassification"
                embeddings = np.load(tmp_path / f"{name}.npy")
                for i in range(3):
                    assert relative_error(embeddings[i], reference[f"{name}_embedding_{i}"]) <= 1e-4
