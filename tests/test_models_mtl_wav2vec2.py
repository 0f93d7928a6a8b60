"""Multi-task wav2vec 2.0 (`mtl_wav2vec2`): config, front end, heads and losses, freezing, Auto round trips,
a Trainer step with LoRA on real URDU audio, and the adapter's save / reload / merge."""

import json

import datasets
import numpy as np
import pytest
import soundfile as sf
import torch
from peft import PeftModel, get_peft_model
from sklearn.utils.class_weight import compute_class_weight
from transformers import (
    AutoFeatureExtractor,
    AutoModel,
    AutoModelForAudioClassification,
    Trainer,
    TrainingArguments,
    Wav2Vec2Model,
)

import ser_hub  # noqa: F401  (registers the model families)
from model_helpers import run_python
from ser_hub.audio import resample
from ser_hub.errors import AudioError
from ser_hub.models.mtl_wav2vec2 import (
    MtlWav2Vec2Config,
    MtlWav2Vec2FeatureExtractor,
    MtlWav2Vec2ForSequenceClassification,
    MtlWav2Vec2Model,
    inverse_class_frequency,
    lora_config,
)
from ser_hub.prosody import prosody_targets

RATE = 16000
# A two-layer backbone of 32 units, 50 frames a second (as wav2vec 2.0) and the layer-norm feature encoder of
# wav2vec2-large-xlsr-53; built from scratch, no download.
TINY_BACKBONE = dict(
    hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
    conv_dim=(16, 16), conv_stride=(16, 20), conv_kernel=(20, 8), num_conv_pos_embeddings=16,
    num_conv_pos_embedding_groups=2, feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True,
)
# (file under the URDU corpus, emotion id in the 7-class view and in URDU's own four classes, gender id)
URDU_CLIPS = [
    ("Angry/SM1_F10_A010.wav", 1, 1),
    ("Sad/SF10_F1_S01.wav", 3, 0),
    ("Happy/SF1_F10_H010.wav", 2, 0),
    ("Neutral/SM20_F1_N05.wav", 0, 1),
]
URDU_EMOTIONS = ["neutral", "anger", "happiness", "sadness"]


def tiny_config(**kwargs) -> MtlWav2Vec2Config:
    return MtlWav2Vec2Config(wav2vec2_config=dict(TINY_BACKBONE), **kwargs)


def tiny_model(**kwargs) -> MtlWav2Vec2ForSequenceClassification:
    torch.manual_seed(0)
    return MtlWav2Vec2ForSequenceClassification(tiny_config(**kwargs)).eval()


@pytest.fixture(scope="module")
def urdu_clips(urdu_dir):
    """The four real clips at 16 kHz, with their emotion and gender ids and their prosody targets."""
    clips = []
    for name, emotion, gender in URDU_CLIPS:
        samples, rate = sf.read(urdu_dir / name, dtype="float32")
        waveform = resample(samples, rate, RATE)
        clips.append({"waveform": waveform, "emotion": emotion, "gender": gender, **prosody_targets(waveform, RATE)})
    return clips


@pytest.fixture(scope="module")
def extractor():
    return MtlWav2Vec2FeatureExtractor()


def batch_of(extractor, clips):
    return extractor([clip["waveform"] for clip in clips], sampling_rate=RATE, return_tensors="pt")


# --- configuration ---------------------------------------------------------------------------------------------


def test_default_config_is_the_papers_best_head_set():
    config = MtlWav2Vec2Config()
    assert config.head_names == ["emotion", "gender", "language", "f0_mean"]
    assert config.classification_heads["emotion"] == [
        "neutral", "anger", "happiness", "sadness", "fear", "disgust", "surprise"
    ]
    assert config.freeze_feature_encoder


