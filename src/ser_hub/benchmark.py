"""`ser-hub benchmark`: the SERAB and SER Evals protocols end to end, from corpora as distributed to reports.

Each run prepares the corpora (cached by `datasets`), extracts frozen features (cached by `ser_hub.features`), runs the
protocol and writes `results.json` (every number, split hashes, extractor identity, package versions, seed),
`results.csv`, `report.md` and PNG plots into `out`.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from tabulate import tabulate

from . import report
from .corpora import NamedCorpus, corpus_info, definition_text, prepare_corpus, read_build_record, resolve_corpora
from .corpora.definition import definition_hash, is_definition_file
from .errors import SerHubError
from .features import extract, load_extractor
from .files import DEFAULT_CACHE, atomic_path, write_json
from .metrics import bootstrap_ci, recognition_rates, serab_confidence_intervals
from .protocols.ood import ProbeSettings, reference_settings, run_ood
from .protocols.options import STATISTICS_SOURCES
from .protocols.regression import regression_benchmark, run_serab_regression, score_columns
from .protocols.serab import SEED, SerabResult, published_statistics, run_serab, serab_benchmark

BOOTSTRAP_CONFIDENCE = 0.95
BOOTSTRAP_SEED = 0
_PACKAGES = ("ser-hub", "torch", "datasets", "transformers", "scikit-learn", "numpy", "evaluate", "opensmile")


def environment() -> dict[str, Any]:
    versions = {}
    for package in _PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {"python": platform.python_version(), "platform": platform.platform(), "packages": versions}


def _features(model: str, corpora: Mapping[str, str], *, protocol: str, level: str, cache_dir: str | Path | None,
              models_dir: str | None, progress: bool, statistics: str = "computed") -> dict[str, dict[str, Any]]:
    """Per corpus (keyed by its name): its prepared splits' features, its build record, what preparing it skipped or
    guessed, its definition, the extractor's identity and, for extractors that standardise with dataset statistics,
    which statistics were used. The model is loaded before any corpus work, so a wrong model fails fast."""
    if statistics not in STATISTICS_SOURCES:
        raise SerHubError(f"statistics={statistics!r}: choose one of {', '.join(STATISTICS_SOURCES)}.")
    cache_dir = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE
    extractor = load_extractor(model, level=level, models_dir=models_dir, progress=progress)
    if statistics == "published" and not extractor.uses_statistics:
        raise SerHubError(f"{model} standardises with no dataset statistics: --statistics published applies to the "
                          "BYOL family (byol, byol_cvt), whose log-mel statistics SERAB published.")
    prepared = {}
    for name, corpus in resolve_corpora(corpora.items()).items():
        table = prepare_corpus(corpus.corpus, corpus.data_dir, cache_dir=str(cache_dir / "corpora"), progress=progress)
        dataset = table.load(protocol)
        published = published_statistics(table.spec.name, table.record["label_set"]) if statistics == "published" else None
        features = extract(dataset, extractor, cache_dir=cache_dir / "features", statistics=published,
                           progress=progress)
        prepared[name] = {
            "features": features,
            "build": read_build_record(dataset),
            "notices": table.notices(),
            "corpus": _definition_of(table.spec, corpus),
            "extractor": extractor.identity,
            "statistics": _statistics_used(extractor, statistics, published),
        }
    return prepared


def _statistics_used(extractor, requested: str, published: dict | None) -> dict[str, Any] | None:
    """Which dataset statistics standardised the features, and why (None for extractors that use none)."""
    if not extractor.uses_statistics:
        return None
    if published is not None:
        source = "published by SERAB (settings.py, CLF_STATS_DICT)"
    elif requested == "published":
        source = "computed on the training split: SERAB published none for this corpus"
    else:
        source = "computed on the training split"
    return {"source": source, **extractor.statistics}


def _definition_of(spec, corpus: NamedCorpus) -> dict[str, Any]:
    """What results.json records of a corpus: its definition's hash, and the definition itself for a user's file."""
    builtin = not is_definition_file(corpus.corpus)
    return {
        "name": spec.name,
        "definition": "built-in" if builtin else str(Path(corpus.corpus).resolve()),
        "definition_sha256": definition_hash(spec),
        **({} if builtin else {"definition_text": definition_text(corpus.corpus)}),
        "data_dir": str(Path(corpus.data_dir).resolve()),
    }


def _splits_of(build: dict) -> dict[str, Any]:
    return {key: build[key] for key in ("corpus", "protocol", "corpus_fingerprint", "splits", "skipped")}


def benchmark_serab(
    model: str,
    corpora: Mapping[str, str],
    out: str | Path,
    *,
    protocol: str = "serab",
    select: str = "validation",
    standardize: str = "speaker",
    target: str | None = None,
    cache_dir: str | Path | None = None,
    models_dir: str | None = None,
    n_jobs: int = -1,
    statistics: str = "computed",
    bootstrap: int = 0,
    progress: bool = True,
) -> dict[str, Any]:
    """SERAB on each corpus with one frozen extractor; UM/WM/GM over the corpora. Returns the results.json payload.

    `corpora` maps each corpus (a registered name or the path of a definition file) to its folder or archive.
    `statistics` (BYOL family only): `computed` standardises the log-mel with the mean and std of each corpus's
    training split (as SERAB's code computes them), `published` with the values SERAB published for its nine corpora
    (reproducing its Table 3, with `select="test"`); either way the report says which were used.
    `target` (arousal, valence or dominance): regression probes on each corpus's continuous scores of that dimension
    instead of the classifiers (`ser_hub.protocols.regression`), scored by CCC, with the mean CCC over the corpora;
    every corpus must have the scores (checked before any corpus work).
    `bootstrap` (classifiers only): the number of resamples of `bootstrap_intervals`, stored under `bootstrap`;
    0 computes none.
    """
    _check_bootstrap(bootstrap, target)
    columns = None if target is None else score_columns(
        {name: corpus_info(named.corpus) for name, named in resolve_corpora(corpora.items()).items()}, target)
    prepared = _features(model, corpora, protocol=protocol, level="utterance", cache_dir=cache_dir,
                         models_dir=models_dir, progress=progress, statistics=statistics)
    if columns is None:
        results = {name: run_serab(task["features"], standardize=standardize, select=select, n_jobs=n_jobs,
                                   progress=progress) for name, task in prepared.items()}
        scores = serab_benchmark(results)
    else:
        results = {name: run_serab_regression(task["features"], columns[name], standardize=standardize,
                                              select=select, n_jobs=n_jobs, progress=progress)
                   for name, task in prepared.items()}
        scores = regression_benchmark(results)
    payload = {
        "benchmark": "serab",
        "model": model,
        "split_protocol": protocol,
        "target": target,
        "select": select,
        "standardize": standardize,
        "statistics": statistics,
        "seed": SEED,
        "scores": scores,
        "tasks": {
            name: {"corpus": task["corpus"], "extractor": task["extractor"], "statistics": task["statistics"],
                   "build": _splits_of(task["build"]), "notices": task["notices"],
                   **({} if columns is None else {"target_column": columns[name]}), "result": results[name].to_dict()}
            for name, task in prepared.items()
        },
        "environment": environment(),
    }
    if bootstrap:
        speakers = {name: list(task["features"]["test"]["speaker_id"]) for name, task in prepared.items()}
        payload["bootstrap"] = bootstrap_intervals(results, speakers, bootstrap)
    (write_serab_report if target is None else write_regression_report)(payload, Path(out))
    return payload


def _check_bootstrap(bootstrap: int, target: str | None) -> None:
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 0:
        raise SerHubError(f"bootstrap is {bootstrap!r}: give the number of resamples, e.g. 1000, or 0 for no "
                          "confidence intervals.")
    if bootstrap and target is not None:
        raise SerHubError(f"bootstrap intervals are computed for the emotion classifiers only: drop --bootstrap "
                          f"or --target {target}.")


def _speaker_groups(speakers) -> np.ndarray | None:
    """A test split's resampling groups: its speakers, or None (single utterances) when it has only one speaker,
    whose resamples would all be the whole split."""
    speakers = np.asarray(speakers, dtype=str)
    return speakers if len(np.unique(speakers)) > 1 else None


def bootstrap_intervals(results: Mapping[str, SerabResult], speakers: Mapping[str, list[str]],
                        n_resamples: int) -> dict:
    """Percentile bootstrap intervals (`BOOTSTRAP_CONFIDENCE`, seed `BOOTSTRAP_SEED`) of each task's test accuracy
    and UAR of the selected classifier (`ser_hub.metrics.bootstrap_ci`) and of UM/WM/GM
    (`serab_confidence_intervals`), drawing whole test speakers (`speakers`: task -> one id per test utterance), or
    utterances for a task whose test split has one speaker (and then for the means too)."""
    groups = {name: _speaker_groups(speakers[name]) for name in results}
    predictions = {name: result.classifiers[result.selected].test_predictions for name, result in results.items()}
    options = {"n_resamples": n_resamples, "confidence": BOOTSTRAP_CONFIDENCE, "seed": BOOTSTRAP_SEED}
    by_speaker = all(group is not None for group in groups.values())
    means = serab_confidence_intervals(
        np.concatenate(list(predictions.values())),
        np.concatenate([result.test_references for result in results.values()]),
        np.repeat(list(results), [result.test_size for result in results.values()]),
        np.concatenate(list(groups.values())) if by_speaker else None,
        **options,
    )
    return {
        **options,
        "resampled": "speakers" if by_speaker else "utterances",
        "intervals": means,
        "tasks": {
            name: {"resampled": "utterances" if groups[name] is None else "speakers",
                   "test_speakers": speakers[name],
                   "intervals": bootstrap_ci(recognition_rates, predictions[name], result.test_references,
                                             groups[name], **options)}
            for name, result in results.items()
        },
    }


def benchmark_ood(
    model: str,
    corpora: Mapping[str, str],
    out: str | Path,
    *,
    protocol: str = "speaker-independent",
    prior: str = "train",
    settings: ProbeSettings = ProbeSettings(),
    cache_dir: str | Path | None = None,
    models_dir: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """The SER Evals out-of-domain matrix of one frozen frame-level extractor. Returns the results.json payload.

    `corpora` maps each corpus (a registered name or the path of a definition file) to its folder or archive.
    """
    if len(corpora) < 2:
        raise SerHubError("the out-of-domain matrix needs at least two corpora: repeat --corpus NAME=DATA_DIR.")
    prepared = _features(model, corpora, protocol=protocol, level="frame", cache_dir=cache_dir,
                         models_dir=models_dir, progress=progress)
    result = run_ood({name: task["features"] for name, task in prepared.items()}, settings, prior=prior,
                     progress=progress)
    payload = {
        "benchmark": "ood",
        "model": model,
        "split_protocol": protocol,
        "prior": prior,
        "settings": asdict(settings),
        "result": result.to_dict(),
        "corpora": {name: {"corpus": task["corpus"], "extractor": task["extractor"], "build": _splits_of(task["build"]),
                           "notices": task["notices"]}
                    for name, task in prepared.items()},
        "environment": environment(),
    }
    write_ood_report(payload, Path(out))
    return payload


def _shown(score: float, interval=None) -> float | str:
    """A score to 4 decimals, followed by its interval to 2 when there is one."""
    return round(score, 4) if interval is None else f"{score:.4f} [{interval[0]:.2f}, {interval[1]:.2f}]"


def _task_intervals(payload: dict) -> dict[str, dict[str, Any]]:
    """Each task's bootstrap intervals {metric: (low, high)}; empty without `bootstrap`."""
    return {name: task["intervals"] for name, task in payload.get("bootstrap", {}).get("tasks", {}).items()}


def serab_table(payload: dict) -> list[dict[str, Any]]:
    """One row per task (the selected classifier's test scores) and the UM / WM / GM rows, with their bootstrap
    intervals when the run computed them."""
    scores = payload["scores"]
    tasks = _task_intervals(payload)
    means = payload.get("bootstrap", {}).get("intervals", {})
    rows = [
        {"task": name, "test utterances": task["result"]["test_size"], "classifier": task["result"]["selected"],
         "accuracy": _shown(task["result"]["test_accuracy"], tasks.get(name, {}).get("accuracy")),
         "UAR": _shown(task["result"]["test_uar"], tasks.get(name, {}).get("uar"))}
        for name, task in payload["tasks"].items()
    ]
    for key in ("UM", "WM", "GM"):
        rows.append({"task": key, "test utterances": "", "classifier": "",
                     "accuracy": _shown(scores[key], means.get(key)),
                     "UAR": _shown(scores[f"{key}_uar"], means.get(f"{key}_uar"))})
    return rows


def _bootstrap_sentence(payload: dict) -> list[str]:
    """What the table's intervals are, in words (none without `bootstrap`)."""
    if "bootstrap" not in payload:
        return []
    bootstrap = payload["bootstrap"]
    tasks = bootstrap["tasks"]
    by_utterance = [name for name, task in tasks.items() if task["resampled"] == "utterances"]
    counts = ", ".join(f"{name} {len(set(task['test_speakers']))}" for name, task in tasks.items())
    return [
        f"In brackets: {bootstrap['confidence']:.0%} percentile bootstrap intervals of the selected classifier's test "
        f"scores ({bootstrap['n_resamples']} resamples, seed {bootstrap['seed']}), drawing whole test speakers "
        f"({counts}) with replacement within each corpus; UM/WM/GM resample every corpus at once."
        + (f" NOTE: the test split of {', '.join(by_utterance)} has one speaker, so utterances were drawn there and "
           "for UM/WM/GM: those intervals leave out the variation between speakers." if by_utterance else "")
    ]


def _write_results(out: Path, payload: dict, rows: list[dict]) -> None:
    """A run's folder with results.json (the payload: every number) and results.csv (`rows`)."""
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "results.json", payload)
    report.write_table(rows, out / "results.csv")


