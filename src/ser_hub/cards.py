"""Hub dataset cards of corpora: the one writer behind `ser-hub card` (a card from a corpus's definition alone, the
template committed in `datasets/<corpus>/README.md`) and `ser-hub export` (the same card with the numbers of an
exported copy: sizes, split hashes, skipped files).

A card's configs are split protocols; their data files are globs over the shards `ser-hub export` writes
(`data/<split in the first config>.<split in the second>...-0000k-of-0000n.parquet`: a shard holds the utterances that
share their split in every config), so the template and the export's card describe the same layout.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from huggingface_hub import DatasetCard, DatasetCardData

from . import labels
from .corpora.emobox import load_folds
from .corpora.spec import CorpusSpec
from .files import atomic_path
from .splits import PROTOCOL_HELP, SPLITS, protocol_family

CARD_PROTOCOLS = ("speaker-independent", "serab", "official", "emobox")
# Hub licence identifiers for the licence names corpora are published under; anything else is "other".
_HUB_LICENSES = {
    "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0", "cc-by-nc-nd-4.0", "cc-by-nd-4.0", "cc0-1.0",
    "mit", "apache-2.0", "odbl", "cc-by-3.0", "cc-by-nc-sa-3.0", "cc-by-sa-3.0", "gpl-3.0", "unknown",
}
_SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))


def hub_license(text: str) -> str:
    """The Hub licence id of a licence name such as 'CC BY-NC-SA 4.0', or 'other'."""
    candidate = "-".join(text.lower().replace("_", " ").split()).replace("--", "-")
    return candidate if candidate in _HUB_LICENSES else "other"


def card_protocols(spec: CorpusSpec) -> list[str]:
    """The protocols a corpus's card and default export hold: speaker-independent, serab, its official partition and
    EmoBox's folds, those it has and supports; `stratified` for a corpus that supports none of them."""
    protocols = [
        protocol for protocol in CARD_PROTOCOLS
        if (spec.supports is None or protocol in spec.supports)
        and (protocol != "official" or spec.official is not None) and (protocol != "emobox" or spec.emobox is not None)
    ]
    return protocols or ["stratified"]


def template_splits(spec: CorpusSpec, protocol: str) -> list[str]:
    """The split names a protocol gives a corpus, as far as its definition tells."""
    if protocol == "official":
        found = list(dict.fromkeys(spec.official.map.values()))
        return [name for name in SPLITS if name in found] + [name for name in found if name not in SPLITS]
    if protocol == "emobox":
        folds = load_folds(spec.emobox.name)
        names = list(folds["splits"]) + ([folds["rest"]] if folds["rest"] else [])
        order = [*SPLITS, *sorted((name for name in names if name not in SPLITS), key=lambda n: int(n.split("_")[1]))]
        return [name for name in order if name in names]
    return list(SPLITS)


def shard_globs(layout: Mapping[str, Sequence[str]]) -> dict[str, dict[str, str]]:
    """protocol -> split -> the glob of the shards `ser-hub export` writes for that split of that config."""
    protocols = list(layout)
    return {
        protocol: {split: "data/" + ".".join(["*"] * index + [split] + ["*"] * (len(protocols) - index - 1))
                   + "-*.parquet" for split in splits}
        for index, (protocol, splits) in enumerate(layout.items())
    }


def dataset_card(spec: CorpusSpec, layout: Mapping[str, Sequence[str]], builds: Mapping[str, dict] | None = None,
                 infos: Any = None) -> str:
    """The README.md of a corpus's Hub dataset folder: YAML (pretty name, languages, licence, task, size, configs and
    their data files, `dataset_info` when `infos` is given), then summary, structure, label mapping, splits (with the
    hashes of an export when `builds` is given), how to obtain the audio, known issues, licence and citation."""
    license_id = hub_license(spec.license) if spec.license else "unknown"
    globs = shard_globs(layout)
    card_data = DatasetCardData(
        pretty_name=spec.title,
        language=sorted({language.split("-")[0] for language in spec.languages}),
        license=license_id,
        task_categories=["audio-classification"],
        size_categories=[_size(spec.num_utterances)] if spec.num_utterances else None,
        tags=["speech-emotion-recognition", "ser-hub", spec.name],
        configs=[
            {"config_name": protocol, **({"default": True} if index == 0 else {}),
             "data_files": [{"split": split, "path": pattern} for split, pattern in globs[protocol].items()]}
            for index, protocol in enumerate(globs)
        ] or None,
        **({"license_name": re.sub(r"[^a-z0-9]+", "-", spec.license.lower()).strip("-")[:64],
            "license_link": spec.homepage} if license_id == "other" and spec.homepage else {}),
    )
    if infos is not None:
        infos.to_dataset_card_data(card_data)
    return f"---\n{card_data.to_yaml()}\n---\n{_body(spec, layout, builds)}"


def template_card(spec: CorpusSpec) -> str:
    """A corpus's card from its definition alone (`ser-hub card`, committed as datasets/<corpus>/README.md)."""
    layout = {protocol: template_splits(spec, protocol) for protocol in card_protocols(spec)}
    return dataset_card(spec, layout if spec.status == "available" else {})


def write_card(path: str | Path, text: str) -> Path:
    """A card, written atomically (DatasetCard normalises it as the Hub shows it)."""
    with atomic_path(path) as temporary:
        DatasetCard(text).save(temporary)
    return Path(path)


def _size(count: int) -> str:
    return next((name for limit, name in _SIZES if count < limit), "n>1M")


