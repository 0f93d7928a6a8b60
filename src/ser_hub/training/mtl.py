"""The multi-lingual multi-task wav2vec 2.0 recipe (Sharma, ICASSP 2022, §3-5): the logic of
`scripts/finetune_mtl_wav2vec2.py`.

Each corpus is split on its own, by its `official` partition when it defines one and otherwise by the `stratified`
protocol (75/15/10 by gender and emotion), and the splits are concatenated across corpora. `other` is dropped (the
paper's 7-class view) and each corpus's language is its locale label. The prosody targets of the regression heads are
computed once per corpus split by `datasets.map` and served from its cache on later runs. Clips are cropped or
zero-padded to 6 s by the model's feature extractor; the CNN feature encoder stays frozen and the rest is fine-tuned,
fully or through LoRA adapters. The test split is scored as the paper's tables are: weighted F1, precision and recall
(and UAR) per corpus, their mean per locale and over corpora, and the 7 x 7 confusion matrix of all test utterances.
"""

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import datasets
import evaluate
import numpy as np
import pandas as pd
from peft import PeftModel, get_peft_model
from sklearn.metrics import precision_recall_fscore_support
from transformers import EvalPrediction, Trainer, TrainingArguments, set_seed

from ..corpora import NamedCorpus, corpus_info, load_corpus, parse_corpora
from ..errors import SerHubError
from ..files import atomic_folder
from ..labels import EMOTIONS, EMOTIONS_7, GENDERS
from ..models.mtl_wav2vec2 import (
    MtlWav2Vec2Config,
    MtlWav2Vec2FeatureExtractor,
    MtlWav2Vec2ForSequenceClassification,
    lora_config,
)
from ..models.mtl_wav2vec2.configuration_mtl_wav2vec2 import CLASSIFICATION_HEADS, REGRESSION_HEADS
from ..prosody import PROSODY_TARGETS, add_prosody_targets
from ..report import plot_confusion_matrix, write_table
from .common import load_uar_metric, uar_compute_metrics

logger = logging.getLogger(__name__)

PAPER_HEADS = "emotion,gender,language,f0_mean"  # the paper's best head set (Table 2)
MAX_DURATION = 6.0  # seconds kept of each clip; shorter clips are zero-padded (§5)
IGNORED_OUTPUTS = ["pooler_output"]  # model outputs that evaluation does not need to gather
ADAPTER_FOLDER = "adapter"
SCORE_COLUMNS = ("weighted_f1", "weighted_precision", "weighted_recall", "uar")
# The corpus label each classification head is encoded from, and the names of its integer values (None: strings).
LABEL_COLUMNS = {
    "emotion": ("emotion_label", EMOTIONS), "gender": ("gender_label", GENDERS), "language": ("locale", None)
}
HEADS = CLASSIFICATION_HEADS + REGRESSION_HEADS


class RecipeError(SerHubError, ValueError):
    """The recipe cannot run as asked (unknown heads, no emotion head)."""


@dataclass
class ModelArguments:
    """The backbone, the task heads and the LoRA option."""

    model_name_or_path: str = field(
        default="facebook/wav2vec2-large-xlsr-53",
        metadata={"help": "The pretrained wav2vec 2.0 checkpoint (a Hub id or a folder) the backbone starts from."},
    )
    heads: str = field(
        default=PAPER_HEADS,
        metadata={"help": f"Comma-separated tasks among {', '.join(HEADS)}; emotion is required."},
    )
    lora: bool = field(default=False, metadata={"help": "Train LoRA adapters on the attention projections (PEFT)."})
    lora_r: int = field(default=8, metadata={"help": "LoRA rank."})
    lora_alpha: int = field(default=16, metadata={"help": "LoRA scaling numerator."})
    lora_dropout: float = field(default=0.05, metadata={"help": "Dropout on the LoRA branch."})


@dataclass
class DataArguments:
    """The corpora and how their audio is prepared."""

    corpus: list[str] = field(
        metadata={"help": "A corpus as CORPUS=DATA_DIR, CORPUS a name or a definition file (.yaml), e.g. "
                 "urdu=~/corpora/URDU-Dataset; repeat for more.",
                  "action": "extend"},
    )
    cache_dir: str | None = field(default=None, metadata={"help": "datasets cache for the prepared corpora."})
    max_duration: float = field(default=MAX_DURATION, metadata={"help": "Seconds kept of each clip (zero-padded)."})
    preprocessing_num_workers: int | None = field(
        default=None, metadata={"help": "Processes computing the prosody targets."}
    )