def test_config_round_trip_keeps_the_backbone_config(tmp_path):
    config = tiny_config(regression_heads=["f0_mean", "voice_ratio"], loss_weights={"gender": 0.5})
    config.save_pretrained(tmp_path)
    reloaded = MtlWav2Vec2Config.from_pretrained(tmp_path)
    assert reloaded.wav2vec2_config.to_dict() == config.wav2vec2_config.to_dict()
    assert reloaded.wav2vec2_config.hidden_size == 32
    assert reloaded.regression_heads == ["f0_mean", "voice_ratio"]
    assert reloaded.loss_weights == {"gender": 0.5}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"regression_heads": ["pitch"]}, r"unknown heads \['pitch'\]"),
        ({"classification_heads": {"speaker": ["a", "b"]}}, r"unknown heads \['speaker'\]"),
        ({"loss_weights": {"voice_ratio": 1.0}}, r"loss_weights names \['voice_ratio'\]"),
        ({"class_weights": {"gender": [1.0, 2.0, 3.0]}}, r"3 weights for 2 classes"),
    ],
)
def test_config_refuses_unknown_heads_and_misfit_settings(kwargs, message):
    with pytest.raises(Exception, match=message):
        tiny_config(**kwargs)


# --- feature extractor -----------------------------------------------------------------------------------------


def test_extractor_pads_with_a_mask_and_normalises_each_clip(extractor, urdu_clips):
    batch = batch_of(extractor, urdu_clips)
    lengths = [len(clip["waveform"]) for clip in urdu_clips]
    assert batch["input_values"].shape == (4, max(lengths))
    assert batch["attention_mask"].sum(dim=1).tolist() == lengths
    for row, length in zip(batch["input_values"], lengths):
        assert row[:length].mean().item() == pytest.approx(0.0, abs=1e-5)
        assert row[:length].std(unbiased=False).item() == pytest.approx(1.0, abs=1e-3)
        assert row[length:].abs().sum().item() == 0.0


def test_extractor_keeps_the_first_six_seconds(extractor, urdu_clips):
    long_clip = np.concatenate([clip["waveform"] for clip in urdu_clips])
    assert len(long_clip) > 6 * RATE
    cropped = extractor(long_clip, sampling_rate=RATE, return_tensors="np")["input_values"][0]
    first_six = long_clip[: 6 * RATE]
    assert cropped.shape == (6 * RATE,)
    np.testing.assert_allclose(cropped, (first_six - first_six.mean()) / np.sqrt(first_six.var() + 1e-7), atol=1e-4)
    padded = extractor(urdu_clips[0]["waveform"], sampling_rate=RATE, padding="max_length", return_tensors="np")
    assert padded["input_values"].shape == (1, 6 * RATE)


@pytest.mark.parametrize(
    ("audio", "rate", "message"),
    [
        (np.zeros(RATE, dtype=np.float32), 44100, "44100 Hz, the model expects 16000 Hz"),
        (np.zeros(RATE, dtype=np.float32), None, "pass sampling_rate=16000"),
        (np.zeros((2, RATE), dtype=np.float32), RATE, "expected mono audio"),
        (np.zeros(0, dtype=np.float32), RATE, "empty"),
        ([np.zeros(RATE, dtype=np.float32), np.zeros(0, dtype=np.float32)], RATE, r"raw_speech\[1\].*empty"),
    ],
)
def test_extractor_refuses_bad_audio_clearly(extractor, audio, rate, message):
    with pytest.raises(AudioError, match=message):
        extractor(audio, sampling_rate=rate)


# --- model: pooling, heads and losses --------------------------------------------------------------------------


def test_padding_does_not_change_any_clip(extractor, urdu_clips):
    model = tiny_model()
    with torch.no_grad():
        batched = model(**batch_of(extractor, urdu_clips))
        for index, clip in enumerate(urdu_clips):
            alone = model(**batch_of(extractor, [clip]))
            torch.testing.assert_close(alone.pooler_output[0], batched.pooler_output[index], atol=1e-5, rtol=1e-4)
            torch.testing.assert_close(alone.emotion_logits[0], batched.emotion_logits[index], atol=1e-5, rtol=1e-4)


def test_only_enabled_heads_are_built_and_returned(extractor, urdu_clips):
    model = tiny_model(classification_heads={"emotion": ["anger", "sadness"]}, regression_heads=["energy_std"])
    assert sorted(model.heads) == ["emotion", "energy_std"]
    with torch.no_grad():
        output = model(**batch_of(extractor, urdu_clips[:2]), gender=torch.tensor([1, 0]))
    assert list(output.keys()) == ["emotion_logits", "energy_std", "pooler_output"]
    assert output.emotion_logits.shape == (2, 2) and output.energy_std.shape == (2,)
    assert output.loss is None  # a target for a disabled head (gender) is ignored