def _body(spec: CorpusSpec, layout: Mapping[str, Sequence[str]], builds: Mapping[str, dict] | None) -> str:
    sections = [f"# {spec.title}", spec.description]
    if spec.status != "available":
        sections.append("ser-hub lists this corpus but has **no reader** for it; the reason is under Known issues. If "
                        "you have it, describe your copy in a definition file (`ser-hub corpora --show urdu` prints one to "
                        "start from) and export it with `ser-hub export <file>.yaml`.")
    else:
        first = next(iter(layout))
        sections += [f"```python\nfrom datasets import load_dataset\n\ndataset = load_dataset(\"ser-hub/{spec.name}\", "
                     f"\"{first}\")\n```", "## Dataset structure", _structure(spec), "## Label mapping",
                     _mapping(spec), "## Splits", _splits(spec, layout, builds)]
    sections += ["## How to obtain the audio", _obtain(spec), "## Known issues", _issues(spec, builds),
                 "## Licence", f"{(spec.license or 'Not stated by the authors').rstrip('.')}."
                 + (f" See {spec.homepage}." if spec.homepage else ""),
                 "## Citation", f"```bibtex\n{spec.citation}\n```" if spec.citation else "None given."]
    return "\n\n".join(sections) + "\n"


def _structure(spec: CorpusSpec) -> str:
    extras = "".join(f", `{extra}`" for extra in spec.extras)
    classes = ", ".join(spec.native_names) if spec.labels is not None else "read from the files"
    return (
        "One row per utterance. Audio is mono at 16 kHz (resampled once with soxr from each file's own rate) and "
        "stored losslessly (FLAC). Columns: `audio`, `file` (path in the corpus as distributed), `corpus`, "
        "`utterance_id`, `speaker_id`, `gender`, `language`, `native_label` (the corpus's own classes: "
        f"{classes}), `emotion` (unified: {', '.join(labels.EMOTIONS)}), `arousal`, `valence` (EmoSet Table 2; -1 "
        f"where a label has no entry), `duration` (seconds){extras}.\n\n"
        "The audio is stored once for every config: each shard under `data/` holds the utterances that share their "
        "split in every config (its name lists those splits in the order of the configs), and each config lists the "
        "shards of its splits, so loading a second config downloads nothing new. Rows of a split come shard by shard."
    )


def _mapping(spec: CorpusSpec) -> str:
    if spec.labels is None:
        return "The classes are the labels found in the files; each follows ser-hub's default policy."
    rows = "\n".join(
        f"| {native} | {unified} | {' / '.join(value or '—' for value in spec.arousal_valence(native))} |"
        for native, unified in spec.label_mapping().items()
    )
    return f"| native label | unified emotion | arousal / valence |\n|---|---|---|\n{rows}"


def _splits(spec: CorpusSpec, layout: Mapping[str, Sequence[str]], builds: Mapping[str, dict] | None) -> str:
    parts = ["Every split is deterministic; its hash (sha256 of the sorted utterance ids) lets anyone check they use "
             "the same utterances." + ("" if builds else " `ser-hub export` writes the hashes of your copy here.")]
    if spec.supports is not None:
        parts.append(f"This corpus supports only {', '.join(spec.supports)}: {spec.support_reason}")
    for protocol, splits in layout.items():
        text = f"### `{protocol}`\n\n{PROTOCOL_HELP.get(protocol_family(protocol), PROTOCOL_HELP['kfold-K'])}"
        if builds:
            rows = "\n".join(f"| {split} | {info['num_utterances']} | {info['num_speakers']} | "
                             f"`{info['sha256_sorted_ids']}` |" for split, info in builds[protocol]["splits"].items())
            text += f"\n\n| split | utterances | speakers | sha256 of sorted ids (16 hex) |\n|---|---|---|---|\n{rows}"
        else:
            text += f"\n\nSplits: {', '.join(f'`{split}`' for split in splits)}."
        if protocol == "emobox":
            text += "\n\n" + _emobox(spec)
        parts.append(text)
    return "\n\n".join(parts)


def _emobox(spec: CorpusSpec) -> str:
    folds = load_folds(spec.emobox.name)
    shared = {fold: count for fold, count in folds["speakers_in_train_and_test"].items() if count}
    source = f"From {folds['source']}."
    if not shared:
        return f"{source} No speaker is in both the train and the test set of a fold."
    counts = ", ".join(f"{fold}: {count}" for fold, count in shared.items())
    return (f"{source} **EmoBox's folds are not speaker-independent here**: speakers in both the train and the test "
            f"set ({counts}).")


def _obtain(spec: CorpusSpec) -> str:
    text = f"{(spec.access or 'Access not stated').rstrip('.')}." + (f" Homepage: {spec.homepage}." if spec.homepage else "")
    if spec.status == "available":
        text += (f"\n\nThen, with the corpus as its authors distribute it (folder or archive):\n\n```bash\n"
                 f"ser-hub export {spec.name} --data-dir <corpus folder or archive> --out <folder>\n```")
    return text


def _issues(spec: CorpusSpec, builds: Mapping[str, dict] | None) -> str:
    issues = [f"- {note}" for note in spec.notes]
    issues += [f"- `{path}` is excluded: {reason}" for path, reason in spec.exclude.items()]
    if builds:
        first = next(iter(builds.values()))
        issues += [f"- skipped while preparing this copy: `{skip['file']}`: {skip['reason']}" for skip in first["skipped"]]
        issues += [f"- {warning}" for warning in first.get("warnings", [])]
    return "\n".join(issues) or "None known."
