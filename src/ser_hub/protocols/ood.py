"""The SER Evals out-of-domain protocol as its published code runs it (Osman et al., SER Evals §3; the code:
spaghettiSystems/serval, `trainer_wandb.py`, `models/whisper.py`, `models/main.py`; docs/design.md §8).

Per backbone: one probe per corpus, `ImprovedMLPHead(input_dim, 8, [512], dropout_rate=0.1)` — one hidden layer of
512 with LayerNorm, GELU and dropout, one output per unified emotion — applied to every frame of the corpus's
training split; each utterance's frame *logits* are averaged and the label-smoothed cross-entropy is taken on those
utterance logits (AdamW with a one-cycle schedule, batches of 32 utterances; `ProbeSettings` gives every setting and
where the code sets it). Each probe is then applied to every corpus's test split. The result is the train-corpus ×
test-corpus matrix (macro-F1, UAR and accuracy per cell) and its reductions (`ser_hub.metrics.ood_matrix_scores`,
the math of the `ood_matrix` evaluate module).

The 8 outputs are the unified emotions of `ser_hub.labels.EMOTIONS` (neutral, anger, happiness, sadness, fear,
disgust, surprise, other), the same eight classes as the code's `GLOBAL_LABEL_MAP` (constants.py), so a corpus trains
the outputs of its own classes and label smoothing spreads its share over all eight. ``other`` is an output like
any other and is predicted in domain; out of domain the test utterances labelled ``other`` are dropped and the
``other`` output is never predicted (the code subtracts 1e12 from it). Corpora take part in the out-of-domain
reductions when they share exactly the same classes, ``other`` excluded (`ood_eligible`).

Logits are adjusted for class priors (`ser_hub.metrics.logit_adjust`; priors are utterance counts per class):

- ``train`` (default): minus the log training prior, in every cell; deployable, reads no test label.
- ``test`` (the code's, flagged): out of domain, minus the log training prior plus the log test prior
  (`EncoderPL.compute_validation_metrics`); in-domain cells unadjusted, as there.
- ``none``: the raw utterance logits.

A class whose prior is zero in a prior used is never predicted. The code floors priors at 1e-12 instead: for a class
absent from both corpora the floors cancel and its raw logit competes (a certain error when it wins), and a class
absent from the training corpus alone gains −log 1e-12 = 27.6. Scores count the classes present in the test references (`average_over="references"`
of `ser_hub.metrics.classification_scores`); ``*_training_classes`` average over the training corpus's classes as
well (a test corpus lacking some of them scores 0 recall on each).

Differences from the code that stay: splits come from ser-hub's split protocols (speaker-independent by default;
the code splits each corpus 80/20 at random and tests the other corpora on all their utterances); the priors are
those of the training and test splits (the code's are whole-corpus constants, `DATASET_DISTRIBUTIONS`); the probe
trains in float32 on the CPU (the code: one GPU, TF32 matmuls allowed), so its random draws differ from the code's
even with seed 34. The paper selects no model on a validation split (a fixed number of epochs), so validation splits
are not used.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields

import datasets
import numpy as np
import torch
from torch import nn
from tqdm.auto import trange

from ser_hub.errors import SerHubError
from ser_hub.labels import EMOTIONS
from ser_hub.metrics import classification_scores, logit_adjust, ood_matrix_scores
from ser_hub.protocols.options import PRIOR_MODES, PROBE_BATCH_SIZE, PROBE_EPOCHS

OTHER = "other"
METRICS = ("macro_f1", "uar", "accuracy", "macro_f1_training_classes", "uar_training_classes")
_EVAL_CHUNK = 65536  # frames per forward pass at evaluation, to bound memory on long corpora

_PRIOR_NOTES = {
    "test": (
        "logit adjustment used the TEST split's class prior out of domain, as SER Evals' code did: it reads the test "
        "labels, so the scores are not reachable by a deployed model; compare them only with numbers computed the "
        "same way."
    ),
    "none": "no logit adjustment: scores depend on how the class priors of the training and test corpora differ.",
}


class OodInputError(SerHubError, ValueError):
    """Per-corpus frame features cannot be run through the out-of-domain protocol as given."""


def _reference(default, source: str):
    """A setting whose default is the reference code's, with where that code sets it."""
    return field(default=default, metadata={"source": source})