def test_loss_is_the_weighted_sum_of_the_head_losses(extractor, urdu_clips):
    model = tiny_model(loss_weights={"gender": 0.25, "f0_mean": 2.0})
    inputs = batch_of(extractor, urdu_clips)
    targets = {
        "emotion": torch.tensor([clip["emotion"] for clip in urdu_clips]),
        "gender": torch.tensor([clip["gender"] for clip in urdu_clips]),
        "f0_mean": torch.tensor([clip["f0_mean"] for clip in urdu_clips]),
    }
    with torch.no_grad():
        total = model(**inputs, **targets)
        parts = {name: model(**inputs, **{name: value}).loss for name, value in targets.items()}
        unweighted = tiny_model()(**inputs, gender=targets["gender"]).loss
    assert total.loss.item() == pytest.approx(sum(part.item() for part in parts.values()), rel=1e-6)
    assert parts["gender"].item() == pytest.approx(0.25 * unweighted.item(), rel=1e-6)
    expected_mse = torch.mean((total.f0_mean - targets["f0_mean"]) ** 2)
    assert parts["f0_mean"].item() == pytest.approx(2.0 * expected_mse.item(), rel=1e-5)


def test_class_weights_weight_each_example_by_its_class(extractor, urdu_clips):
    model = tiny_model(class_weights={"gender": [3.0, 1.0]})
    labels = torch.tensor([clip["gender"] for clip in urdu_clips])
    with torch.no_grad():
        output = model(**batch_of(extractor, urdu_clips), gender=labels)
    per_example = -torch.log_softmax(output.gender_logits, dim=-1)[torch.arange(4), labels]
    weights = torch.tensor([3.0, 1.0])[labels]
    assert output.loss.item() == pytest.approx(((weights * per_example).sum() / weights.sum()).item(), rel=1e-6)


def test_unknown_labels_are_ignored_and_a_batch_of_unknowns_adds_no_loss(extractor, urdu_clips):
    model = tiny_model()
    inputs = batch_of(extractor, urdu_clips[:2])
    with torch.no_grad():
        known_only = model(**inputs, gender=torch.tensor([1, -100]))
        first_alone = model(**batch_of(extractor, urdu_clips[:1]), gender=torch.tensor([1]))
        none_known = model(**inputs, gender=torch.tensor([-100, -100]), emotion=torch.tensor([1, 3]))
        emotion_only = model(**inputs, emotion=torch.tensor([1, 3]))
    assert known_only.loss.item() == pytest.approx(first_alone.loss.item(), rel=1e-5)
    assert none_known.loss.item() == pytest.approx(emotion_only.loss.item(), rel=1e-6)


def test_out_of_range_labels_name_the_head_and_its_classes(extractor, urdu_clips):
    with pytest.raises(ValueError, match=r"gender targets \[2, 0\].*\['female', 'male'\]"):
        tiny_model()(**batch_of(extractor, urdu_clips[:2]), gender=torch.tensor([2, 0]))


def test_training_statistics_refuse_labels_outside_the_heads_classes():
    with pytest.raises(ValueError, match=r"training gender labels: expected class ids 0..1.*got \[0, 1, 2\]"):
        tiny_model().fit_training_statistics({"emotion": [0, 1, 2, 3, 4, 5, 6], "gender": [0, 1, 2]})


def test_inverse_class_frequency_matches_sklearn_balanced_weights():
    labels = np.array([0] * 5 + [1] * 15 + [2] * 30)
    expected = compute_class_weight("balanced", classes=np.arange(3), y=labels)
    np.testing.assert_allclose(inverse_class_frequency(np.bincount(labels)), expected, rtol=1e-12)
    with pytest.raises(ValueError, match=r"classes \[1\] never occur"):
        inverse_class_frequency([4, 0, 2])


