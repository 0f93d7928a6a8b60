"""The SER Evals out-of-domain protocol (Osman et al., SER Evals §3; docs/design.md §8).

Per backbone: one MLP probe per corpus (two hidden layers, label smoothing 0.1, 100 epochs), trained on the
frame-level features of the corpus's training split with every frame labelled with its utterance's unified emotion,
then applied to every frame of every corpus's test split, the frame probabilities averaged per utterance. The result
is the train-corpus × test-corpus matrix (macro-F1, UAR and accuracy per cell) and its reductions
(`ser_hub.metrics.ood_matrix_scores`, the math of the `ood_matrix` evaluate module).

Out-of-domain cells drop test utterances labelled ``other`` and never predict ``other``; in-domain cells keep the
corpus as it is. Corpora take part in the out-of-domain reductions when they share exactly the same classes, ``other``
excluded (`ood_eligible`). Logits are adjusted for class priors (`ser_hub.metrics.logit_adjust`) with the training
prior by default; the test prior, as the paper did, reads the test labels and is flagged in the result.

The paper selects no model on a validation split (a fixed number of epochs), so validation splits are not used.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

import datasets
import numpy as np
import torch
from torch import nn
from tqdm.auto import trange

from ser_hub.errors import SerHubError
from ser_hub.labels import EMOTIONS
from ser_hub.metrics import classification_scores, logit_adjust, ood_matrix_scores
from ser_hub.protocols.options import PRIOR_MODES, PROBE_EPOCHS

OTHER = "other"
METRICS = ("macro_f1", "uar", "accuracy")
_EVAL_CHUNK = 65536  # frames per forward pass at evaluation, to bound memory on long corpora

_PRIOR_NOTES = {
    "test": (
        "logit adjustment used the TEST split's class prior, as SER Evals did: it reads the test labels, so the "
        "scores are not reachable by a deployed model; compare them only with numbers computed the same way."
    ),
    "none": "no logit adjustment: scores depend on how the class priors of the training and test corpora differ.",
}


class OodInputError(SerHubError, ValueError):
    """Per-corpus frame features cannot be run through the out-of-domain protocol as given."""


@dataclass(frozen=True)
class ProbeSettings:
    """The MLP probe and its training. The defaults are the paper's where it states them (two hidden layers,
    ≈0.5 M parameters — 544,135 for 1024-d features and 7 classes —, label smoothing 0.1, 100 epochs); optimiser,
    learning rate and batch size (in frames) are not given there."""

    hidden_size: int = 384
    epochs: int = PROBE_EPOCHS
    batch_size: int = 1024
    learning_rate: float = 1e-3
    label_smoothing: float = 0.1
    seed: int = 0


@dataclass
class OodCell:
    """One train-corpus × test-corpus evaluation; `labels` orders the rows and columns of `confusion_matrix`."""

    train_corpus: str
    test_corpus: str
    in_domain: bool
    ood_eligible: bool
    n: int
    dropped_other: int
    macro_f1: float
    uar: float
    accuracy: float
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
    """A trained probe, the classes of its outputs and the class prior it learnt."""

    model: nn.Module
    classes: list[str]
    frame_counts: np.ndarray  # training frames per class: the prior the per-frame loss absorbs


def mlp_probe(feature_size: int, num_classes: int, hidden_size: int = ProbeSettings.hidden_size) -> nn.Sequential:
    """The SER Evals probe: two ReLU hidden layers of `hidden_size` units and a linear output, applied per frame."""
    return nn.Sequential(
        nn.Linear(feature_size, hidden_size),
        nn.ReLU(),
        nn.Linear(hidden_size, hidden_size),
        nn.ReLU(),
        nn.Linear(hidden_size, num_classes),
    )


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
    log_probs: np.ndarray,
    classes: Sequence[str],
    train_prior: Sequence[float],
    prior: str = "train",
    references: Sequence[str] | None = None,
) -> np.ndarray:
    """Predicted class names from utterance log-probabilities [utterances, classes] after logit adjustment.

    `prior` "train" removes the training prior (`train_prior`, counts or probabilities), "test" also adds the
    class distribution of `references` (a class absent from them is never predicted), "none" leaves the scores.
    """
    _check_prior(prior)
    if prior == "test" and references is None:
        raise OodInputError("prior='test' needs the test references to count the test prior.")
    scores = np.asarray(log_probs, dtype=float)
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
    matrix with macro-F1, UAR, accuracy and the confusion matrix, the eligible cluster and the reductions.
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
    _check_consistent(splits)
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


def _check_consistent(splits: Mapping[str, Mapping[str, _Frames]]) -> None:
    """Same feature size everywhere, two or more training classes, something left to score out of domain."""
    sizes = {f"{name} {split}": part.frames.shape[1] for name, parts in splits.items() for split, part in parts.items()}
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"{where}: {size}" for where, size in sizes.items())
        raise OodInputError(
            f"feature sizes differ ({listed}): extract every corpus with the same backbone and layer."
        )
    for name, parts in splits.items():
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
    """Class names in the unified taxonomy's order, names outside it after them, sorted."""
    names = {str(name) for name in classes}
    return sorted(names, key=lambda name: (EMOTIONS.index(name) if name in EMOTIONS else len(EMOTIONS), name))


def _train_probe(train: _Frames, settings: ProbeSettings, description: str, progress: bool) -> _Probe:
    """Fit the probe on every training frame, each labelled with its utterance's class; seeded, RNG state kept."""
    classes = _ordered(train.labels)
    targets = torch.tensor([classes.index(label) for label in train.labels]).repeat_interleave(train.lengths)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        model = mlp_probe(train.frames.shape[1], len(classes), settings.hidden_size)
        optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate)
        loss_function = nn.CrossEntropyLoss(label_smoothing=settings.label_smoothing)
        model.train()
        for _ in trange(settings.epochs, desc=description, unit="epoch", disable=not progress):
            for batch in torch.randperm(len(targets)).split(settings.batch_size):
                optimizer.zero_grad()
                loss_function(model(train.frames[batch]), targets[batch]).backward()
                optimizer.step()
    model.eval()
    return _Probe(model, classes, np.bincount(targets.numpy(), minlength=len(classes)))


@torch.inference_mode()
def _utterance_log_probs(model: nn.Module, split: _Frames) -> np.ndarray:
    """log of the mean frame probability per utterance and class, [utterances, classes]."""
    log_probs = torch.cat([model(chunk).log_softmax(-1) for chunk in split.frames.split(_EVAL_CHUNK)])
    per_utterance = torch.stack([frames.logsumexp(0) for frames in log_probs.split(split.lengths.tolist())])
    return (per_utterance - split.lengths.log()[:, None]).double().numpy()


def _score_cell(probe: _Probe, test: _Frames, in_domain: bool, prior: str) -> dict:
    """Predict one test split and score it; out of domain, `other` is neither scored nor predicted."""
    keep = np.ones(len(test.labels), bool) if in_domain else test.labels != OTHER
    allowed = [index for index, name in enumerate(probe.classes) if in_domain or name != OTHER]
    classes = [probe.classes[index] for index in allowed]
    references = test.labels[keep]
    log_probs = _utterance_log_probs(probe.model, test)[keep][:, allowed]
    predictions = adjust_and_predict(log_probs, classes, probe.frame_counts[allowed], prior, references)
    scores = classification_scores(
        predictions, references, labels=_ordered([*classes, *references]), return_confusion_matrix=True
    )
    return {
        "n": len(references),
        "dropped_other": int((~keep).sum()),
        **{metric: scores[metric] for metric in METRICS},
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
