"""`ser-hub convert byol`: original checkpoints -> transformers folders (safetensors + config + modeling code).

The conversion code (torch, transformers) loads when the command runs, not when the parser is built; the variant
names below are checked against the converter by tests/test_imports.py.
"""

from __future__ import annotations

BYOL_VARIANTS = ("byol-a", "byol-s")  # ser_hub.models.byol.convert_byol_checkpoint.VARIANT_WIN_LENGTH


def run_convert_byol(args) -> None:
    from ..models.byol.convert_byol_checkpoint import convert_byol_checkpoint

    output_dir = convert_byol_checkpoint(args.checkpoint, args.variant, args.out)
    print(f"wrote {output_dir} ({args.variant}); load it with AutoModel.from_pretrained({str(output_dir)!r}) "
          "after `import ser_hub`, or with trust_remote_code=True without ser-hub")


def register(subparsers) -> None:
    convert = subparsers.add_parser("convert", help="convert an original checkpoint into a transformers model folder")
    families = convert.add_subparsers(dest="family", required=True, metavar="FAMILY")
    byol = families.add_parser("byol", help="BYOL-A / BYOL-S AudioNTT2020 state_dict (.pth, keys features.* and fc.*)")
    byol.add_argument("--checkpoint", required=True, help="the original .pth file (loaded with weights_only=True)")
    byol.add_argument("--variant", required=True, choices=BYOL_VARIANTS,
                      help="sets the front end's window: byol-a 1024 samples, byol-s 400")
    byol.add_argument("--out", required=True, help="output folder (must not exist; written atomically)")
    byol.set_defaults(run=run_convert_byol)
