"""Build the `emobox` protocol's package data (src/ser_hub/corpora/emobox/*.json.gz) from EmoBox's lists.

    .venv/bin/python scripts/build_emobox_folds.py [--reference ../shared/reference/emobox]

Each file holds one corpus's split assignments as EmoBox's utterance keys (see ser_hub.corpora.emobox); the files are
committed, and tests/corpora/test_emobox.py checks that they equal what this script builds.
"""

import argparse
import gzip
import json
from pathlib import Path

from ser_hub.corpora.emobox import FOLDS, build_folds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared"
                        / "reference" / "emobox")
    arguments = parser.parse_args()
    FOLDS.mkdir(exist_ok=True)
    for path in sorted(arguments.reference.glob("*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as file:
            folds = build_folds(json.load(file))
        target = FOLDS / path.name
        with gzip.GzipFile(target, "wb", mtime=0) as file:  # mtime 0: the same lists give the same bytes
            file.write(json.dumps(folds, sort_keys=True, ensure_ascii=False).encode())
        print(f"{target.name}: {', '.join(f'{name} {len(keys)}' for name, keys in folds['splits'].items())}"
              + (f", {folds['rest']} = the rest" if folds["rest"] else ""))


if __name__ == "__main__":
    main()