def _write_markdown(path: Path, sections: list[str]) -> None:
    """A report's Markdown sections, separated by blank lines, written atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text("\n\n".join(sections) + "\n")


def write_serab_report(payload: dict, out: Path) -> None:
    _write_results(out, payload, [
        {"task": name, "classifier": classifier, "selected": classifier == task["result"]["selected"],
         "best_params": json.dumps(result["best_params"]), "validation_accuracy": result["validation_accuracy"],
         "test_accuracy": result["test_accuracy"], "test_uar": result["test_uar"], "fits": result["fits"]}
        for name, task in payload["tasks"].items() for classifier, result in task["result"]["classifiers"].items()])
    report.plot_serab_scores(payload["scores"], out / "serab_scores.png", title=f"SERAB: {payload['model']}",
                             chance={name: 1 / len(task["result"]["label_names"]) for name, task in payload["tasks"].items()},
                             intervals=_task_intervals(payload))
    plots = ["serab_scores.png"]
    for name, task in payload["tasks"].items():
        result = task["result"]
        chosen = result["classifiers"][result["selected"]]
        plots.append(f"confusion_{name}.png")
        report.plot_confusion_matrix(chosen["confusion_matrix"], result["label_names"], out / plots[-1],
                                     title=f"{name}: {result['selected']} (test)")
    sections = [
        f"# SERAB benchmark: `{payload['model']}`",
        f"Split protocol `{payload['split_protocol']}`, classifier selected on **{payload['select']}** "
        f"({'reads the test labels, as the reference code; comparable with the paper' if payload['select'] == 'test' else 'no test leakage'}), "
        f"standardisation `{payload['standardize']}`, seed {payload['seed']}.",
        *([f"Log-mel statistics: `{payload['statistics']}` (per corpus below)."]
          if any(task["statistics"] for task in payload["tasks"].values()) else []),
        tabulate(serab_table(payload), headers="keys", tablefmt="github"),
        *_bootstrap_sentence(payload),
        "![per-task scores](serab_scores.png)",
    ]
    for name, task in payload["tasks"].items():
        sections += [*_task_sections(name, task), f"![confusion matrix](confusion_{name}.png)"]
    _write_markdown(out / "report.md", sections)


def _task_sections(name: str, task: dict) -> list[str]:
    """A task's heading (split hashes, extractor) and its notes, warnings, statistics and failed fits (Markdown)."""
    result = task["result"]
    hashes = ", ".join(f"{split} `{info['sha256_sorted_ids']}`" for split, info in task["build"]["splits"].items())
    notes = [f"- NOTE: {notice}" for notice in task["notices"]]
    notes += [f"- WARNING: {warning}" for warning in result["warnings"]]
    if task["statistics"]:
        used = task["statistics"]
        notes.append(f"- Log-mel statistics {used['source']}: mean {used['norm_mean']:.6g}, "
                     f"std {used['norm_std']:.6g}.")
    if result["failed"]:
        notes.append(f"- {len(result['failed'])} grid configurations failed and were skipped (see results.json).")
    return [f"## {name}\n\nSplit hashes: {hashes}. Extractor: `{json.dumps(task['extractor'])}`.", "\n".join(notes)]


