"""EmoNet adapter ResNet (`emonet`): parameter counts, domains, freezing and gradient flow, padding invariance on real
URDU audio, the front end's 5 s crop, errors, and round trips (fresh process, trust_remote_code without ser-hub)."""

import json

import datasets
import numpy as np
import pytest
import soundfile as sf
import torch
from huggingface_hub.errors import StrictDataclassClassValidationError
from transformers import (
    AutoConfig,
    AutoFeatureExtractor,
    AutoModel,
    AutoModelForAudioClassification,
    Trainer,
    TrainingArguments,
    default_data_collator,
)

import ser_hub  # noqa: F401  (registers the model families)
from model_helpers import run_python
from ser_hub.audio import resample
from ser_hub.errors import AudioError, SerHubError
from ser_hub.models.emonet import (
    EmoNetConfig,
    EmoNetFeatureExtractor,
    EmoNetForSequenceClassification,
    EmoNetModel,
    UnknownDomainError,
)

RATE = 16000
# Clips of 188, 126 and 63 frames: odd lengths appear at different stride-2 stages.
URDU_CLIPS = ["Angry/SM1_F10_A010.wav", "Sad/SF10_F1_S01.wav", "Angry/SM1_F8_A08.wav", "Neutral/SM20_F1_N05.wav"]
# A narrow network with the paper's structure, for the tests that run it.
TINY = dict(stem_channels=4, stage_channels=[8, 16, 32], attention_units=8, head_hidden_size=8)
URDU_NAMES = ["Angry", "Happy", "Neutral", "Sad"]
EMODB_NAMES = ["anger", "boredom", "disgust", "fear", "happiness", "neutral", "sadness"]


def tiny_model(domains=None, **kwargs) -> EmoNetForSequenceClassification:
    torch.manual_seed(0)
    return EmoNetForSequenceClassification(EmoNetConfig(domains=domains or {"urdu": 4}, **TINY, **kwargs)).eval()


@pytest.fixture(scope="module")
def extractor():
    return EmoNetFeatureExtractor()


