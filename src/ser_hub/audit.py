"""Audit a prepared corpus: per-split sizes and classes, leaks between splits, confounds that bias results."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import datasets
import pandas as pd
from tabulate import tabulate

_COLUMNS = ["speaker_id", "native_label", "duration"]
# The text "nearly determines" the emotion when its most common emotion is right this often, and this much more often
# than the most common class alone.
TEXT_CONFOUND_SHARE = 0.8
TEXT_CONFOUND_MARGIN = 0.2


@dataclass
class AuditReport:
    """Per-split table, overlaps between splits and warnings, as data (``to_text`` renders it)."""

    corpus: str
    table: pd.DataFrame
    overlaps: dict[tuple[str, str], dict[str, list[str]]]
    warnings: list[str] = field(default_factory=list)
    confounded_speakers: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        parts = [f"Audit of {self.corpus}", tabulate(self.table, headers="keys", tablefmt="github", showindex=False)]
        for (first, second), shared in self.overlaps.items():
            for kind, items in shared.items():
                if items and kind != "speakers":  # shared speakers are already a warning
                    parts.append(f"{kind} shared by {first} and {second} ({len(items)}): {', '.join(items[:10])}")
        parts += [f"WARNING: {warning}" for warning in self.warnings] or ["No warnings."]
        return "\n".join(parts)


def audit(dataset: datasets.DatasetDict) -> AuditReport:
    """Summarise each split and flag speaker/text overlap, speaker-emotion confounding and missing classes."""
    first = next(iter(dataset.values()))
    names = first.features["native_label"].names
    text_column = "text_id" if "text_id" in first.column_names else None
    frames = {
        split: data.select_columns(_COLUMNS + ([text_column] if text_column else [])).to_pandas()
        for split, data in dataset.items()
    }
    for frame in frames.values():
        frame["native_label"] = frame["native_label"].map(names.__getitem__)
    rows = []
    for split, frame in frames.items():
        counts = frame["native_label"].value_counts()
        rows.append(
            {
                "split": split,
                "utterances": len(frame),
                "speakers": frame["speaker_id"].nunique(),
                **{name: int(counts.get(name, 0)) for name in names},
                "hours": round(frame["duration"].sum() / 3600, 3),
            }
        )
    overlaps = {}
    for (first_split, a), (second_split, b) in combinations(frames.items(), 2):
        shared = {"speakers": sorted(set(a["speaker_id"]) & set(b["speaker_id"]))}
        if text_column:
            shared["texts"] = sorted(set(a[text_column]) & set(b[text_column]))
        overlaps[(first_split, second_split)] = shared
    whole = pd.concat(frames.values())
    present = set(whole["native_label"])
    warnings = [
        f"speakers {', '.join(shared['speakers'][:10])} appear in both {pair[0]} and {pair[1]}: "
        "the split is not speaker-independent."
        for pair, shared in overlaps.items()
        if shared["speakers"]
    ]
    warnings += [
        f"class {label!r} is missing from the {split} split."
        for split, frame in frames.items()
        for label in sorted(present - set(frame["native_label"]))
    ]
    emotions_per_speaker = whole.groupby("speaker_id")["native_label"].nunique()
    confounded = sorted(emotions_per_speaker[emotions_per_speaker == 1].index)
    if confounded and len(present) > 1:
        share = whole["speaker_id"].isin(confounded).mean()
        warnings.append(
            f"speakers and emotions are confounded: {len(confounded)} of {len(emotions_per_speaker)} speakers "
            f"({share:.0%} of the utterances) are recorded in one emotion only ({', '.join(confounded[:10])}"
            f"{', ...' if len(confounded) > 10 else ''}); per-speaker normalisation removes the emotion signal for "
            "them and speaker identity predicts the label."
        )
    if text_column:
        warnings += _text_confound(whole, text_column)
    return AuditReport(first.info.dataset_name or "corpus", pd.DataFrame(rows), overlaps, warnings, confounded)


def _text_confound(whole: pd.DataFrame, text_column: str) -> list[str]:
    """A warning when the text predicts the emotion: over the texts recorded more than once, the share of utterances
    whose label is their text's most common label, against the most common class's share of the same utterances."""
    repeated = whole[whole.groupby(text_column)[text_column].transform("size") > 1]
    if repeated.empty or repeated["native_label"].nunique() < 2:
        return []
    by_text = repeated.groupby(text_column)["native_label"]
    predicted = by_text.agg(lambda labels: labels.value_counts().iloc[0]).sum() / len(repeated)
    chance = repeated["native_label"].value_counts().iloc[0] / len(repeated)
    if predicted < TEXT_CONFOUND_SHARE or predicted - chance < TEXT_CONFOUND_MARGIN:
        return []
    single = int((by_text.nunique() == 1).sum())
    return [
        f"texts and emotions are confounded: {single} of {by_text.ngroups} texts recorded more than once are "
        f"recorded in one emotion only, and a text's most common emotion is the label of {predicted:.0%} of their "
        f"utterances (the most common class alone: {chance:.0%}); a model can learn the words instead of the "
        "emotion: compare with text-disjoint splits before drawing conclusions."
    ]
