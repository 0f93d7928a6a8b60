"""`ser-hub corpora | prepare | audit | export`: the corpus layer on the command line.

The corpus code (datasets) loads when a command runs, not when the parser is built: an unknown corpus name is
reported by the corpus registry then.
"""

from __future__ import annotations

import argparse
import json

from tabulate import tabulate

from ..splits import DEFAULT_EXPORT_PROTOCOLS, DEFAULT_PROTOCOL


def _option(text: str) -> tuple[str, object]:
    """KEY=VALUE, the value read as JSON when it parses (numbers, lists, objects), else as a string."""
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def _sampling_rate(text: str) -> int | None:
    return None if text.lower() in ("none", "original") else int(text)


def _corpus_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="corpus name (see `ser-hub corpora`)")
    parser.add_argument("--data-dir", required=True, help="the corpus folder or zip archive as distributed")
    parser.add_argument("--cache-dir", default=None, help="datasets cache folder (default: the HF datasets cache)")
    parser.add_argument("--sampling-rate", type=_sampling_rate, default=16000,
                        help="audio rate in Hz, or 'original' to keep the files byte for byte (default 16000)")
    parser.add_argument("--option", type=_option, action="append", default=[], metavar="KEY=VALUE",
                        help="corpus option, e.g. label_set=all (IEMOCAP) or min_duration=0.2; repeatable")


def _load(args, protocol: str):
    from ..corpora import load_corpus

    return load_corpus(args.name, args.data_dir, protocol, cache_dir=args.cache_dir,
                       sampling_rate=args.sampling_rate, **dict(args.option))


def run_corpora(args) -> None:
    from ..corpora import REGISTRY

    rows = [
        {
            "corpus": spec.name,
            "language": spec.language,
            "classes": f"{len(spec.native_names)}: {', '.join(spec.native_names)}" if spec.native_names else "from the files",
            "utterances": spec.num_utterances or "?",
            "licence / access": f"{spec.license}; {spec.access}",
            "homepage": spec.homepage,
        }
        for spec in (REGISTRY[name] for name in sorted(REGISTRY))
    ]
    print(tabulate(rows, headers="keys", tablefmt="github"))


def run_prepare(args) -> None:
    from ..corpora import read_build_record
    from ..corpora.base import describe_build

    for protocol in args.protocol or [DEFAULT_PROTOCOL]:
        print(describe_build(read_build_record(_load(args, protocol))))


def run_audit(args) -> None:
    from ..audit import audit

    print(audit(_load(args, args.protocol)).to_text())


def run_export(args) -> None:
    from ..export import export_corpus, push_to_hub

    out = export_corpus(args.name, args.data_dir, args.out, args.protocol or DEFAULT_EXPORT_PROTOCOLS,
                        cache_dir=args.cache_dir, sampling_rate=args.sampling_rate, overwrite=args.overwrite,
                        **dict(args.option))
    print(f"exported {args.name} to {out}")
    print(f"load it with: datasets.load_dataset({str(out)!r}, {(args.protocol or DEFAULT_EXPORT_PROTOCOLS)[0]!r})")
    if args.push_to_hub:
        print(f"pushed to {push_to_hub(out, args.push_to_hub, private=args.private)}")


def register(subparsers) -> None:
    corpora = subparsers.add_parser("corpora", help="table of the registered corpora")
    corpora.set_defaults(run=run_corpora)

    prepare = subparsers.add_parser("prepare", help="prepare (and cache) a corpus for split protocols")
    _corpus_arguments(prepare)
    prepare.add_argument("--protocol", action="append", help=f"split protocol (default {DEFAULT_PROTOCOL}); repeatable")
    prepare.set_defaults(run=run_prepare)

    audit_parser = subparsers.add_parser("audit", help="per-split sizes, classes, overlaps and confounds")
    _corpus_arguments(audit_parser)
    audit_parser.add_argument("--protocol", default=DEFAULT_PROTOCOL, help=f"split protocol (default {DEFAULT_PROTOCOL})")
    audit_parser.set_defaults(run=run_audit)

    export = subparsers.add_parser("export", help="write parquet shards + dataset card (and push to the Hub)")
    _corpus_arguments(export)
    export.add_argument("--out", required=True, help="output folder (Hub dataset repository layout)")
    export.add_argument("--protocol", action="append",
                        help=f"split protocol(s) to export as configs (default {', '.join(DEFAULT_EXPORT_PROTOCOLS)})")
    export.add_argument("--overwrite", action="store_true", help="replace an existing non-empty --out folder")
    export.add_argument("--push-to-hub", metavar="REPO", help="also upload to this Hub dataset repository")
    export.add_argument("--private", action="store_true", help="create the Hub repository as private")
    export.set_defaults(run=run_export)


