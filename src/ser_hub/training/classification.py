"""Generic fine-tuning: any transformers audio encoder (or a ser-hub model) as an utterance classifier or regressor.

The recipe behind `scripts/finetune_audio_classification.py`: ser-hub corpora split by a protocol -> a label space
(`native`, `unified8`, `unified7`, `arousal`, `valence`) -> `AutoModelForAudioClassification` with a new head ->
`Trainer` with (optionally class-weighted) cross-entropy, evaluation on the validation split, early stopping on its
UAR and the best checkpoint kept -> the test split evaluated once at the end. Metrics go through the `uar` evaluate
module; the model and its feature extractor are saved with `save_pretrained` (and pushed with `--push_to_hub`).

The label space `dimensions` trains a regression head instead (`problem_type="regression"`, one output per
dimension named in `id2label`) on the corpora's continuous arousal/valence/dominance scores, the columns
`ser_hub.protocols.regression.score_column` finds, as rated (no standardisation: predictions are in the corpus's
units); a new head starts at the training split's mean of each dimension. The loss is 1 − CCC (default) or MSE,
the best checkpoint the one with the best validation CCC (mean over the dimensions), and the test report CCC,
Pearson's r and MSE per dimension and their means (`ser_hub.metrics`).
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import datasets
import numpy as np
import torch
from transformers import (
    AutoConfig,
    AutoFeatureExtractor,
    AutoModelForAudioClassification,
    EarlyStoppingCallback,
    HfArgumentParser,
    IntervalStrategy,
    TrainingArguments,
    set_seed,
)
from transformers.feature_extraction_utils import FeatureExtractionMixin
from transformers.trainer_utils import SaveStrategy

from .. import labels
from ..audio import to_mono
from ..corpora import NamedCorpus, corpus_info, load_corpus, parse_corpora
from ..errors import SerHubError
from ..protocols.options import DIMENSIONS
from ..protocols.regression import score_column, score_columns
from ..protocols.serab import SerabInputError
from ..splits import DEFAULT_PROTOCOL, SPLITS
from .common import (
    REGRESSION_LOSSES,
    RegressionLossTrainer,
    WeightedLossTrainer,
    class_weights,
    regression_compute_metrics,
    uar_compute_metrics,
)

logger = logging.getLogger(__name__)

# Label space -> (source column of the ser-hub schema, names dropped from it).
LABEL_SPACES: dict[str, tuple[str, tuple[str, ...]]] = {
    "native": ("native_label", ()),
    "unified8": ("emotion", ()),
    "unified7": ("emotion", labels.EMOTIONS[len(labels.EMOTIONS_7):]),
    "arousal": ("arousal", ()),
    "valence": ("valence", ()),
}
# The label space of continuous scores: a regression head over DIMENSIONS (docs/design.md §8).
DIMENSIONS_SPACE = "dimensions"
KEPT_COLUMNS = ["audio", "label", "corpus", "utterance_id"]
# A new head's output layer: `classifier` in ser-hub's BYOL and BYOL-S/CvT heads and transformers' wav2vec 2.0,
# HuBERT, WavLM, data2vec-audio and Whisper heads; `classifier.dense` in AST's (LayerNorm -> Linear).
OUTPUT_LAYERS = ("classifier", "classifier.dense")


class TrainingError(SerHubError, ValueError):
    """A fine-tuning run cannot be set up as asked (arguments, corpora, label space)."""


@dataclass
class ModelArguments:
    """Which model to fine-tune."""

    model_name_or_path: str = field(
        metadata={"help": "A model folder or Hub id: a transformers audio encoder (wav2vec 2.0, HuBERT, WavLM, "
                          "data2vec-audio, Whisper, AST, ...) or a ser-hub model (BYOL, ...)."}
    )
    feature_extractor_name: str | None = field(
        default=None, metadata={"help": "Feature extractor folder or Hub id, if not the model's own."}
    )
    freeze_feature_encoder: bool = field(
        default=True, metadata={"help": "Freeze the CNN waveform encoder (models of the wav2vec 2.0 family)."}
    )
    ignore_mismatched_sizes: bool = field(
        default=False, metadata={"help": "Replace a classification head that has another number of classes."}
    )
    cache_dir: str | None = field(default=None, metadata={"help": "Where models downloaded from the Hub are cached."})
    model_revision: str = field(default="main", metadata={"help": "Model version: branch, tag or commit id."})
    token: str | None = field(default=None, metadata={"help": "Hub token for private models."})
    trust_remote_code: bool = field(
        default=False, metadata={"help": "Run the modeling code of a Hub repository (only for repositories you trust)."}
    )


@dataclass
class DataArguments:
    """Which corpora, split protocol and label space to train on."""

    corpus: list[str] = field(
        default_factory=list,
        metadata={"help": "CORPUS=DATA_DIR: a ser-hub corpus name or a definition file (.yaml) and its folder (repeatable; the "
                 "splits of all corpora are pooled).",
                  "action": "extend"},
    )
    protocol: str = field(
        default=DEFAULT_PROTOCOL,
        metadata={"help": "Split protocol: speaker-independent, serab, stratified, official, kfold-K or loso."},
    )
    fold: int = field(
        default=0,
        metadata={"help": "kfold-K / loso: the test fold; the next fold validates, the others train."},
    )
    label_space: str = field(
        default="native",
        metadata={"help": "native (the corpus's classes), unified8, unified7 (unified8 without `other`), arousal "
                          "or valence (classes); utterances without a label in the space are left out. dimensions: "
                          "a regression head on the corpora's continuous scores (see --dimensions), trained on the "
                          "ratings as the corpora give them (not standardised, so predictions are in their units: "
                          "pool corpora rated on one scale); utterances without a finite score are left out."},
    )
    dimensions: list[str] = field(
        default_factory=list,
        metadata={"help": "--label_space dimensions: the dimensions to predict, of arousal, valence and dominance "
                          "(default: each one every corpus has scores for: <dimension>_score columns, IEMOCAP's and "
                          "MSP-Podcast's act/val/dom, MER2023's valence_score)."},
    )
    max_length_seconds: float | None = field(
        default=6.0,
        metadata={"help": "Training clips longer than this are cut to a random window of this length; validation "
                          "and test see whole utterances."},
    )
    max_train_samples: int | None = field(
        default=None, metadata={"help": "Train on this many utterances, drawn at random with the seed (quick runs)."}
    )
    max_eval_samples: int | None = field(
        default=None, metadata={"help": "Validate on this many utterances, drawn at random with the seed."}
    )
    max_test_samples: int | None = field(
        default=None, metadata={"help": "Test on this many utterances, drawn at random with the seed."}
    )
    corpus_cache_dir: str | None = field(
        default=None, metadata={"help": "Where prepared corpora are cached (default: the datasets cache)."}
    )

    def __post_init__(self):
        if self.label_space not in (*LABEL_SPACES, DIMENSIONS_SPACE):
            raise TrainingError(
                f"label_space {self.label_space!r} is unknown; choose one of {', '.join(LABEL_SPACES)} or "
                f"{DIMENSIONS_SPACE}."
            )
        unknown = [dimension for dimension in self.dimensions if dimension not in DIMENSIONS]
        if unknown:
            raise TrainingError(f"dimensions {', '.join(unknown)}: unknown; choose from {', '.join(DIMENSIONS)}.")
        if self.dimensions and self.label_space != DIMENSIONS_SPACE:
            raise TrainingError(f"--dimensions {' '.join(self.dimensions)} is for --label_space {DIMENSIONS_SPACE}, "
                                f"not {self.label_space}: add --label_space {DIMENSIONS_SPACE} or drop --dimensions.")

    @property
    def regression(self) -> bool:
        """Whether the label space is continuous scores (a regression head) rather than classes."""
        return self.label_space == DIMENSIONS_SPACE


@dataclass
class ClassificationTrainingArguments(TrainingArguments):
    """`TrainingArguments` with the defaults of the recipe: validate and save every epoch, keep the checkpoint with
    the best validation UAR (CCC for `--label_space dimensions`), stop early when it stops improving."""

    eval_strategy: IntervalStrategy | str = field(
        default="epoch", metadata={"help": "When to validate: 'no', 'steps' or 'epoch'."}
    )
    save_strategy: SaveStrategy | str = field(
        default="epoch", metadata={"help": "When to save a checkpoint: 'no', 'epoch', 'steps' or 'best'."}
    )
    load_best_model_at_end: bool = field(
        default=True, metadata={"help": "Load the checkpoint with the best `metric_for_best_model` after training."}
    )
    metric_for_best_model: str | None = field(
        default="uar",
        metadata={"help": "Validation metric that selects the best checkpoint: uar, accuracy or macro_f1; for "
                          "--label_space dimensions ccc (the mean over the dimensions, which the default uar "
                          "becomes there), pearson, or mse with --greater_is_better false."},
    )
    remove_unused_columns: bool = field(
        default=False, metadata={"help": "Kept False: the recipe's data collator reads the `audio` column."}
    )
    average_tokens_across_devices: bool = field(
        default=False,
        metadata={"help": "Kept False: classification losses are batch means, which Trainer's token-count rescaling "
                          "would multiply by the number of processes."},
    )
    early_stopping_patience: int = field(
        default=3,
        metadata={"help": "Stop after this many validations without a better `metric_for_best_model`; 0 disables."},
    )
    class_weighted_loss: bool = field(
        default=False, metadata={"help": "Weight the cross-entropy by inverse class frequency in the training split."}
    )
    regression_loss: str = field(
        default="ccc",
        metadata={"help": "--label_space dimensions: ccc (default: 1 - CCC of each batch, averaged over the "
                          "dimensions; it trains the measure the checkpoint is selected and tested on, and unlike "
                          "MSE it penalises predictions shrunk towards the mean rating) or mse (transformers' "
                          "regression loss)."},
    )

    def __post_init__(self):
        if self.regression_loss not in REGRESSION_LOSSES:
            raise TrainingError(f"regression_loss {self.regression_loss!r} is unknown; choose "
                                f"{' or '.join(REGRESSION_LOSSES)}.")
        super().__post_init__()


def parse_arguments(
    argv: list[str],
) -> tuple[ModelArguments, DataArguments, ClassificationTrainingArguments]:
    """The recipe's arguments from a command line, or from one `.json` file holding them."""
    parser = HfArgumentParser((ModelArguments, DataArguments, ClassificationTrainingArguments))
    if len(argv) == 1 and argv[0].endswith(".json"):
        return parser.parse_json_file(json_file=argv[0])
    return parser.parse_args_into_dataclasses(args=argv)