def regression_table(payload: dict) -> list[dict[str, Any]]:
    """One row per task (the selected regressor's test CCC, Pearson's r and MSE) and the mean CCC row."""
    rows = [
        {"task": name, "test utterances": task["result"]["test_size"], "regressor": task["result"]["selected"],
         "CCC": round(task["result"]["test_ccc"], 4), "Pearson": round(task["result"]["test_pearson"], 4),
         "MSE": round(task["result"]["test_mse"], 4)}
        for name, task in payload["tasks"].items()
    ]
    rows.append({"task": "mean", "test utterances": "", "regressor": "", "CCC": round(payload["scores"]["mean_ccc"], 4),
                 "Pearson": "", "MSE": ""})
    return rows


def write_regression_report(payload: dict, out: Path) -> None:
    _write_results(out, payload, [
        {"task": name, "regressor": regressor, "selected": regressor == task["result"]["selected"],
         "best_params": json.dumps(result["best_params"]), "validation_ccc": result["validation_ccc"],
         "test_ccc": result["test_ccc"], "test_pearson": result["test_pearson"], "test_mse": result["test_mse"],
         "fits": result["fits"]}
        for name, task in payload["tasks"].items() for regressor, result in task["result"]["regressors"].items()])
    sections = [
        f"# SERAB regression probes: `{payload['model']}`, {payload['target']}",
        (f"Split protocol `{payload['split_protocol']}`, regressor selected on **{payload['select']}** CCC"
         f"{' (reads the test labels)' if payload['select'] == 'test' else ''}, standardisation "
         f"`{payload['standardize']}`, seed {payload['seed']}."),
        ("Test CCC per corpus and their unweighted mean, with Pearson's r and the MSE (in each corpus's rating units, "
         "so not averaged). SERAB's UM/WM/GM are not reported: CCC ranges over [-1, 1], where a geometric mean is "
         "undefined."),
        tabulate(regression_table(payload), headers="keys", tablefmt="github"),
    ]
    for name, task in payload["tasks"].items():
        result = task["result"]
        chosen = result["regressors"][result["selected"]]
        report.plot_regression_scatter(result["test_references"], chosen["test_predictions"],
                                       out / f"scatter_{name}.png", dimension=payload["target"],
                                       title=f"{name}: {result['selected']} (test, CCC {result['test_ccc']:.3f})")
        heading, notes = _task_sections(name, task)
        sections += [f"{heading} Scores: column `{task['target_column']}`.", notes,
                     f"![predictions against references](scatter_{name}.png)"]
    _write_markdown(out / "report.md", sections)