def test_training_statistics_set_class_weights_and_target_scaling(extractor, urdu_clips):
    model = tiny_model(regression_heads=["f0_mean", "voice_ratio"])
    columns = {
        "emotion": [0, 1, 1, 2, 3, 4, 5, 6, 6, 6], "gender": [0, 1, 1, 1, -100, 0, 1, 1, 0, 1],
        "language": list(range(13)), "f0_mean": [100.0, 200.0, 300.0], "voice_ratio": [0.5, 0.5],
    }
    model.fit_training_statistics(columns)
    np.testing.assert_allclose(model.config.class_weights["emotion"], 10 / (7 * np.array([1, 2, 1, 1, 1, 1, 3])))
    np.testing.assert_allclose(model.config.class_weights["gender"], [9 / (2 * 3), 9 / (2 * 6)])
    assert model.config.regression_mean == {"f0_mean": 200.0, "voice_ratio": 0.5}
    assert model.config.regression_std == {"f0_mean": pytest.approx(np.std([100, 200, 300])), "voice_ratio": 1.0}
    inputs = batch_of(extractor, urdu_clips[:2])
    with torch.no_grad():
        standardised = model.heads["f0_mean"](model.mtl_wav2vec2(**inputs).pooler_output).squeeze(-1)
        output = model(**inputs, f0_mean=torch.tensor([150.0, 250.0]))
    std = np.std([100, 200, 300])
    torch.testing.assert_close(output.f0_mean, standardised * std + 200.0)
    expected = torch.mean((standardised - (torch.tensor([150.0, 250.0]) - 200.0) / std) ** 2)
    assert output.loss.item() == pytest.approx(expected.item(), rel=1e-5)


# --- freezing and gradient flow --------------------------------------------------------------------------------


def test_feature_encoder_is_frozen_and_everything_else_learns(extractor, urdu_clips):
    model = tiny_model().train()
    output = model(**batch_of(extractor, urdu_clips[:2]), emotion=torch.tensor([1, 3]), f0_mean=torch.tensor([1.0, 2.0]))
    output.loss.backward()
    for name, parameter in model.named_parameters():
        if ".feature_extractor." in name:
            assert not parameter.requires_grad and parameter.grad is None, name
        elif name.startswith(("heads.gender", "heads.language")):
            assert parameter.grad is None, name  # heads without a target get no gradient
        else:
            assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


# --- pretrained backbone and Auto round trips ------------------------------------------------------------------


def test_from_backbone_copies_the_checkpoint_and_reloads_without_it(tmp_path, extractor, urdu_clips):
    torch.manual_seed(1)
    backbone = Wav2Vec2Model(tiny_config().wav2vec2_config)
    backbone.save_pretrained(tmp_path / "backbone")
    model = MtlWav2Vec2ForSequenceClassification.from_backbone(str(tmp_path / "backbone")).eval()
    assert model.config.backbone_name_or_path == str(tmp_path / "backbone")
    for name, tensor in backbone.state_dict().items():
        torch.testing.assert_close(model.get_backbone().state_dict()[name], tensor, rtol=0, atol=0)
    model.save_pretrained(tmp_path / "mtl")
    (tmp_path / "backbone" / "model.safetensors").unlink()
    reloaded = AutoModelForAudioClassification.from_pretrained(tmp_path / "mtl").eval()
    cnn = reloaded.get_backbone().feature_extractor
    assert not any(parameter.requires_grad for parameter in cnn.parameters())  # still frozen after loading
    assert all(parameter.requires_grad for parameter in reloaded.get_backbone().encoder.parameters())
    inputs = batch_of(extractor, urdu_clips[:2])
    with torch.no_grad():
        torch.testing.assert_close(reloaded(**inputs).emotion_logits, model(**inputs).emotion_logits)


