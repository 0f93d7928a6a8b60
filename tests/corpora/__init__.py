"""Corpus spec tests: one module per corpus, each on a fixture with the corpus's distributed layout and file names.

`reference_serab_split` is SERAB's reference split (`_get_inter_splits_by_group` of its TFDS builders) written out
independently of `ser_hub.splits`, so that the tests check the library against the reference algorithm itself.
"""

import numpy as np

SPLITS = ("train", "validation", "test")


def reference_serab_split(keys, proportions=(0.6, 0.2, 0.2)) -> dict[str, set[str]]:
    """Split name -> the grouping keys in it, exactly as the reference computes it (floating sums included)."""
    groups = sorted(set(keys))
    np.random.RandomState(0).shuffle(groups)
    bounds, total = [], 0.0
    for proportion in proportions:
        start = int(total * len(groups))
        total += proportion
        bounds.append([start, int(total * len(groups))])
    bounds[-1][1] = len(groups)
    return {split: set(groups[start:end]) for split, (start, end) in zip(SPLITS, bounds)}


def rows_by_id(dataset) -> dict[str, dict]:
    """utterance_id -> its example without the audio, class labels as names (None for -1), plus its split."""
    rows = {}
    for split, data in dataset.items():
        table = data.remove_columns("audio")
        names = {column: feature.names for column, feature in table.features.items() if hasattr(feature, "names")}
        for row in table.to_list():
            row.update({column: labels[row[column]] if row[column] >= 0 else None for column, labels in names.items()})
            rows[row["utterance_id"]] = {**row, "split": split}
    return rows


def speakers_by_split(dataset) -> dict[str, set[str]]:
    return {split: set(data["speaker_id"]) for split, data in dataset.items()}


BASE_COLUMNS = [
    "audio", "file", "corpus", "utterance_id", "speaker_id", "gender", "language",
    "native_label", "emotion", "arousal", "valence", "duration",
]


def decoded_shape(example) -> tuple[int, tuple[int, ...]]:
    """(sampling rate, [channels, samples]) of an example's audio as datasets decodes it."""
    samples = example["audio"].get_all_samples()
    return samples.sample_rate, tuple(samples.data.shape)


# A Praat TextGrid (long text format) with an `emotion` and a `sentence` tier, as EEKK ships one beside each file.
TEXTGRID = '''File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0
xmax = 0.3
tiers? <exists>
size = 2
item []:
    item [1]:
        class = "IntervalTier"
        name = "emotion"
        xmin = 0
        xmax = 0.3
        intervals: size = 1
        intervals [1]:
            xmin = 0
            xmax = 0.3
            text = "{emotion}"
    item [2]:
        class = "IntervalTier"
        name = "sentence"
        xmin = 0
        xmax = 0.3
        intervals: size = 1
        intervals [1]:
            xmin = 0
            xmax = 0.3
            text = "{sentence}"
'''


def write_textgrid(path, emotion: str, text: str, encoding: str = "utf-8") -> None:
    path.write_bytes(TEXTGRID.format(emotion=emotion, sentence=text).encode(encoding))