INELIGIBLE_MARK = "†"


def ood_tables(cells: list[dict]) -> dict[str, str]:
    """Markdown matrices (rows: training corpus, columns: test corpus) per metric, from the result's cells; off-diagonal
    cells outside the OOD-eligible cluster (left out of the out-of-domain reductions) are marked †."""
    corpora = list(dict.fromkeys(cell["train_corpus"] for cell in cells))
    tables = {}
    for metric in ("macro_f1", "uar", "accuracy"):
        shown = {(cell["train_corpus"], cell["test_corpus"]):
                 f"{cell[metric]:.3f}" + ("" if cell["in_domain"] or cell["ood_eligible"] else INELIGIBLE_MARK)
                 for cell in cells}
        rows = [[train, *(shown.get((train, test), "") for test in corpora)] for train in corpora]
        tables[metric] = tabulate(rows, headers=["train \\ test", *corpora], tablefmt="github", disable_numparse=True)
    return tables


def probe_table(settings: dict) -> str:
    """The probe's settings in this run beside SER Evals' code and where that code sets each (Markdown)."""
    rows = [[row["setting"], settings[row["setting"]], row["reference"], row["source"]] for row in reference_settings()]
    return tabulate(rows, headers=["setting", "this run", "SER Evals' code", "source"], tablefmt="github")


