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

from tabulate import tabulate

from . import report
from .corpora import NamedCorpus, corpus_info, definition_text, prepare_corpus, read_build_record, resolve_corpora
from .corpora.definition import definition_hash, is_definition_file
from .errors import SerHubError
from .features import extract, load_extractor
from .files import DEFAULT_CACHE, atomic_path, write_json
from .protocols.ood import ProbeSettings, reference_settings, run_ood
from .protocols.options import STATISTICS_SOURCES
from .protocols.regression import regression_benchmark, run_serab_regression, score_columns
from .protocols.serab import SEED, published_statistics, run_serab, serab_benchmark

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
    """
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
    (write_serab_report if target is None else write_regression_report)(payload, Path(out))
    return payload


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


def serab_table(payload: dict) -> list[dict[str, Any]]:
    """One row per task (the selected classifier's test scores) and the UM / WM / GM rows."""
    scores = payload["scores"]
    rows = [
        {"task": name, "test utterances": task["result"]["test_size"], "classifier": task["result"]["selected"],
         "accuracy": round(task["result"]["test_accuracy"], 4), "UAR": round(task["result"]["test_uar"], 4)}
        for name, task in payload["tasks"].items()
    ]
    for key in ("UM", "WM", "GM"):
        rows.append({"task": key, "test utterances": "", "classifier": "",
                     "accuracy": round(scores[key], 4), "UAR": round(scores[f"{key}_uar"], 4)})
    return rows


def write_serab_report(payload: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "results.json", payload)
    report.write_table(
        [{"task": name, "classifier": classifier, "selected": classifier == task["result"]["selected"],
          "best_params": json.dumps(result["best_params"]), "validation_accuracy": result["validation_accuracy"],
          "test_accuracy": result["test_accuracy"], "test_uar": result["test_uar"], "fits": result["fits"]}
         for name, task in payload["tasks"].items() for classifier, result in task["result"]["classifiers"].items()],
        out / "results.csv",
    )
    report.plot_serab_scores(payload["scores"], out / "serab_scores.png", title=f"SERAB: {payload['model']}",
                             chance={name: 1 / len(task["result"]["label_names"]) for name, task in payload["tasks"].items()})
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
        "![per-task scores](serab_scores.png)",
    ]
    for name, task in payload["tasks"].items():
        sections += [*_task_sections(name, task), f"![confusion matrix](confusion_{name}.png)"]
    with atomic_path(out / "report.md") as temporary:
        temporary.write_text("\n\n".join(sections) + "\n")


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
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "results.json", payload)
    report.write_table(
        [{"task": name, "regressor": regressor, "selected": regressor == task["result"]["selected"],
          "best_params": json.dumps(result["best_params"]), "validation_ccc": result["validation_ccc"],
          "test_ccc": result["test_ccc"], "test_pearson": result["test_pearson"], "test_mse": result["test_mse"],
          "fits": result["fits"]}
         for name, task in payload["tasks"].items() for regressor, result in task["result"]["regressors"].items()],
        out / "results.csv",
    )
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
    with atomic_path(out / "report.md") as temporary:
        temporary.write_text("\n\n".join(sections) + "\n")


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
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "results.json", payload)
    result = payload["result"]
    cells = result["cells"]
    report.write_table([cell | {"labels": json.dumps(cell["labels"]), "confusion_matrix": json.dumps(cell["confusion_matrix"])}
                        for cell in cells], out / "results.csv")
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
    with atomic_path(out / "report.md") as temporary:
        temporary.write_text("\n\n".join(sections) + "\n")
