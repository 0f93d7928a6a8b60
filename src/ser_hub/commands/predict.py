"""`ser-hub predict`: emotions of audio files over time, with a fine-tuned model (its code loads when it runs)."""

from __future__ import annotations

import argparse
import sys

DESCRIPTION = """\
Predict the emotion of each audio file (or of each window of a long recording) with a fine-tuned model: files and
folders (searched recursively) in, one table row per file or window out, with a timeline PNG for every recording
longer than one window. Any sampling rate and channel count is read (down-mixed, resampled with soxr). Files that
cannot be used (unreadable, empty, NaN samples, shorter than 0.1 s, silent) get one row with the reason in the
`skipped` column; clipped or silent windows are predicted and flagged in the `warnings` column."""
EXAMPLES = """examples:
  ser-hub predict interview.wav --model runs/byol-urdu --out preds.csv
  ser-hub predict recordings/ talk.mp4 --model runs/byol-urdu --out preds.csv --window 4 --hop 2 --top-k 3
  ser-hub predict clips/ --model runs/emonet --domain urdu --out preds.csv --batch-size 16 --quiet
"""


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text}: must be positive")
        return value

    return parse


def run_predict(args) -> int:
    from ..predict import predict_files

    summary = predict_files(args.inputs, args.model, args.out, window=args.window, hop=args.hop,
                            batch_size=args.batch_size, top_k=args.top_k, domain=args.domain,
                            models_dir=args.models_dir, progress=not args.quiet)
    for file, reason in summary["skipped"].items():
        print(f"ser-hub predict: skipped {file}: {reason}", file=sys.stderr)
    predicted = summary["files"] - len(summary["skipped"])
    print(f"wrote {args.out}: {summary['windows']} window(s) of {predicted} file(s); {len(summary['skipped'])} file(s) "
          "skipped, listed with their reason in the 'skipped' column")
    if summary["timelines"]:
        print(f"wrote {len(summary['timelines'])} timeline(s) of recordings longer than one window to "
              f"{summary['timelines_dir']}")
    return 0


def register(subparsers) -> None:
    predict = subparsers.add_parser("predict", help="predict emotions of audio files (per window for long recordings)",
                                    description=DESCRIPTION, epilog=EXAMPLES,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    predict.add_argument("inputs", nargs="+", metavar="FILE_OR_DIR", help="audio files and folders (searched recursively)")
    predict.add_argument("--model", required=True,
                         help="a fine-tuned model: folder, Hugging Face model id, or a shorthand under --models-dir")
    predict.add_argument("--out", required=True, help="the table to write: .csv, .json or .md (written atomically)")
    predict.add_argument("--window", type=_positive(float), default=None,
                         help="window length in seconds (default: the model's clip length, else 6); a shorter "
                         "recording is one window")
    predict.add_argument("--hop", type=_positive(float), default=None,
                         help="seconds between window starts (default: the window); the last window ends with the file")
    predict.add_argument("--batch-size", type=_positive(int), default=1, help="windows per forward pass (default 1)")
    predict.add_argument("--top-k", type=_positive(int), default=None,
                         help="also write the k best classes per window (label_2, score_2, ...)")
    predict.add_argument("--domain", default=None, help="EmoNet: the domain whose head to use (needed when the model has several)")
    predict.add_argument("--models-dir", default=None, help="where shorthands such as byol-s-512 are found")
    predict.add_argument("--quiet", action="store_true", help="no progress bars")
    predict.set_defaults(run=run_predict)
