"""The generic fine-tuning recipe (`ser_hub.training.classification`, `scripts/finetune_audio_classification.py`):
label spaces, fold protocols, cropping and padding, the model families, end-to-end runs on the synthetic demo corpus
and on the real URDU corpus (with the real BYOL-S weights), early stopping, two processes under accelerate, and the
regression head of `--label_space dimensions` on real URDU recordings with synthetic continuous scores."""

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import datasets
import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from sklearn.utils.class_weight import compute_class_weight
from transformers import (
    ASTConfig,
    ASTFeatureExtractor,
    AutoFeatureExtractor,
    AutoModel,
    AutoModelForAudioClassification,
    HubertConfig,
    Wav2Vec2Config,
    Wav2Vec2FeatureExtractor,
    WavLMConfig,
    WhisperConfig,
    WhisperFeatureExtractor,
    pipeline,
)

import ser_hub
from corpus_fixtures import write_corpus
from model_helpers import run_python
from ser_hub.corpora import definition_text
from ser_hub.demo import synthesize_demo_corpus
from ser_hub.metrics import regression_scores
from ser_hub.models import (
    ByolConfig,
    ByolCvtConfig,
    ByolFeatureExtractor,
    EmoNetConfig,
    EmoNetForSequenceClassification,
)
from ser_hub.models.byol.convert_byol_checkpoint import convert_byol_checkpoint
from ser_hub.training import class_weights, load_uar_metric
from ser_hub.training.classification import (
    KEPT_COLUMNS,
    AudioClassificationCollator,
    ClassificationTrainingArguments,
    DataArguments,
    ModelArguments,
    TrainingError,
    apply_dimensions,
    apply_label_space,
    assemble_splits,
    build_trainer,
    decode,
    label_names,
    load_model,
    load_splits,
    parse_arguments,
    pooled_label_names,
    run,
    subsample,
    waveform_transform,
)

REPOSITORY = Path(__file__).resolve().parents[1]
SCRIPT = REPOSITORY / "scripts" / "finetune_audio_classification.py"
TINY = dict(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32, hidden_dropout=0.0,
            attention_dropout=0.0, activation_dropout=0.0, feat_proj_dropout=0.0, final_dropout=0.0, layerdrop=0.0,
            mask_time_prob=0.0, classifier_proj_size=16)
TINY_CONV = dict(conv_dim=(16, 16), conv_stride=(20, 16), conv_kernel=(20, 16), num_conv_pos_embeddings=16,
                 num_conv_pos_embedding_groups=2, feat_extract_norm="layer", do_stable_layer_norm=True)


def save_encoder(folder: Path, config, feature_extractor) -> Path:
    """A tiny random encoder (no head) and its feature extractor, saved as a model folder."""
    torch.manual_seed(0)
    AutoModel.from_config(config).save_pretrained(folder)
    feature_extractor.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def wav2vec2(tmp_path_factory) -> Path:
    return save_encoder(tmp_path_factory.mktemp("models") / "wav2vec2", Wav2Vec2Config(**TINY, **TINY_CONV),
                        Wav2Vec2FeatureExtractor(return_attention_mask=True, do_normalize=True))


@pytest.fixture(scope="module")
def byol_s(tmp_path_factory, shared) -> Path:
    """The real BYOL-S checkpoint converted to a transformers folder (no dataset statistics yet)."""
    checkpoint = next((shared / "weights" / "byol-s").glob("*.pth"))
    return convert_byol_checkpoint(checkpoint, "byol-s", tmp_path_factory.mktemp("models") / "byol-s")


@pytest.fixture(scope="module")
def corpus_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("corpora")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    return synthesize_demo_corpus(tmp_path_factory.mktemp("demo") / "demo")


def training_arguments(output_dir, **overrides) -> ClassificationTrainingArguments:
    """Quick CPU runs: a few steps, validation and checkpoints every 2 steps, every loss logged."""
    settings = dict(max_steps=4, eval_strategy="steps", eval_steps=2, save_strategy="steps", save_steps=2,
                    logging_steps=1, per_device_train_batch_size=4, per_device_eval_batch_size=8, learning_rate=1e-3,
                    disable_tqdm=True, use_cpu=True)
    return ClassificationTrainingArguments(str(output_dir), **{**settings, **overrides})


def logits_of(model_dir: Path, test: datasets.Dataset) -> torch.Tensor:
    """Logits [utterances, outputs] of a saved model folder on whole test utterances, one at a time (without their
    labels: the model's own loss is cross-entropy whatever the head)."""
    model = AutoModelForAudioClassification.from_pretrained(model_dir).eval()
    collate = AudioClassificationCollator(AutoFeatureExtractor.from_pretrained(model_dir))
    with torch.no_grad():
        return torch.cat([model(**{key: value for key, value in collate([example]).items() if key != "labels"}).logits
                          for example in test.with_transform(waveform_transform())])


# ---------------------------------------------------------------- label spaces and splits


