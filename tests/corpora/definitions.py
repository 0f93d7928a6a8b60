"""Two corpora ser-hub has no definition for, each described by a definition file, with fixtures in their layouts.

`levels`: numeric label codes with names, gender coded 01/02 in the file names, and arousal given per native label
(a corpus labelled by level). `moods`: labels from the folder names, gender from a speakers table (CSV).
"""

from pathlib import Path

from corpus_fixtures import write_corpus

LEVELS = """\
name: levels
title: Arousal Levels Corpus
language: am
license: CC BY 4.0
homepage: https://example.org/levels
citation: |
  @misc{levels2026, title={Arousal Levels Corpus}, year={2026}}
description: Read sentences at three arousal levels, gender coded in the file names.
sampling_rate: 16000
files:
  pattern: 'recordings/(?P<speaker>spk\\d{2})_(?P<gender>0[12])_(?P<label>\\d)_(?P<text>t\\d{2})\\.wav'
  example: recordings/spk01_01_0_t01.wav
labels: {"0": calm, "1": aroused, "2": very aroused}
label_map: {calm: neutral, aroused: other, very aroused: other}
gender_map: {"01": female, "02": male}
arousal_map: {calm: low, aroused: high, very aroused: high}
valence_map: {aroused: neutral, very aroused: neutral}
"""

MOODS = """\
name: moods
title: Moods Corpus
language: tr
license: research use only
homepage: https://example.org/moods
description: Words in four moods, one folder per mood; the speakers' sex is in speakers.csv.
files:
  pattern: 'Sound Source/(?P<label>Calm|Happy|Sad|Angry)/(?P<speaker>\\d{4})_(?P<text>[a-z]+)\\.wav'
  example: Sound Source/Calm/1984_eger.wav
tables:
  speakers: {path: speakers.csv, key: id, match: "{speaker}"}
gender: "{speakers[sex]}"
utterance_id: "{label}_{stem}"
"""

LEVEL_SPEAKERS = {"spk01": "01", "spk02": "02", "spk03": "01", "spk04": "02", "spk05": "01", "spk06": "02"}
LEVEL_TEXTS = ["t01", "t02", "t03", "t04"]
MOOD_SPEAKERS = {"1984": "f", "1358": "m", "2001": "f", "2002": "m", "2003": "f"}
MOOD_TEXTS = ["eger", "dil", "kulac"]


def level_files() -> list[str]:
    """Every speaker reads every text at every level (texts do not predict the level)."""
    return [f"recordings/{speaker}_{gender}_{level}_{text}.wav" for speaker, gender in LEVEL_SPEAKERS.items()
            for level in "012" for text in LEVEL_TEXTS]


def mood_files() -> list[str]:
    return [f"Sound Source/{mood}/{speaker}_{text}.wav" for mood in ("Calm", "Happy", "Sad", "Angry")
            for speaker in MOOD_SPEAKERS for text in MOOD_TEXTS]


def build_levels(parent: Path) -> tuple[Path, Path]:
    """(definition file, corpus folder) of `levels` under `parent`."""
    parent.mkdir(parents=True, exist_ok=True)
    definition = parent / "levels.yaml"
    definition.write_text(LEVELS)
    root = write_corpus(parent / "Levels", level_files(), 16000, seconds=0.6)
    (root / "README.txt").write_text("spk_gender_level_text.wav; gender 01 female, 02 male\n")
    return definition, root


def build_moods(parent: Path) -> tuple[Path, Path]:
    """(definition file, corpus folder) of `moods` under `parent`."""
    definition = parent / "moods.yaml"
    definition.write_text(MOODS)
    root = write_corpus(parent / "Moods", mood_files(), 44100, seconds=0.6)
    rows = "".join(f"{speaker},{sex}\n" for speaker, sex in MOOD_SPEAKERS.items())
    (root / "speakers.csv").write_text(f"id,sex\n{rows}")
    return definition, root
