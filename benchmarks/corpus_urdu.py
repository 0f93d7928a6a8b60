"""Corpus-layer timings on the real URDU corpus (400 files at 44.1 kHz), on a fresh cache per repetition.

- first preparation (scan, one decode per file, resampling, the prepared table) with the speaker-independent split;
- the same call again (served by the cache);
- each other protocol of the prepared corpus (a view: nothing decoded), against the first preparation (target < 25 %);
- an export of one protocol and of four (the audio is stored once: target size < 1.15x).

Fastest of --repeats. Run by hand: `.venv/bin/python benchmarks/corpus_urdu.py [--shared ../shared] [--repeats 3]`.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

import ser_hub

OTHER_PROTOCOLS = ("serab", "kfold-5", "loso", "stratified")
EXPORTED = ("speaker-independent", "kfold-5", "loso", "stratified")


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.environ.get("SER_HUB_SHARED", "../shared"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    corpus = Path(args.shared) / "corpora" / "URDU-Dataset"
    best: dict[str, float] = {}
    sizes: dict[str, int] = {}
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as scratch:
            cache = str(Path(scratch) / "cache")
            load = lambda protocol="speaker-independent": ser_hub.load_corpus(  # noqa: E731
                "urdu", corpus, protocol, cache_dir=cache, progress=False)
            times = {"first preparation (speaker-independent)": timed(load), "same call again (cached)": timed(load)}
            times.update({f"another protocol: {protocol}": timed(lambda: load(protocol)) for protocol in OTHER_PROTOCOLS})
            for name, protocols in (("export, 1 protocol", EXPORTED[:1]), ("export, 4 protocols", EXPORTED)):
                out = Path(scratch) / name.replace(" ", "").replace(",", "-")
                times[name] = timed(lambda: ser_hub.export_corpus("urdu", corpus, out, protocols, cache_dir=cache,
                                                                  progress=False))
                sizes[name] = folder_size(out)
            best = {name: min(seconds, best.get(name, seconds)) for name, seconds in times.items()}
    first = best["first preparation (speaker-independent)"]
    rows = [(name, f"{seconds:.3f}", f"{seconds / first:.1%}") for name, seconds in best.items()]
    print(tabulate(rows, headers=["step", "seconds (fastest)", "of the first preparation"], tablefmt="github"))
    one, four = sizes["export, 1 protocol"], sizes["export, 4 protocols"]
    print(f"\nexport sizes: 1 protocol {one / 2**20:.1f} MiB, 4 protocols ({', '.join(EXPORTED)}) "
          f"{four / 2**20:.1f} MiB = {four / one:.3f}x")


if __name__ == "__main__":
    main()
