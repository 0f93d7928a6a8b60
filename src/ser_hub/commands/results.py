"""`ser-hub model-index | leaderboard`: SERAB runs' results written into a model card, and compared side by side.

The code that reads runs and writes cards, tables and plots loads when a command runs, not when the parser is built.
"""

from __future__ import annotations

from pathlib import Path


def run_model_index(args) -> None:
    from ..model_index import write_model_index

    card = write_model_index(args.run_dir, args.model_card, model_name=args.model_name)
    print(f"wrote {args.model_card}: the model-index of {card.data.model_name!r} holds {len(card.data.eval_results)} "
          f"results (huggingface_hub.ModelCard.load({args.model_card!r}).data.eval_results reads them)")


def run_leaderboard(args) -> None:
    from tabulate import tabulate

    from ..leaderboard import write_leaderboard

    table = write_leaderboard(args.run_dirs, args.out)
    print(tabulate(table, headers="keys", tablefmt="github", showindex=False, floatfmt=".4f"))
    print(f"\nLeaderboard: {Path(args.out) / 'leaderboard.md'} (leaderboard.csv and leaderboard.png beside it)")


def register(subparsers) -> None:
    model_index = subparsers.add_parser(
        "model-index", help="write a SERAB run's scores into a model card's model-index (the Hub's eval results)",
        description="Merge the scores of a `ser-hub benchmark serab` run into the model-index metadata of a Hub model "
        "card, as the Hub's leaderboards read it: per corpus (dataset ser-hub/<corpus>, config = split protocol, "
        "split test) UAR, accuracy and macro-F1; over the corpora (dataset serab) SERAB's UM, WM and GM of the "
        "accuracies and of the UARs. A run with --target gives per corpus CCC, Pearson's r and MSE and over the "
        "corpora the mean CCC, each with the dimension as metric config. The card's text, its other metadata and "
        "results of other runs, settings or dimensions are kept; a rerun with the same settings updates its "
        "values. The card is created when it does not exist.")
    model_index.add_argument("run_dir", metavar="RUN_DIR", help="the --out folder of `ser-hub benchmark serab`")
    model_index.add_argument("--model-card", required=True, metavar="PATH",
                             help="the model card, e.g. my-model/README.md (created when missing; written atomically)")
    model_index.add_argument("--model-name", help="the model's name on leaderboards (default: the card's, else the "
                             "model the run benchmarked)")
    model_index.set_defaults(run=run_model_index)

    leaderboard = subparsers.add_parser(
        "leaderboard", help="compare SERAB runs of several models: Markdown, CSV and PNG",
        description="Compare `ser-hub benchmark serab` runs of several models, one row per model: the test UAR of "
        "each corpus and SERAB's UM, WM and GM of the UARs and of the accuracies, ranked by UM of the UARs; for runs "
        "with --target, the test CCC of each corpus and their mean, ranked by it. Writes leaderboard.md, "
        "leaderboard.csv and leaderboard.png (the UAR or CCC columns as grouped bars). The runs must share their "
        "--target (or all have none), split protocol, selection, standardisation, log-mel statistics and corpora.")
    leaderboard.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="--out folders of `ser-hub benchmark serab`")
    leaderboard.add_argument("--out", required=True, help="folder for leaderboard.md, leaderboard.csv and leaderboard.png")
    leaderboard.set_defaults(run=run_leaderboard)
