"""The multi-task wav2vec 2.0 recipe (`scripts/finetune_mtl_wav2vec2.py`, `ser_hub.training.mtl`): corpora split,
filtered, labelled and given cached prosody targets; targets, transform and metrics; end-to-end runs of the script
(full fine-tuning and LoRA) on a slice of the real URDU corpus plus a slice of the demo corpus, with a tiny backbone."""

import importlib.util
import json
import math
from pathlib import Path

import datasets
import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.image import imread
from transformers import (
    AutoModelForAudioClassification,
    EvalPrediction,
    Trainer,
    TrainingArguments,
    Wav2Vec2Config,
    Wav2Vec2Model,
)

import ser_hub  # noqa: F401  (registers the model families)
from corpus_fixtures import write_corpus
from ser_hub.corpora import NamedCorpus
from ser_hub.demo import synthesize_demo_corpus
from ser_hub.labels import EMOTIONS, EMOTIONS_7, GENDERS
from ser_hub.models.mtl_wav2vec2 import MtlWav2Vec2FeatureExtractor
from ser_hub.prosody import PROSODY_TARGETS, prosody_targets
from ser_hub.training.common import load_uar_metric
from ser_hub.training.mtl import (
    PAPER_HEADS,
    RecipeError,
    build_model,
    combine,
    emotion_compute_metrics,
    emotion_scores,
    encode_targets,
    evaluation_report,
    head_classes,
    load_adapter,
    parse_heads,
    prepare_corpus,
    split_protocol,
    waveform_transform,
)
from test_models_mtl_wav2vec2 import TINY_BACKBONE

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "finetune_mtl_wav2vec2.py"
RATE = 16000
# The URDU slice: the first 5 angry clips of male speakers and the first 5 sad clips of female speakers, two
# gender x emotion strata of 3/1/1 utterances in train/validation/test. The demo slice: 5 happy clips of female
# voices and 5 neutral clips of male voices.
URDU_SLICE = {"Angry": ("SM", 5), "Sad": ("SF", 5)}
DEMO_SLICE = {"happiness": ("f", 5), "neutral": ("m", 5)}


def link_slice(source: Path, target: Path, selection: dict[str, tuple[str, int]]) -> Path:
    """A corpus folder with the same layout holding links to the first files of each (folder, name prefix)."""
    for folder, (prefix, count) in selection.items():
        (target / folder).mkdir(parents=True)
        for path in sorted((source / folder).glob(f"{prefix}*.wav"))[:count]:
            (target / folder / path.name).symlink_to(path)
    return target


