"""BYOL-S/CvT (`byol_cvt`): SERAB Table 2 sizes, output shapes, padding invariance on real URDU audio, gradient flow,
save/load round trips (fresh process and trust_remote_code without ser-hub). No pretrained weights exist offline."""

import json

import numpy as np
import pytest
import soundfile as sf
import torch
from huggingface_hub.errors import StrictDataclassClassValidationError
from transformers import AutoModel

import ser_hub  # noqa: F401  (registers the model families)
from model_helpers import run_python
from ser_hub import audio
from ser_hub.models import ByolCvtConfig, ByolCvtForSequenceClassification, ByolCvtModel, ByolFeatureExtractor


@pytest.fixture(scope="module")
def extractor():
    return ByolFeatureExtractor(norm_mean=-2.0, norm_std=3.0)


@pytest.fixture(scope="module")
def urdu_waves(urdu_dir):
    """Real 16 kHz utterances: a 1 s, a 2 s and a 3 s file, and crops of the 3 s one to 4 frames and 27345 samples."""
    by_length = {}
    for path in sorted(urdu_dir.rglob("*.wav")):
        by_length.setdefault(sf.info(path).frames, path)
    waves = []
    for frames in sorted(by_length):
        samples, rate = sf.read(by_length[frames], dtype="float32", always_2d=True)
        waves.append(audio.resample(audio.to_mono(samples.T), rate, 16000))
    return waves + [waves[-1][:600], waves[-1][5000:32345]]


def trained_looking(model: ByolCvtModel, seed: int = 0) -> ByolCvtModel:
    """Random weights plus random BatchNorm statistics, so eval-mode BatchNorm is not the identity."""
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.copy_(torch.rand(module.num_features, generator=generator) - 0.5)
            module.running_var.copy_(torch.rand(module.num_features, generator=generator) + 0.5)
    return model.eval()


@pytest.mark.parametrize(
    "preset, pooling, table_2_params, embedding_size",
    [("small", "mean", 1.6e6, 256), ("large", "mean", 5.0e6, 512), ("large", "mean+max", 5.0e6, 2048)],
)
def test_sizes_match_serab_table_2(preset, pooling, table_2_params, embedding_size, extractor, urdu_waves):
    config = ByolCvtConfig.from_preset(preset, pooling=pooling)
    model = ByolCvtModel(config).eval()
    parameters = sum(parameter.numel() for parameter in model.parameters())
    assert abs(parameters - table_2_params) <= 0.05 * table_2_params, parameters
    assert config.hidden_size == embedding_size
    inputs = extractor(urdu_waves[:3], sampling_rate=16000, return_tensors="pt")
    with torch.inference_mode():
        output = model(**inputs)
    # 1, 2 and 3 s: 100, 201 and 301 frames of 10 ms, divided by the strides 4, 2, 2 (rounding up).
    assert inputs["attention_mask"].sum(-1).tolist() == [100, 201, 301]
    assert torch.equal(model.get_output_lengths(inputs["attention_mask"].sum(-1)), torch.tensor([7, 13, 19]))
    assert output.last_hidden_state.shape == (3, 19, embedding_size)
    assert output.pooler_output.shape == (3, embedding_size)


def test_mean_pooling_is_the_time_frequency_average_of_the_last_stage(extractor, urdu_waves):
    model = trained_looking(ByolCvtModel(ByolCvtConfig.from_preset("small")))
    inputs = extractor(urdu_waves[0], sampling_rate=16000, return_tensors="pt")
    with torch.inference_mode():
        hidden = inputs["input_features"]
        lengths = inputs["attention_mask"].sum(-1)
        for stage in model.stages:
            hidden, lengths = stage(hidden, lengths)
        output = model(**inputs)
    assert torch.allclose(output.pooler_output, hidden.mean((2, 3)), atol=1e-6)


@pytest.mark.parametrize("preset, pooling", [("small", "mean"), ("large", "mean+max")])
def test_padded_batch_gives_the_same_vectors_as_one_by_one(preset, pooling, extractor, urdu_waves):
    torch.manual_seed(0)
    model = trained_looking(ByolCvtModel(ByolCvtConfig.from_preset(preset, pooling=pooling)))
    batch = extractor(urdu_waves, sampling_rate=16000, return_tensors="pt")
    lengths = model.get_output_lengths(batch["attention_mask"].sum(-1))
    with torch.inference_mode():
        batched = model(**batch)
        for i, wave in enumerate(urdu_waves):
            single = model(**extractor(wave, sampling_rate=16000, return_tensors="pt"))
            frames = int(lengths[i])
            assert single.last_hidden_state.shape[1] == frames
            scale = single.pooler_output.abs().max()
            assert (batched.pooler_output[i] - single.pooler_output[0]).abs().max() <= 1e-5 * scale
            assert (batched.last_hidden_state[i, :frames] - single.last_hidden_state[0]).abs().max() <= 1e-5 * scale
            assert not batched.last_hidden_state[i, frames:].any()


