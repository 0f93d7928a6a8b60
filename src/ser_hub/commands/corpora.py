"""`ser-hub corpora | prepare | audit | export`: the corpus layer on the command line.

Wherever a corpus is named, the path of a definition file (`.yaml`, see `ser_hub.corpora.definition`) may stand
instead. The corpus code (datasets) loads when a command runs, not when the parser is built: an unknown corpus name is
reported by the corpus registry then.
"""

from __future__ import annotations

import argparse
import json

from tabulate import tabulate

from ..errors import SerHubError
from ..splits import DEFAULT_PROTOCOL, protocols_help


def _option(text: str) -> tuple[str, object]:
    """KEY=VALUE, the value read as JSON when it parses (numbers, lists, objects), else as a string."""
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        if value[:1] in "[{" and "'" in value:
            raise argparse.ArgumentTypeError(
                f"{key}: {value} is not JSON; JSON quotes strings with double quotes, e.g. "
                f"{key}='{value.replace(chr(39), chr(34))}'"
            ) from None
        return key, value


def _sampling_rate(text: str) -> int | None:
    return None if text.lower() in ("none", "original") else int(text)


def _corpus_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="CORPUS",
                        help="a corpus name (see `ser-hub corpora`) or the path of a corpus definition file (.yaml)")
    parser.add_argument("--data-dir", required=True, help="the corpus folder or zip archive as distributed")
    parser.add_argument("--cache-dir", default=None, help="datasets cache folder (default: the HF datasets cache)")
    parser.add_argument("--sampling-rate", type=_sampling_rate, default=16000,
                        help="audio rate in Hz, or 'original' to keep the files byte for byte (default 16000)")
    parser.add_argument("--option", type=_option, action="append", default=[], metavar="KEY=VALUE",
                        help="corpus option, e.g. label_set=all (IEMOCAP) or min_duration=0.2; VALUE is read as JSON "
                        "when it parses (numbers, [lists], {objects} with double quotes), else as text; repeatable")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _load(args, protocol: str):
    from ..corpora import load_corpus

    return load_corpus(args.name, args.data_dir, protocol, cache_dir=args.cache_dir,
                       sampling_rate=args.sampling_rate, progress=not args.quiet, **dict(args.option))


def run_corpora(args) -> None:
    from ..corpora import REGISTRY, definition_text

    if args.show:
        print(definition_text(args.show), end="")
        return
    rows = [
        {
            "corpus": spec.name,
            "status": "reader" if spec.status == "available" else spec.status,
            "language": ", ".join(spec.languages) or spec.language,
            "classes": (f"{len(spec.native_names)}: {', '.join(spec.native_names)}" if spec.native_names
                        else "from the files" if spec.status == "available" else ""),
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
    from ..cards import card_protocols
    from ..corpora import corpus_info
    from ..export import export_corpus, push_to_hub

    spec = corpus_info(args.name)
    protocols = args.protocol or card_protocols(spec)
    out = export_corpus(args.name, args.data_dir, args.out, protocols,
                        cache_dir=args.cache_dir, sampling_rate=args.sampling_rate, overwrite=args.overwrite,
                        progress=not args.quiet, **dict(args.option))
    print(f"exported {spec.name} to {out}")
    print(f"load it with: datasets.load_dataset({str(out)!r}, {protocols[0]!r})")
    if args.push_to_hub:
        print(f"pushed to {push_to_hub(out, args.push_to_hub, private=args.private)}")


def run_card(args) -> None:
    from pathlib import Path

    from ..cards import template_card, write_card
    from ..corpora import REGISTRY, corpus_info

    names = [name for name in sorted(REGISTRY) if name != "folder"] if args.all else args.names
    if not names:
        raise SerHubError("name the corpora whose cards to write, or pass --all.")
    for name in names:
        spec = corpus_info(name)
        print(f"wrote {write_card(Path(args.out) / spec.name / 'README.md', template_card(spec))}")


def register(subparsers) -> None:
    corpora = subparsers.add_parser("corpora", help="list the corpora ser-hub reads, or print one's definition file",
                                    description="List the registered corpora, or print a corpus's definition file "
                                    "(copy it to describe a corpus of your own).")
    corpora.add_argument("--show", metavar="CORPUS", help="print this corpus's definition file (YAML)")
    corpora.set_defaults(run=run_corpora)

    prepare = subparsers.add_parser("prepare", help="decode a corpus once into its cache and show its splits",
                                    description="Decode a corpus once into its cache and print each protocol's splits "
                                    "(sizes, speakers, hashes) and the files it skipped.",
                                    formatter_class=argparse.RawDescriptionHelpFormatter, epilog=protocols_help())
    _corpus_arguments(prepare)
    prepare.add_argument("--protocol", action="append",
                         help=f"split protocol (default {DEFAULT_PROTOCOL}; see below); repeatable")
    prepare.set_defaults(run=run_prepare)

    audit_parser = subparsers.add_parser("audit", help="check a corpus's splits: sizes, classes, leaks, confounds",
                                         description="Per-split sizes and classes, speakers or texts shared between "
                                         "splits, and confounds that bias results (speakers or sentences recorded in "
                                         "one emotion only).",
                                         formatter_class=argparse.RawDescriptionHelpFormatter, epilog=protocols_help())
    _corpus_arguments(audit_parser)
    audit_parser.add_argument("--protocol", default=DEFAULT_PROTOCOL,
                              help=f"split protocol (default {DEFAULT_PROTOCOL}; see below)")
    audit_parser.set_defaults(run=run_audit)

    export = subparsers.add_parser("export", help="write a corpus as a Hub dataset folder (and push it)",
                                   description="Write a Hub dataset folder: one config per split protocol sharing one "
                                   "copy of the audio (parquet, FLAC), and a dataset card; optionally push it.",
                                   formatter_class=argparse.RawDescriptionHelpFormatter, epilog=protocols_help())
    _corpus_arguments(export)
    export.add_argument("--out", required=True, help="output folder (Hub dataset repository layout)")
    export.add_argument("--protocol", action="append",
                        help="split protocol(s) to export as configs (default: those of the corpus's card — "
                        "speaker-independent, serab, official and emobox where it has and supports them; see below)")
    export.add_argument("--overwrite", action="store_true", help="replace an existing non-empty --out folder")
    export.add_argument("--push-to-hub", metavar="REPO", help="also upload to this Hub dataset repository")
    export.add_argument("--private", action="store_true", help="create the Hub repository as private")
    export.set_defaults(run=run_export)

    card = subparsers.add_parser("card", help="write corpora's Hub dataset cards from their definitions",
                                 description="Write datasets/<corpus>/README.md, a corpus's Hub dataset card, from its "
                                 "definition alone (the configs as `ser-hub export` writes them); an export writes "
                                 "the same card with the numbers of your copy.")
    card.add_argument("names", nargs="*", metavar="CORPUS", help="corpus names or definition files")
    card.add_argument("--all", action="store_true", help="every registered corpus")
    card.add_argument("--out", default="datasets", help="folder of the cards (default datasets)")
    card.set_defaults(run=run_card)
