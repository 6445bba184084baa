"""``tabkit export RUN_DIR --format onnx [--model NAME] [-o DIR]`` writes a finished run's
models as ONNX (see :mod:`tabkit.export`).

Without ``--model`` every model of the run is exported, and each one that cannot be is
named with its kind and why. Exit status: 0 when something was written, 2 for bad input
(not a run, an unknown model, a model that cannot be exported, nothing exportable).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FORMATS = ("onnx",)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand."""
    export = subparsers.add_parser(
        "export",
        help="write a finished run's models as ONNX",
        description="Write models of a finished run as ONNX graphs that take the run's processed columns "
        "(category maps, fills and scaling inside the graph), each with a JSON beside it naming its "
        "inputs and outputs. Forests, LightGBM, nets and their ensembles export; other kinds are "
        "named with the reason. Needs pip install 'tabkit[onnx]'.",
    )
    export.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a finished run, runs/<spec>/<run>/")
    export.add_argument("--format", choices=FORMATS, default="onnx", help="the format (default: onnx)")
    export.add_argument(
        "--model", default=None, metavar="NAME", help="one model to export (default: every model that can be)"
    )
    export.add_argument(
        "-o",
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="the folder of the files (default: onnx/<spec>/<run id>/)",
    )
    export.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    from tabkit import runs
    from tabkit.export import ExportError
    from tabkit.pipeline.predict import load_run

    try:
        run = load_run(args.run_dir)
        names = [args.model] if args.model is not None else [m for m in run.models if m != runs.BASELINE]
        if args.model is not None:
            run.model(args.model)  # an unknown name is refused with the run's models listed
    except (ValueError, FileNotFoundError, KeyError) as exc:
        print(f"tabkit export: {exc}", file=sys.stderr)
        return 2
    folder = args.out if args.out is not None else Path("onnx") / run.reader.spec_name / run.reader.run_id
    written = 0
    for name in names:
        try:
            path = run.export_onnx(folder, name)
        except ExportError as exc:
            print(f"tabkit export: {exc}", file=sys.stderr)
            continue
        except ImportError as exc:
            print(f"tabkit export: {exc}; install the ONNX extra: pip install 'tabkit[onnx]'", file=sys.stderr)
            return 2
        written += 1
        print(f"wrote {path} and {path.with_suffix('.json').name}")
    return 0 if written else 2
