"""The shared model pieces: the log-mel front end against the reference, its feature extractor, input errors, Auto
registration, and the isolated-interpreter helper used by every trust_remote_code test."""

import json

import numpy as np
import pytest
import torch
from transformers import AutoConfig, AutoFeatureExtractor, AutoModel, AutoModelForAudioClassification
from transformers.models.auto.feature_extraction_auto import FEATURE_EXTRACTOR_MAPPING

import ser_hub  # noqa: F401  (registers the model families)
from model_helpers import run_python
from ser_hub.errors import AudioError, SerHubError
from ser_hub.models import ByolFeatureExtractor
from ser_hub.models.logmel import LogMelFeatureExtractor


@pytest.fixture(scope="module")
def reference(shared):
    with np.load(shared / "reference" / "byol_s_512_reference.npz") as archive:
        return {key: archive[key] for key in archive.files}


def relative_error(actual, expected) -> float:
    return float(np.linalg.norm(np.asarray(actual) - expected) / np.linalg.norm(expected))


def waves(reference):
    return [reference[f"wave_{i}"] for i in range(6)]


def test_log_mel_reproduces_the_torchaudio_reference(reference):
    front_end = LogMelFeatureExtractor(
        feature_size=64, sampling_rate=16000, n_fft=1024, win_length=400, hop_length=160, f_min=60, f_max=7800
    )
    for i, wave in enumerate(waves(reference)):
        log_mel = front_end.log_mel(wave).numpy()
        assert log_mel.shape == reference[f"logmel_{i}"].shape == (64, front_end.num_frames(len(wave)))
        assert relative_error(log_mel, reference[f"logmel_{i}"]) <= 1e-4


def test_byol_feature_extractor_defaults_are_the_byol_s_front_end(reference):
    features = ByolFeatureExtractor()(reference["wave_0"], sampling_rate=16000)["input_features"]
    assert features.shape == (1, 1, 64, 301)
    assert relative_error(features[0, 0], reference["logmel_0"]) <= 1e-4


def test_fit_normalization_averages_per_utterance_statistics_like_the_reference(reference):
    extractor = ByolFeatureExtractor()
    mean, std = extractor.fit_normalization(iter(waves(reference)), sampling_rate=16000)
    assert (extractor.norm_mean, extractor.norm_std) == (mean, std)
    assert mean == pytest.approx(float(reference["mean"]), rel=1e-5)
    assert std == pytest.approx(float(reference["std"]), rel=1e-5)
    with pytest.raises(AudioError, match="waveforms: got no utterances"):
        extractor.fit_normalization([], sampling_rate=16000)
    stereo = np.stack([reference["wave_1"], reference["wave_1"]])
    with pytest.raises(AudioError, match=r"waveforms\[1\]: expected mono audio"):
        extractor.fit_normalization([reference["wave_0"], stereo], sampling_rate=16000)


def test_batch_is_standardised_right_padded_and_masked(reference):
    extractor = ByolFeatureExtractor(norm_mean=float(reference["mean"]), norm_std=float(reference["std"]))
    batch = extractor([reference["wave_4"], reference["wave_0"]], sampling_rate=16000, return_tensors="pt")
    assert batch["input_features"].shape == (2, 1, 64, 301)
    assert batch["input_features"].dtype == torch.float32
    assert batch["attention_mask"].sum(-1).tolist() == [201, 301]
    assert torch.equal(batch["attention_mask"][0, :201], torch.ones(201, dtype=batch["attention_mask"].dtype))
    short = batch["input_features"][0, 0].numpy()
    expected = (reference["logmel_4"] - reference["mean"]) / reference["std"]
    assert relative_error(short[:, :201], expected) <= 1e-4
    assert not short[:, 201:].any()


def test_single_waveform_list_of_floats_and_tensor_give_the_same_features(reference):
    extractor = ByolFeatureExtractor()
    wave = reference["wave_5"]
    as_array = extractor(wave, sampling_rate=16000)["input_features"]
    as_list = extractor(wave.tolist(), sampling_rate=16000)["input_features"]
    as_tensor = extractor(torch.from_numpy(wave), sampling_rate=16000)["input_features"]
    assert np.array_equal(as_array, as_list) and np.array_equal(as_array, as_tensor)


@pytest.mark.parametrize(
    "raw_speech, sampling_rate, message",
    [
        (np.zeros(16000, np.float32), 44100, "44100 Hz, the model expects 16000 Hz"),
        (np.zeros(16000, np.float32), None, "pass sampling_rate=16000"),
        (np.zeros((2, 16000), np.float32), 16000, "expected mono audio"),
        (np.zeros((16000, 2), np.float32), 16000, "expected mono audio"),
        ([np.zeros(16000, np.float32), np.zeros((2, 800), np.float32)], 16000, r"raw_speech\[1\]: expected mono"),
        (np.zeros(0, np.float32), 16000, "the audio is empty"),
        (np.zeros(512, np.float32), 16000, r"512 samples is too short for this front end, which needs at least 513"),
        ([], 16000, "empty list"),
        (np.full(1600, np.nan, np.float32), 16000, "NaN"),
    ],
)
def test_bad_audio_raises_a_clear_audio_error(raw_speech, sampling_rate, message):
    with pytest.raises(AudioError, match=message) as error:
        ByolFeatureExtractor()(raw_speech, sampling_rate=sampling_rate)
    assert isinstance(error.value, SerHubError)


def test_feature_extractor_round_trip_keeps_parameters_not_buffers(tmp_path, reference):
    extractor = ByolFeatureExtractor(win_length=1024, norm_mean=-2.5, norm_std=3.0)
    extractor.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "preprocessor_config.json").read_text())
    assert saved["feature_extractor_type"] == "ByolFeatureExtractor"
    assert (saved["win_length"], saved["norm_mean"], saved["norm_std"]) == (1024, -2.5, 3.0)
    assert "window" not in saved and "mel_filters" not in saved
    loaded = AutoFeatureExtractor.from_pretrained(tmp_path)
    assert type(loaded) is ByolFeatureExtractor
    wave = reference["wave_1"]
    assert np.array_equal(
        loaded(wave, sampling_rate=16000)["input_features"], extractor(wave, sampling_rate=16000)["input_features"]
    )


@pytest.mark.parametrize(
    "model_type, config, model_name, classifier_name",
    [
        ("byol", {"hidden_size": 32}, "ByolModel", "ByolForSequenceClassification"),
        ("byol_cvt", {"embed_dims": [8, 16, 32], "head_dim": 8}, "ByolCvtModel", "ByolCvtForSequenceClassification"),
    ],
)
def test_import_ser_hub_registers_the_auto_classes(model_type, config, model_name, classifier_name):
    config = AutoConfig.for_model(model_type, **config)
    assert type(AutoModel.from_config(config)).__name__ == model_name
    assert type(AutoModelForAudioClassification.from_config(config)).__name__ == classifier_name
    assert FEATURE_EXTRACTOR_MAPPING[type(config)] is ByolFeatureExtractor


def test_isolated_interpreter_cannot_import_ser_hub_but_has_the_stack(tmp_path):
    output = run_python(
        """
        import importlib.util, transformers, torch
        print(importlib.util.find_spec("ser_hub"), transformers.__version__)
        """,
        tmp_path,
        hide_ser_hub=True,
    )
    assert output.split() == ["None", "5.23.0"]
    assert run_python("print(ser_hub.__name__)", tmp_path).strip() == "ser_hub"