def assemble_splits(dataset: datasets.DatasetDict, fold: int) -> datasets.DatasetDict:
    """train/validation/test of a prepared corpus: as they are, or for fold protocols fold `fold` as the test split,
    the next fold (cyclically) as the validation split and the other folds pooled for training."""
    if set(dataset) == set(SPLITS):
        return dataset
    folds = sorted(dataset, key=lambda name: int(name.removeprefix("fold_")))
    if not 0 <= fold < len(folds) or len(folds) < 3:
        raise TrainingError(
            f"fold={fold}: the protocol has folds 0..{len(folds) - 1}; pick one of them (and use at least 3 folds, "
            "one to test, one to validate, the rest to train)."
        )
    test, validation = folds[fold], folds[(fold + 1) % len(folds)]
    train = datasets.concatenate_datasets([dataset[name] for name in folds if name not in (test, validation)])
    return datasets.DatasetDict({"train": train, "validation": dataset[validation], "test": dataset[test]})


def label_names(dataset: datasets.DatasetDict, label_space: str) -> list[str]:
    """The classes of the label space that occur in the corpus, in the order of its ClassLabel."""
    source, dropped = LABEL_SPACES[label_space]
    names = dataset["train"].features[source].names
    present = set()
    for split in dataset.values():
        present.update(int(value) for value in np.unique(split.with_format("numpy")[source]) if value >= 0)
    return [name for index, name in enumerate(names) if index in present and name not in dropped]


