"""BYOL-S / BYOL-A (`byol`): conversion of the real BYOL-S checkpoint, parity with the reference vectors, padding
invariance on real URDU audio, save/load round trips (fresh process, trust_remote_code without ser-hub), the
classification head under Trainer, and clear errors."""

import json

import numpy as np
import pytest
import soundfile as sf
import torch
from datasets import Dataset
from safetensors.torch import load_file
from transformers import AutoFeatureExtractor, AutoModel, AutoModelForAudioClassification, Trainer, TrainingArguments

import ser_hub  # noqa: F401  (registers the model families)
from model_helpers import run_python
from ser_hub import audio, cli
from ser_hub.models import ByolConfig, ByolFeatureExtractor, ByolForSequenceClassification, ByolModel
from ser_hub.models.byol.convert_byol_checkpoint import ConversionError, convert_byol_checkpoint

CHECKPOINT = "weights/byol-s/default512_BYOLAs64x96-2107281850-e100-bs256-lr0003-rs42.pth"


@pytest.fixture(scope="module")
def reference(shared):
    with np.load(shared / "reference" / "byol_s_512_reference.npz") as archive:
        return {key: archive[key] for key in archive.files}


@pytest.fixture(scope="module")
def converted(shared, tmp_path_factory):
    """The real BYOL-S checkpoint converted through the command line."""
    out = tmp_path_factory.mktemp("byol") / "byol-s-512"
    assert cli.main(["convert", "byol", "--checkpoint", str(shared / CHECKPOINT), "--variant", "byol-s", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def model(converted):
    return AutoModel.from_pretrained(converted).eval()


@pytest.fixture(scope="module")
def extractor(converted, reference):
    extractor = AutoFeatureExtractor.from_pretrained(converted)
    extractor.norm_mean, extractor.norm_std = float(reference["mean"]), float(reference["std"])
    return extractor


@pytest.fixture(scope="module")
def urdu_waves(urdu_dir):
    """Real 16 kHz utterances of five lengths: one file of each duration the corpus has (1, 2 and 3 s) and two
    crops of the longest, one just long enough for the encoder (8 frames), one not a whole number of frames."""
    by_length = {}
    for path in sorted(urdu_dir.rglob("*.wav")):
        by_length.setdefault(sf.info(path).frames, path)
    waves = []
    for frames in sorted(by_length):
        samples, rate = sf.read(by_length[frames], dtype="float32", always_2d=True)
        waves.append(audio.resample(audio.to_mono(samples.T), rate, 16000))
    waves += [waves[-1][:1123], waves[-1][5000:32345]]
    assert sorted(len(wave) for wave in waves) == [1123, 15874, 27345, 32000, 48057]
    return waves


def relative_error(actual, expected) -> float:
    return float(np.linalg.norm(np.asarray(actual) - expected) / np.linalg.norm(expected))


def test_conversion_writes_a_self_contained_safetensors_folder(converted, shared):
    assert sorted(path.name for path in converted.iterdir()) == [
        "config.json", "configuration_byol.py", "feature_extraction_byol.py", "logmel.py", "model.safetensors",
        "modeling_byol.py", "preprocessor_config.json",
    ]
    assert not (converted / "logmel.py").is_symlink()
    config = json.loads((converted / "config.json").read_text())
    assert (config["model_type"], config["hidden_size"], config["n_mels"], config["conv_channels"]) == ("byol", 512, 64, 64)
    assert config["auto_map"] == {
        "AutoConfig": "configuration_byol.ByolConfig",
        "AutoModel": "modeling_byol.ByolModel",
        "AutoModelForAudioClassification": "modeling_byol.ByolForSequenceClassification",
    }
    preprocessor = json.loads((converted / "preprocessor_config.json").read_text())
    assert (preprocessor["win_length"], preprocessor["n_fft"], preprocessor["hop_length"]) == (400, 1024, 160)
    assert (preprocessor["f_min"], preprocessor["f_max"], preprocessor["norm_mean"]) == (60.0, 7800.0, None)
    # The NOTICE: 25 tensors, 600,579 numbers (BatchNorm running statistics included).
    weights = load_file(converted / "model.safetensors")
    original = torch.load(shared / CHECKPOINT, map_location="cpu", weights_only=True)
    assert len(weights) == len(original) == 25
    assert sum(tensor.numel() for tensor in weights.values()) == 600579
    assert torch.equal(weights["encoder.layers.2.normalization.running_var"], original["features.9.running_var"])
    assert torch.equal(weights["projection.dense_out.weight"], original["fc.3.weight"])


def test_byol_a_variant_uses_the_64_ms_window(shared, tmp_path):
    convert_byol_checkpoint(shared / CHECKPOINT, "byol-a", tmp_path / "byol-a")
    assert ByolFeatureExtractor.from_pretrained(tmp_path / "byol-a").win_length == 1024


def test_parity_with_the_reference_vectors(model, extractor, reference):
    for i in range(6):
        inputs = extractor(reference[f"wave_{i}"], sampling_rate=16000, return_tensors="pt")
        expected_features = (reference[f"logmel_{i}"] - reference["mean"]) / reference["std"]
        assert relative_error(inputs["input_features"][0, 0], expected_features) <= 1e-4
        with torch.inference_mode():
            embedding = model(**inputs).pooler_output[0].numpy()
        assert relative_error(embedding, reference[f"embedding_{i}"]) <= 1e-4


def test_padded_batch_gives_the_same_vectors_as_one_by_one(model, extractor, urdu_waves):
    batch = extractor(urdu_waves, sampling_rate=16000, return_tensors="pt")
    lengths = batch["attention_mask"].sum(-1)
    with torch.inference_mode():
        batched = model(**batch)
        for i, wave in enumerate(urdu_waves):
            single = model(**extractor(wave, sampling_rate=16000, return_tensors="pt"))
            frames = int(model.get_output_lengths(lengths[i]))
            assert single.last_hidden_state.shape[1] == frames
            scale = single.pooler_output.abs().max()
            assert (batched.pooler_output[i] - single.pooler_output[0]).abs().max() <= 1e-5 * scale
            assert (batched.last_hidden_state[i, :frames] - single.last_hidden_state[0]).abs().max() <= 1e-5 * scale
            assert not batched.last_hidden_state[i, frames:].any()


@pytest.mark.slow
def test_fresh_process_round_trip(model, extractor, converted, reference, tmp_path):
    inputs = extractor(reference["wave_2"], sampling_rate=16000, return_tensors="pt")
    np.save(tmp_path / "features.npy", inputs["input_features"].numpy())
    with torch.inference_mode():
        expected = model(**inputs).pooler_output.numpy()
    run_python(
        f"""
        import numpy as np, torch
        from transformers import AutoModel
        model = AutoModel.from_pretrained({str(converted)!r}).eval()
        assert type(model).__module__ == "ser_hub.models.byol.modeling_byol", type(model).__module__
        with torch.inference_mode():
            np.save("embedding.npy", model(torch.from_numpy(np.load("features.npy"))).pooler_output.numpy())
        """,
        tmp_path,
    )
    assert np.array_equal(np.load(tmp_path / "embedding.npy"), expected)


@pytest.mark.slow
def test_trust_remote_code_without_ser_hub_reproduces_the_reference(converted, reference, shared, tmp_path):
    output = run_python(
        f"""
        import json, numpy as np, torch
        from transformers import AutoFeatureExtractor, AutoModel, AutoModelForAudioClassification
        folder = {str(converted)!r}
        reference = np.load({str(shared / "reference" / "byol_s_512_reference.npz")!r})
        model = AutoModel.from_pretrained(folder, trust_remote_code=True).eval()
        extractor = AutoFeatureExtractor.from_pretrained(folder, trust_remote_code=True)
        extractor.norm_mean, extractor.norm_std = float(reference["mean"]), float(reference["std"])
        waves = [reference[f"wave_{{i}}"] for i in range(6)]
        with torch.inference_mode():
            embeddings = model(**extractor(waves, sampling_rate=16000, return_tensors="pt")).pooler_output.numpy()
        np.save("embeddings.npy", embeddings)
        classifier = AutoModelForAudioClassification.from_pretrained(folder, trust_remote_code=True, num_labels=4)
        logits = classifier(**extractor(waves[0], sampling_rate=16000, return_tensors="pt")).logits
        try:
            extractor(waves[0], sampling_rate=44100)
        except ValueError as error:
            message = str(error)
        print(json.dumps({{
            "modules": [type(model).__module__, type(extractor).__module__, type(classifier).__module__],
            "logits": list(logits.shape), "error": message,
        }}))
        """,
        tmp_path,
        hide_ser_hub=True,
    )
    result = json.loads(output.strip().splitlines()[-1])
    assert all(module.startswith("transformers_modules.") for module in result["modules"]), result["modules"]
    assert result["logits"] == [1, 4]
    assert "sampling_rate=16000 (got 44100)" in result["error"]
    embeddings = np.load(tmp_path / "embeddings.npy")
    for i in range(6):
        assert relative_error(embeddings[i], reference[f"embedding_{i}"]) <= 1e-4


def test_classification_head_round_trips_with_safetensors(tmp_path, reference, extractor):
    classifier = ByolForSequenceClassification(ByolConfig(hidden_size=64, num_labels=3)).eval()
    classifier.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").is_file() and not list(tmp_path.glob("*.bin"))
    reloaded = AutoModelForAudioClassification.from_pretrained(tmp_path).eval()
    assert type(reloaded) is ByolForSequenceClassification
    inputs = extractor(reference["wave_3"], sampling_rate=16000, return_tensors="pt")
    with torch.inference_mode():
        assert torch.equal(reloaded(**inputs).logits, classifier(**inputs).logits)


def test_classification_head_trains_with_trainer(converted, extractor, urdu_waves, tmp_path):
    classifier = AutoModelForAudioClassification.from_pretrained(converted, num_labels=4)
    assert type(classifier) is ByolForSequenceClassification
    encoder_before = classifier.byol.projection.dense_in.weight.detach().clone()
    head_before = classifier.classifier.weight.detach().clone()
    dataset = Dataset.from_dict({"audio": [wave.tolist() for wave in urdu_waves[:4]], "label": [0, 1, 2, 3]})

    def collate(examples):
        batch = extractor([example["audio"] for example in examples], sampling_rate=16000, return_tensors="pt")
        return {**batch, "labels": torch.tensor([example["label"] for example in examples])}

    arguments = TrainingArguments(
        output_dir=str(tmp_path), max_steps=1, per_device_train_batch_size=4, learning_rate=1e-2,
        report_to=[], save_strategy="no", remove_unused_columns=False, use_cpu=True, logging_steps=1,
    )
    result = Trainer(model=classifier, args=arguments, train_dataset=dataset, data_collator=collate).train()
    assert np.isfinite(result.training_loss) and result.training_loss > 0
    assert not torch.equal(classifier.classifier.weight, head_before)
    assert not torch.equal(classifier.byol.projection.dense_in.weight, encoder_before)


def test_model_input_errors_name_the_problem(model):
    with pytest.raises(ValueError, match=r"input_features\[0\]: too short for the encoder, which needs at least 8"):
        model(torch.zeros(1, 1, 64, 7))
    with pytest.raises(ValueError, match=r"expected \[batch, 1, n_mels, frames\], got shape \(1, 64, 100\)"):
        model(torch.zeros(1, 64, 100))
    left_padded = torch.tensor([[0, 0, 1, 1, 1, 1, 1, 1, 1, 1]])
    with pytest.raises(ValueError, match="right-padded frame mask"):
        model(torch.zeros(1, 1, 64, 10), attention_mask=left_padded)


def test_config_rejects_mel_counts_the_encoder_cannot_pool():
    with pytest.raises(Exception, match="n_mels=60: must be a positive multiple of 8"):
        ByolConfig(n_mels=60)


def test_conversion_errors_are_clear(shared, tmp_path, capsys):
    with pytest.raises(ConversionError, match="no such checkpoint file"):
        convert_byol_checkpoint(tmp_path / "missing.pth", "byol-s", tmp_path / "out")
    wrong_keys = tmp_path / "wrong.pth"
    torch.save({"encoder.weight": torch.zeros(2)}, wrong_keys)
    with pytest.raises(ConversionError, match=r"not an AudioNTT2020 .* unexpected keys \['encoder.weight'\]"):
        convert_byol_checkpoint(wrong_keys, "byol-s", tmp_path / "out")
    pickled_object = tmp_path / "object.pth"
    torch.save({"features.0.weight": torch.zeros(1), "extra": ByolConfig()}, pickled_object)
    with pytest.raises(ConversionError, match="not a loadable weights-only PyTorch state_dict"):
        convert_byol_checkpoint(pickled_object, "byol-s", tmp_path / "out")
    with pytest.raises(ConversionError, match="variant 'byol-x': unknown"):
        convert_byol_checkpoint(shared / CHECKPOINT, "byol-x", tmp_path / "out")
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out.*"))
    (tmp_path / "taken").mkdir()
    code = cli.main(["convert", "byol", "--checkpoint", str(shared / CHECKPOINT), "--variant", "byol-s", "--out",
                     str(tmp_path / "taken")])
    assert code == 2
    assert "taken: already exists; remove it or choose another --out folder" in capsys.readouterr().err


def test_random_model_matches_manual_reference_computation():
    """Pooling and frame layout against an explicit re-computation of AudioNTT2020's forward pass."""
    torch.manual_seed(0)
    model = ByolModel(ByolConfig(hidden_size=16)).eval()
    features = torch.randn(1, 1, 64, 40)
    with torch.inference_mode():
        hidden = features
        for layer in model.encoder.layers:
            hidden = layer(hidden)
        frames = model.projection(hidden.permute(0, 3, 2, 1).reshape(1, 5, 8 * 64))
        expected = frames.mean(1) + frames.amax(1)
        output = model(features)
    assert torch.allclose(output.pooler_output, expected, atol=1e-6)
    assert torch.allclose(output.last_hidden_state, frames, atol=1e-6)
