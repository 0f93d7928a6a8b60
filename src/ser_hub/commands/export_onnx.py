"""`ser-hub export-onnx MODEL --out DIR`: a saved ser-hub model as an ONNX graph (its code loads when it runs)."""

from __future__ import annotations

import argparse

DESCRIPTION = """\
Export a saved ser-hub model (byol, byol_cvt, emonet, mtl_wav2vec2) to DIR/model.onnx, with dynamic batch and time
axes, its config.json and its feature extractor's preprocessor_config.json beside it, and check it against PyTorch
with onnxruntime before the folder appears.

The graph starts at the feature extractor's output, so prepare inputs with the saved feature extractor:
  byol, byol_cvt, emonet   input_features: the standardised log-mel [batch, 1, n_mels, frames] + attention_mask
                           [batch, frames]
  mtl_wav2vec2             input_values: the normalised waveform [batch, samples] + attention_mask [batch, samples]
Pad on the right; a padded batch gives the same outputs as PyTorch. Needs pip install 'ser-hub[onnx]'.
"""


def run_export_onnx(args) -> None:
    from ..onnx_export import export_onnx

    summary = export_onnx(args.model, args.out, domain=args.domain)
    domain = f", domain {summary['domain']}" if summary["domain"] else ""
    print(f"wrote {args.out}/model.onnx (opset {summary['opset']}{domain})")
    for name, axes in summary["inputs"].items():
        print(f"  input  {name} {axes}")
    for name, difference in summary["max_abs_difference"].items():
        print(f"  output {name}: max |onnxruntime - PyTorch| = {difference:.1e} on a padded example batch")


def register(subparsers) -> None:
    export = subparsers.add_parser(
        "export-onnx", help="export a model to ONNX from its feature extractor's output onwards",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("model", metavar="MODEL", help="a saved ser-hub model folder (or Hub name)")
    export.add_argument("--out", required=True, metavar="DIR", help="output folder (must not exist; written atomically)")
    export.add_argument("--domain", help="EmoNet only: the domain whose adapters and head are exported "
                                         "(needed when the model has several)")
    export.set_defaults(run=run_export_onnx)
