"""ser-hub: speech emotion recognition corpora, benchmarks and models on the Hugging Face stack.

Read emotional speech corpora exactly as their authors distribute them, with unified labels and published split
protocols; export them as Hub datasets; run the SERAB and SER Evals benchmarks on any model; convert released
checkpoints. A corpus of your own is described by a definition file: `ser-hub corpora --show urdu` prints one.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from . import __version__
from .errors import SerHubError

# Each module defines `register(subparsers)`, adding its sub-command(s) with `set_defaults(run=callable)`. The modules
# import only what the parser needs, so `ser-hub --help` stays fast; a command's code loads when its callable runs.
COMMAND_MODULES = [
    "ser_hub.commands.corpora",
    "ser_hub.commands.benchmark",
    "ser_hub.commands.results",
    "ser_hub.commands.convert",
    "ser_hub.commands.demo",
    "ser_hub.commands.export_onnx",
    "ser_hub.commands.predict",
]
EXAMPLES = """examples:
  ser-hub corpora                                          the corpora ser-hub reads
  ser-hub corpora --show urdu > mycorpus.yaml              a definition file to adapt to a corpus of your own
  ser-hub audit urdu --data-dir URDU-Dataset               splits, classes, leaks and confounds of a corpus
  ser-hub export mycorpus.yaml --data-dir MyCorpus --out hub/mycorpus
  ser-hub benchmark serab --model byol-s-512 --corpus urdu=URDU-Dataset --corpus mycorpus.yaml=MyCorpus --out runs/serab
  ser-hub leaderboard runs/serab runs/compare --out runs/leaderboard   models side by side (Markdown, CSV, PNG)
  ser-hub model-index runs/serab --model-card my-model/README.md        a run's scores as the card's eval results
  ser-hub predict recordings/ --model runs/finetuned --out preds.csv --window 4 --hop 2
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ser-hub", description=__doc__, epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(subparsers)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """ser-hub's own warnings as one plain line; anybody else's as Python shows them."""
    if getattr(category, "__module__", "").startswith("ser_hub."):
        print(f"ser-hub: warning: {message}", file=sys.stderr)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return args.run(args) or 0
        except SerHubError as error:
            print(f"ser-hub {args.command}: error: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"ser-hub {args.command}: interrupted; nothing half-written was kept.", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(main())