def test_classification_head_passes_gradients_to_every_parameter(extractor, urdu_waves):
    torch.manual_seed(0)
    classifier = ByolCvtForSequenceClassification(ByolCvtConfig.from_preset("small", num_labels=4))
    inputs = extractor(urdu_waves[:3], sampling_rate=16000, return_tensors="pt")
    labels = torch.tensor([0, 3, 1])
    output = classifier(**inputs, labels=labels)
    assert output.logits.shape == (3, 4)
    assert output.loss.item() == pytest.approx(torch.nn.functional.cross_entropy(output.logits, labels).item())
    output.loss.backward()
    without_gradient = [name for name, p in classifier.named_parameters() if p.grad is None or not p.grad.any()]
    assert without_gradient == []


@pytest.mark.slow
def test_save_load_round_trips_in_a_fresh_process_and_as_remote_code(extractor, urdu_waves, tmp_path):
    torch.manual_seed(0)
    folder = tmp_path / "byol-s-cvt"
    model = trained_looking(ByolCvtModel(ByolCvtConfig.from_preset("large", pooling="mean+max")))
    ByolCvtConfig.register_for_auto_class()
    ByolCvtModel.register_for_auto_class("AutoModel")
    ByolFeatureExtractor.register_for_auto_class("AutoFeatureExtractor")
    model.save_pretrained(folder)
    extractor.save_pretrained(folder)
    assert sorted(path.name for path in folder.glob("*.py")) == [
        "configuration_byol.py", "configuration_byol_cvt.py", "feature_extraction_byol.py", "logmel.py",
        "modeling_byol.py", "modeling_byol_cvt.py",
    ]
    assert type(AutoModel.from_pretrained(folder)) is ByolCvtModel
    np.save(tmp_path / "wave.npy", urdu_waves[1])
    with torch.inference_mode():
        expected = model(**extractor(urdu_waves[1], sampling_rate=16000, return_tensors="pt")).pooler_output.numpy()
    program = f"""
        import json, numpy as np, torch
        from transformers import AutoFeatureExtractor, AutoModel
        model = AutoModel.from_pretrained({str(folder)!r}, trust_remote_code=True).eval()
        extractor = AutoFeatureExtractor.from_pretrained({str(folder)!r}, trust_remote_code=True)
        with torch.inference_mode():
            inputs = extractor(np.load("wave.npy"), sampling_rate=16000, return_tensors="pt")
            np.save("embedding.npy", model(**inputs).pooler_output.numpy())
        print(json.dumps([type(model).__module__, type(model).__name__, model.config.hidden_size]))
        """
    for hide_ser_hub, module in [(False, "ser_hub.models.byol.modeling_byol_cvt"), (True, "transformers_modules.")]:
        result = json.loads(run_python(program, tmp_path, hide_ser_hub=hide_ser_hub).strip().splitlines()[-1])
        assert result[0].startswith(module) and result[1:] == ["ByolCvtModel", 2048]
        assert np.allclose(np.load(tmp_path / "embedding.npy"), expected, rtol=0, atol=1e-6 * np.abs(expected).max())


def test_config_round_trip_and_validation(tmp_path):
    config = ByolCvtConfig.from_preset("large", pooling="mean+max", dropout=0.1)
    config.save_pretrained(tmp_path)
    reloaded = ByolCvtConfig.from_pretrained(tmp_path)
    assert (reloaded.embed_dims, reloaded.pooling, reloaded.dropout, reloaded.hidden_size) == (
        [64, 256, 512], "mean+max", 0.1, 2048,
    )
    with pytest.raises(ValueError, match="preset 'huge': unknown; choose one of"):
        ByolCvtConfig.from_preset("huge")
    with pytest.raises(StrictDataclassClassValidationError, match="pooling='max': choose 'mean' or 'mean\\+max'"):
        ByolCvtConfig(pooling="max")
    with pytest.raises(StrictDataclassClassValidationError, match="one entry per stage; got lengths"):
        ByolCvtConfig(depths=[1, 1])
