"""The `ser-hub` command line: one sub-command per module in `ser_hub.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys

from .errors import SerHubError

# Each module defines `register(subparsers)`, adding its sub-command(s) with `set_defaults(run=callable)`. The modules
# import only what the parser needs, so `ser-hub --help` stays fast; a command's code loads when its callable runs.
COMMAND_MODULES = [
    "ser_hub.commands.benchmark",
    "ser_hub.commands.corpora",
    "ser_hub.commands.demo",
    "ser_hub.commands.convert",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ser-hub", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except SerHubError as error:
        print(f"ser-hub {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