def apply_label_space(dataset: datasets.DatasetDict, label_space: str, names: list[str]) -> datasets.DatasetDict:
    """Keep the utterances whose label in the space is one of `names`, as a `label` ClassLabel over `names`; the
    columns become `KEPT_COLUMNS`."""
    source, _ = LABEL_SPACES[label_space]
    source_names = dataset["train"].features[source].names
    lookup = {index: names.index(name) for index, name in enumerate(source_names) if name in names}
    features = datasets.Features({**dataset["train"].features, "label": datasets.ClassLabel(names=names)})
    features = datasets.Features({column: features[column] for column in KEPT_COLUMNS})

    def relabel(values):
        return {"label": [lookup[value] for value in values]}

    kept = dataset.filter(lambda values: [value in lookup for value in values], batched=True, input_columns=source,
                          desc=f"keep {label_space} labels")
    return kept.map(relabel, batched=True, input_columns=source, remove_columns=[
        column for column in dataset["train"].column_names if column not in KEPT_COLUMNS
    ], features=features, desc=f"{label_space} labels")


def pooled_label_names(prepared: Mapping[str, datasets.DatasetDict], label_space: str) -> list[str]:
    """The classes of the label space that occur in any of the corpora, in the order of the space; the native space
    needs every corpus to have the same classes."""
    names_per_corpus = {name: label_names(dataset, label_space) for name, dataset in prepared.items()}
    if label_space == "native" and len({tuple(names) for names in names_per_corpus.values()}) > 1:
        listed = "; ".join(f"{name}: {', '.join(names)}" for name, names in names_per_corpus.items())
        raise TrainingError(
            f"label_space native: the corpora have different classes ({listed}); train them together in a shared "
            "space (--label_space unified8, unified7, arousal or valence) or one corpus at a time."
        )
    source, _ = LABEL_SPACES[label_space]
    order = next(iter(prepared.values()))["train"].features[source].names
    present = set().union(*names_per_corpus.values())
    names = [name for name in order if name in present]
    if len(names) < 2:
        raise TrainingError(
            f"label_space {label_space}: the corpora ({', '.join(prepared)}) have {len(names)} class(es) in this "
            f"space ({', '.join(names)}); a classifier needs at least two. Choose another label space or add corpora."
        )
    return names