@dataclass(frozen=True)
class ProbeSettings:
    """The probe and its training; every default is what SER Evals' code (spaghettiSystems/serval) runs, and the
    sources below say where. The paper's text says "two hidden layers" and "the mean of the predictions"; the code,
    followed here, has one hidden layer (two weight layers: 529,928 parameters for 1,024-d features, "approximately
    500K") and averages logits."""

    hidden_size: int = _reference(512, "ImprovedMLPHead(input_dim, 8, [512], dropout_rate=0.1), trainer_wandb.py; "
                                       "Linear -> LayerNorm -> GELU -> Dropout, models/whisper.py ImprovedMLPHead")
    dropout: float = _reference(0.1, "dropout_rate=0.1, trainer_wandb.py; after the GELU of the hidden layer only")
    epochs: int = _reference(PROBE_EPOCHS, "pl.Trainer(max_epochs=100), trainer_wandb.py; the last epoch's probe is "
                                           "scored (trainer.validate after fit)")
    batch_size: int = _reference(PROBE_BATCH_SIZE, "SERDataModule(batch_size=32), trainer_wandb.py; utterances, shuffled, the last "
                                     "incomplete batch dropped (DataLoader(drop_last=train), models/main.py)")
    learning_rate: float = _reference(1e-4, "AdamW(lr=1e-4) and OneCycleLR(max_lr=1e-4), models/main.py "
                                            "EncoderPL.configure_optimizers")
    weight_decay: float = _reference(0.1, "AdamW(weight_decay=0.1) on every parameter, models/main.py "
                                          "EncoderPL.configure_optimizers")
    warmup_fraction: float = _reference(0.1, "OneCycleLR(pct_start=0.1, total_steps=estimated_stepping_batches), "
                                             "stepped every batch, torch's other defaults (cosine, div_factor 25, "
                                             "final_div_factor 1e4, beta1 cycled 0.95 -> 0.85), models/main.py")
    label_smoothing: float = _reference(0.1, "nn.CrossEntropyLoss(label_smoothing=0.1) on the frame logits averaged "
                                             "per utterance, models/main.py EncoderPL.custom_loss_function")
    max_grad_norm: float = _reference(0.5, "pl.Trainer(gradient_clip_val=0.5), trainer_wandb.py; Lightning clips "
                                           "the total 2-norm")
    seed: int = _reference(34, "seed = 34 (torch.manual_seed), trainer_wandb.py")

    def __post_init__(self):
        for name in ("hidden_size", "epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise OodInputError(f"ProbeSettings {name} is {value!r}: give a positive integer (SER Evals' code: "
                                    f"{self.__dataclass_fields__[name].default}).")


ProbeSettings.__doc__ += "".join(f"\n\n    {item.name} = {item.default!r}: {item.metadata['source']}."
                                 for item in fields(ProbeSettings))


def reference_settings() -> list[dict]:
    """Each probe setting with the reference code's value and where that code sets it, for reports."""
    return [{"setting": item.name, "reference": item.default, "source": item.metadata["source"]}
            for item in fields(ProbeSettings)]


@dataclass
class OodCell:
    """One train-corpus × test-corpus evaluation; `labels` orders the rows and columns of `confusion_matrix`.

    `macro_f1` and `uar` average over the classes present in the test references, `*_training_classes` over the
    training corpus's classes too (and any class predicted)."""

    train_corpus: str
    test_corpus: str
    in_domain: bool
    ood_eligible: bool
    n: int
    dropped_other: int
    macro_f1: float
    uar: float
    accuracy: float
    macro_f1_training_classes: float
    uar_training_classes: float
    labels: list[str]
    confusion_matrix: list[list[int]]


@dataclass
class OodResult:
    """Everything the protocol computed, as plain data (`to_dict` is JSON-serialisable).

    `corpora` holds per corpus its classes and split sizes; `reductions` maps each metric to the
    `ood_matrix_scores` reductions, or to None when they are undefined (see `notes`).
    """

    corpora: dict[str, dict]
    eligible: list[str]
    prior: str
    settings: dict
    cells: list[OodCell]
    reductions: dict[str, dict | None]
    notes: list[str] = field(default_factory=list)

    def scores(self, metric: str = "macro_f1") -> tuple[list[str], list[str], list[float]]:
        """(train corpora, test corpora, scores) of every cell, as `ser_hub.report.plot_ood_matrix` takes them."""
        if metric not in METRICS:
            raise OodInputError(f"unknown metric {metric!r}: choose one of {', '.join(METRICS)}.")
        return (
            [cell.train_corpus for cell in self.cells],
            [cell.test_corpus for cell in self.cells],
            [getattr(cell, metric) for cell in self.cells],
        )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Frames:
    """One split's frames stacked into [frames, features], with each utterance's frame count and label."""

    frames: torch.Tensor
    lengths: torch.Tensor
    labels: np.ndarray


@dataclass
class _Probe:
    """A trained probe (one output per unified emotion) and its training utterances per emotion (the prior)."""

    model: nn.Module
    class_counts: np.ndarray


def mlp_probe(feature_size: int, hidden_size: int = 512, dropout: float = 0.1) -> nn.Sequential:
    """SER Evals' `ImprovedMLPHead(feature_size, 8, [hidden_size], dropout)`, applied per frame: Linear → LayerNorm →
    GELU → Dropout → Linear to one output per unified emotion. The hidden weights are Xavier-uniform, the output
    weights N(0, 1/fan_in), every bias zero (LayerNorm: weight one, bias zero)."""
    hidden, output = nn.Linear(feature_size, hidden_size), nn.Linear(hidden_size, len(EMOTIONS))
    nn.init.xavier_uniform_(hidden.weight)
    nn.init.normal_(output.weight, std=hidden_size**-0.5)
    for layer in (hidden, output):
        nn.init.zeros_(layer.bias)
    return nn.Sequential(hidden, nn.LayerNorm(hidden_size), nn.GELU(), nn.Dropout(dropout), output)


def utterance_logits(frame_logits: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """The mean of each utterance's frame logits, [utterances, outputs], from the frames of consecutive utterances
    stacked in `frame_logits` and their counts in `lengths` (the code's `nested_mean`: no padding is averaged)."""
    return torch.stack([frames.mean(0) for frames in frame_logits.split(lengths.tolist())])


def probe_loss(frame_logits: torch.Tensor, lengths: torch.Tensor, targets: torch.Tensor,
               label_smoothing: float = 0.1) -> torch.Tensor:
    """Label-smoothed cross-entropy of the utterance logits (`utterance_logits`), the mean over utterances."""
    return nn.functional.cross_entropy(utterance_logits(frame_logits, lengths), targets,
                                       label_smoothing=label_smoothing)


def probe_optimizer(model: nn.Module, settings: ProbeSettings, total_steps: int):
    """AdamW on every parameter with the one-cycle schedule over `total_steps` batches: (optimizer, scheduler)."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=settings.learning_rate, total_steps=total_steps,
                                                   pct_start=settings.warmup_fraction)
    return optimizer, schedule


def ood_eligible(class_sets: Mapping[str, Iterable[str]]) -> list[str]:
    """The corpora of the out-of-domain cluster: the largest group of two or more corpora whose class sets are
    exactly equal once ``other`` is removed (ties: the group with more classes, then the alphabetically first).
    Empty when no two corpora share their classes."""
    groups = defaultdict(list)
    for name, classes in class_sets.items():
        groups[frozenset(classes) - {OTHER}].append(name)
    clusters = [(classes, sorted(names)) for classes, names in groups.items() if len(names) >= 2]
    if not clusters:
        return []
    return min(clusters, key=lambda cluster: (-len(cluster[1]), -len(cluster[0]), cluster[1]))[1]


def _check_prior(prior: str) -> None:
    if prior not in PRIOR_MODES:
        raise OodInputError(f"prior is {prior!r}: choose one of {', '.join(PRIOR_MODES)} (default 'train').")


def adjust_and_predict(
    logits: np.ndarray,
    classes: Sequence[str],
    train_prior: Sequence[float],
    prior: str = "train",
    references: Sequence[str] | None = None,
) -> np.ndarray:
    """Predicted class names from utterance logits [utterances, classes] after logit adjustment.

    `prior` "train" subtracts the log training prior (`train_prior`, counts or probabilities; a class without
    training utterances is never predicted), "test" also adds the log class distribution of `references` (a class
    absent from them is never predicted), "none" leaves the logits.
    """
    _check_prior(prior)
    if prior == "test" and references is None:
        raise OodInputError("prior='test' needs the test references to count the test prior.")
    scores = np.asarray(logits, dtype=float)
    if prior != "none":
        target = [np.sum(np.asarray(references) == name) for name in classes] if prior == "test" else None
        scores = logit_adjust(scores, train_prior, target)
    return np.asarray(classes)[scores.argmax(axis=1)]


def run_ood(
    corpora: Mapping[str, Mapping[str, datasets.Dataset]],
    settings: ProbeSettings = ProbeSettings(),
    *,
    prior: str = "train",
    frames_column: str = "frames",
    label_column: str = "emotion",
    progress: bool = True,
) -> OodResult:
    """Run the SER Evals out-of-domain protocol on the frame features of two or more corpora.

    `corpora` maps each corpus name to its splits (a `DatasetDict`, e.g. from `ser_hub.features.extract` with a
    frame-level extractor); the protocol reads `train` and `test`, each with `frames_column` ([frames, features]
    per utterance) and `label_column` (the unified emotion: a ClassLabel or strings). Returns every cell of the
    matrix with macro-F1 and UAR (over the test references' classes, and over the training classes too as
    `*_training_classes`), accuracy and the confusion matrix, the eligible cluster and the reductions.
    """
    _check_prior(prior)
    if len(corpora) < 2:
        raise OodInputError(
            f"the out-of-domain matrix needs two or more corpora, got {sorted(corpora)}: pass more corpora."
        )
    splits = {
        name: {
            split: _read_split(dataset, name, split, frames_column, label_column)
            for split, dataset in _train_and_test(name, dataset_dict).items()
        }
        for name, dataset_dict in corpora.items()
    }
    _check_consistent(splits, settings.batch_size)
    class_sets = {
        name: _ordered(np.concatenate([parts["train"].labels, parts["test"].labels])) for name, parts in splits.items()
    }
    eligible = ood_eligible(class_sets)
    cells = []
    for train_name, parts in splits.items():
        probe = _train_probe(parts["train"], settings, f"OOD probe on {train_name}", progress)
        for test_name, test_parts in splits.items():
            in_domain = train_name == test_name
            cell = _score_cell(probe, test_parts["test"], in_domain, prior)
            cells.append(
                OodCell(
                    train_corpus=train_name,
                    test_corpus=test_name,
                    in_domain=in_domain,
                    ood_eligible=not in_domain and train_name in eligible and test_name in eligible,
                    **cell,
                )
            )
    reductions, notes = _reductions(cells, eligible)
    if prior in _PRIOR_NOTES:
        notes.insert(0, _PRIOR_NOTES[prior])
    return OodResult(
        corpora={
            name: {
                "classes": class_sets[name],
                "train_utterances": len(parts["train"].labels),
                "train_frames": int(parts["train"].lengths.sum()),
                "test_utterances": len(parts["test"].labels),
                "feature_size": parts["train"].frames.shape[1],
            }
            for name, parts in splits.items()
        },
        eligible=eligible,
        prior=prior,
        settings=asdict(settings),
        cells=cells,
        reductions=reductions,
        notes=notes,
    )


def _train_and_test(name: str, dataset_dict: Mapping[str, datasets.Dataset]) -> dict[str, datasets.Dataset]:
    missing = [split for split in ("train", "test") if split not in dataset_dict]
    if missing:
        raise OodInputError(
            f"corpus {name!r} has no {' or '.join(missing)} split (it has {sorted(dataset_dict)}): load it with a "
            "split protocol that has train and test splits, e.g. speaker-independent."
        )
    return {split: dataset_dict[split] for split in ("train", "test")}


def _read_split(dataset: datasets.Dataset, corpus: str, split: str, frames_column: str, label_column: str) -> _Frames:
    """Stack a split's frames and read its labels as class names, with errors that name the corpus and split."""
    where = f"{corpus!r} {split}"
    for column, fix in (
        (frames_column, "extract frame-level features first (ser_hub.features.extract with a frame-level extractor)"),
        (label_column, "keep the unified emotion label in the features dataset"),
    ):
        if column not in dataset.column_names:
            raise OodInputError(f"{where} has no {column!r} column (columns: {dataset.column_names}): {fix}.")
    if len(dataset) == 0:
        raise OodInputError(f"{where} holds no utterance: every corpus needs a non-empty train and test split.")
    feature = dataset.features[label_column]
    labels = list(dataset[label_column])
    if isinstance(feature, datasets.ClassLabel):
        labels = feature.int2str(labels)
    utterances = [np.asarray(frames, dtype=np.float32) for frames in dataset.with_format("numpy")[frames_column]]
    unknown = sorted(set(labels) - set(EMOTIONS))
    if unknown:
        raise OodInputError(
            f"{where} has labels {unknown} outside the unified emotions ({', '.join(EMOTIONS)}): the probe has one "
            "output per unified emotion; map them with the corpus definition's label_map or ser_hub.labels.remap."
        )
    for index, frames in enumerate(utterances):
        if frames.ndim != 2 or frames.shape[0] == 0:
            utterance = dataset[index]["utterance_id"] if "utterance_id" in dataset.column_names else index
            raise OodInputError(
                f"{where} utterance {utterance!r} has frames of shape {frames.shape}: each utterance needs a "
                "[frames, features] array with at least one frame; use a frame-level extractor."
            )
    sizes = sorted({frames.shape[1] for frames in utterances})
    if len(sizes) > 1:
        raise OodInputError(f"{where} mixes feature sizes {sizes}: extract every utterance with the same extractor.")
    stacked = np.concatenate(utterances)
    if not np.isfinite(stacked).all():
        raise OodInputError(f"{where} has non-finite frame features (NaN or inf): check the feature extractor.")
    return _Frames(
        frames=torch.from_numpy(stacked),
        lengths=torch.tensor([len(frames) for frames in utterances]),
        labels=np.asarray(labels, dtype=str),
    )


def _check_consistent(splits: Mapping[str, Mapping[str, _Frames]], batch_size: int) -> None:
    """Same feature size everywhere, a full batch and two or more classes to train on, something left to score out of
    domain."""
    sizes = {f"{name} {split}": part.frames.shape[1] for name, parts in splits.items() for split, part in parts.items()}
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"{where}: {size}" for where, size in sizes.items())
        raise OodInputError(
            f"feature sizes differ ({listed}): extract every corpus with the same backbone and layer."
        )
    for name, parts in splits.items():
        if len(parts["train"].labels) < batch_size:
            raise OodInputError(
                f"{name!r} train has {len(parts['train'].labels)} utterances, fewer than one batch of {batch_size}: "
                "incomplete batches are dropped as in SER Evals' code, so the probe would never train; give a batch "
                "size (ProbeSettings(batch_size=...), --batch-size) no larger than the smallest training split."
            )
        if len(set(parts["train"].labels)) < 2:
            raise OodInputError(
                f"{name!r} train has only the class {_ordered(parts['train'].labels)}: a probe needs two or more."
            )
        if (parts["test"].labels == OTHER).all():
            raise OodInputError(
                f"{name!r} test holds only {OTHER!r} utterances, which out-of-domain cells drop: remap its labels "
                "or leave the corpus out."
            )


def _ordered(classes: Iterable[str]) -> list[str]:
    """The distinct class names in the unified taxonomy's order."""
    return sorted({str(name) for name in classes}, key=EMOTIONS.index)


def _train_probe(train: _Frames, settings: ProbeSettings, description: str, progress: bool) -> _Probe:
    """Fit the probe on the training utterances, batches of whole utterances in a new order every epoch (the last
    incomplete batch dropped), the loss on each utterance's mean frame logits; seeded, the global RNG state kept."""
    targets = torch.tensor([EMOTIONS.index(label) for label in train.labels])
    utterances = train.frames.split(train.lengths.tolist())
    steps_per_epoch = len(targets) // settings.batch_size
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        model = mlp_probe(train.frames.shape[1], settings.hidden_size, settings.dropout)
        optimizer, schedule = probe_optimizer(model, settings, settings.epochs * steps_per_epoch)
        model.train()
        for _ in trange(settings.epochs, desc=description, unit="epoch", disable=not progress):
            order = torch.randperm(len(targets))[: steps_per_epoch * settings.batch_size]
            for batch in order.split(settings.batch_size):
                frames = torch.cat([utterances[index] for index in batch.tolist()])
                loss = probe_loss(model(frames), train.lengths[batch], targets[batch], settings.label_smoothing)
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), settings.max_grad_norm)
                optimizer.step()
                schedule.step()
    model.eval()
    return _Probe(model, np.bincount(targets.numpy(), minlength=len(EMOTIONS)))


