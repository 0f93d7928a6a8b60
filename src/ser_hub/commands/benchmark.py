"""`ser-hub benchmark serab | ood`: the published protocols on frozen features, with reports.

The protocol code (torch, scikit-learn, datasets) loads when a benchmark runs, not when the parser is built; the
parser takes its choices and defaults from the light `ser_hub.protocols.options` and `ser_hub.files`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tabulate import tabulate

from ..files import DEFAULT_CACHE
from ..protocols.options import (
    DIMENSIONS,
    PRIOR_MODES,
    PROBE_BATCH_SIZE,
    PROBE_EPOCHS,
    SELECT_MODES,
    STANDARDIZE_MODES,
    STATISTICS_SOURCES,
)
from ..splits import protocols_help


def _print_notices(payload: dict, key: str) -> None:
    for name, task in payload[key].items():
        for notice in task["notices"]:
            print(f"NOTE ({name}): {notice}")


def run_serab_command(args) -> None:
    from ..benchmark import benchmark_serab, regression_table, serab_table
    from ..corpora import parse_corpora

    corpora = {corpus.corpus: corpus.data_dir for corpus in parse_corpora(args.corpus).values()}
    payload = benchmark_serab(args.model, corpora, args.out, protocol=args.protocol, select=args.select,
                              standardize=args.standardize, target=args.target, statistics=args.statistics,
                              bootstrap=args.bootstrap, cache_dir=args.cache_dir, models_dir=args.models_dir, progress=not args.quiet)
    _print_notices(payload, "tasks")
    for name, task in payload["tasks"].items():
        for warning in task["result"]["warnings"]:
            print(f"WARNING ({name}): {warning}")
    table = serab_table(payload) if args.target is None else regression_table(payload)
    print(tabulate(table, headers="keys", tablefmt="github"))
    print(f"\nReport: {Path(args.out) / 'report.md'} (results.json, results.csv and PNG plots beside it)")


def run_ood_command(args) -> None:
    from ..benchmark import benchmark_ood, ood_tables
    from ..corpora import parse_corpora
    from ..protocols.ood import ProbeSettings

    settings = ProbeSettings(epochs=args.epochs, batch_size=args.batch_size)
    corpora = {corpus.corpus: corpus.data_dir for corpus in parse_corpora(args.corpus).values()}
    payload = benchmark_ood(args.model, corpora, args.out, protocol=args.protocol, prior=args.prior,
                            settings=settings, cache_dir=args.cache_dir, models_dir=args.models_dir,
                            progress=not args.quiet)
    _print_notices(payload, "corpora")
    print(ood_tables(payload["result"]["cells"])["macro_f1"])
    print(f"\nReport: {Path(args.out) / 'report.md'} (results.json, results.csv and ood_matrix.png beside it)")


def _common(parser) -> None:
    parser.add_argument("--model", required=True,
                        help="HF model folder or id, a converted shorthand such as byol-s-512, or opensmile:<set>")
    parser.add_argument("--corpus", action="append", default=[], metavar="CORPUS=DATA_DIR",
                        help="a corpus (a name from `ser-hub corpora`, or the path of a definition file .yaml) and its "
                        "folder or archive as distributed; repeatable")
    parser.add_argument("--out", required=True, help="folder for results.json, results.csv, report.md and plots")
    parser.add_argument("--cache-dir", default=str(DEFAULT_CACHE), help=f"corpus and feature cache (default {DEFAULT_CACHE})")
    parser.add_argument("--models-dir", default=None, help="where shorthands such as byol-s-512 are found")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def register(subparsers) -> None:
    benchmark = subparsers.add_parser("benchmark", help="run a published benchmark (SERAB, SER Evals) on a model",
                                      description="Run a published benchmark protocol on frozen features of a model: "
                                      "corpora as distributed -> cached features -> protocol -> results.json, "
                                      "results.csv, report.md and plots.")
    protocols = benchmark.add_subparsers(dest="benchmark", required=True, metavar="PROTOCOL")
    serab = protocols.add_parser("serab", help="SERAB: five classifiers per corpus, UM/WM/GM over corpora",
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=protocols_help())
    _common(serab)
    serab.add_argument("--protocol", default="serab", help="split protocol (default serab; see below)")
    serab.add_argument("--select", choices=SELECT_MODES, default="validation",
                       help="choose the classifier on validation (default) or on test (the reference code, Table 3)")
    serab.add_argument("--target", choices=DIMENSIONS, default=None,
                       help="regress each corpus's continuous scores of this dimension (ridge, linear SVR, MLP, "
                       "chosen by validation CCC) instead of classifying its emotions; reports CCC per corpus and "
                       "their mean (corpora with the scores: IEMOCAP and MSP-Podcast act/val/dom, MER2023 valence, "
                       "or a <dimension>_score column)")
    serab.add_argument("--standardize", choices=STANDARDIZE_MODES, default="speaker",
                       help="per-speaker standardisation (the reference), global or none")
    serab.add_argument("--statistics", choices=STATISTICS_SOURCES, default="computed",
                       help="BYOL models: standardise the log-mel with each corpus's training-split statistics "
                       "(computed, default) or with those SERAB published for its nine corpora (published; with "
                       "--select test this reproduces the paper's setup)")
    serab.add_argument("--bootstrap", type=int, default=0, metavar="N",
                       help="95%% confidence intervals of each corpus's test accuracy and UAR and of UM/WM/GM from N "
                       "resamples (e.g. 1000): percentile bootstrap, seed 0, drawing whole test speakers (utterances "
                       "where a test split has one speaker); 0 (default) computes none; not with --target")
    serab.set_defaults(run=run_serab_command)
    ood = protocols.add_parser("ood", help="SER Evals: train x test corpus matrix of MLP probes on frame features",
                               formatter_class=argparse.RawDescriptionHelpFormatter, epilog=protocols_help())
    _common(ood)
    ood.add_argument("--protocol", default="speaker-independent",
                     help="split protocol (default speaker-independent; see below)")
    ood.add_argument("--prior", choices=PRIOR_MODES, default="train",
                     help="logit adjustment: minus the log training prior (train, default, deployable), also plus the "
                     "log test prior out of domain (test: SER Evals' code; reads the test labels, flagged), or none")
    ood.add_argument("--epochs", type=int, default=PROBE_EPOCHS,
                     help=f"probe training epochs (default {PROBE_EPOCHS}, SER Evals' code)")
    ood.add_argument("--batch-size", type=int, default=PROBE_BATCH_SIZE,
                     help=f"utterances per probe batch, incomplete batches dropped (default {PROBE_BATCH_SIZE}, SER "
                     "Evals' code); no larger than the smallest training split")
    ood.set_defaults(run=run_ood_command)