def write_ood_report(payload: dict, out: Path) -> None:
    result = payload["result"]
    cells = result["cells"]
    _write_results(out, payload, [cell | {"labels": json.dumps(cell["labels"]),
                                          "confusion_matrix": json.dumps(cell["confusion_matrix"])} for cell in cells])
    report.plot_ood_matrix([cell["train_corpus"] for cell in cells], [cell["test_corpus"] for cell in cells],
                           [cell["macro_f1"] for cell in cells], out / "ood_matrix.png",
                           title=f"{payload['model']}: macro-F1", eligible=result["eligible"])
    tables = ood_tables(cells)
    reductions = result["reductions"] or {}
    sections = [
        f"# SER Evals out-of-domain matrix: `{payload['model']}`",
        f"Split protocol `{payload['split_protocol']}`; logit adjustment with the **{payload['prior']}** prior"
        + (" (FLAGGED: out of domain, minus the log training prior plus the log prior of the test labels, as SER "
           "Evals' code; not deployable; in-domain cells unadjusted, as there)."
           if payload["prior"] == "test" else "."),
        (f"Corpora eligible for the out-of-domain reductions: {', '.join(result['eligible']) or 'none'} "
         f"({INELIGIBLE_MARK} and hatching mark the cells left out)."),
        ("Macro-F1 and UAR count the classes present in each cell's test references; results.json and results.csv "
         "also hold `macro_f1_training_classes` and `uar_training_classes`, averaged over the training classes too."),
        "## Macro-F1", tables["macro_f1"], "![matrix](ood_matrix.png)",
    ]
    if reductions.get("macro_f1"):
        summary = {key: value for key, value in reductions["macro_f1"].items() if not isinstance(value, dict)}
        sections.append(tabulate(summary.items(), headers=["reduction (macro-F1)", "value"], tablefmt="github"))
    sections += ["## UAR", tables["uar"], "## Accuracy", tables["accuracy"],
                 ("## Probe\n\nThe probe and its training as SER Evals' code runs them "
                  "(spaghettiSystems/serval; `ser_hub.protocols.ood.ProbeSettings`):"), probe_table(payload["settings"])]
    sections.append("\n".join(f"- NOTE: {note}" for note in result["notes"]))
    _write_markdown(out / "report.md", sections)