@pytest.fixture(scope="module")
def waveforms(urdu_dir):
    """Four real clips at 16 kHz, of three different lengths."""
    clips = []
    for name in URDU_CLIPS:
        samples, rate = sf.read(urdu_dir / name, dtype="float32")
        clips.append(resample(samples, rate, RATE))
    assert {1 + len(clip) // 256 for clip in clips} == {188, 126, 63}
    return clips


# --- parameter counts ------------------------------------------------------------------------------------------


def conv_parameters(widths, blocks=2, kernel=9):
    """Weights of the paper's convolutions with `kernel` taps: the stem, then per stack one widening conv and
    2 * blocks - 1 convs at the stack's width."""
    count = kernel * 1 * widths[0]
    for narrower, wider in zip(widths, widths[1:]):
        count += kernel * narrower * wider + (2 * blocks - 1) * kernel * wider * wider
    return count


def test_about_three_million_parameters_with_about_ten_percent_per_domain():
    model = EmoNetForSequenceClassification(EmoNetConfig(domains={"iemocap": 4}))
    widths = [32, 64, 128, 256]
    shared = conv_parameters(widths) + (256 * 256 + 256) + 256  # 3x3 convs + attention W, b and u
    batch_norms = 2 * (32 + 4 * 64 + 4 * 128 + 4 * 256 + 256)  # every conv's BN and the final BN
    head = (256 * 128 + 128) + 2 * 128 + (128 * 4 + 4)  # FC, BN, classifier
    domain = conv_parameters(widths, kernel=1) + batch_norms + head
    summary = model.trainable_parameter_summary()
    assert summary == {"total": shared + domain, "trainable": shared + domain, "shared": shared, "domains": {"iemocap": domain}}
    assert 2.9e6 < summary["total"] < 3.3e6  # "around 3 million parameters in total"
    assert 0.3e6 < domain < 0.35e6 and 0.09 < domain / summary["total"] < 0.12  # "of which 300 000 are domain specific"


def test_add_domain_adds_only_domain_parameters_and_records_the_domain():
    model = tiny_model()
    before = model.trainable_parameter_summary()
    model.add_domain("emodb", 7, labels=tuple(EMODB_NAMES))
    after = model.trainable_parameter_summary()
    assert model.config.domains == {"urdu": 4, "emodb": 7}
    assert model.config.domain_labels == {"emodb": EMODB_NAMES}  # urdu was built without names
    assert after["shared"] == before["shared"]
    assert after["domains"]["emodb"] == before["domains"]["urdu"] + 3 * (8 + 1)  # three more classes on an 8-wide head
    assert sorted(model.heads) == ["emodb", "urdu"] and model.heads["emodb"][-1].out_features == 7


@pytest.mark.parametrize(
    ("name", "num_labels", "labels", "message"),
    [("urdu", 4, None, "exists already"), ("crema.d", 6, None, "without '.'"), ("emodb", 1, None, "at least two classes"),
     ("emodb", 3, ["anger", "joy"], r"class names \['anger', 'joy'\] for a 3-class head; give 3 distinct")],
)
def test_add_domain_refuses_bad_domains_and_leaves_the_model_unchanged(name, num_labels, labels, message):
    model = tiny_model()
    with pytest.raises(ValueError, match=message):
        model.add_domain(name, num_labels, labels)
    assert (model.config.domains, model.config.domain_labels) == ({"urdu": 4}, {})


@pytest.mark.parametrize(
    ("domain_labels", "message"),
    [
        ({"urdu": URDU_NAMES[:3]}, r"class names \['Angry', 'Happy', 'Neutral'\] for a 4-class head"),
        ({"urdu": ["Angry", "Sad", "Sad", "Happy"]}, "give 4 distinct, non-empty names"),
        ({"urdu": ["Angry", "", "Neutral", "Sad"]}, "give 4 distinct, non-empty names"),
        ({"urdu": URDU_NAMES, "emodb": EMODB_NAMES}, r"names the domains \['emodb'\], which are not in domains \['urdu'\]"),
    ],
)
def test_config_refuses_class_names_that_do_not_fit_their_head(domain_labels, message):
    with pytest.raises(StrictDataclassClassValidationError, match=message):
        EmoNetConfig(domains={"urdu": 4}, domain_labels=domain_labels)


def test_per_domain_attention_is_domain_specific():
    shared, separate = tiny_model({"a": 2, "b": 3}), tiny_model({"a": 2, "b": 3}, share_attention=False)
    attention = 32 * 8 + 8 + 8
    assert separate.trainable_parameter_summary()["shared"] == shared.trainable_parameter_summary()["shared"] - attention
    assert separate.trainable_parameter_summary()["domains"]["a"] == shared.trainable_parameter_summary()["domains"]["a"] + attention


# --- freezing and gradient flow --------------------------------------------------------------------------------


def domain_parameter_names(model, domain):
    return {name for name, _ in model.named_parameters() if f".{domain}." in f".{name}"}


def test_freeze_shared_trains_only_the_domains_adapters_norms_and_head(extractor, waveforms):
    model = tiny_model({"iemocap": 4})
    model.add_domain("urdu", 4)
    model.freeze_shared()
    summary = model.trainable_parameter_summary()
    assert summary["trainable"] == sum(summary["domains"].values())
    model.train()
    output = model(**extractor(waveforms, sampling_rate=RATE, return_tensors="pt"), domain="urdu",
                   labels=torch.tensor([1, 3, 2, 0]))
    output.loss.backward()
    urdu = domain_parameter_names(model, "urdu")
    assert any(".adapters.urdu." in name for name in urdu) and any(".norms.urdu." in name for name in urdu)
    for name, parameter in model.named_parameters():
        if name in urdu:
            assert parameter.requires_grad and parameter.grad is not None and parameter.grad.abs().sum() > 0, name
        elif name in domain_parameter_names(model, "iemocap"):
            assert parameter.requires_grad and parameter.grad is None, name  # trainable, but not on urdu batches
        else:
            assert not parameter.requires_grad and parameter.grad is None, name


def test_without_freezing_the_shared_network_learns_too(extractor, waveforms):
    model = tiny_model().train()
    model(**extractor(waveforms[:2], sampling_rate=RATE, return_tensors="pt"), labels=torch.tensor([1, 3])).loss.backward()
    shared = [parameter for name, parameter in model.named_parameters() if name not in domain_parameter_names(model, "urdu")]
    assert shared and all(parameter.grad is not None and parameter.grad.abs().sum() > 0 for parameter in shared)


def test_a_trainer_step_in_the_transfer_setting_moves_only_domain_parameters(tmp_path, extractor, waveforms):
    model = tiny_model({"iemocap": 4})
    model.add_domain("urdu", 4)
    model.freeze_shared()
    before = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    features = extractor(waveforms, sampling_rate=RATE, padding="max_length", max_length=188)
    dataset = datasets.Dataset.from_dict({**features, "labels": [1, 3, 1, 0]}).with_format("torch")
    arguments = TrainingArguments(
        output_dir=str(tmp_path), per_device_train_batch_size=4, max_steps=1, learning_rate=0.1, optim="sgd",
        use_cpu=True, report_to=[], save_strategy="no", logging_strategy="no",
    )

    def one_domain_batches(rows):
        return {**default_data_collator(rows), "domain": "urdu"}

    Trainer(model=model.train(), args=arguments, train_dataset=dataset, data_collator=one_domain_batches).train()
    urdu = {name for name in before if ".urdu." in f".{name}."}
    assert urdu and {"heads.urdu.0.weight", "emonet.stem.adapters.urdu.weight"} <= urdu
    for name, tensor in model.state_dict().items():
        if name.endswith("num_batches_tracked"):
            continue
        changed = not torch.equal(tensor, before[name])
        assert changed == (name in urdu), name


# --- forward: padding, domains ---------------------------------------------------------------------------------


@pytest.mark.parametrize("share_attention", [True, False])
def test_padding_does_not_change_any_clip(extractor, waveforms, share_attention):
    model = tiny_model({"urdu": 4, "other": 3}, share_attention=share_attention)
    batch = extractor(waveforms, sampling_rate=RATE, return_tensors="pt")
    assert batch["attention_mask"].sum(-1).tolist() == [1 + len(clip) // 256 for clip in waveforms]
    with torch.no_grad():
        batched = model(**batch, domain="urdu").logits
        pooled = model.emonet(**batch, domain="urdu").pooler_output
        for index, clip in enumerate(waveforms):
            alone = extractor(clip, sampling_rate=RATE, return_tensors="pt")
            torch.testing.assert_close(model(**alone, domain="urdu").logits[0], batched[index], rtol=1e-4, atol=1e-5)
            torch.testing.assert_close(model.emonet(**alone, domain="urdu").pooler_output[0], pooled[index],
                                       rtol=1e-4, atol=1e-5)


def test_domains_select_their_own_adapters_and_heads(extractor, waveforms):
    model = tiny_model({"urdu": 4, "emodb": 7})
    batch = extractor(waveforms[:2], sampling_rate=RATE, return_tensors="pt")
    with torch.no_grad():
        urdu, emodb = model(**batch, domain="urdu").logits, model(**batch, domain="emodb").logits
    assert urdu.shape == (2, 4) and emodb.shape == (2, 7)
    with torch.no_grad():
        for parameter in model.emonet.stem.adapters["emodb"].parameters():
            parameter.add_(1.0)
        assert torch.equal(model(**batch, domain="urdu").logits, urdu)
        assert not torch.allclose(model(**batch, domain="emodb").logits, emodb)


def test_unknown_or_missing_domain_names_the_known_domains(extractor, waveforms):
    model = tiny_model({"urdu": 4, "emodb": 7})
    batch = extractor(waveforms[0], sampling_rate=RATE, return_tensors="pt")
    for domain in ("iemocap", None):
        with pytest.raises(UnknownDomainError, match=r"domain=.*unknown to this model; its domains are \['emodb', 'urdu'\]") as error:
            model(**batch, domain=domain)
        assert isinstance(error.value, SerHubError)
    with torch.no_grad():  # a single-domain model needs no name
        single = tiny_model()
        assert torch.equal(single(**batch).logits, single(**batch, domain="urdu").logits)


def test_wrong_input_shape_points_to_the_feature_extractor():
    with pytest.raises(ValueError, match=r"expected \[batch, 1, n_mels, frames\].*feature extractor"):
        tiny_model()(torch.zeros(2, 64, 100))


# --- feature extractor -----------------------------------------------------------------------------------------


def test_front_end_is_the_papers_log_mel(extractor, waveforms):
    assert (extractor.n_fft, extractor.win_length, extractor.hop_length, extractor.feature_size) == (512, 512, 256, 64)
    features = extractor(waveforms[0], sampling_rate=RATE)["input_features"]
    assert features.shape == (1, 1, 64, 1 + len(waveforms[0]) // 256)
    np.testing.assert_array_equal(features[0, 0], extractor.log_mel(waveforms[0]).numpy())


def test_long_clips_keep_five_seconds_from_the_start_or_a_random_window(extractor, waveforms):
    long_clip = np.concatenate(waveforms)
    limit = 5 * RATE
    assert len(long_clip) > limit
    first = extractor(long_clip, sampling_rate=RATE)["input_features"]
    np.testing.assert_array_equal(first, extractor(long_clip[:limit], sampling_rate=RATE)["input_features"])
    starts = set()
    for seed in range(4):
        window = EmoNetFeatureExtractor.crop(long_clip, limit, np.random.default_rng(seed))
        start = int(np.flatnonzero(long_clip == window[0])[0])
        np.testing.assert_array_equal(window, long_clip[start : start + limit])
        features = extractor(long_clip, sampling_rate=RATE, rng=np.random.default_rng(seed))["input_features"]
        np.testing.assert_array_equal(features, extractor(window, sampling_rate=RATE)["input_features"])
        starts.add(start)
    assert len(starts) > 1
    short = waveforms[0]
    assert EmoNetFeatureExtractor.crop(short, limit, np.random.default_rng(0)) is short


@pytest.mark.parametrize(
    ("audio", "rate", "message"),
    [
        (np.zeros(RATE, dtype=np.float32), 44100, "44100 Hz, the model expects 16000 Hz"),
        (np.zeros((2, RATE), dtype=np.float32), RATE, "expected mono audio"),
        (np.zeros(0, dtype=np.float32), RATE, "empty"),
    ],
)
def test_feature_extractor_refuses_bad_audio_clearly(extractor, audio, rate, message):
    with pytest.raises(AudioError, match=message):
        extractor(audio, sampling_rate=rate)


# --- round trips -----------------------------------------------------------------------------------------------


def test_auto_classes_resolve_the_family_and_keep_added_domains_and_their_class_names(tmp_path):
    model = tiny_model({"urdu": 4, "demo": 2}, domain_labels={"urdu": URDU_NAMES})
    model.add_domain("emodb", 7, EMODB_NAMES)
    model.save_pretrained(tmp_path)
    EmoNetFeatureExtractor(max_duration=3.0).save_pretrained(tmp_path)
    config = AutoConfig.from_pretrained(tmp_path)
    assert config.domains == {"urdu": 4, "demo": 2, "emodb": 7}
    assert config.domain_labels == {"urdu": URDU_NAMES, "emodb": EMODB_NAMES}  # demo: unnamed
    assert type(AutoModel.from_pretrained(tmp_path)) is EmoNetModel
    reloaded = AutoModelForAudioClassification.from_pretrained(tmp_path)
    assert type(reloaded) is EmoNetForSequenceClassification
    for name, tensor in model.state_dict().items():
        assert torch.equal(reloaded.state_dict()[name], tensor), name
    extractor = AutoFeatureExtractor.from_pretrained(tmp_path)
    assert type(extractor) is EmoNetFeatureExtractor and extractor.max_duration == 3.0


@pytest.mark.slow
def test_fresh_process_round_trip_and_trust_remote_code_without_ser_hub(tmp_path, extractor, waveforms):
    """Saved plainly, the folder loads in a fresh process through `import ser_hub`; re-saved there with the classes
    registered for the Auto API, it loads with trust_remote_code where ser-hub cannot be imported."""
    model = tiny_model({"urdu": 4, "emodb": 7}, domain_labels={"emodb": EMODB_NAMES})
    model.save_pretrained(tmp_path / "plain")
    extractor.save_pretrained(tmp_path / "plain")
    np.savez(tmp_path / "waveforms.npz", *waveforms[:2])
    batch = extractor(waveforms[:2], sampling_rate=RATE, return_tensors="pt")
    with torch.no_grad():
        expected_logits = model(**batch, domain="emodb").logits.numpy()
        expected_pooled = model.emonet(**batch, domain="urdu").pooler_output.numpy()
    run = """
        import numpy as np, torch
        from transformers import AutoConfig, AutoFeatureExtractor, AutoModel, AutoModelForAudioClassification
        waveforms = list(np.load("waveforms.npz").values())
        extractor = AutoFeatureExtractor.from_pretrained(FOLDER, **OPTIONS)
        inputs = extractor(waveforms, sampling_rate=16000, return_tensors="pt")
        classifier = AutoModelForAudioClassification.from_pretrained(FOLDER, **OPTIONS).eval()
        encoder = AutoModel.from_pretrained(FOLDER, **OPTIONS).eval()
        with torch.no_grad():
            logits, pooled = classifier(**inputs, domain="emodb").logits, encoder(**inputs, domain="urdu").pooler_output
        np.savez(OUT, logits=logits.numpy(), pooled=pooled.numpy())
        modules = [type(item).__module__ for item in (AutoConfig.from_pretrained(FOLDER, **OPTIONS), extractor, classifier, encoder)]
        labels = classifier.config.domain_labels
        try:
            classifier(**inputs, domain="iemocap")
        except ValueError as error:
            caught, message = error, str(error)
    """
    run_python(
        run.replace("FOLDER", repr("plain")).replace("**OPTIONS", "").replace("OUT", repr("fresh.npz"))
        + """
        assert modules[2] == "ser_hub.models.emonet.modeling_emonet", modules
        assert type(caught).__name__ == "UnknownDomainError" and isinstance(caught, ser_hub.errors.SerHubError)
        type(classifier.config).register_for_auto_class()
        type(classifier).register_for_auto_class("AutoModelForAudioClassification")
        type(extractor).register_for_auto_class("AutoFeatureExtractor")
        classifier.config.auto_map = {"AutoModel": "modeling_emonet.EmoNetModel"}
        classifier.save_pretrained("hub")
        extractor.save_pretrained("hub")
        """,
        tmp_path,
    )
    assert {"configuration_emonet.py", "modeling_emonet.py", "feature_extraction_emonet.py", "logmel.py"} <= {
        path.name for path in (tmp_path / "hub").iterdir()
    }
    output = run_python(
        run.replace("FOLDER", repr("hub")).replace("OPTIONS", "dict(trust_remote_code=True)")
        .replace("OUT", repr("remote.npz"))
        + """
        import json
        print(json.dumps({"modules": modules, "error": message, "labels": labels}))
        """,
        tmp_path,
        hide_ser_hub=True,
    )
    result = json.loads(output.strip().splitlines()[-1])
    assert all(module.startswith("transformers_modules.") for module in result["modules"]), result["modules"]
    assert "its domains are ['emodb', 'urdu']" in result["error"]
    assert result["labels"] == {"emodb": EMODB_NAMES}
    for name in ("fresh.npz", "remote.npz"):
        with np.load(tmp_path / name) as actual:
            np.testing.assert_allclose(actual["logits"], expected_logits, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(actual["pooled"], expected_pooled, rtol=1e-5, atol=1e-6)