@pytest.fixture(scope="module")
def corpora(urdu_dir, tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("corpora")
    demo = synthesize_demo_corpus(root / "demo-full")
    return {
        "urdu": str(link_slice(urdu_dir, root / "urdu", URDU_SLICE)),
        "demo": str(link_slice(demo, root / "demo", DEMO_SLICE)),
    }


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def prepared(corpora, cache) -> dict[str, datasets.DatasetDict]:
    return {name: prepare_corpus(name, NamedCorpus(name, path), prosody=True, cache_dir=cache)
            for name, path in corpora.items()}


@pytest.fixture(scope="module")
def encoded(prepared) -> tuple[datasets.DatasetDict, dict[str, list[str]]]:
    dataset = combine([prepared["urdu"], prepared["demo"]])
    classes = head_classes(dataset["train"], ["emotion", "gender", "language"])
    return datasets.DatasetDict({split: encode_targets(part, classes) for split, part in dataset.items()}), classes


@pytest.fixture(scope="module")
def backbone(tmp_path_factory) -> str:
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-wav2vec2")
    Wav2Vec2Model(Wav2Vec2Config(**TINY_BACKBONE)).save_pretrained(folder)
    return str(folder)


def run_script(arguments: list[str]) -> None:
    """Run the script's main() in this process, as `python scripts/finetune_mtl_wav2vec2.py ARGUMENTS` would."""
    spec = importlib.util.spec_from_file_location("finetune_mtl_wav2vec2", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.main(arguments)


def script_arguments(corpora, cache, backbone, output_dir, *extra) -> list[str]:
    return [
        "--corpus", f"urdu={corpora['urdu']}", "--corpus", f"demo={corpora['demo']}", "--cache_dir", cache,
        "--model_name_or_path", backbone, "--output_dir", str(output_dir), "--per_device_train_batch_size", "4",
        "--per_device_eval_batch_size", "4", "--learning_rate", "1e-3", "--report_to", "none", "--use_cpu",
        "--seed", "0", *extra,
    ]


def model_inputs(dataset: datasets.Dataset, rows: int = 4) -> dict[str, torch.Tensor]:
    """The first rows of a split as the model reads them: 6 s of input values and their attention mask."""
    transform = waveform_transform(MtlWav2Vec2FeatureExtractor(), [])
    return {key: torch.as_tensor(value) for key, value in transform(dataset[:rows]).items()}


def predictions_of(model, inputs) -> dict[str, torch.Tensor]:
    """Every head's output of the model in evaluation mode."""
    with torch.no_grad():
        output = model.eval()(**inputs)
    return {name: value for name, value in output.items() if name != "pooler_output"}


# --- arguments -------------------------------------------------------------------------------------------------


def test_heads_default_to_the_papers_best_set_in_the_models_order():
    assert parse_heads(PAPER_HEADS) == (["emotion", "gender", "language"], ["f0_mean"])
    assert parse_heads("voice_ratio, f0_std,emotion") == (["emotion"], ["f0_std", "voice_ratio"])
    with pytest.raises(RecipeError, match=r"unknown heads \['pitch'\]; choose among"):
        parse_heads("emotion,pitch")
    with pytest.raises(RecipeError, match="add emotion to the list"):
        parse_heads("gender,f0_mean")


def test_a_corpus_with_an_official_partition_keeps_it_others_are_stratified():
    assert split_protocol("iemocap") == "official"
    assert [split_protocol(name) for name in ("urdu", "demo", "emodb")] == ["stratified"] * 3


# --- corpora ---------------------------------------------------------------------------------------------------


def test_corpus_is_split_stratified_and_keeps_the_recipes_columns(prepared):
    urdu = prepared["urdu"]
    assert {split: len(part) for split, part in urdu.items()} == {"train": 6, "validation": 2, "test": 2}
    assert list(urdu["train"].features) == [
        "audio", "corpus", "locale", "gender_label", "emotion_label", *PROSODY_TARGETS
    ]
    for part in urdu.values():
        labels = sorted(zip(part["gender_label"], part["emotion_label"]))
        assert set(labels) == {(GENDERS.index("male"), EMOTIONS.index("anger")),
                               (GENDERS.index("female"), EMOTIONS.index("sadness"))}
        assert set(part["locale"]) == {"ur"} and set(part["corpus"]) == {"urdu"}


def test_prosody_targets_are_those_of_the_decoded_clip(prepared):
    row = prepared["urdu"]["test"][0]
    decoded = row["audio"].get_all_samples()
    assert decoded.sample_rate == RATE
    expected = prosody_targets(decoded.data[0].numpy(), RATE)
    assert {name: row[name] for name in PROSODY_TARGETS} == pytest.approx(expected, rel=1e-6)
    assert expected["f0_mean"] > 60 and 0 < expected["voice_ratio"] <= 1


def test_prosody_targets_are_computed_once_and_read_from_the_cache(prepared, corpora, cache):
    def written(corpus):
        files = [Path(entry["filename"]) for part in corpus.values() for entry in part.cache_files]
        return {file: file.stat().st_mtime_ns for file in files}

    first = written(prepared["demo"])
    again = prepare_corpus("demo", NamedCorpus("demo", corpora["demo"]), prosody=True, cache_dir=cache)
    assert written(again) == first
    assert again["train"]["f0_mean"] == prepared["demo"]["train"]["f0_mean"]


def test_other_is_dropped(tmp_path):
    """An EmoDB fixture speaker reading EmoDB's 10 texts angry and bored: boredom is `other` and leaves the corpus."""
    texts = ["a01", "a02", "a04", "a05", "a07", "b01", "b02", "b03", "b09", "b10"]
    root = write_corpus(tmp_path / "emodb", [f"wav/03{text}{code}a.wav" for text in texts for code in "WL"], RATE)
    corpus = prepare_corpus("emodb", NamedCorpus("emodb", str(root)), prosody=False, cache_dir=str(tmp_path / "cache"))
    assert {split: len(part) for split, part in corpus.items()} == {"train": 7, "validation": 1, "test": 2}
    assert {label for part in corpus.values() for label in part["emotion_label"]} == {EMOTIONS.index("anger")}
    assert list(corpus["train"].features) == ["audio", "corpus", "locale", "gender_label", "emotion_label"]


# --- targets and inputs ----------------------------------------------------------------------------------------


def test_head_classes_are_the_training_classes_and_targets_their_ids(encoded):
    dataset, classes = encoded
    assert classes == {"emotion": ["neutral", "anger", "happiness", "sadness"], "gender": ["female", "male"],
                       "language": ["en", "ur"]}
    assert {split: len(part) for split, part in dataset.items()} == {"train": 12, "validation": 4, "test": 4}
    for part in dataset.values():
        for row in part.select_columns(["corpus", "locale", "gender_label", "emotion_label", *classes]):
            assert row["emotion"] == classes["emotion"].index(EMOTIONS[row["emotion_label"]])
            assert row["gender"] == classes["gender"].index(GENDERS[row["gender_label"]])
            assert row["language"] == (1 if row["corpus"] == "urdu" else 0)


def test_labels_the_heads_lack_become_minus_100():
    dataset = datasets.Dataset.from_dict(
        {"emotion_label": [1, 4, 3], "gender_label": [2, 0, 1], "locale": ["ur", "en", "ur"]},
        features=datasets.Features({"emotion_label": datasets.ClassLabel(names=list(EMOTIONS)),
                                    "gender_label": datasets.ClassLabel(names=list(GENDERS)),
                                    "locale": datasets.Value("string")}),
    )
    classes = {"emotion": ["anger", "sadness"], "gender": ["female", "male"], "language": ["ur"]}
    encoded = encode_targets(dataset, classes)
    assert encoded["emotion"] == [0, -100, 1] and encoded["gender"] == [-100, 0, 1]
    assert encoded["language"] == [0, -100, 0]
    assert encoded.features["gender"] == datasets.Value("int64")


def test_transform_pads_or_crops_every_clip_to_max_duration(encoded):
    train = encoded[0]["train"]
    lengths = [row["audio"].get_all_samples().data.shape[1] for row in train.select(range(3))]
    assert max(lengths) < 6 * RATE
    batch = waveform_transform(MtlWav2Vec2FeatureExtractor(), ["emotion", "f0_mean"])(train[:3])
    assert sorted(batch) == ["attention_mask", "emotion", "f0_mean", "input_values"]
    assert batch["input_values"].shape == (3, 6 * RATE)
    assert batch["attention_mask"].sum(axis=1).tolist() == lengths
    assert batch["emotion"] == train["emotion"][:3] and batch["f0_mean"] == train["f0_mean"][:3]
    cropped = waveform_transform(MtlWav2Vec2FeatureExtractor(max_duration=1.0), [])(train[:3])
    assert cropped["input_values"].shape == (3, RATE) and cropped["attention_mask"].all()


# --- metrics ---------------------------------------------------------------------------------------------------


def test_scores_are_the_papers_weighted_metrics_and_uar_over_the_corpus_emotions():
    references = ["anger", "anger", "sadness", "sadness", "sadness"]
    predictions = ["anger", "fear", "sadness", "anger", "sadness"]
    scores = emotion_scores(references, predictions, load_uar_metric())
    # anger (2 references): 1 right, 1 missed, 1 false alarm -> precision 1/2, recall 1/2, F1 1/2
    # sadness (3 references): 2 right, 1 missed, no false alarm -> precision 1, recall 2/3, F1 2·(2/3)/(5/3) = 4/5
    # fear: predicted once, no reference -> weight 0 in the support-weighted means
    assert scores == {"utterances": 5,
                      "weighted_f1": pytest.approx((2 * 1 / 2 + 3 * 4 / 5) / 5),  # 0.68
                      "weighted_precision": pytest.approx((2 * 1 / 2 + 3 * 1) / 5),  # 0.8
                      "weighted_recall": pytest.approx(3 / 5),  # (2·1/2 + 3·2/3)/5: the accuracy
                      "uar": pytest.approx((1 / 2 + 2 / 3) / 2)}


def test_report_has_rows_per_corpus_locale_mean_and_pooled_and_a_7x7_matrix():
    references = ["anger", "sadness", "anger", "sadness", "neutral", "fear"]
    predictions = ["anger", "anger", "anger", "sadness", "neutral", "neutral"]
    corpora = ["a", "a", "b", "b", "c", "c"]
    locales = ["en", "en", "en", "en", "ur", "ur"]
    rows, confusion = evaluation_report(references, predictions, corpora, locales)
    frame = pd.DataFrame(rows).set_index("name")
    assert list(frame.index) == ["a", "b", "c", "en", "ur", "mean over corpora", "pooled"]
    assert list(frame["level"]) == ["corpus"] * 3 + ["locale"] * 2 + ["all"] * 2
    assert list(frame["utterances"]) == [2, 2, 2, 4, 2, 6, 6]
    assert frame.loc["a", "uar"] == 0.5 and frame.loc["b", "uar"] == 1.0 and frame.loc["c", "uar"] == 0.5
    columns = ["weighted_f1", "weighted_precision", "weighted_recall", "uar"]
    assert frame.loc["en", columns].tolist() == pytest.approx(frame.loc[["a", "b"], columns].mean().tolist())
    assert frame.loc["ur", columns].tolist() == pytest.approx(frame.loc["c", columns].tolist())
    assert frame.loc["mean over corpora", columns].tolist() == pytest.approx(
        frame.loc[["a", "b", "c"], columns].mean().tolist())
    assert frame.loc["pooled", "weighted_recall"] == pytest.approx(4 / 6)
    assert frame.loc["pooled", "uar"] == pytest.approx((1 + 1 / 2 + 1 + 0) / 4)
    expected = np.zeros((7, 7), dtype=int)
    for reference, prediction in zip(references, predictions):
        expected[EMOTIONS_7.index(reference), EMOTIONS_7.index(prediction)] += 1
    assert confusion == expected.tolist()


def test_validation_metrics_read_the_emotion_head_and_skip_unknown_labels():
    logits = np.array([[2.0, 0, 0], [0, 2.0, 0], [0, 0, 2.0], [2.0, 0, 0]])
    gender_logits = np.zeros((4, 2))
    labels = (np.array([0, 1, -100, 1]), np.array([0, 1, 1, 0]))
    metrics = emotion_compute_metrics(3)(EvalPrediction(predictions=(logits, gender_logits), label_ids=labels))
    # the three known utterances: recalls 1 (class 0) and 1/2 (class 1); class 2 has none and counts as 0
    assert metrics == {"uar": pytest.approx(0.5), "accuracy": pytest.approx(2 / 3), "macro_f1": pytest.approx(
        np.mean([2 / 3, 2 / 3, 0.0]))}


# --- training --------------------------------------------------------------------------------------------------


def test_loss_is_finite_and_decreases_on_a_fixed_batch(encoded, backbone, tmp_path):
    dataset, classes = encoded
    fixed = dataset["train"].select(range(4))
    model = build_model(backbone, classes, ["f0_mean"], dataset["train"])
    arguments = TrainingArguments(
        output_dir=str(tmp_path), per_device_train_batch_size=4, max_steps=6, learning_rate=1e-3, use_cpu=True,
        report_to="none", save_strategy="no", logging_steps=1, label_names=model.config.head_names,
        remove_unused_columns=False, seed=0,
    )
    transform = waveform_transform(MtlWav2Vec2FeatureExtractor(), model.config.head_names)
    trainer = Trainer(model=model, args=arguments, train_dataset=fixed.with_transform(transform))
    trainer.train()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    assert len(losses) == 6 and all(math.isfinite(loss) for loss in losses)
    assert losses[-1] < losses[0] and min(losses[3:]) < min(losses[:3])


@pytest.fixture(scope="module")
def full_run(corpora, cache, backbone, tmp_path_factory) -> Path:
    output_dir = tmp_path_factory.mktemp("full")
    run_script(script_arguments(corpora, cache, backbone, output_dir, "--max_steps", "3", "--logging_steps", "1",
                                "--eval_strategy", "steps", "--eval_steps", "3", "--save_steps", "3"))
    return output_dir


def test_script_trains_evaluates_and_writes_the_report(full_run):
    assert {"config.json", "model.safetensors", "preprocessor_config.json", "test_scores.csv", "test_scores.md",
            "confusion_matrix.png", "test_results.json", "trainer_state.json", "checkpoint-3"} <= {
        path.name for path in full_run.iterdir()}
    history = json.loads((full_run / "trainer_state.json").read_text())["log_history"]
    losses = [entry["loss"] for entry in history if "loss" in entry]
    assert len(losses) == 3 and all(math.isfinite(loss) for loss in losses)
    evaluation = next(entry for entry in history if "eval_uar" in entry)
    assert {"eval_loss", "eval_accuracy", "eval_macro_f1"} <= set(evaluation) and 0 <= evaluation["eval_uar"] <= 1
    test = json.loads((full_run / "test_results.json").read_text())
    assert math.isfinite(test["test_loss"]) and 0 <= test["test_uar"] <= 1
    assert imread(full_run / "confusion_matrix.png").ndim == 3
    table = pd.read_csv(full_run / "test_scores.csv")
    assert table["name"].tolist() == ["demo", "urdu", "en", "ur", "mean over corpora", "pooled"]
    assert table["utterances"].tolist() == [2, 2, 2, 2, 4, 4]


def test_saved_model_reloads_and_reproduces_the_test_report(full_run, encoded, backbone):
    dataset, classes = encoded
    model = AutoModelForAudioClassification.from_pretrained(full_run).eval()
    assert model.config.classification_heads == classes and model.config.regression_heads == ["f0_mean"]
    assert model.config.backbone_name_or_path == backbone
    start, trained = Wav2Vec2Model.from_pretrained(backbone).state_dict(), model.get_backbone().state_dict()
    changed = {name.split(".")[0] for name, tensor in start.items() if not torch.equal(tensor, trained[name])}
    assert "feature_extractor" not in changed and {"encoder", "feature_projection"} <= changed  # CNN stayed frozen
    test = dataset["test"]
    logits = predictions_of(model, model_inputs(test, rows=len(test)))["emotion_logits"]
    predictions = np.asarray(classes["emotion"])[logits.argmax(-1).numpy()]
    references = [EMOTIONS[label] for label in test["emotion_label"]]
    rows, _ = evaluation_report(references, predictions, test["corpus"], test["locale"])
    pd.testing.assert_frame_equal(pd.read_csv(full_run / "test_scores.csv"), pd.DataFrame(rows), check_dtype=False)
    checkpoint = AutoModelForAudioClassification.from_pretrained(full_run / "checkpoint-3")
    inputs = model_inputs(test)
    expected = predictions_of(model, inputs)
    for name, value in predictions_of(checkpoint, inputs).items():
        torch.testing.assert_close(value, expected[name])


def test_lora_run_saves_an_adapter_that_reloads_and_merges(corpora, cache, backbone, tmp_path, encoded):
    run_script(script_arguments(corpora, cache, backbone, tmp_path, "--max_steps", "2", "--save_strategy", "no",
                                "--lora", "--lora_dropout", "0", "--heads", "emotion,language,voice_ratio"))
    adapter = tmp_path / "adapter"
    saved = {path.name for path in adapter.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", "config.json"} <= saved
    merged = AutoModelForAudioClassification.from_pretrained(tmp_path).eval()
    assert not any("lora" in name for name in merged.state_dict())
    assert merged.config.head_names == ["emotion", "language", "voice_ratio"]
    reloaded = load_adapter(adapter).eval()
    trained = [parameter for name, parameter in reloaded.named_parameters() if ".lora_B." in name]
    assert trained and all(parameter.abs().sum() > 0 for parameter in trained)  # LoRA B starts at zero
    inputs = model_inputs(encoded[0]["test"])
    adapted, plain = predictions_of(reloaded, inputs), predictions_of(merged, inputs)
    assert sorted(adapted) == ["emotion_logits", "language_logits", "voice_ratio"]
    for name in adapted:
        torch.testing.assert_close(adapted[name], plain[name], rtol=1e-4, atol=1e-5)