def test_auto_classes_resolve_the_family(tmp_path):
    model = tiny_model()
    model.save_pretrained(tmp_path)
    MtlWav2Vec2FeatureExtractor(max_duration=4.0).save_pretrained(tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["config.json", "model.safetensors", "preprocessor_config.json"]
    assert type(AutoModel.from_pretrained(tmp_path)) is MtlWav2Vec2Model
    assert type(AutoModelForAudioClassification.from_pretrained(tmp_path)) is MtlWav2Vec2ForSequenceClassification
    extractor = AutoFeatureExtractor.from_pretrained(tmp_path)
    assert type(extractor) is MtlWav2Vec2FeatureExtractor and extractor.max_duration == 4.0


@pytest.mark.slow
def test_fresh_process_round_trip_and_trust_remote_code_without_ser_hub(tmp_path, extractor, urdu_clips):
    """Saved plainly, the folder loads in a fresh process through `import ser_hub`; re-saved there with the classes
    registered for the Auto API, it loads with trust_remote_code where ser-hub cannot be imported."""
    model = tiny_model(regression_heads=["f0_mean", "voice_ratio"])
    model.save_pretrained(tmp_path / "plain")
    extractor.save_pretrained(tmp_path / "plain")
    waveforms = [clip["waveform"] for clip in urdu_clips[:2]]
    np.savez(tmp_path / "waveforms.npz", *waveforms)
    with torch.no_grad():
        expected = model(**extractor(waveforms, sampling_rate=RATE, return_tensors="pt"))
    run = """
        import numpy as np, torch
        from transformers import AutoConfig, AutoFeatureExtractor, AutoModel, AutoModelForAudioClassification
        waveforms = list(np.load("waveforms.npz").values())
        extractor = AutoFeatureExtractor.from_pretrained(FOLDER, **OPTIONS)
        inputs = extractor(waveforms, sampling_rate=16000, return_tensors="pt")
        classifier = AutoModelForAudioClassification.from_pretrained(FOLDER, **OPTIONS).eval()
        encoder = AutoModel.from_pretrained(FOLDER, **OPTIONS).eval()
        with torch.no_grad():
            output, pooled = classifier(**inputs), encoder(**inputs).pooler_output
        np.savez(OUT, emotion_logits=output.emotion_logits.numpy(), voice_ratio=output.voice_ratio.numpy(), pooled=pooled.numpy())
        modules = [type(item).__module__ for item in (AutoConfig.from_pretrained(FOLDER, **OPTIONS), extractor, classifier, encoder)]
    """
    run_python(
        run.replace("FOLDER", repr("plain")).replace("**OPTIONS", "").replace("OUT", repr("fresh.npz"))
        + """
        assert modules[2] == "ser_hub.models.mtl_wav2vec2.modeling_mtl_wav2vec2", modules
        type(classifier.config).register_for_auto_class()
        type(classifier).register_for_auto_class("AutoModelForAudioClassification")
        type(extractor).register_for_auto_class("AutoFeatureExtractor")
        classifier.config.auto_map = {"AutoModel": "modeling_mtl_wav2vec2.MtlWav2Vec2Model"}
        classifier.save_pretrained("hub")
        extractor.save_pretrained("hub")
        """,
        tmp_path,
    )
    assert {"configuration_mtl_wav2vec2.py", "modeling_mtl_wav2vec2.py", "feature_extraction_mtl_wav2vec2.py",
            "logmel.py"} <= {path.name for path in (tmp_path / "hub").iterdir()}
    output = run_python(
        run.replace("FOLDER", repr("hub")).replace("OPTIONS", "dict(trust_remote_code=True)")
        .replace("OUT", repr("remote.npz"))
        + """
        import json
        try:
            extractor(np.zeros((2, 16000), dtype=np.float32), sampling_rate=16000)
        except ValueError as error:
            message = str(error)
        print(json.dumps({"modules": modules, "error": message}))
        """,
        tmp_path,
        hide_ser_hub=True,
    )
    result = json.loads(output.strip().splitlines()[-1])
    assert all(module.startswith("transformers_modules.") for module in result["modules"]), result["modules"]
    assert "expected one non-empty mono waveform" in result["error"]
    for name in ("fresh.npz", "remote.npz"):
        with np.load(tmp_path / name) as actual:
            np.testing.assert_allclose(actual["emotion_logits"], expected.emotion_logits.numpy(), rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(actual["voice_ratio"], expected.voice_ratio.numpy(), rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(actual["pooled"], expected.pooler_output.numpy(), rtol=1e-5, atol=1e-6)


# --- Trainer with LoRA -----------------------------------------------------------------------------------------


def clip_dataset(extractor, clips) -> datasets.Dataset:
    """The clips as a Trainer reads them: 3 s of features each, their targets, and a column the model does not take."""
    inputs = extractor([clip["waveform"] for clip in clips], sampling_rate=RATE, padding="max_length",
                       max_length=3 * RATE)
    columns = {key: [clip[key] for clip in clips] for key in ("emotion", "gender", "f0_mean")}
    columns |= {"file": [name for name, _, _ in URDU_CLIPS], **inputs}
    return datasets.Dataset.from_dict(columns).with_format("torch")


@pytest.fixture(scope="module")
def lora_trained(tmp_path_factory, extractor, urdu_clips):
    """One Trainer step with LoRA on the four URDU clips; returns the adapted model, the saved base model folder,
    the base weights before the step, the training result and the evaluation metrics."""
    model = tiny_model(classification_heads={"emotion": URDU_EMOTIONS, "gender": ["female", "male"]})
    dataset = clip_dataset(extractor, urdu_clips)
    model.fit_training_statistics(dataset)
    base_dir = tmp_path_factory.mktemp("base")
    model.save_pretrained(base_dir)
    before = {name: parameter.detach().clone() for name, parameter in model.named_parameters()}
    adapted = get_peft_model(model, lora_config(model.config, lora_dropout=0.0))
    arguments = TrainingArguments(
        output_dir=str(tmp_path_factory.mktemp("trainer")), per_device_train_batch_size=4, max_steps=1,
        learning_rate=0.05, use_cpu=True, report_to=[], save_strategy="no", logging_strategy="no",
        label_names=model.config.head_names,
    )
    trainer = Trainer(model=adapted, args=arguments, train_dataset=dataset, eval_dataset=dataset)
    result = trainer.train()
    return adapted.eval(), base_dir, before, result, trainer.evaluate()


def test_training_statistics_read_a_datasets_dataset(lora_trained, urdu_clips):
    config = lora_trained[0].config
    assert config.class_weights == {"emotion": [1.0] * 4, "gender": [1.0, 1.0]}  # one clip per emotion, two per gender
    assert config.regression_mean["f0_mean"] == pytest.approx(np.mean([clip["f0_mean"] for clip in urdu_clips]))
    assert config.regression_std["f0_mean"] == pytest.approx(np.std([clip["f0_mean"] for clip in urdu_clips]))


def test_one_trainer_step_with_lora_trains_only_adapters_and_heads(lora_trained):
    adapted, _, before, result, metrics = lora_trained
    assert result.global_step == 1 and np.isfinite(result.training_loss) and np.isfinite(metrics["eval_loss"])
    base = adapted.get_base_model()
    trainable = {name: parameter for name, parameter in base.named_parameters() if parameter.requires_grad}
    assert all(".lora_" in name or ".modules_to_save." in name for name in trainable)
    assert {name.split(".")[1] for name in trainable if name.startswith("heads.")} == {"emotion", "gender", "f0_mean"}
    assert any(".lora_B." in name and parameter.abs().sum() > 0 for name, parameter in trainable.items())
    for name, parameter in trainable.items():
        if ".modules_to_save." in name:
            assert not torch.equal(parameter, before[name.replace(".modules_to_save.default", "")]), name
    frozen = {
        name.replace(".base_layer", "").replace(".original_module", ""): parameter
        for name, parameter in base.named_parameters()
        if not parameter.requires_grad
    }
    assert frozen.keys() == before.keys()
    for name, parameter in frozen.items():
        assert torch.equal(parameter, before[name]), name


def test_lora_adapter_saves_reloads_and_merges(lora_trained, tmp_path, extractor, urdu_clips):
    adapted, base_dir, _, _, _ = lora_trained
    inputs = batch_of(extractor, urdu_clips)
    with torch.no_grad():
        expected = adapted(**inputs)
    adapted.save_pretrained(tmp_path / "adapter")
    assert {"adapter_config.json", "adapter_model.safetensors"} <= {path.name for path in (tmp_path / "adapter").iterdir()}
    reloaded = PeftModel.from_pretrained(AutoModelForAudioClassification.from_pretrained(base_dir), tmp_path / "adapter")
    merged = reloaded.eval().merge_and_unload()
    assert type(merged) is MtlWav2Vec2ForSequenceClassification
    assert not any("lora" in name for name in merged.state_dict())
    merged.save_pretrained(tmp_path / "merged")
    merged = AutoModelForAudioClassification.from_pretrained(tmp_path / "merged").eval()
    with torch.no_grad():
        for model in (reloaded, merged):
            actual = model(**inputs)
            for name in ("emotion_logits", "gender_logits", "f0_mean"):
                torch.testing.assert_close(actual[name], expected[name], rtol=1e-4, atol=1e-5)