@pytest.fixture(scope="module")
def rated_and_unrated(tmp_path_factory, corpus_cache) -> datasets.DatasetDict:
    """A folder corpus whose labels cover the cases: anger, neutral, boredom (-> other, low/neutral) and an unknown
    label, giggles (-> other, no arousal or valence)."""
    files = [f"{label}/{speaker}_{take:02d}.wav" for label in ("anger", "boredom", "giggles", "neutral")
             for speaker in ("f1", "f2", "m1", "m2") for take in range(3)]
    root = write_corpus(tmp_path_factory.mktemp("folder") / "corpus", files, 16000)
    return ser_hub.load_corpus("folder", str(root), "stratified", cache_dir=str(corpus_cache), label_from="folder",
                               speaker_pattern=r"(?P<speaker>(?P<gender>[fm])\d)_\d+\.wav$", language="en")


# native label -> its label in each space (None: left out of that space)
EXPECTED = {
    "anger": {"native": "anger", "unified8": "anger", "unified7": "anger", "arousal": "high", "valence": "negative"},
    "boredom": {"native": "boredom", "unified8": "other", "unified7": None, "arousal": "low", "valence": "neutral"},
    "giggles": {"native": "giggles", "unified8": "other", "unified7": None, "arousal": None, "valence": None},
    "neutral": {"native": "neutral", "unified8": "neutral", "unified7": "neutral", "arousal": "low",
                "valence": "neutral"},
}
NAMES = {"native": ["anger", "boredom", "giggles", "neutral"], "unified8": ["neutral", "anger", "other"],
         "unified7": ["neutral", "anger"], "arousal": ["low", "high"], "valence": ["negative", "neutral"]}


@pytest.mark.parametrize("space", list(NAMES))
def test_label_spaces_keep_the_rated_utterances_with_their_mapped_labels(space, rated_and_unrated):
    names = label_names(rated_and_unrated, space)
    assert names == NAMES[space]
    mapped = apply_label_space(rated_and_unrated, space, names)
    for split, original in rated_and_unrated.items():
        native = original.features["native_label"].int2str(original["native_label"])
        expected = [(uid, EXPECTED[label][space]) for uid, label in zip(original["utterance_id"], native)
                    if EXPECTED[label][space] is not None]
        assert mapped[split].column_names == KEPT_COLUMNS
        assert mapped[split].features["label"].names == names
        got = zip(mapped[split]["utterance_id"], mapped[split].features["label"].int2str(mapped[split]["label"]))
        assert list(got) == expected


def test_command_line_repeats_corpora_and_defaults_to_early_stopping_on_validation_uar(tmp_path):
    model_args, data_args, training_args = parse_arguments(
        ["--model_name_or_path", "m", "--corpus", "demo=a", "--corpus", "urdu=b", "--output_dir", str(tmp_path)]
    )
    assert model_args.model_name_or_path == "m" and model_args.freeze_feature_encoder
    assert data_args.corpus == ["demo=a", "urdu=b"] and data_args.label_space == "native"
    assert (training_args.eval_strategy, training_args.save_strategy) == ("epoch", "epoch")
    assert training_args.load_best_model_at_end and training_args.metric_for_best_model == "uar"
    assert training_args.greater_is_better and training_args.early_stopping_patience == 3
    assert not training_args.remove_unused_columns and not training_args.class_weighted_loss
    (tmp_path / "args.json").write_text(json.dumps(
        {"model_name_or_path": "m", "corpus": ["demo=a"], "output_dir": str(tmp_path), "label_space": "arousal",
         "class_weighted_loss": True, "early_stopping_patience": 5}
    ))
    _, data_args, training_args = parse_arguments([str(tmp_path / "args.json")])
    assert data_args.label_space == "arousal" and training_args.class_weighted_loss
    assert training_args.early_stopping_patience == 5 and training_args.metric_for_best_model == "uar"


def test_a_label_space_needs_two_classes(rated_and_unrated):
    anger_only = rated_and_unrated.filter(lambda label: label == 0, input_columns="native_label")
    assert pooled_label_names({"a": anger_only, "b": rated_and_unrated}, "arousal") == ["low", "high"]
    with pytest.raises(TrainingError, match=r"label_space arousal: the corpora \(a\) have 1 class\(es\) in this "
                                            r"space \(high\); a classifier needs at least two"):
        pooled_label_names({"a": anger_only}, "arousal")


def test_label_space_must_be_known():
    with pytest.raises(TrainingError, match="label_space 'emotion' is unknown; choose one of native, unified8"):
        DataArguments(corpus=["demo=x"], label_space="emotion")


