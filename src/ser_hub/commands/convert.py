"""`ser-hub convert byol|cvt`: original checkpoints -> transformers folders (safetensors + config + modeling code).

The conversion code (torch, transformers) loads when the command runs, not when the parser is built; the choices
below are checked against the converters by tests/test_imports.py.
"""

from __future__ import annotations

BYOL_VARIANTS = ("byol-a", "byol-s")  # ser_hub.models.byol.convert_byol_checkpoint.VARIANT_WIN_LENGTH
CVT_POOLINGS = ("mean", "mean+max")  # ser_hub.models.byol.convert_cvt_checkpoint.POOLINGS


def report(output_dir, description: str) -> None:
    print(f"wrote {output_dir} ({description}); load it with AutoModel.from_pretrained({str(output_dir)!r}) "
          "after `import ser_hub`, or with trust_remote_code=True without ser-hub")


def run_convert_byol(args) -> None:
    from ..models.byol.convert_byol_checkpoint import convert_byol_checkpoint

    report(convert_byol_checkpoint(args.checkpoint, args.variant, args.out), args.variant)


def run_convert_cvt(args) -> None:
    from ..models.byol.configuration_byol_cvt import ByolCvtConfig
    from ..models.byol.convert_cvt_checkpoint import convert_cvt_checkpoint

    output_dir = convert_cvt_checkpoint(args.checkpoint, args.out, pooling=args.pooling)
    config = ByolCvtConfig.from_pretrained(output_dir)
    widths = "/".join(str(width) for width in config.embed_dims)
    report(output_dir, f"BYOL-S/CvT {widths}, {args.pooling} pooling, {config.hidden_size}-d embedding")


def register(subparsers) -> None:
    convert = subparsers.add_parser("convert", help="convert an original checkpoint into a transformers model folder")
    families = convert.add_subparsers(dest="family", required=True, metavar="FAMILY")
    byol = families.add_parser("byol", help="BYOL-A / BYOL-S AudioNTT2020 state_dict (.pth, keys features.* and fc.*)")
    byol.add_argument("--checkpoint", required=True, help="the original .pth file (loaded with weights_only=True)")
    byol.add_argument("--variant", required=True, choices=BYOL_VARIANTS,
                      help="sets the front end's window: byol-a 1024 samples, byol-s 400")
    byol.add_argument("--out", required=True, help="output folder (must not exist; written atomically)")
    byol.set_defaults(run=run_convert_byol)
    cvt = families.add_parser("cvt", help="SERAB's BYOL-S/CvT state_dict (.pth, keys layers.*); widths read from it")
    cvt.add_argument("--checkpoint", required=True, help="the original .pth file (loaded with weights_only=True)")
    cvt.add_argument("--pooling", choices=CVT_POOLINGS, default="mean",
                     help="utterance pooling, not stored in the weights: mean (default; SERAB's 256-d and 512-d "
                          "models) or mean+max (SERAB's 2048-d model)")
    cvt.add_argument("--out", required=True, help="output folder (must not exist; written atomically)")
    cvt.set_defaults(run=run_convert_cvt)
