"""EmoNet multi-corpus training and transfer (Gerczuk et al., 2021, §4.3, §5.2.2, §6.1, §7.2) with `Trainer`.

Modes (`--mode`):
- `scratch`: one adapter ResNet per corpus, trained from random weights (the paper's baseline);
- `multi`: one shared model with adapters, batch norms and a head per corpus, trained round-robin, one batch of
  each corpus in turn;
- `transfer`: a pre-trained model gets fresh adapters, batch norms and a head for each new corpus; only those train
  (`freeze_shared()`);
- `head`: only a classifier head trains; a new corpus starts from the adapters and batch norms of `--source_domain`
  (whose running statistics follow the new corpus in training mode, as frozen PyTorch layers do);
- `finetune`: everything trains; a new corpus starts as in `head`.
A corpus the pre-trained model already has keeps its own adapters and head (the paper's fine-tuning of each corpus
after multi-domain training).

Training as the paper: SGD with momentum 0.9, batches of 64, L2 1e-6, class-weighted cross-entropy, a random 5 s
window of longer clips, learning rate 0.1 (0.01 for `head` and `finetune`) divided by 10 after `plateau_patience`
evaluations without a better validation UAR, twice; then training stops after `plateau_patience` more such
evaluations, and the model of the best validation UAR is kept. Each corpus's test predictions are saved, and compared
with a from-scratch baseline's by McNemar's test (`metrics/mcnemar`) in EmoNet's table (Table 4).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import datasets
import evaluate
import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, Sampler
from transformers import SchedulerType, TrainingArguments, set_seed

from ..audio import to_mono
from ..corpora import NamedCorpus, load_corpus, parse_corpora
from ..errors import AudioError, SerHubError
from ..files import atomic_path
from ..models.emonet import EmoNetConfig, EmoNetFeatureExtractor, EmoNetForSequenceClassification
from ..models.emonet.modeling_emonet import PerDomain
from ..report import write_table
from ..splits import SPLITS
from .common import UAR_MODULE, WeightedLossTrainer, class_weights, load_uar_metric, uar_compute_metrics

# The paper's starting learning rate: 0.1, except for head-only and full fine-tuning of a pre-trained model.
LEARNING_RATES = {"scratch": 0.1, "multi": 0.1, "transfer": 0.1, "head": 0.01, "finetune": 0.01}
DECAY = 0.1  # the learning rate is divided by ten ...
REDUCTIONS = 2  # ... twice: 0.1 -> 0.01 -> 0.001
SIGNIFICANCE = 0.05
PREDICTIONS_FILE = "test_predictions.json"
MCNEMAR_MODULE = UAR_MODULE.parent / "mcnemar"


class EmoNetTrainingError(SerHubError, ValueError):
    """An EmoNet run cannot start or be compared as asked."""


@dataclass
class EmoNetArguments:
    """What to train on and how (the training hyper-parameters are in `EmoNetTrainingArguments`)."""

    corpus: list[str] = field(
        metadata={"action": "extend", "help": "CORPUS=DATA_DIR: a ser-hub corpus name or a definition file (.yaml) and its folder; repeat for several "
                 "corpora."}
    )
    mode: Literal["scratch", "multi", "transfer", "head", "finetune"] = field(
        default="scratch",
        metadata={"help": "scratch: one model per corpus; multi: one shared model, round-robin over the corpora; "
                          "transfer: adapters + heads on a pre-trained model; head: classifier head only; "
                          "finetune: everything, from a pre-trained model."},
    )
    model_name_or_path: str | None = field(
        default=None, metadata={"help": "The pre-trained EmoNet (transfer, head, finetune)."}
    )
    source_domain: str | None = field(
        default=None,
        metadata={"help": "head/finetune: the pre-trained domain whose adapters and batch norms a new corpus starts "
                          "from (default: the model's only domain)."},
    )
    config_name: str | None = field(
        default=None,
        metadata={"help": "scratch/multi: an EmoNetConfig (folder or Hub id) for the architecture; its domains are "
                          "replaced by the corpora. Default: the paper's."},
    )
    protocol: str = field(default="speaker-independent", metadata={"help": "The split protocol of every corpus."})
    label_column: str = field(
        default="native_label", metadata={"help": "The class column: native_label (the paper) or emotion."}
    )
    plateau_patience: int = field(
        default=50, metadata={"help": "Evaluations without a better validation UAR before the learning rate drops."}
    )
    baseline_dir: str | None = field(
        default=None,
        metadata={"help": "A scratch run's output_dir: compare each corpus's test predictions with its baseline."},
    )
    max_train_samples: int | None = field(default=None, metadata={"help": "Keep this many training utterances."})
    max_eval_samples: int | None = field(default=None, metadata={"help": "Keep this many validation utterances."})
    max_test_samples: int | None = field(default=None, metadata={"help": "Keep this many test utterances."})
    corpus_cache_dir: str | None = field(
        default=None, metadata={"help": "Where prepared corpora are cached (default: the datasets cache)."}
    )

    def __post_init__(self):
        if self.mode in ("transfer", "head", "finetune") and self.model_name_or_path is None:
            raise EmoNetTrainingError(
                f"--mode {self.mode} trains on top of a pre-trained EmoNet: pass --model_name_or_path "
                "(e.g. the output_dir of a scratch or multi run)."
            )
        if self.plateau_patience < 1:
            raise EmoNetTrainingError(f"--plateau_patience {self.plateau_patience}: pass at least 1.")


@dataclass
class EmoNetTrainingArguments(TrainingArguments):
    """`TrainingArguments` with the paper's defaults; `learning_rate` defaults to the mode's (see LEARNING_RATES)."""

    learning_rate: float | None = field(
        default=None, metadata={"help": "Initial learning rate; default 0.1, or 0.01 for head and finetune (paper)."}
    )
    per_device_train_batch_size: int = field(default=64, metadata={"help": "Training batch size (paper: 64)."})
    optim: str = field(default="sgd", metadata={"help": "The optimizer (paper: SGD with momentum 0.9)."})
    optim_args: str | None = field(default="momentum=0.9", metadata={"help": "Optimizer options."})
    weight_decay: float = field(default=1e-6, metadata={"help": "L2 regularisation (paper: 1e-6)."})
    num_train_epochs: float = field(
        default=1000.0, metadata={"help": "An upper bound: training stops when the plateau schedule ends."}
    )
    lr_scheduler_type: str = field(
        default="reduce_lr_on_plateau", metadata={"help": "EmoNet's plateau schedule on validation UAR."}
    )
    eval_strategy: str = field(default="epoch", metadata={"help": "When to evaluate (the schedule needs it)."})
    save_strategy: str = field(default="epoch", metadata={"help": "When to save a checkpoint."})
    logging_strategy: str = field(default="epoch", metadata={"help": "When to log."})
    save_total_limit: int | None = field(default=1, metadata={"help": "Checkpoints kept besides the best."})
    load_best_model_at_end: bool = field(
        default=True, metadata={"help": "Keep the model of the best validation UAR (the paper's reported model)."}
    )
    metric_for_best_model: str | None = field(
        default="uar", metadata={"help": "Mean validation UAR over the corpora."}
    )
    remove_unused_columns: bool = field(
        default=False, metadata={"help": "Keep the audio column: the collator computes the features."}
    )


# --- data --------------------------------------------------------------------------------------------------------


def load_splits(
    name: str, source: NamedCorpus, arguments: EmoNetArguments, seed: int, sampling_rate: int
) -> tuple[datasets.DatasetDict, list[str]]:
    """One corpus as train/validation/test with columns audio (at `sampling_rate`), utterance_id, labels (int) and
    domain (its name), and its class names."""
    corpus = load_corpus(
        source.corpus, source.data_dir, arguments.protocol, cache_dir=arguments.corpus_cache_dir,
        sampling_rate=sampling_rate,
    )
    if sorted(corpus) != sorted(SPLITS):
        raise EmoNetTrainingError(
            f"{name}: protocol {arguments.protocol!r} gives splits {sorted(corpus)}; EmoNet needs train, validation "
            "and test: use speaker-independent, serab, stratified or official."
        )
    label = corpus["train"].features.get(arguments.label_column)
    if not isinstance(label, datasets.ClassLabel):
        raise EmoNetTrainingError(
            f"{name}: --label_column {arguments.label_column!r} is not a class column of the corpus; use native_label "
            "or emotion."
        )
    limits = {"train": arguments.max_train_samples, "validation": arguments.max_eval_samples,
              "test": arguments.max_test_samples}

    def prepare(split: str) -> datasets.Dataset:
        dataset = corpus[split]
        if limits[split] is not None:
            dataset = dataset.shuffle(seed=seed).select(range(min(limits[split], len(dataset))))
        dataset = dataset.select_columns(["audio", "utterance_id", arguments.label_column])
        dataset = dataset.rename_column(arguments.label_column, "labels").cast_column("labels", datasets.Value("int64"))
        return dataset.add_column("domain", [name] * len(dataset))

    return datasets.DatasetDict({split: prepare(split) for split in SPLITS}), list(label.names)


@dataclass
class EmoNetCollator:
    """Rows of one domain -> model inputs: log-mel features of at most `max_duration` seconds, labels and the domain.

    With `rng`, a clip longer than that is cut at a random start (the paper's training augmentation); without, its
    beginning is kept.
    """

    feature_extractor: EmoNetFeatureExtractor
    rng: np.random.Generator | None = None

    def __call__(self, rows: Sequence[Mapping]) -> dict:
        domains = sorted({row["domain"] for row in rows})
        if len(domains) != 1:
            raise EmoNetTrainingError(f"a batch mixes the domains {domains}; batch each domain on its own.")
        rate, waveforms = self.feature_extractor.sampling_rate, []
        for row in rows:
            decoded = row["audio"].get_all_samples()
            if decoded.sample_rate != rate:
                raise AudioError(
                    f"{row['utterance_id']}: decoded at {decoded.sample_rate} Hz, the model expects {rate} Hz; "
                    f"load the corpus with sampling_rate={rate}."
                )
            waveforms.append(to_mono(decoded.data.numpy()))
        features = self.feature_extractor(waveforms, sampling_rate=rate, rng=self.rng, return_tensors="pt")
        labels = torch.tensor([row["labels"] for row in rows])
        return {**features, "labels": labels, "domain": domains[0]}


class RoundRobinBatchSampler(Sampler[list[int]]):
    """Batches of a single domain each, the domains taking turns: every round yields one batch of each domain in
    first-seen order (EmoNet §6.1). An epoch is as many rounds as the largest domain has batches; smaller domains
    start a new pass, reshuffled, when they run out.

    A domain's batch size is `batch_size`, or its size when smaller; each pass leaves out the remainder of its
    shuffled utterances that does not fill a batch (so no batch has a single clip, which BatchNorm cannot train on).
    The order depends only on `seed` and the epoch (`set_epoch`), so every process draws the same batches. With
    `replicas` processes, which accelerate deals batches in turn, a round holds `replicas` batches of each domain, so
    that all processes train the same domain at each step (DDP takes batch-norm statistics from the first process).
    """

    def __init__(self, domains: Sequence[str], batch_size: int, seed: int = 0, replicas: int = 1):
        domains = np.asarray(list(domains))
        self.indices = {domain: np.flatnonzero(domains == domain) for domain in dict.fromkeys(domains.tolist())}
        small = [domain for domain, members in self.indices.items() if len(members) < 2]
        if small:
            raise EmoNetTrainingError(
                f"domains {small} have fewer than two training utterances; add data or drop them."
            )
        self.batch_size = batch_size
        self.seed = seed
        self.replicas = replicas
        self.epoch = 0
        self.sizes = {domain: min(batch_size, len(members)) for domain, members in self.indices.items()}
        self.rounds = max(1, max(len(self.indices[domain]) // size for domain, size in self.sizes.items()) // replicas)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.rounds * len(self.indices) * self.replicas

    def __iter__(self) -> Iterator[list[int]]:
        rng = np.random.default_rng([self.seed, self.epoch])
        streams = {domain: self._batches(domain, rng) for domain in self.indices}
        for _ in range(self.rounds):
            for stream in streams.values():
                for _ in range(self.replicas):
                    yield next(stream)

    def _batches(self, domain: str, rng: np.random.Generator) -> Iterator[list[int]]:
        """Endless full batches of one domain, a fresh shuffle per pass."""
        members, size = self.indices[domain], self.sizes[domain]
        while True:
            order = rng.permutation(members)
            for start in range(0, len(order) - size + 1, size):
                yield order[start : start + size].tolist()


# --- training ----------------------------------------------------------------------------------------------------


@dataclass
class PlateauStop:
    """EmoNet's stopping rule: stop once the learning rate has reached `final_learning_rate` and `patience`
    evaluations have passed without a better validation UAR since it got there (or since the last improvement)."""

    patience: int
    final_learning_rate: float
    best: float = -math.inf
    waiting: int = 0
    learning_rate: float | None = None

    def update(self, uar: float, learning_rate: float) -> bool:
        """Record one evaluation at `learning_rate`; True when training should stop."""
        if learning_rate != self.learning_rate:
            self.learning_rate, self.waiting = learning_rate, 0
        if uar > self.best:
            self.best, self.waiting = uar, 0
        else:
            self.waiting += 1
        return learning_rate <= self.final_learning_rate * (1 + 1e-6) and self.waiting >= self.patience


class EmoNetTrainer(WeightedLossTrainer):
    """`Trainer` for EmoNet: round-robin single-domain training batches with random crops, each domain's class
    weights, validation per corpus (`eval_dataset` maps corpus -> split) with the mean UAR as `eval_uar`, and, with
    `lr_scheduler_type="reduce_lr_on_plateau"`, the paper's schedule on it: torch's ReduceLROnPlateau (stepped by
    `Trainer` after each evaluation) and `PlateauStop`."""

    def __init__(self, *args, domain_class_weights: Mapping[str, torch.Tensor], plateau_patience: int,
                 train_collator: EmoNetCollator, **kwargs):
        super().__init__(*args, **kwargs)
        self.domain_class_weights = dict(domain_class_weights)
        self.plateau_patience = plateau_patience
        self.train_collator = train_collator
        self.plateau_stop = None
        if self.args.lr_scheduler_type == SchedulerType.REDUCE_ON_PLATEAU:
            self.plateau_stop = PlateauStop(plateau_patience, self.args.learning_rate * DECAY**REDUCTIONS)

    def get_train_dataloader(self) -> DataLoader:
        sampler = RoundRobinBatchSampler(
            list(self.train_dataset["domain"]), self._train_batch_size, self.args.seed, self.args.world_size
        )
        loader = DataLoader(self.train_dataset, batch_sampler=sampler, collate_fn=self.train_collator,
                            num_workers=self.args.dataloader_num_workers, pin_memory=self.args.dataloader_pin_memory)
        return self.accelerator.prepare(loader)

    def create_scheduler(self, num_training_steps: int, optimizer: torch.optim.Optimizer | None = None):
        """The plateau schedule with the paper's settings: the learning rate divided by ten after `plateau_patience`
        evaluations without a better validation UAR, at most twice. Other schedules as `Trainer` makes them."""
        if self.lr_scheduler is None and self.args.lr_scheduler_type == SchedulerType.REDUCE_ON_PLATEAU:
            self.lr_scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
                optimizer or self.optimizer, mode="max", factor=DECAY, patience=self.plateau_patience - 1,
                threshold=0.0, min_lr=self.args.learning_rate * DECAY**REDUCTIONS,
            )
        return super().create_scheduler(num_training_steps, optimizer)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        self.class_weights = self.domain_class_weights[inputs["domain"]]
        return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval") -> dict[str, float]:
        metrics = super().evaluate(eval_dataset, ignore_keys, metric_key_prefix)
        corpora = self.eval_dataset if eval_dataset is None else eval_dataset
        if isinstance(corpora, Mapping):
            uar = float(np.mean([metrics[f"{metric_key_prefix}_{name}_uar"] for name in corpora]))
            metrics[f"{metric_key_prefix}_uar"] = uar
            self.log({f"{metric_key_prefix}_uar": uar})
            if self.plateau_stop is not None and self.optimizer is not None:  # while training
                if self.plateau_stop.update(uar, self.optimizer.param_groups[0]["lr"]):
                    self.control.should_training_stop = True
        return metrics


def uar_by_logits_width(metric: evaluate.EvaluationModule):
    """`compute_metrics` for any head: the classes are the logits' width (domains differ in their classes)."""

    def compute_metrics(prediction):
        logits = prediction.predictions[0] if isinstance(prediction.predictions, tuple) else prediction.predictions
        return uar_compute_metrics(logits.shape[-1], metric)(prediction)

    return compute_metrics


def new_model(arguments: EmoNetArguments, label_names: Mapping[str, list[str]]) -> EmoNetForSequenceClassification:
    """A randomly initialised EmoNet with one domain per corpus, named by its class names (the architecture of
    `config_name`, or the paper's)."""
    config = EmoNetConfig.from_pretrained(arguments.config_name) if arguments.config_name else EmoNetConfig()
    config.domains = {name: len(names) for name, names in label_names.items()}
    config.domain_labels = {name: list(names) for name, names in label_names.items()}
    return EmoNetForSequenceClassification(config)


def pretrained_model(arguments: EmoNetArguments, name: str, labels: list[str]) -> EmoNetForSequenceClassification:
    """The pre-trained EmoNet set up for training on corpus `name`, whose classes are `labels`, as
    `arguments.mode` says; the domain records the class names (a known domain saved without them gets them)."""
    model = EmoNetForSequenceClassification.from_pretrained(arguments.model_name_or_path)
    known = model.config.domains
    if name in known:
        trained = model.config.domain_labels.get(name)
        if known[name] != len(labels) or trained not in (None, labels):
            raise EmoNetTrainingError(
                f"{arguments.model_name_or_path} has a {known[name]}-class domain {name!r} (classes "
                f"{trained or 'unnamed'}), but the corpus has {len(labels)} classes in {arguments.label_column!r} "
                f"({labels}); use the same --label_column as its training run."
            )
        model.config.domain_labels = {**model.config.domain_labels, name: labels}
    else:
        source = source_domain(arguments, known, name) if arguments.mode in ("head", "finetune") else None
        model.add_domain(name, len(labels), labels)
        if source is not None:
            copy_domain(model, source, name)
    if arguments.mode == "transfer":
        model.freeze_shared()
    elif arguments.mode == "head":
        model.requires_grad_(False)
        model.heads[name].requires_grad_(True)
    return model


def source_domain(arguments: EmoNetArguments, known: Mapping[str, int], name: str) -> str:
    """The pre-trained domain a new corpus starts from: `--source_domain`, or the model's only one."""
    if arguments.source_domain in known or (arguments.source_domain is None and len(known) == 1):
        return arguments.source_domain or next(iter(known))
    raise EmoNetTrainingError(
        f"--mode {arguments.mode} on the new corpus {name!r}: pass --source_domain, one of {sorted(known)}, whose "
        "adapters and batch norms it starts from."
    )


def copy_domain(model: EmoNetForSequenceClassification, source: str, target: str) -> None:
    """Give domain `target` a copy of `source`'s adapters, batch norms (and attention); its head stays new."""
    for module in model.modules():
        if isinstance(module, PerDomain) and module is not model.heads:
            module[target].load_state_dict(module[source].state_dict())


def train_run(
    corpora: Mapping[str, datasets.DatasetDict],
    label_names: Mapping[str, list[str]],
    model: EmoNetForSequenceClassification,
    feature_extractor: EmoNetFeatureExtractor,
    arguments: EmoNetArguments,
    training_args: EmoNetTrainingArguments,
) -> dict[str, dict]:
    """Train `model` on `corpora` (round-robin when several), save it with its feature extractor and each corpus's
    test predictions in `training_args.output_dir`; returns the predictions (see `PREDICTIONS_FILE`)."""
    train = datasets.concatenate_datasets([splits["train"] for splits in corpora.values()])
    weights = {name: class_weights(list(splits["train"]["labels"]), len(label_names[name]))
               for name, splits in corpora.items()}
    trainer = EmoNetTrainer(
        model=model,
        args=training_args,
        train_dataset=train,
        eval_dataset={name: splits["validation"] for name, splits in corpora.items()},
        data_collator=EmoNetCollator(feature_extractor),
        train_collator=EmoNetCollator(feature_extractor, np.random.default_rng(training_args.seed)),
        processing_class=feature_extractor,
        compute_metrics=uar_by_logits_width(load_uar_metric()),
        domain_class_weights=weights,
        plateau_patience=arguments.plateau_patience,
    )
    result = trainer.train()
    trainer.save_model()
    trainer.log_metrics("train", result.metrics)
    trainer.save_metrics("train", result.metrics)
    trainer.save_state()
    predictions = {}
    for name, splits in corpora.items():
        output = trainer.predict(splits["test"], metric_key_prefix=f"test_{name}")
        trainer.log_metrics(f"test_{name}", output.metrics)
        trainer.save_metrics(f"test_{name}", output.metrics)
        predictions[name] = {
            "labels": label_names[name],
            "utterance_id": list(splits["test"]["utterance_id"]),
            "references": output.label_ids.tolist(),
            "predictions": output.predictions.argmax(-1).tolist(),
            "uar": output.metrics[f"test_{name}_uar"],
        }
    if trainer.is_world_process_zero():
        with atomic_path(Path(training_args.output_dir) / PREDICTIONS_FILE) as path:
            path.write_text(json.dumps(predictions, indent=1))
    if training_args.push_to_hub:
        trainer.push_to_hub(finetuned_from=arguments.model_name_or_path, tasks="audio-classification",
                            dataset=sorted(corpora))
    return predictions


def run(arguments: EmoNetArguments, training_args: EmoNetTrainingArguments) -> list[dict]:
    """Run `arguments.mode` on every corpus and return the results table (one row per corpus, see
    `results_table`), also written to `output_dir` as emonet_table.md and emonet_table.csv."""
    if training_args.learning_rate is None:
        training_args.learning_rate = LEARNING_RATES[arguments.mode]
    if arguments.model_name_or_path:
        feature_extractor = EmoNetFeatureExtractor.from_pretrained(arguments.model_name_or_path)
    else:
        feature_extractor = EmoNetFeatureExtractor()
    corpora, label_names = {}, {}
    for name, source in parse_corpora(arguments.corpus).items():
        corpora[name], label_names[name] = load_splits(
            name, source, arguments, training_args.seed, feature_extractor.sampling_rate
        )
    predictions = {}
    if arguments.mode == "multi":
        set_seed(training_args.seed)
        model = new_model(arguments, label_names)
        predictions = train_run(corpora, label_names, model, feature_extractor, arguments, training_args)
    else:
        for name, splits in corpora.items():
            set_seed(training_args.seed)
            if arguments.mode == "scratch":
                model = new_model(arguments, {name: label_names[name]})
            else:
                model = pretrained_model(arguments, name, label_names[name])
            run_args = dataclasses.replace(
                training_args, output_dir=os.path.join(training_args.output_dir, name),
                hub_model_id=f"{training_args.hub_model_id}-{name}" if training_args.hub_model_id else None,
            )
            predictions.update(train_run({name: splits}, label_names, model, feature_extractor, arguments, run_args))
    rows = results_table(predictions, arguments.mode, arguments.baseline_dir)
    if training_args.should_save:
        for suffix in (".md", ".csv"):
            write_table(rows, Path(training_args.output_dir) / f"emonet_table{suffix}")
    return rows


# --- comparison --------------------------------------------------------------------------------------------------


def load_mcnemar() -> evaluate.EvaluationModule:
    """The `mcnemar` evaluate module: the repository's folder when present, else the Hub's `ser-hub/mcnemar`."""
    return evaluate.load(str(MCNEMAR_MODULE) if MCNEMAR_MODULE.is_dir() else "ser-hub/mcnemar")


def baseline_predictions(baseline_dir: str | Path, corpus: str) -> dict:
    """The test predictions of a scratch run for `corpus` (`<baseline_dir>/<corpus>/test_predictions.json`)."""
    path = Path(baseline_dir) / corpus / PREDICTIONS_FILE
    if not path.is_file():
        raise EmoNetTrainingError(
            f"{path} does not exist: --baseline_dir must be the output_dir of a scratch run on {corpus}."
        )
    return json.loads(path.read_text())[corpus]


def compare(baseline: Mapping, system: Mapping, mcnemar: evaluate.EvaluationModule) -> dict:
    """McNemar's test of a system against its baseline on the same test utterances, with EmoNet's mark: '+' for a
    significant (p < 0.05) improvement, '-' for a significant decrease, '' otherwise."""
    if baseline["utterance_id"] != system["utterance_id"] or baseline["references"] != system["references"]:
        raise EmoNetTrainingError(
            "the baseline was tested on other utterances or labels; rerun it with the same --corpus data, "
            "--protocol, --label_column and --max_test_samples."
        )
    test = mcnemar.compute(predictions1=baseline["predictions"], predictions2=system["predictions"],
                           references=system["references"])
    better = test["only_second_correct"] > test["only_first_correct"]
    mark = ("+" if better else "-") if test["p_value"] < SIGNIFICANCE else ""
    return {**test, "mark": mark}


def results_table(predictions: Mapping[str, Mapping], mode: str, baseline_dir: str | Path | None = None) -> list[dict]:
    """EmoNet's Table 4, one row per corpus: chance level, the baseline's test UAR (with a baseline), the mode's test
    UAR in percent with its significance mark, and McNemar's p-value (two significant digits)."""
    mcnemar = load_mcnemar() if baseline_dir is not None else None
    rows = []
    for corpus, system in predictions.items():
        row = {"corpus": corpus, "chance": round(100 / len(system["labels"]), 1)}
        if mcnemar is not None:
            baseline = baseline_predictions(baseline_dir, corpus)
            test = compare(baseline, system, mcnemar)
            row |= {"baseline": f"{100 * baseline['uar']:.1f}", mode: f"{100 * system['uar']:.1f}{test['mark']}",
                    "p_value": float(f"{test['p_value']:.2g}")}
        else:
            row[mode] = f"{100 * system['uar']:.1f}"
        rows.append(row)
    return rows


def format_table(rows: Sequence[Mapping]) -> str:
    """The results table as Markdown, for the console."""
    return pd.DataFrame.from_records(list(rows)).to_markdown(index=False)


__all__ = [
    "EmoNetArguments", "EmoNetCollator", "EmoNetTrainer", "EmoNetTrainingArguments", "EmoNetTrainingError",
    "PlateauStop", "RoundRobinBatchSampler", "compare", "format_table", "results_table", "run",
]
