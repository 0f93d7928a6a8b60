"""Shared helpers for the tests of benchmark runs and what reads them (model-index, leaderboard)."""

import itertools
import json
import shutil


def markdown_rows(text: str) -> list[list[str]]:
    """The cells of the first Markdown table in `text`: its header, then its rows (the rule left out)."""
    lines = itertools.dropwhile(lambda line: not line.startswith("|"), text.splitlines())
    table = list(itertools.takewhile(lambda line: line.startswith("|"), lines))
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table[:1] + table[2:]]


def changed_copy(run_dir, folder, change) -> str:
    """A copy of a run whose results.json is changed by `change(payload)`."""
    copy = folder / f"{run_dir.name}-changed"
    shutil.copytree(run_dir, copy)
    payload = json.loads((copy / "results.json").read_text())
    change(payload)
    (copy / "results.json").write_text(json.dumps(payload))
    return str(copy)