def dimension_columns(corpora: Mapping[str, NamedCorpus], dimensions: list[str]) -> dict[str, dict[str, str]]:
    """{corpus: {dimension: its score column}} for the requested dimensions (none requested: each one every corpus
    has), checked from the definitions before any corpus is prepared."""
    specs = {name: corpus_info(corpus.corpus) for name, corpus in corpora.items()}
    dimensions = dimensions or [
        dimension for dimension in DIMENSIONS if all(score_column(spec, dimension) for spec in specs.values())
    ]
    if not dimensions:
        listed = "; ".join(f"{name}: {', '.join(d for d in DIMENSIONS if score_column(spec, d)) or 'none'}"
                           for name, spec in specs.items())
        raise TrainingError(
            f"label_space {DIMENSIONS_SPACE}: no dimension has continuous scores in every corpus ({listed}). A corpus "
            "declares them as float32 columns <dimension>_score (extras: arousal_score: {value: ..., dtype: "
            "float32}); train the corpora with scores, or on classes (--label_space arousal or valence)."
        )
    try:
        columns = {dimension: score_columns(specs, dimension) for dimension in dimensions}
    except SerabInputError as error:
        raise TrainingError(f"label_space {DIMENSIONS_SPACE}: {error}") from None
    return {name: {dimension: columns[dimension][name] for dimension in dimensions} for name in specs}


def apply_dimensions(dataset: datasets.DatasetDict, columns: Mapping[str, str]) -> datasets.DatasetDict:
    """Keep the utterances with a finite score on every dimension, their scores as a `label` {dimension: float32}
    column (from `columns`: dimension -> score column); the columns become `KEPT_COLUMNS`."""
    scores = datasets.Features({dimension: datasets.Value("float32") for dimension in columns})
    features = datasets.Features(
        {column: scores if column == "label" else dataset["train"].features[column] for column in KEPT_COLUMNS}
    )

    def finite(*values):
        return np.isfinite(np.asarray(values, dtype=np.float64)).all(axis=0).tolist()

    def label(*values):
        return {"label": [dict(zip(columns, row)) for row in zip(*values)]}

    kept = dataset.filter(finite, batched=True, input_columns=list(columns.values()), desc="keep scored utterances")
    return kept.map(label, batched=True, input_columns=list(columns.values()), remove_columns=[
        column for column in dataset["train"].column_names if column not in KEPT_COLUMNS
    ], features=features, desc=f"{', '.join(columns)} scores")


def target_names(label: datasets.ClassLabel | Mapping[str, datasets.Value]) -> list[str]:
    """The head's outputs for a `label` feature: the classes of a ClassLabel, the dimensions of {dimension: score}."""
    return label.names if isinstance(label, datasets.ClassLabel) else list(label)


