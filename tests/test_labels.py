"""The unified taxonomy, its mapping policy, EmoSet arousal/valence and remap()."""

import datasets
import pytest

from ser_hub import labels


@pytest.mark.parametrize("native, unified", [
    ("Angry", "anger"), ("calm", "neutral"), ("joy", "happiness"), ("excited", "happiness"), ("fearful", "fear"),
    ("anxiety", "fear"), ("pleasant surprise", "surprise"), ("Pleasant_Surprise", "surprise"), ("boredom", "other"),
    ("contempt", "other"), ("frustration", "other"), ("disgust", "disgust"), ("sad", "sadness"), ("neu", "other"),
])
def test_default_policy(native, unified):
    assert labels.unify(native) == unified


@pytest.mark.parametrize("native, covered", [
    ("Angry", True), ("calm", True), ("other", True), ("Pleasant_Surprise", True), ("boredom", False), ("neu", False),
])
def test_the_policy_covers_unified_classes_and_synonyms_only(native, covered):
    assert labels.covers(native) is covered


def test_seven_class_view():
    assert labels.EMOTIONS_7 == labels.EMOTIONS[:-1] and "other" not in labels.EMOTIONS_7
    assert labels.emotion_feature(seven_class=True).num_classes == 7


@pytest.mark.parametrize("native, emotion, expected", [
    ("boredom", "other", ("low", "neutral")), ("contempt", "other", ("low", "negative")),
    ("calm", "neutral", ("low", "neutral")), ("excited", "happiness", ("high", "positive")),
    ("anxiety", "fear", ("high", "negative")), ("surprised", "surprise", ("high", "neutral")),
    ("Angry", "anger", ("high", "negative")), ("xxx", "other", (None, None)),
])
def test_arousal_valence_from_emoset_table_2(native, emotion, expected):
    assert labels.arousal_valence(native, emotion) == expected


def test_remap_applies_another_policy():
    features = datasets.Features({"native_label": datasets.ClassLabel(names=["Angry", "Happy", "Neutral", "Sad"])})
    data = datasets.DatasetDict({"train": datasets.Dataset.from_dict({"native_label": [0, 1, 2, 3, 0]}, features=features)})
    binary = labels.remap(data, {"Angry": "high", "Happy": "high"}, column="arousal", default="low")
    assert binary["train"].features["arousal"].names == ["high", "low"]
    assert binary["train"]["arousal"] == [0, 0, 1, 1, 0]
    with pytest.raises(ValueError, match=r"no target for labels \['Neutral', 'Sad'\]"):
        labels.remap(data, {"Angry": "anger", "Happy": "happiness"})
