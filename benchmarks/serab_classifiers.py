"""The SERAB classifier stage alone: `ser_hub.protocols.serab` against the original SERAB code's search on the same
embeddings.

Embeddings: the released BYOL-S 512 checkpoint (converted once into --work) on the real URDU corpus, serab split
(274 train / 30 validation / 96 test utterances, 512-d), standardised per speaker, then replicated 1x, 2x and 4x (each
copy with its own speaker ids). `--embeddings FILE.npz` reuses embeddings saved before (and saves them there when the
file does not exist yet), so the benchmark also runs while the corpus or feature code is being changed. For each size,
both engines run the five SERAB classifiers on the same arrays, one after the other in one run:

- plain, as the original SERAB code runs it: one `GridSearchCV(n_jobs=-1)` per classifier (`reference_search`: loky
  processes, the machine's default BLAS threads), refit on train+validation, predict test;
- ser_hub: `evaluate_embeddings(..., standardize="none", n_jobs=--jobs)`.

It prints the wall-clock times (the best of --repeats, plain and ser_hub alternating, after one untimed plain run that
starts joblib's worker processes, whose time is printed apart), their ratio, whether every classifier's selected
configuration, validation accuracies (every grid point) and test predictions are identical (in every repeat), and per
classifier: plain's wall-clock time and ser_hub's fit time (summed over its workers, refit included) with the fits it
ran out of the grid points.

    .venv/bin/python benchmarks/serab_classifiers.py [--shared ../shared] [--embeddings FILE.npz] [--sizes 1 2 4]
                                                     [--jobs -1] [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from tabulate import tabulate

from ser_hub.protocols.serab import (
    SplitData,
    evaluate_embeddings,
    reference_search,
    serab_classifiers,
    standardize_embeddings,
)

CHECKPOINT = "weights/byol-s/default512_BYOLAs64x96-2107281850-e100-bs256-lr0003-rs42.pth"
SPLITS = ("train", "validation", "test")
FIELDS = ("embeddings", "labels", "speakers")
CLASSIFIERS = [spec.name for spec in serab_classifiers()]


def urdu_embeddings(shared: Path, work: Path) -> dict[str, SplitData]:
    """BYOL-S 512 embeddings of URDU's serab splits, as extracted (cached under `work`). Imported here, so that a run
    on saved --embeddings needs neither the corpus nor the feature code."""
    import ser_hub
    from ser_hub.features import extract
    from ser_hub.models.byol.convert_byol_checkpoint import convert_byol_checkpoint

    model = work / "byol-s-512"
    if not model.exists():
        convert_byol_checkpoint(shared / CHECKPOINT, "byol-s", model)
    corpus = ser_hub.load_corpus("urdu", str(shared / "corpora" / "URDU-Dataset"), "serab", cache_dir=str(work / "hf"))
    features = extract(corpus, str(model), cache_dir=work / "features", progress=False)
    return {
        name: SplitData(np.asarray(features[name]["embedding"]), np.asarray(features[name]["native_label"]),
                        np.asarray(features[name]["speaker_id"]))
        for name in SPLITS
    }


def load_embeddings(path: Path) -> dict[str, SplitData]:
    """Embeddings saved by `save_embeddings`: arrays `{split}_{embeddings,labels,speakers}` for the three splits."""
    with np.load(path) as saved:
        missing = [f"{name}_{field}" for name in SPLITS for field in FIELDS if f"{name}_{field}" not in saved]
        if missing:
            raise SystemExit(f"{path} lacks the arrays {missing}: delete it and rerun with --embeddings {path} to "
                             "extract and save the URDU BYOL-S embeddings again.")
        return {name: SplitData(*(saved[f"{name}_{field}"] for field in FIELDS)) for name in SPLITS}


def save_embeddings(splits: dict[str, SplitData], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{f"{name}_{field}": getattr(splits[name], field) for name in SPLITS for field in FIELDS})


def standardized_per_speaker(splits: dict[str, SplitData]) -> dict[str, SplitData]:
    standardized = standardize_embeddings(splits, "speaker")
    return {name: SplitData(standardized[name], split.labels, split.speakers) for name, split in splits.items()}


def replicate(split: SplitData, times: int) -> SplitData:
    """`times` copies of a split, each copy's speakers renamed so that they stay distinct speakers."""
    speakers = np.concatenate([np.char.add(split.speakers.astype(str), f"#{copy}") for copy in range(times)])
    return SplitData(np.tile(split.embeddings, (times, 1)), np.tile(split.labels, times), speakers)


