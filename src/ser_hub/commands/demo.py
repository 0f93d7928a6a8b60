"""`ser-hub demo`: the project's main job on an embedded, offline, synthetic corpus (its code loads when it runs)."""

from __future__ import annotations

from pathlib import Path

from tabulate import tabulate

DEMO_EXTRACTOR = "opensmile:eGeMAPSv02"


def run_demo(args) -> None:
    from ..audit import audit
    from ..benchmark import benchmark_serab, serab_table
    from ..corpora import load_corpus, read_build_record
    from ..corpora.base import describe_build
    from ..demo import synthesize_demo_corpus
    from ..export import export_corpus

    out = Path(args.out).resolve()
    cache = str(out / "cache" / "corpora")
    corpus = synthesize_demo_corpus(out / "demo-corpus")
    dataset = load_corpus("demo", corpus, cache_dir=cache)
    print(describe_build(read_build_record(dataset)))
    print(audit(dataset).to_text())
    exported = export_corpus("demo", corpus, out / "export", cache_dir=cache, overwrite=True)
    payload = benchmark_serab(DEMO_EXTRACTOR, {"demo": str(corpus)}, out / "benchmark", protocol="speaker-independent",
                              cache_dir=out / "cache")
    print(f"\nSERAB protocol on the demo corpus with {DEMO_EXTRACTOR} (available offline):")
    print(tabulate(serab_table(payload), headers="keys", tablefmt="github"))
    print(f"\nSynthetic demo corpus: {corpus}\nHub-ready export: {exported} (card: {exported / 'README.md'})")
    print(f"Load it anywhere with: datasets.load_dataset({str(exported)!r}, 'speaker-independent')")
    print(f"Benchmark report: {out / 'benchmark' / 'report.md'} (results.json, results.csv, PNG plots beside it)")


def register(subparsers) -> None:
    demo = subparsers.add_parser("demo", help="synthesise a small demo corpus, audit, export and benchmark it (offline)")
    demo.add_argument("--out", default="demo-output", help="output folder (default demo-output)")
    demo.set_defaults(run=run_demo)