def test_corpora_pool_in_a_shared_space_but_not_with_different_native_classes(demo_dir, urdu_dir, corpus_cache):
    corpora = [f"demo={demo_dir}", f"urdu={urdu_dir}"]
    pooled = load_splits(DataArguments(corpus=corpora, label_space="unified7", corpus_cache_dir=str(corpus_cache)),
                         16000)
    alone = {name: ser_hub.load_corpus(name, str(path), cache_dir=str(corpus_cache))
             for name, path in (("demo", demo_dir), ("urdu", urdu_dir))}
    assert pooled["train"].features["label"].names == ["neutral", "anger", "happiness", "sadness"]
    for split in ("train", "validation", "test"):
        expected = [(uid, emotion) for corpus in alone.values()
                    for uid, emotion in zip(corpus[split]["utterance_id"],
                                            corpus[split].features["emotion"].int2str(corpus[split]["emotion"]))]
        labels = pooled[split].features["label"].int2str(pooled[split]["label"])
        assert list(zip(pooled[split]["utterance_id"], labels)) == expected
    with pytest.raises(TrainingError, match=r"different classes \(demo: neutral, anger, happiness, sadness; "
                                            r"urdu: Angry, Happy, Neutral, Sad\)"):
        load_splits(DataArguments(corpus=corpora, corpus_cache_dir=str(corpus_cache)), 16000)


def test_fold_protocols_test_one_fold_and_validate_on_the_next(demo_dir, corpus_cache):
    folds = ser_hub.load_corpus("demo", str(demo_dir), "kfold-3", cache_dir=str(corpus_cache))
    splits = load_splits(DataArguments(corpus=[f"demo={demo_dir}"], protocol="kfold-3", fold=2,
                                       corpus_cache_dir=str(corpus_cache)), 16000)
    assert splits["test"]["utterance_id"] == folds["fold_2"]["utterance_id"]
    assert splits["validation"]["utterance_id"] == folds["fold_0"]["utterance_id"]
    assert splits["train"]["utterance_id"] == folds["fold_1"]["utterance_id"]
    with pytest.raises(TrainingError, match=r"fold=3: the protocol has folds 0..2"):
        assemble_splits(folds, 3)
    two = datasets.DatasetDict({"fold_0": folds["fold_0"], "fold_1": folds["fold_1"]})
    with pytest.raises(TrainingError, match="use at least 3 folds"):
        assemble_splits(two, 0)


# ---------------------------------------------------------------- cropping, padding, model families


@pytest.fixture(scope="module")
def urdu_train(urdu_dir, corpus_cache) -> datasets.Dataset:
    data_args = DataArguments(corpus=[f"urdu={urdu_dir}"], label_space="unified7", corpus_cache_dir=str(corpus_cache))
    return load_splits(data_args, 16000)["train"]


def test_training_clips_are_cut_to_a_random_window_and_others_kept_whole(urdu_train):
    rows = urdu_train.select(range(4))
    whole = [decode(example["audio"]) for example in rows]
    np.random.seed(0)
    cropped = rows.with_transform(waveform_transform(max_samples=8000))
    kept = rows.with_transform(waveform_transform())
    starts = []
    for index, original in enumerate(whole):
        window = cropped[index]["waveform"]
        assert len(window) == 8000 and len(original) > 8000
        start = next(s for s in range(len(original) - 7999) if np.array_equal(original[s : s + 8000], window))
        starts.append(start)
        np.testing.assert_array_equal(kept[index]["waveform"], original)
        assert cropped[index]["label"] == kept[index]["label"] == rows[index]["label"]
    assert len(set(starts)) > 1  # random windows, not always the same offset


def test_collator_pads_to_the_longest_clip_unless_the_extractor_pads_itself(urdu_train):
    examples = list(urdu_train.select(range(3)).with_transform(waveform_transform()))
    lengths = [len(example["waveform"]) for example in examples]
    labels = torch.tensor([example["label"] for example in examples])

    batch = AudioClassificationCollator(Wav2Vec2FeatureExtractor(return_attention_mask=True))(examples)
    assert batch["input_values"].shape == (3, max(lengths))
    assert batch["attention_mask"].sum(-1).tolist() == lengths
    assert torch.equal(batch["labels"], labels)

    batch = AudioClassificationCollator(ByolFeatureExtractor())(examples)  # its own right padding + frame mask
    frames = [1 + length // 160 for length in lengths]
    assert batch["input_features"].shape == (3, 1, 64, max(frames))
    assert batch["attention_mask"].sum(-1).tolist() == frames

    batch = AudioClassificationCollator(WhisperFeatureExtractor(feature_size=80))(examples)  # a fixed 30 s window
    assert batch["input_features"].shape == (3, 80, 3000)


FAMILIES = {
    "wav2vec2": lambda: (Wav2Vec2Config(**TINY, **TINY_CONV), Wav2Vec2FeatureExtractor(return_attention_mask=True)),
    "hubert": lambda: (HubertConfig(**TINY, **TINY_CONV), Wav2Vec2FeatureExtractor(return_attention_mask=True)),
    "wavlm": lambda: (WavLMConfig(**TINY, **TINY_CONV, num_buckets=16),
                      Wav2Vec2FeatureExtractor(return_attention_mask=True)),
    "whisper": lambda: (
        WhisperConfig(d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                      decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, num_mel_bins=80,
                      max_source_positions=100, max_target_positions=16, vocab_size=64, pad_token_id=0, bos_token_id=1,
                      eos_token_id=2, decoder_start_token_id=1, classifier_proj_size=16),
        WhisperFeatureExtractor(feature_size=80, chunk_length=2),
    ),
    "audio-spectrogram-transformer": lambda: (
        ASTConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, num_mel_bins=32,
                  max_length=200),
        ASTFeatureExtractor(num_mel_bins=32, max_length=200),
    ),
}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_transformers_audio_encoders_get_a_head_and_train(family, tmp_path, urdu_train):
    folder = save_encoder(tmp_path / family, *FAMILIES[family]())
    names = urdu_train.features["label"].names
    model = load_model(ModelArguments(str(folder)), names)
    assert model.config.id2label == dict(enumerate(names)) and model.config.num_labels == 4
    if hasattr(model, "freeze_feature_encoder"):
        encoder = model.base_model.feature_extractor
        assert not any(parameter.requires_grad for parameter in encoder.parameters())
    collate = AudioClassificationCollator(AutoFeatureExtractor.from_pretrained(folder))
    batch = collate(list(urdu_train.select(range(4)).with_transform(waveform_transform())))
    loss = model(**batch).loss
    loss.backward()
    assert torch.isfinite(loss)
    assert all(parameter.grad.abs().sum() > 0 for parameter in model.classifier.parameters())