def plain(splits: dict[str, SplitData]) -> tuple[dict[str, dict | None], dict[str, float]]:
    """Every classifier through `GridSearchCV(n_jobs=-1)`, as the original SERAB code runs it: the validation accuracy
    of every grid point, best params and test predictions (None when all of its fits failed, which `GridSearchCV`
    raises for); and each classifier's wall-clock seconds."""
    train, validation = [(splits[name].embeddings, splits[name].labels) for name in ("train", "validation")]
    results, seconds = {}, {}
    for spec in serab_classifiers():
        start = time.perf_counter()
        try:
            search = reference_search(spec, train, validation, n_jobs=-1)
            results[spec.name] = {
                "grid": search.cv_results_["mean_test_score"].tolist(),
                "best_params": search.best_params_,
                "validation_accuracy": search.best_score_,
                "test_predictions": search.predict(splits["test"].embeddings).tolist(),
            }
        except ValueError:
            results[spec.name] = None
        seconds[spec.name] = time.perf_counter() - start
    return results, seconds


def fast(splits: dict[str, SplitData], jobs: int) -> tuple[dict[str, dict | None], object]:
    result = evaluate_embeddings(splits, standardize="none", n_jobs=jobs, progress=False)
    summary = {
        name: None if classifier.best_params is None else {
            "grid": [np.nan if point.validation_accuracy is None else point.validation_accuracy
                     for point in classifier.grid],
            "best_params": classifier.best_params,
            "validation_accuracy": classifier.validation_accuracy,
            "test_predictions": classifier.test_predictions,
        }
        for name, classifier in result.classifiers.items()
    }
    return summary, result


def identical(plain_result: dict | None, ours: dict | None) -> bool:
    if plain_result is None or ours is None:
        return plain_result is ours
    return (np.array_equal(plain_result["grid"], ours["grid"], equal_nan=True)
            and all(plain_result[key] == ours[key] for key in ("best_params", "validation_accuracy",
                                                               "test_predictions")))


def timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ser_hub_serab_benchmark")
    parser.add_argument("--embeddings", type=Path, help="an .npz of URDU BYOL-S embeddings to reuse (written there "
                        "from the corpus when it does not exist yet)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--jobs", type=int, default=-1, help="ser_hub's n_jobs")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each engine per size; the fastest is shown")
    args = parser.parse_args()
    os.environ["PYTHONWARNINGS"] = "ignore"  # the workers' ConvergenceWarnings would bury the tables
    warnings.simplefilter("ignore")
    if args.embeddings is not None and args.embeddings.exists():
        extracted = load_embeddings(args.embeddings)
    else:
        extracted = urdu_embeddings(args.shared.resolve(), args.work)
        if args.embeddings is not None:
            save_embeddings(extracted, args.embeddings)
    base = standardized_per_speaker(extracted)
    cold_seconds = timed(plain, base)[0]  # the loky workers start and import scikit-learn outside the table
    print(f"cpus: {os.cpu_count()}, load average before: {os.getloadavg()}")
    print(f"plain GridSearchCV(n_jobs=-1) at 1x from cold workers (left out of the table): {cold_seconds:.2f} s")
    rows, breakdown = [], []
    for size in args.sizes:
        splits = {name: replicate(split, size) for name, split in base.items()}
        shape = f"{sum(len(split.labels) for split in splits.values())} x {splits['train'].embeddings.shape[1]}"
        plain_runs, fast_runs, same = [], [], dict.fromkeys(CLASSIFIERS, True)
        for _ in range(args.repeats):
            plain_runs.append(timed(plain, splits))
            fast_runs.append(timed(fast, splits, args.jobs))
            reference, ours = plain_runs[-1][1][0], fast_runs[-1][1][0]
            same = {name: same[name] and identical(reference[name], ours[name]) for name in same}
        plain_seconds, (_, plain_per_classifier) = min(plain_runs, key=lambda run: run[0])
        fast_seconds, (_, result) = min(fast_runs, key=lambda run: run[0])
        rows.append({
            "utterances x dim": shape,
            "plain GridSearchCV(n_jobs=-1) (s)": round(plain_seconds, 2),
            "ser_hub (s)": round(fast_seconds, 2),
            "speed-up": round(plain_seconds / fast_seconds, 2),
            "identical": all(same.values()) or f"NO: {[name for name, equal in same.items() if not equal]}",
            "selected": result.selected,
        })
        for name, classifier in result.classifiers.items():
            breakdown.append({
                "size": f"{size}x",
                "classifier": name,
                "plain wall (s)": round(plain_per_classifier[name], 2),
                "ser_hub fit time, summed (s)": round(classifier.seconds, 2),
                "ser_hub fits / grid points": f"{classifier.fits}/{len(classifier.grid)}",
                "identical": same[name],
            })
        print(tabulate([rows[-1]], headers="keys", tablefmt="github"), flush=True)
    print(f"\nload average after: {os.getloadavg()}\n")
    print(tabulate(rows, headers="keys", tablefmt="github"))
    print()
    print(tabulate(breakdown, headers="keys", tablefmt="github"))


if __name__ == "__main__":
    main()
