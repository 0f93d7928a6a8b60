"""The unified emotion taxonomy, the mapping policy from corpus labels to it, and arousal/valence.

Unified 8-class space (SER Evals): neutral, anger, happiness, sadness, fear, disgust, surprise, other; the 7-class
view (multi-task wav2vec 2.0 paper) drops ``other``. Arousal/valence follow EmoNet/EmoSet Table 2 (docs/design.md §4).
"""

from __future__ import annotations

from collections.abc import Mapping

import datasets

EMOTIONS: tuple[str, ...] = ("neutral", "anger", "happiness", "sadness", "fear", "disgust", "surprise", "other")
EMOTIONS_7: tuple[str, ...] = EMOTIONS[:7]
AROUSAL: tuple[str, ...] = ("low", "high")
VALENCE: tuple[str, ...] = ("negative", "neutral", "positive")
GENDERS: tuple[str, ...] = ("female", "male", "unknown")

# Synonyms folded onto a unified class (docs/design.md §4). Anything neither a unified class nor listed here is `other`.
SYNONYMS: Mapping[str, str] = {
    "calm": "neutral",
    "joy": "happiness",
    "happy": "happiness",
    "excited": "happiness",
    "excitement": "happiness",
    "angry": "anger",
    "fearful": "fear",
    "anxiety": "fear",
    "anxiety/fear": "fear",
    "sad": "sadness",
    "surprised": "surprise",
    "pleasant surprise": "surprise",
    "disgusted": "disgust",
}

_AROUSAL_VALENCE_TABLE: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("low", "negative"): (
        "contempt", "disappointment", "disgust", "frustration", "guilt", "hurt", "impatience", "irritation",
        "jealousy", "sadness", "shame", "unfriendliness", "worry",
    ),
    ("low", "neutral"): ("boredom", "confusion", "neutral", "pondering", "rest", "sneakiness"),
    ("low", "positive"): ("admiration", "kindness", "pride", "relief", "tenderness"),
    ("high", "negative"): (
        "aggressiveness", "anger", "anxiety", "despair", "fear", "helplessness", "high-stress", "scream",
    ),
    ("high", "neutral"): ("emphatic", "interest", "intoxication", "medium-stress", "nervousness", "surprise"),
    ("high", "positive"): (
        "amusement", "cheerfulness", "elation", "excitement", "happiness", "joking", "joy", "pleasure", "positive",
    ),
}
AROUSAL_VALENCE: Mapping[str, tuple[str, str]] = {
    emotion: pair for pair, emotions in _AROUSAL_VALENCE_TABLE.items() for emotion in emotions
}


def _normalise(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())


def unify(native: str) -> str:
    """Map a corpus label name to the unified 8-class space with the default policy (a corpus's `label_map` comes
    first, in `ser_hub.corpora.spec`)."""
    key = _normalise(native)
    target = SYNONYMS.get(key, key)
    return target if target in EMOTIONS else "other"


def covers(native: str) -> bool:
    """Whether the default policy knows a label: a unified class (`other` included) or one of its synonyms."""
    key = _normalise(native)
    return key in EMOTIONS or key in SYNONYMS


def arousal_valence(native: str, emotion: str) -> tuple[str | None, str | None]:
    """EmoSet arousal/valence of a label: the native term if the table has it, else its unified class, else unknown."""
    for term in (_normalise(native), SYNONYMS.get(_normalise(native)), emotion):
        if term in AROUSAL_VALENCE:
            return AROUSAL_VALENCE[term]
    return None, None


def emotion_feature(seven_class: bool = False) -> datasets.ClassLabel:
    return datasets.ClassLabel(names=list(EMOTIONS_7 if seven_class else EMOTIONS))


def remap(
    dataset: datasets.Dataset | datasets.DatasetDict,
    mapping: Mapping[str, str],
    *,
    column: str = "emotion",
    source: str = "native_label",
    names: list[str] | None = None,
    default: str | None = None,
) -> datasets.Dataset | datasets.DatasetDict:
    """Apply another label policy: map each example's ``source`` label name through ``mapping`` into ``column``.

    ``names`` is the new class list (default: the mapping's targets in first-seen order). Labels absent from the
    mapping go to ``default``; with no default they are an error naming the missing labels.
    """
    splits = dataset.values() if isinstance(dataset, datasets.DatasetDict) else [dataset]
    source_names = next(iter(splits)).features[source].names
    target_names = list(names) if names is not None else list(dict.fromkeys([*mapping.values(), *filter(None, [default])]))
    unmapped = sorted(name for name in source_names if name not in mapping and default is None)
    if unmapped:
        raise ValueError(f"remap: no target for labels {unmapped}; add them to the mapping or pass default=...")
    unknown_targets = sorted({*mapping.values(), *filter(None, [default])} - set(target_names))
    if unknown_targets:
        raise ValueError(f"remap: targets {unknown_targets} are not in names={target_names}")
    lookup = [target_names.index(mapping.get(name, default)) for name in source_names]
    feature = datasets.ClassLabel(names=target_names)

    def apply(labels):
        return {column: [lookup[label] for label in labels]}

    def one(split: datasets.Dataset) -> datasets.Dataset:
        features = split.features.copy()
        features[column] = feature
        return split.map(apply, batched=True, input_columns=source, features=features, desc=f"remap {column}")

    if isinstance(dataset, datasets.DatasetDict):
        return datasets.DatasetDict({name: one(split) for name, split in dataset.items()})
    return one(dataset)