# ---------------------------------------------------------------- end to end


def test_run_on_the_demo_corpus_keeps_the_best_uar_checkpoint_and_tests_it_once(wav2vec2, demo_dir, corpus_cache,
                                                                                 tmp_path):
    data_args = DataArguments(corpus=[f"demo={demo_dir}"], max_length_seconds=1.0, max_train_samples=16,
                              max_eval_samples=8, max_test_samples=8, corpus_cache_dir=str(corpus_cache))
    out = tmp_path / "run"
    metrics = run(ModelArguments(str(wav2vec2)), data_args, training_arguments(out, max_steps=6))

    state = json.loads((out / "trainer_state.json").read_text())
    validation_uar = {entry["step"]: entry["eval_uar"] for entry in state["log_history"] if "eval_uar" in entry}
    assert sorted(validation_uar) == [2, 4, 6]
    best_step = max(validation_uar, key=lambda step: (validation_uar[step], -step))  # the first best one is kept
    assert state["best_metric"] == validation_uar[best_step]
    assert state["best_model_checkpoint"].endswith(f"checkpoint-{best_step}")
    saved, best = load_file(out / "model.safetensors"), load_file(out / f"checkpoint-{best_step}" / "model.safetensors")
    assert saved.keys() == best.keys() and all(torch.equal(saved[key], best[key]) for key in saved)

    # the test split, evaluated once at the end, gives the scores of the saved model reloaded from disk
    assert json.loads((out / "test_results.json").read_text()) == {k: v for k, v in metrics.items() if "test" in k
                                                                   or k == "epoch"}
    test = subsample(load_splits(data_args, 16000)["test"], 8, seed=42)
    predictions = logits_of(out, test).argmax(-1).tolist()
    scores = load_uar_metric().compute(predictions=predictions, references=test["label"], labels=[0, 1, 2, 3])
    assert metrics["test_uar"] == pytest.approx(scores["uar"], abs=1e-12)
    assert metrics["test_accuracy"] == pytest.approx(scores["accuracy"], abs=1e-12)
    assert metrics["test_macro_f1"] == pytest.approx(scores["macro_f1"], abs=1e-12)
    assert "audio-classification" in (out / "README.md").read_text()
    config = json.loads((out / "config.json").read_text())
    assert config["id2label"] == {"0": "neutral", "1": "anger", "2": "happiness", "3": "sadness"}


@pytest.mark.slow
def test_loss_decreases_on_a_fixed_batch_of_real_urdu_with_real_byol_s(byol_s, urdu_dir, corpus_cache, tmp_path):
    """8 URDU utterances, whole (no cropping), one batch per step: the fine-tuned BYOL-S's loss goes down; the
    log-mel statistics come from those training utterances and are saved with the model."""
    data_args = DataArguments(corpus=[f"urdu={urdu_dir}"], label_space="unified7", max_length_seconds=None,
                              max_train_samples=8, corpus_cache_dir=str(corpus_cache))
    out = tmp_path / "byol"
    arguments = training_arguments(out, max_steps=4, per_device_train_batch_size=8, eval_strategy="no",
                                   save_strategy="no", load_best_model_at_end=False, early_stopping_patience=0)
    trainer, _ = build_trainer(ModelArguments(str(byol_s)), data_args, arguments)
    trainer.train()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    assert len(losses) == 4 and np.isfinite(losses).all()
    assert losses[-1] < 0.5 * losses[0]

    train = subsample(load_splits(data_args, 16000)["train"], 8, arguments.seed)
    reference = ByolFeatureExtractor(win_length=400)
    reference.fit_normalization([decode(audio) for audio in train["audio"]], sampling_rate=16000)
    trainer.save_model()
    reloaded = AutoFeatureExtractor.from_pretrained(out)
    assert (reloaded.norm_mean, reloaded.norm_std) == (reference.norm_mean, reference.norm_std)
    batch = next(iter(trainer.get_eval_dataloader(trainer.train_dataset)))
    model = AutoModelForAudioClassification.from_pretrained(out).eval()
    trainer.model.eval()
    with torch.no_grad():
        logits = trainer.model(**batch).logits
    torch.testing.assert_close(model(**batch).logits, logits)

    # the saved folder carries the BYOL code: it loads with trust_remote_code where ser-hub is not installed
    torch.save(dict(batch), tmp_path / "batch.pt")
    output = run_python(f"""
        import torch
        from transformers import AutoModelForAudioClassification
        model = AutoModelForAudioClassification.from_pretrained({str(out)!r}, trust_remote_code=True).eval()
        batch = torch.load({str(tmp_path / "batch.pt")!r}, weights_only=True)
        batch.pop("labels")
        with torch.no_grad():
            print(model(**batch).logits.tolist())
    """, tmp_path, hide_ser_hub=True)
    torch.testing.assert_close(torch.tensor(json.loads(output)), logits)