def load_splits(data_args: DataArguments, sampling_rate: int) -> datasets.DatasetDict:
    """Prepare every corpus with the protocol at `sampling_rate`, map it to the label space and pool the corpora's
    train, validation and test splits."""
    corpora = parse_corpora(data_args.corpus)
    columns = dimension_columns(corpora, data_args.dimensions) if data_args.regression else None
    prepared = {
        name: assemble_splits(
            load_corpus(corpus.corpus, corpus.data_dir, data_args.protocol, cache_dir=data_args.corpus_cache_dir,
                        sampling_rate=sampling_rate),
            data_args.fold,
        )
        for name, corpus in corpora.items()
    }
    if columns is not None:
        mapped = [apply_dimensions(dataset, columns[name]) for name, dataset in prepared.items()]
    else:
        names = pooled_label_names(prepared, data_args.label_space)
        mapped = [apply_label_space(dataset, data_args.label_space, names) for dataset in prepared.values()]
    return datasets.DatasetDict(
        {split: datasets.concatenate_datasets([dataset[split] for dataset in mapped]) for split in SPLITS}
    )


def subsample(split: datasets.Dataset, count: int | None, seed: int) -> datasets.Dataset:
    """`count` utterances drawn at random with `seed` (all of them when `count` is None or larger)."""
    if count is None or count >= len(split):
        return split
    return split.shuffle(seed=seed).select(range(count))


def decode(audio) -> np.ndarray:
    """Mono float32 samples of a decoded `datasets.Audio` value (a torchcodec `AudioDecoder`)."""
    return to_mono(audio.get_all_samples().data.numpy())


def random_crop(waveform: np.ndarray, max_samples: int | None) -> np.ndarray:
    """A random window of `max_samples` samples (numpy's global generator, which `Trainer` seeds)."""
    if max_samples is None or len(waveform) <= max_samples:
        return waveform
    start = np.random.randint(0, len(waveform) - max_samples + 1)
    return waveform[start : start + max_samples]


def waveform_transform(max_samples: int | None = None):
    """A `datasets` transform giving each utterance's `waveform` (cut to a random window of at most `max_samples`
    samples) and its `label` (a class index, or {dimension: score})."""

    def transform(batch: dict) -> dict:
        return {
            "waveform": [random_crop(decode(audio), max_samples) for audio in batch["audio"]],
            "label": batch["label"],
        }

    return transform


def label_tensor(labels: list) -> torch.Tensor:
    """`labels` of a batch: class indices as int64, {dimension: score} rows as float32 [utterances, dimensions]."""
    if isinstance(labels[0], Mapping):
        return torch.tensor([list(label.values()) for label in labels], dtype=torch.float32)
    return torch.tensor(labels, dtype=torch.long)


@dataclass
class AudioClassificationCollator:
    """Featurises a batch of waveforms with the model's feature extractor and adds the `labels` (`label_tensor`).

    Extractors that do not pad by default (wav2vec 2.0's) pad to the longest clip of the batch; those that do keep
    their own padding (BYOL's right-padded log-mel with its frame mask, Whisper's and AST's fixed windows).
    """

    feature_extractor: FeatureExtractionMixin

    def __post_init__(self):
        padding = inspect.signature(self.feature_extractor.__call__).parameters.get("padding")
        self.padding = {"padding": "longest"} if padding is not None and padding.default is False else {}

    def __call__(self, examples: list[dict]) -> dict[str, torch.Tensor]:
        batch = self.feature_extractor(
            [example["waveform"] for example in examples],
            sampling_rate=self.feature_extractor.sampling_rate,
            return_tensors="pt",
            **self.padding,
        )
        batch["labels"] = label_tensor([example["label"] for example in examples])
        return batch


def fit_front_end(feature_extractor, train: datasets.Dataset) -> None:
    """Front ends standardised with dataset statistics (ser-hub's log-mel extractors) that have none yet learn them
    from the training split; they are saved with the model."""
    if getattr(feature_extractor, "fit_normalization", None) is None or feature_extractor.norm_mean is not None:
        return
    waveforms = (decode(audio) for audio in train["audio"])
    mean, std = feature_extractor.fit_normalization(waveforms, sampling_rate=feature_extractor.sampling_rate)
    logger.info("log-mel statistics of the training split: mean %.4f, std %.4f", mean, std)