@torch.inference_mode()
def _split_logits(model: nn.Module, split: _Frames) -> np.ndarray:
    """The probe's utterance logits of a split, [utterances, emotions]."""
    frame_logits = torch.cat([model(chunk) for chunk in split.frames.split(_EVAL_CHUNK)])
    return utterance_logits(frame_logits, split.lengths).double().numpy()


def _score_cell(probe: _Probe, test: _Frames, in_domain: bool, prior: str) -> dict:
    """Predict one test split and score it; out of domain, `other` is neither scored nor predicted, and the test
    prior's adjustment applies (in domain it does not, as in SER Evals' code)."""
    keep = np.ones(len(test.labels), bool) if in_domain else test.labels != OTHER
    allowed = [index for index, name in enumerate(EMOTIONS) if in_domain or name != OTHER]
    classes = [EMOTIONS[index] for index in allowed]
    references = test.labels[keep]
    logits = _split_logits(probe.model, test)[keep][:, allowed]
    adjustment = "none" if in_domain and prior == "test" else prior
    predictions = adjust_and_predict(logits, classes, probe.class_counts[allowed], adjustment, references)
    trained = [name for name, count in zip(classes, probe.class_counts[allowed]) if count]
    labels = _ordered([*trained, *references, *predictions])
    scores = classification_scores(predictions, references, labels, True, average_over="references")
    training_classes = classification_scores(predictions, references, labels, average_over="labels")
    return {
        "n": len(references),
        "dropped_other": int((~keep).sum()),
        **{metric: scores[metric] for metric in ("macro_f1", "uar", "accuracy")},
        "macro_f1_training_classes": training_classes["macro_f1"],
        "uar_training_classes": training_classes["uar"],
        "labels": scores["labels"],
        "confusion_matrix": scores["confusion_matrix"],
    }


def _reductions(cells: list[OodCell], eligible: list[str]) -> tuple[dict[str, dict | None], list[str]]:
    """The `ood_matrix` reductions of each metric, or None with the reason when the matrix cannot support them."""
    train = [cell.train_corpus for cell in cells]
    test = [cell.test_corpus for cell in cells]
    if len(eligible) < 2:
        note = (
            "no two corpora share exactly the same classes (other excluded), so no out-of-domain reductions: "
            "add corpora with the same class set or remap labels."
        )
        return dict.fromkeys(METRICS), [note]
    reductions = {
        metric: ood_matrix_scores(train, test, [getattr(cell, metric) for cell in cells], eligible)
        for metric in METRICS
    }
    return reductions, []