def parse_heads(text: str) -> tuple[list[str], list[str]]:
    """`--heads` -> (classification heads, regression heads), each in the model's order; emotion is required."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in HEADS]
    if unknown:
        raise RecipeError(
            f"--heads {text}: unknown heads {unknown}; choose among {list(HEADS)} "
            f"(the paper's best set is {PAPER_HEADS})."
        )
    if "emotion" not in names:
        raise RecipeError(f"--heads {text}: the emotion head is the task being evaluated; add emotion to the list.")
    classification = [name for name in CLASSIFICATION_HEADS if name in names]
    return classification, [name for name in REGRESSION_HEADS if name in names]


def split_protocol(corpus: str) -> str:
    """The corpus's own partition where it defines one, else the paper's stratified 75/15/10 split."""
    return "official" if corpus_info(corpus).official is not None else "stratified"


def prepare_corpus(
    name: str, source: NamedCorpus, *, prosody: bool, cache_dir: str | None = None, num_proc: int | None = None
) -> datasets.DatasetDict:
    """One corpus split by `split_protocol`, without `other`: its unified emotion and gender labels (as
    `emotion_label`, `gender_label`), its language as `locale`, and the prosody targets when `prosody` (computed by
    `datasets.map`, so a second run reads them from the corpus's cache)."""
    protocol = split_protocol(source.corpus)
    logger.info("corpus %s: %s split", name, protocol)
    corpus = load_corpus(source.corpus, source.data_dir, protocol, cache_dir=cache_dir)
    other = EMOTIONS.index("other")
    corpus = corpus.filter(lambda emotion: np.asarray(emotion) != other, input_columns="emotion", batched=True,
                           desc=f"dropping {name}'s other")
    if prosody:
        corpus = datasets.DatasetDict({
            split: add_prosody_targets(part, num_proc=num_proc, desc=f"prosody targets of {name} {split}")
            for split, part in corpus.items()
        })
    columns = ["audio", "corpus", "language", "gender", "emotion", *(PROSODY_TARGETS if prosody else ())]
    renames = {"language": "locale", "emotion": "emotion_label", "gender": "gender_label"}
    return corpus.select_columns(columns).rename_columns(renames)


def combine(corpora: Sequence[datasets.DatasetDict]) -> datasets.DatasetDict:
    """Concatenate the prepared corpora split by split."""
    return datasets.DatasetDict({
        split: datasets.concatenate_datasets([corpus[split] for corpus in corpora]) for split in corpora[0]
    })


def head_classes(train: datasets.Dataset, heads: Sequence[str]) -> dict[str, list[str]]:
    """The classes of each classification head: those the training split holds, in the unified order (emotions,
    genders) or sorted (locales). A class absent from training can be neither learnt nor given an inverse-frequency
    weight, so it is left out; with the paper's corpora the emotion head has all 7 classes."""
    emotions = {EMOTIONS[index] for index in set(train["emotion_label"])}
    genders = {GENDERS[index] for index in set(train["gender_label"])}
    classes = {
        "emotion": [name for name in EMOTIONS_7 if name in emotions],
        "gender": [name for name in GENDERS if name in genders and name != "unknown"],
        "language": sorted(set(train["locale"])),
    }
    return {name: classes[name] for name in heads}


def encode_targets(dataset: datasets.Dataset, classes: Mapping[str, Sequence[str]]) -> datasets.Dataset:
    """Add one column per classification head with its class id of each utterance; a label the head does not have
    (an `unknown` gender, an emotion absent from training) becomes -100, which the model ignores."""

    def encode(batch):
        encoded = {}
        for head, names in classes.items():
            column, label_names = LABEL_COLUMNS[head]
            values = [label_names[value] for value in batch[column]] if label_names else batch[column]
            encoded[head] = [names.index(value) if value in names else -100 for value in values]
        return encoded

    features = dataset.features.copy()
    features.update({head: datasets.Value("int64") for head in classes})
    return dataset.map(encode, batched=True, features=features, desc="head targets")


def waveform_transform(feature_extractor: MtlWav2Vec2FeatureExtractor, targets: Sequence[str]):
    """A `Dataset.with_transform` function: decoded audio -> model inputs of `max_duration` seconds, plus targets."""

    def transform(batch):
        waveforms = [decoder.get_all_samples().data[0].numpy() for decoder in batch["audio"]]
        inputs = feature_extractor(waveforms, sampling_rate=feature_extractor.sampling_rate, padding="max_length",
                                   return_tensors="np")
        return {**inputs, **{name: batch[name] for name in targets}}

    return transform


def build_model(
    model_name_or_path: str, classes: Mapping[str, list[str]], regression_heads: Sequence[str], train: datasets.Dataset
) -> MtlWav2Vec2ForSequenceClassification:
    """The backbone from its checkpoint with fresh heads, its loss statistics fitted on the training targets."""
    config = MtlWav2Vec2Config(classification_heads=dict(classes), regression_heads=list(regression_heads))
    model = MtlWav2Vec2ForSequenceClassification.from_backbone(model_name_or_path, config=config)
    model.fit_training_statistics({name: np.asarray(train[name]) for name in config.head_names})
    return model


def emotion_compute_metrics(num_labels: int):
    """`uar_compute_metrics` on the emotion head, whose logits and labels come first among several. Utterances of
    an emotion the head lacks (label -100) are left out here; the test report counts them as errors."""
    compute = uar_compute_metrics(num_labels)

    def compute_metrics(prediction: EvalPrediction) -> dict[str, float]:
        logits, labels = prediction.predictions, prediction.label_ids
        logits = logits[0] if isinstance(logits, tuple) else logits
        labels = np.asarray(labels[0] if isinstance(labels, (tuple, list)) else labels)
        known = labels != -100
        return compute(EvalPrediction(predictions=logits[known], label_ids=labels[known]))

    return compute_metrics


def emotion_scores(references: Sequence[str], predictions: Sequence[str], metric: evaluate.EvaluationModule) -> dict:
    """The paper's table metrics (support-weighted F1, precision and recall) and UAR, the mean recall over the
    emotions the references hold (a predicted emotion the corpus lacks counts as an error, not as a class)."""
    precision, recall, f1, _ = precision_recall_fscore_support(
        references, predictions, average="weighted", zero_division=0
    )
    recalls = metric.compute(predictions=list(predictions), references=list(references))["per_class_recall"]
    uar = np.mean([recalls[name] for name in set(references)])
    return {"utterances": len(references), "weighted_f1": float(f1), "weighted_precision": float(precision),
            "weighted_recall": float(recall), "uar": float(uar)}


def evaluation_report(
    references: Sequence[str], predictions: Sequence[str], corpora: Sequence[str], locales: Sequence[str],
    metric: evaluate.EvaluationModule | None = None,
) -> tuple[list[dict], list[list[int]]]:
    """Score rows per corpus, per locale (the mean over its corpora, as the paper's Table 4), the mean over corpora
    (Table 2) and all utterances pooled; and the pooled confusion matrix over the 7 emotions (Fig. 1)."""
    metric = metric or load_uar_metric()
    references, predictions = np.asarray(references), np.asarray(predictions)
    corpora, locales = np.asarray(corpora), np.asarray(locales)
    rows = []
    for corpus in sorted(set(corpora)):
        selected = corpora == corpus
        scores = emotion_scores(references[selected], predictions[selected], metric)
        rows.append({"level": "corpus", "name": corpus, **scores})
    corpus_rows = pd.DataFrame(rows)
    corpus_rows["locale"] = [locales[corpora == corpus][0] for corpus in corpus_rows["name"]]
    for locale, group in corpus_rows.groupby("locale"):
        rows.append({"level": "locale", "name": locale, "utterances": int(group["utterances"].sum()),
                     **group[list(SCORE_COLUMNS)].mean().to_dict()})
    rows.append({"level": "all", "name": "mean over corpora", "utterances": len(references),
                 **corpus_rows[list(SCORE_COLUMNS)].mean().to_dict()})
    rows.append({"level": "all", "name": "pooled", **emotion_scores(references, predictions, metric)})
    pooled = metric.compute(predictions=predictions.tolist(), references=references.tolist(), labels=list(EMOTIONS_7),
                            return_confusion_matrix=True)
    return rows, pooled["confusion_matrix"]


def write_evaluation(rows: list[dict], confusion: list[list[int]], output_dir: str | os.PathLike) -> None:
    """`test_scores.csv` / `.md` and `confusion_matrix.png` in `output_dir`, each written atomically."""
    output_dir = Path(output_dir)
    for suffix in (".csv", ".md"):
        write_table(rows, output_dir / f"test_scores{suffix}")
    plot_confusion_matrix(confusion, EMOTIONS_7, output_dir / "confusion_matrix.png",
                          title="Test utterances of all corpora")


def save_adapter(model: PeftModel, folder: str | os.PathLike) -> Path:
    """Save the LoRA adapter with the model's configuration beside it (what `load_adapter` needs), atomically."""
    folder = Path(folder)
    with atomic_folder(folder) as staging:
        model.save_pretrained(staging)
        model.get_base_model().config.save_pretrained(staging)
    return folder


def load_adapter(folder: str | os.PathLike) -> PeftModel:
    """A saved LoRA adapter on its backbone checkpoint (`config.backbone_name_or_path`); the trained heads are part
    of the adapter. `.merge_and_unload()` gives a plain `MtlWav2Vec2ForSequenceClassification`."""
    config = MtlWav2Vec2Config.from_pretrained(folder)
    base = MtlWav2Vec2ForSequenceClassification.from_backbone(config.backbone_name_or_path, config=config)
    return PeftModel.from_pretrained(base, folder)


def run(model_args: ModelArguments, data_args: DataArguments, training_args: TrainingArguments) -> list[dict]:
    """Prepare the corpora, fine-tune, score the test split and save; returns the score rows.

    `output_dir` receives the model (merged when training LoRA adapters, the adapter itself in `adapter/`), its
    feature extractor, `test_scores.csv`/`.md`, `confusion_matrix.png` and the Trainer's metrics and state.
    """
    corpora = parse_corpora(data_args.corpus)
    classification_heads, regression_heads = parse_heads(model_args.heads)
    set_seed(training_args.seed)
    with training_args.main_process_first(desc="preparing the corpora"):
        dataset = combine([
            prepare_corpus(name, source, prosody=bool(regression_heads), cache_dir=data_args.cache_dir,
                           num_proc=data_args.preprocessing_num_workers)
            for name, source in corpora.items()
        ])
        classes = head_classes(dataset["train"], classification_heads)
        dataset = datasets.DatasetDict({split: encode_targets(part, classes) for split, part in dataset.items()})
    logger.info("head classes: %s", classes)
    model = build_model(model_args.model_name_or_path, classes, regression_heads, dataset["train"])
    if model_args.lora:
        adapter_config = lora_config(model.config, r=model_args.lora_r, lora_alpha=model_args.lora_alpha,
                                     lora_dropout=model_args.lora_dropout)
        model = get_peft_model(model, adapter_config)
    feature_extractor = MtlWav2Vec2FeatureExtractor(max_duration=data_args.max_duration)
    training_args.label_names = model.config.head_names
    training_args.remove_unused_columns = False  # the transform needs the audio column
    transform = waveform_transform(feature_extractor, model.config.head_names)
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=dataset["train"].with_transform(transform),
        eval_dataset=dataset["validation"].with_transform(transform),
        processing_class=feature_extractor,
        compute_metrics=emotion_compute_metrics(len(classes["emotion"])),
    )
    result = trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint,
                           ignore_keys_for_eval=IGNORED_OUTPUTS)
    trainer.log_metrics("train", result.metrics)
    trainer.save_metrics("train", result.metrics)

    test = dataset["test"]
    prediction = trainer.predict(test.with_transform(transform), ignore_keys=IGNORED_OUTPUTS)
    trainer.log_metrics("test", prediction.metrics)
    trainer.save_metrics("test", prediction.metrics)
    emotions = np.asarray(classes["emotion"])
    logits = prediction.predictions[0] if isinstance(prediction.predictions, tuple) else prediction.predictions
    references = [EMOTIONS[label] for label in test["emotion_label"]]
    predictions = emotions[np.argmax(logits, axis=-1)]
    rows, confusion = evaluation_report(references, predictions, test["corpus"], test["locale"])

    if model_args.lora:
        if trainer.is_world_process_zero():
            save_adapter(trainer.model, Path(training_args.output_dir) / ADAPTER_FOLDER)
        trainer.model = trainer.model.merge_and_unload()  # save_model and push_to_hub then write a plain model
    if trainer.is_world_process_zero():
        write_evaluation(rows, confusion, training_args.output_dir)
        print(pd.DataFrame(rows).to_markdown(index=False, floatfmt=".4f"))
    trainer.save_state()
    if training_args.push_to_hub:
        trainer.push_to_hub(finetuned_from=model_args.model_name_or_path, tasks="audio-classification")
    else:
        trainer.save_model()
    return rows


__all__ = [
    "DataArguments", "ModelArguments", "PAPER_HEADS", "RecipeError", "build_model", "combine", "emotion_scores",
    "encode_targets", "evaluation_report", "head_classes", "load_adapter", "parse_heads", "prepare_corpus", "run",
    "save_adapter", "split_protocol", "waveform_transform", "write_evaluation",
]