def load_model(model_args: ModelArguments, names: list[str], target_means: torch.Tensor | None = None):
    """The model with a head over `names` (id2label/label2id saved in its config): classes, or with `target_means`
    (the training split's mean score per dimension) one value per dimension (`problem_type="regression"`), a new
    head starting at those means (`start_at_the_means`)."""
    hub = {"cache_dir": model_args.cache_dir, "revision": model_args.model_revision, "token": model_args.token,
           "trust_remote_code": model_args.trust_remote_code}
    config = AutoConfig.from_pretrained(
        model_args.model_name_or_path, num_labels=len(names), id2label=dict(enumerate(names)),
        label2id={name: index for index, name in enumerate(names)}, finetuning_task="audio-classification",
        problem_type=None if target_means is None else "regression", **hub,
    )
    model, loading_info = AutoModelForAudioClassification.from_pretrained(
        model_args.model_name_or_path, config=config, ignore_mismatched_sizes=model_args.ignore_mismatched_sizes,
        output_loading_info=True, **hub,
    )
    if target_means is not None:
        start_at_the_means(model, target_means, loading_info)
    if model_args.freeze_feature_encoder and hasattr(model, "freeze_feature_encoder"):
        model.freeze_feature_encoder()
    return model


def start_at_the_means(model, means: torch.Tensor, loading_info: Mapping) -> None:
    """Set the bias of a new regression head's output layer (`OUTPUT_LAYERS`) to the training means, in id2label
    order: a head whose outputs start near 0 on ratings near 3 gives 1 - CCC an offset that dominates its
    denominator, so the gradient on the correlation is tiny and short runs barely learn. A head the checkpoint
    supplied (`loading_info` of `from_pretrained`: neither missing nor resized) is kept as trained."""
    modules = dict(model.named_modules())
    name = next((name for name in OUTPUT_LAYERS if isinstance(modules.get(name), torch.nn.Linear)
                 and modules[name].out_features == len(means) and modules[name].bias is not None), None)
    if name is None:
        logger.warning(
            "%s has no Linear output layer with a bias and %d outputs at %s, so its regression head starts "
            "uninitialised (as the model builds or loads it), not at the training means: while its outputs sit far "
            "from the ratings (near 0 on ratings near 3), their offset dominates the denominator of 1 - CCC and the "
            "correlation trains slowly",
            type(model).__name__, len(means), " or ".join(OUTPUT_LAYERS))
        return
    new = {*loading_info["missing_keys"], *(key for key, *_ in loading_info["mismatched_keys"])}
    if f"{name}.bias" not in new:
        logger.info("the checkpoint supplies the regression head's %s: kept as trained", name)
        return
    with torch.no_grad():
        modules[name].bias.copy_(means)
    logger.info("the new regression head starts at the training means: %s",
                {dimension: round(mean, 4) for dimension, mean in zip(model.config.id2label.values(), means.tolist())})


def keep_model_code(model, feature_extractor) -> None:
    """A model folder that ships its own code (`auto_map`: ser-hub's models, Hub remote code) saves it again with
    the fine-tuned model, so that folder loads with `trust_remote_code=True` where ser-hub is not installed."""
    if getattr(model.config, "auto_map", None):
        type(model.config).register_for_auto_class()
        type(model).register_for_auto_class("AutoModelForAudioClassification")
        type(feature_extractor).register_for_auto_class("AutoFeatureExtractor")


def check_label_space_settings(data_args: DataArguments, training_args: ClassificationTrainingArguments) -> None:
    """Settings that belong to the other kind of head are refused; the default selection metric, uar, becomes ccc
    for continuous dimensions (`training_args` is updated)."""
    if data_args.regression and training_args.class_weighted_loss:
        raise TrainingError(f"class_weighted_loss weights classes, and --label_space {DIMENSIONS_SPACE} has none: "
                            "drop --class_weighted_loss.")
    if data_args.regression and training_args.metric_for_best_model == "uar":
        training_args.metric_for_best_model = "ccc"