def test_class_weighted_loss_uses_balanced_weights_of_the_training_split(wav2vec2, urdu_dir, corpus_cache, tmp_path):
    data_args = DataArguments(corpus=[f"urdu={urdu_dir}"], label_space="arousal", corpus_cache_dir=str(corpus_cache))
    trainer, _ = build_trainer(ModelArguments(str(wav2vec2)), data_args,
                               training_arguments(tmp_path, class_weighted_loss=True))
    train_labels = load_splits(data_args, 16000)["train"]["label"]
    expected = compute_class_weight("balanced", classes=np.arange(2), y=train_labels)
    assert trainer.class_weights.tolist() == pytest.approx(expected.tolist())
    assert trainer.model.config.id2label == {0: "low", 1: "high"}
    unweighted, _ = build_trainer(ModelArguments(str(wav2vec2)), data_args, training_arguments(tmp_path))
    assert unweighted.class_weights is None
    assert torch.equal(unweighted.model.classifier.weight, trainer.model.classifier.weight)  # seeded head
    assert torch.equal(trainer.class_weights, class_weights(train_labels, 2))


def test_training_stops_early_when_validation_uar_stops_improving(wav2vec2, demo_dir, corpus_cache, tmp_path):
    """With a learning rate of 0 the validation UAR never improves: patience 1 stops at the second validation."""
    data_args = DataArguments(corpus=[f"demo={demo_dir}"], max_length_seconds=1.0, max_train_samples=16,
                              max_eval_samples=8, max_test_samples=8, corpus_cache_dir=str(corpus_cache))
    arguments = training_arguments(tmp_path, max_steps=20, eval_steps=1, save_steps=1, learning_rate=0.0,
                                   early_stopping_patience=1)
    trainer, _ = build_trainer(ModelArguments(str(wav2vec2)), data_args, arguments)
    trainer.train()
    assert trainer.state.global_step == 2
    assert len([entry for entry in trainer.state.log_history if "eval_uar" in entry]) == 2