def build_trainer(
    model_args: ModelArguments, data_args: DataArguments, training_args: ClassificationTrainingArguments
) -> tuple[WeightedLossTrainer | RegressionLossTrainer, datasets.Dataset]:
    """Everything a run needs: the trainer (train and validation splits attached) and the test split."""
    launched = int(os.environ.get("WORLD_SIZE", "1"))
    if launched > 1 and training_args.world_size == 1:
        raise TrainingError(
            f"launched as {launched} processes, but they form no process group (no GPU, and --use_cpu not given), "
            "so each would train alone on all the data: add --use_cpu to train data-parallel on CPU "
            "(accelerate launch --multi_gpu --num_processes N <script> ... --use_cpu)."
        )
    if training_args.early_stopping_patience and not training_args.load_best_model_at_end:
        raise TrainingError(
            f"early_stopping_patience={training_args.early_stopping_patience} needs the best checkpoint tracked: "
            "pass --load_best_model_at_end (with matching --eval_strategy and --save_strategy) or "
            "--early_stopping_patience 0."
        )
    check_label_space_settings(data_args, training_args)
    set_seed(training_args.seed)  # the new head's initial weights too
    feature_extractor = AutoFeatureExtractor.from_pretrained(
        model_args.feature_extractor_name or model_args.model_name_or_path, cache_dir=model_args.cache_dir,
        revision=model_args.model_revision, token=model_args.token, trust_remote_code=model_args.trust_remote_code,
    )
    with training_args.main_process_first(desc="prepare the corpora"):
        splits = load_splits(data_args, feature_extractor.sampling_rate)
    seed = training_args.seed
    train = subsample(splits["train"], data_args.max_train_samples, seed)
    validation = subsample(splits["validation"], data_args.max_eval_samples, seed)
    test = subsample(splits["test"], data_args.max_test_samples, seed)
    names = target_names(train.features["label"])
    logger.info("label space %s: %s; %d train / %d validation / %d test utterances", data_args.label_space, names,
                len(train), len(validation), len(test))
    fit_front_end(feature_extractor, train)
    max_samples = (
        None if data_args.max_length_seconds is None
        else int(round(data_args.max_length_seconds * feature_extractor.sampling_rate))
    )
    callbacks = (
        [EarlyStoppingCallback(early_stopping_patience=training_args.early_stopping_patience)]
        if training_args.early_stopping_patience else []
    )
    model = load_model(model_args, names, label_tensor(train["label"]).mean(dim=0) if data_args.regression else None)
    keep_model_code(model, feature_extractor)
    common = dict(
        model=model,
        args=training_args,
        train_dataset=train.with_transform(waveform_transform(max_samples)),
        eval_dataset=validation.with_transform(waveform_transform()),
        data_collator=AudioClassificationCollator(feature_extractor),
        processing_class=feature_extractor,
        callbacks=callbacks,
    )
    if data_args.regression:
        trainer = RegressionLossTrainer(**common, compute_metrics=regression_compute_metrics(names),
                                        regression_loss=training_args.regression_loss)
    else:
        trainer = WeightedLossTrainer(
            **common, compute_metrics=uar_compute_metrics(len(names)),
            class_weights=class_weights(train["label"], len(names)) if training_args.class_weighted_loss else None,
        )
    return trainer, test.with_transform(waveform_transform())


def run(model_args: ModelArguments, data_args: DataArguments,
        training_args: ClassificationTrainingArguments) -> dict[str, float]:
    """Train, save the (best) model with its feature extractor, evaluate the test split once; returns the train
    and test metrics (also written to `output_dir/all_results.json`)."""
    trainer, test = build_trainer(model_args, data_args, training_args)
    train_result = trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    trainer.save_model()
    trainer.save_state()
    trainer.log_metrics("train", train_result.metrics)
    trainer.save_metrics("train", train_result.metrics)
    trainer.remove_callback(EarlyStoppingCallback)  # it watches validation metrics only
    test_metrics = trainer.evaluate(test, metric_key_prefix="test")
    trainer.log_metrics("test", test_metrics)
    trainer.save_metrics("test", test_metrics)
    card = {"finetuned_from": model_args.model_name_or_path, "tasks": "audio-classification",
            "dataset": ", ".join(parse_corpora(data_args.corpus))}
    if training_args.push_to_hub:
        trainer.push_to_hub(**card)
    else:
        trainer.create_model_card(**card)
    return {**train_result.metrics, **test_metrics}