def test_setting_errors_say_what_to_change(wav2vec2, monkeypatch, tmp_path):
    data_args = DataArguments(corpus=["demo=unused"])
    with pytest.raises(TrainingError, match="needs the best checkpoint tracked: pass --load_best_model_at_end"):
        build_trainer(ModelArguments(str(wav2vec2)), data_args,
                      training_arguments(tmp_path, load_best_model_at_end=False))
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(TrainingError, match="launched as 2 processes, but they form no process group.*--use_cpu"):
        build_trainer(ModelArguments(str(wav2vec2)), data_args, training_arguments(tmp_path, use_cpu=False))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_script_trains_data_parallel_on_two_cpu_processes(wav2vec2, demo_dir, corpus_cache, tmp_path):
    """`accelerate launch --multi_gpu --num_processes 2 ... --use_cpu`: 16 utterances in batches of 2 per process
    take 4 steps per epoch (8 on one process); the saved model reloads."""
    out = tmp_path / "ddp"
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
              "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
              "--main_process_port", str(free_port())]
    data_args = DataArguments(corpus=[f"demo={demo_dir}"], max_test_samples=8, corpus_cache_dir=str(corpus_cache))
    arguments = ["--model_name_or_path", str(wav2vec2), "--corpus", *data_args.corpus, "--output_dir", str(out),
                 "--corpus_cache_dir", data_args.corpus_cache_dir, "--num_train_epochs", "1",
                 "--per_device_train_batch_size", "2", "--max_train_samples", "16", "--max_eval_samples", "8",
                 "--max_test_samples", "8", "--max_length_seconds", "1", "--use_cpu", "--disable_tqdm", "true"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    completed = subprocess.run([*launch, str(SCRIPT), *arguments], env=env, capture_output=True, text=True,
                               timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr[-4000:]
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["global_step"] == 4 and state["train_batch_size"] == 2
    results = json.loads((out / "all_results.json").read_text())
    assert {"test_uar", "test_accuracy", "test_macro_f1", "train_loss"} <= results.keys()
    # the test loss is the mean cross-entropy of the reloaded model (not scaled by the number of processes)
    test = subsample(load_splits(data_args, 16000)["test"], 8, seed=42)
    cross_entropy = torch.nn.functional.cross_entropy(logits_of(out, test), torch.tensor(test["label"]))
    assert results["test_loss"] == pytest.approx(cross_entropy.item(), abs=1e-4)
    assert json.loads((out / "config.json").read_text())["id2label"] == {
        "0": "neutral", "1": "anger", "2": "happiness", "3": "sadness"}


# ---------------------------------------------------------------- continuous dimensions: a regression head

# emotion folder -> (arousal, valence) on a 1-5 scale; each file adds 0.1 x (its take number mod 5)
RATINGS = {"Angry": (4.5, 1.5), "Happy": (4.0, 4.5), "Neutral": (2.0, 3.0), "Sad": (1.5, 1.5)}
RATED_DEFINITION = """\
tables:
  ratings: {path: ratings.csv, key: file, match: "{stem}"}
extras:
  arousal_score: {value: "{ratings[arousal]}", dtype: float32}
  valence_score: {value: "{ratings[valence]}", dtype: float32}
"""


def synthetic_ratings(recording: Path) -> tuple[float, float]:
    """A URDU recording's synthetic (arousal, valence): its emotion's ratings, both raised by 0.1 x (take mod 5)."""
    arousal, valence = RATINGS[recording.parent.name]
    shift = 0.1 * (int(recording.stem.split("_")[1].removeprefix("F")) % 5)
    return round(arousal + shift, 1), round(valence + shift, 1)


@pytest.fixture(scope="module")
def rated_urdu(tmp_path_factory, urdu_dir) -> tuple[str, dict[str, tuple[float, float]]]:
    """The real URDU recordings (linked, as distributed) with a ratings.csv of synthetic scores, read through a
    definition file: the built-in urdu's plus the table and two float32 extras. Returns the --corpus value and the
    scores by utterance id."""
    folder = tmp_path_factory.mktemp("rated")
    root = folder / "URDU-Dataset"
    ratings = {}
    for recording in sorted(urdu_dir.glob("*/*.wav")):
        (root / recording.parent.name).mkdir(parents=True, exist_ok=True)
        (root / recording.parent.name / recording.name).symlink_to(recording)
        ratings[recording.stem] = synthetic_ratings(recording)
    (root / "ratings.csv").write_text("file,arousal,valence\n" + "".join(
        f"{stem},{arousal},{valence}\n" for stem, (arousal, valence) in ratings.items()))
    definition = folder / "urdu_rated.yaml"
    definition.write_text(definition_text("urdu").replace("name: urdu\n", "name: urdu_rated\n", 1) + RATED_DEFINITION)
    return f"{definition}={root}", ratings


def test_the_dimensions_space_holds_each_utterances_scores_as_rated(rated_urdu, corpus_cache):
    corpus, ratings = rated_urdu
    splits = load_splits(DataArguments(corpus=[corpus], label_space="dimensions", corpus_cache_dir=str(corpus_cache)),
                         16000)
    scores = datasets.Value("float32")
    for split in splits.values():
        assert split.column_names == KEPT_COLUMNS
        assert split.features["label"] == {"arousal": scores, "valence": scores}
        np.testing.assert_allclose([(label["arousal"], label["valence"]) for label in split["label"]],
                                   [ratings[uid] for uid in split["utterance_id"]], rtol=1e-6)
    assert sum(map(len, splits.values())) == 400 and set(splits["train"]["corpus"]) == {"urdu_rated"}

    valence = load_splits(DataArguments(corpus=[corpus], label_space="dimensions", dimensions=["valence"],
                                        corpus_cache_dir=str(corpus_cache)), 16000)
    assert valence["test"].features["label"] == {"valence": scores}
    assert valence["test"]["utterance_id"] == splits["test"]["utterance_id"]

    # utterances without a finite score are left out
    unrated = datasets.DatasetDict({name: split.select(range(4)) for name, split in ser_hub.load_corpus(
        corpus.partition("=")[0], corpus.partition("=")[2], cache_dir=str(corpus_cache)).items()})
    unrated["train"] = unrated["train"].remove_columns("valence_score").add_column(
        "valence_score", [1.0, float("nan"), 2.0, float("inf")], feature=scores)
    kept = apply_dimensions(unrated, {"valence": "valence_score"})
    assert kept["train"]["label"] == [{"valence": 1.0}, {"valence": 2.0}]
    assert kept["train"]["utterance_id"] == [unrated["train"]["utterance_id"][i] for i in (0, 2)]


def test_dimensions_a_corpus_lacks_are_refused_with_how_to_declare_them(rated_urdu, urdu_dir, wav2vec2, tmp_path):
    """Each refusal comes before any corpus is prepared."""
    corpus, _ = rated_urdu
    with pytest.raises(TrainingError, match=r"label_space dimensions: urdu_rated has no continuous dominance scores; "
                                            r".*declares them as a column dominance_score \(extras: dominance_score: "):
        load_splits(DataArguments(corpus=[corpus], label_space="dimensions", dimensions=["arousal", "dominance"]),
                    16000)
    with pytest.raises(TrainingError, match=r"no dimension has continuous scores in every corpus \(urdu_rated: "
                                            r"arousal, valence; urdu: none\)\. A corpus declares them"):
        load_splits(DataArguments(corpus=[corpus, f"urdu={urdu_dir}"], label_space="dimensions"), 16000)
    with pytest.raises(TrainingError, match="urdu has no continuous valence scores"):
        load_splits(DataArguments(corpus=[corpus, f"urdu={urdu_dir}"], label_space="dimensions",
                                  dimensions=["valence"]), 16000)
    with pytest.raises(TrainingError, match="dimensions joy: unknown; choose from arousal, valence, dominance"):
        DataArguments(corpus=[corpus], label_space="dimensions", dimensions=["joy"])
    with pytest.raises(TrainingError, match="--dimensions arousal is for --label_space dimensions, not native"):
        DataArguments(corpus=[corpus], dimensions=["arousal"])
    with pytest.raises(TrainingError, match="regression_loss 'l1' is unknown; choose ccc or mse"):
        training_arguments(tmp_path, regression_loss="l1")
    with pytest.raises(TrainingError, match="class_weighted_loss weights classes, and --label_space dimensions has "
                                            "none: drop --class_weighted_loss"):
        build_trainer(ModelArguments(str(wav2vec2)), DataArguments(corpus=[corpus], label_space="dimensions"),
                      training_arguments(tmp_path, class_weighted_loss=True))


def test_command_line_takes_the_dimensions_and_the_regression_loss(tmp_path):
    _, data_args, training_args = parse_arguments(
        ["--model_name_or_path", "m", "--corpus", "iemocap=a", "--output_dir", str(tmp_path), "--label_space",
         "dimensions", "--dimensions", "arousal", "valence", "--regression_loss", "mse"])
    assert data_args.regression and data_args.dimensions == ["arousal", "valence"]
    assert training_args.regression_loss == "mse"
    _, data_args, training_args = parse_arguments(
        ["--model_name_or_path", "m", "--corpus", "iemocap=a", "--output_dir", str(tmp_path)])
    assert not data_args.regression and data_args.dimensions == [] and training_args.regression_loss == "ccc"


def test_the_regression_losses_are_taken_on_the_batchs_scores(rated_urdu, wav2vec2, corpus_cache, tmp_path):
    data_args = DataArguments(corpus=[rated_urdu[0]], label_space="dimensions", max_length_seconds=1.0,
                              max_train_samples=8, corpus_cache_dir=str(corpus_cache))
    for loss in ("mse", "ccc"):
        trainer, _ = build_trainer(ModelArguments(str(wav2vec2)), data_args,
                                   training_arguments(tmp_path, regression_loss=loss, per_device_train_batch_size=8))
        batch = next(iter(trainer.get_train_dataloader()))
        labels = batch["labels"]
        assert labels.dtype == torch.float32 and labels.shape == (8, 2)
        train = subsample(load_splits(data_args, 16000)["train"], 8, seed=42)
        np.testing.assert_allclose(sorted(map(tuple, labels.tolist())),
                                   sorted(rated_urdu[1][uid] for uid in train["utterance_id"]), rtol=1e-6)
        trainer.model.eval()
        loss_value, outputs = trainer.compute_loss(trainer.model, dict(batch), return_outputs=True)
        logits = outputs.logits.detach().double().numpy()
        if loss == "mse":
            assert loss_value.item() == pytest.approx(((logits - labels.double().numpy()) ** 2).mean(), rel=1e-5)
        else:
            assert loss_value.item() == pytest.approx(1 - regression_scores(logits, labels.numpy())["ccc"], abs=1e-5)


def test_a_regression_head_on_rated_urdu_keeps_the_best_ccc_checkpoint_and_reports_ccc_pearson_mse(
        rated_urdu, wav2vec2, corpus_cache, tmp_path):
    data_args = DataArguments(corpus=[rated_urdu[0]], label_space="dimensions", max_length_seconds=1.0,
                              max_train_samples=16, max_eval_samples=8, max_test_samples=8,
                              corpus_cache_dir=str(corpus_cache))
    out = tmp_path / "run"
    metrics = run(ModelArguments(str(wav2vec2)), data_args, training_arguments(out, max_steps=6))

    config = json.loads((out / "config.json").read_text())
    assert config["problem_type"] == "regression" and config["id2label"] == {"0": "arousal", "1": "valence"}
    state = json.loads((out / "trainer_state.json").read_text())
    validation_ccc = {entry["step"]: entry["eval_ccc"] for entry in state["log_history"] if "eval_ccc" in entry}
    assert sorted(validation_ccc) == [2, 4, 6]
    best_step = max(validation_ccc, key=lambda step: (validation_ccc[step], -step))
    assert state["best_metric"] == validation_ccc[best_step]
    assert state["best_model_checkpoint"].endswith(f"checkpoint-{best_step}")
    saved, best = load_file(out / "model.safetensors"), load_file(out / f"checkpoint-{best_step}" / "model.safetensors")
    assert all(torch.equal(saved[key], best[key]) for key in saved)

    # the test report: regression_scores of the saved model's predictions, per dimension and averaged
    test = subsample(load_splits(data_args, 16000)["test"], 8, seed=42)
    predictions = logits_of(out, test).double().numpy()
    references = [[label["arousal"], label["valence"]] for label in test["label"]]
    scores = regression_scores(predictions, references, dimensions=["arousal", "valence"])
    report = json.loads((out / "test_results.json").read_text())
    expected = {"test_ccc": scores["ccc"], "test_pearson": scores["pearson"], "test_mse": scores["mse"],
                **{f"test_{dimension}_{key}": value for dimension, values in scores["per_dimension"].items()
                   for key, value in values.items()}}
    assert {key: report[key] for key in expected} == pytest.approx(expected, abs=1e-5)
    assert metrics["test_loss"] == pytest.approx(1 - scores["ccc"], abs=1e-5)  # the 8 test utterances are one batch

    # the saved folder is a speech-emotion-recognition pipeline reporting a value per dimension
    ser = pipeline("speech-emotion-recognition", model=str(out), device="cpu")
    window, = ser({"array": decode(test[0]["audio"]), "sampling_rate": 16000})
    assert window["values"] == pytest.approx(dict(zip(["arousal", "valence"], predictions[0].tolist())), abs=1e-5)


# ser-hub's families with a `classifier` head, tiny
SER_HUB_FAMILIES = {
    "byol": lambda: (ByolConfig(conv_channels=8, hidden_size=24), ByolFeatureExtractor()),
    "byol_cvt": lambda: (ByolCvtConfig(embed_dims=[8, 16, 32], num_heads=[1, 1, 2], head_dim=8),
                         ByolFeatureExtractor()),
}


@pytest.mark.parametrize("family", [*FAMILIES, *SER_HUB_FAMILIES])
def test_a_new_regression_head_of_each_family_starts_at_the_given_means(family, tmp_path):
    folder = save_encoder(tmp_path / family, *{**FAMILIES, **SER_HUB_FAMILIES}[family]())
    model = load_model(ModelArguments(str(folder)), ["arousal", "valence"], torch.tensor([3.25, 1.5]))
    assert model.config.problem_type == "regression"
    output_layer = model.classifier.dense if family == "audio-spectrogram-transformer" else model.classifier
    assert output_layer.bias.tolist() == [3.25, 1.5]


def test_building_a_regression_run_starts_the_head_at_the_training_means(rated_urdu, corpus_cache, tmp_path):
    data_args = DataArguments(corpus=[rated_urdu[0]], label_space="dimensions", max_train_samples=16,
                              corpus_cache_dir=str(corpus_cache))
    folder = save_encoder(tmp_path / "byol", *SER_HUB_FAMILIES["byol"]())
    trainer, _ = build_trainer(ModelArguments(str(folder)), data_args, training_arguments(tmp_path / "run"))
    train = subsample(load_splits(data_args, 16000)["train"], 16, seed=42)
    means = np.mean([rated_urdu[1][uid] for uid in train["utterance_id"]], axis=0)  # (arousal, valence)
    np.testing.assert_allclose(trainer.model.classifier.bias.tolist(), means, rtol=1e-6)


def test_a_regression_head_the_checkpoint_supplies_is_kept_and_a_resized_one_restarts(tmp_path):
    names = ["arousal", "valence"]
    folder = save_encoder(tmp_path / "byol", *SER_HUB_FAMILIES["byol"]())
    model = load_model(ModelArguments(str(folder)), names, torch.tensor([3.0, 2.0]))
    with torch.no_grad():
        model.classifier.bias.add_(0.5)  # as training moves it
    model.save_pretrained(tmp_path / "trained")
    trained = load_model(ModelArguments(str(tmp_path / "trained")), names, torch.tensor([1.0, 1.0]))
    assert trained.classifier.bias.tolist() == [3.5, 2.5]
    resized = load_model(ModelArguments(str(tmp_path / "trained"), ignore_mismatched_sizes=True),
                         [*names, "dominance"], torch.tensor([1.0, 2.0, 3.0]))
    assert resized.classifier.bias.tolist() == [1.0, 2.0, 3.0]


def test_a_model_without_a_linear_classifier_warns_that_its_regression_head_starts_uninitialised(tmp_path, caplog):
    """EmoNet's heads are per-domain MLPs (`heads`), not a `classifier`: the run goes on, with a warning."""
    EmoNetForSequenceClassification(EmoNetConfig(domains={"urdu": 2}, stem_channels=4, stage_channels=[8, 16, 32],
                                                 attention_units=8, head_hidden_size=8)).save_pretrained(tmp_path)
    with caplog.at_level(logging.WARNING, logger="ser_hub"):
        load_model(ModelArguments(str(tmp_path)), ["arousal", "valence"], torch.tensor([3.0, 2.0]))
    assert ("EmoNetForSequenceClassification has no Linear output layer with a bias and 2 outputs at classifier or "
            "classifier.dense, so its regression head starts uninitialised") in caplog.text
    assert "denominator of 1 - CCC" in caplog.text
