"""``tabkit run SPEC [--set key=value ...] [--out DIR]``: run a pipeline spec.

Exit status: 0 when the run completes, 2 for an invalid spec (nothing is written), 1 when
a step (or the report) fails, 130 when interrupted.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` subcommand."""
    run = subparsers.add_parser(
        "run",
        help="run a pipeline spec (TOML): features, validation split, models, submission",
        description="Run a Kaggle-style pipeline spec. Each run writes runs/<spec name>/<UTC timestamp>/ "
        "(spec.toml, status.json, metrics.json, leaderboard.csv, submission.csv, models, "
        "importance and contribution tables, log.txt).",
    )
    run.add_argument("spec", type=Path, help="the spec file, e.g. pipelines/rossmann-synthetic.toml")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override a spec value (a TOML literal), e.g. --set data.n_stores=20 "
                          "or --set model.forest.params.n_estimators=10; may be repeated")
    run.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help="runs folder (default: the spec's output.runs, usually runs/)")
    run.add_argument("--quiet", action="store_true", help="print only the final summary")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from tabkit.pipeline.progress import format_leaderboard
    from tabkit.pipeline.runner import PipelineError, run_pipeline
    from tabkit.pipeline.spec import SpecError

    try:
        result = run_pipeline(args.spec, overrides=args.overrides, out_dir=args.out, verbose=not args.quiet)
    except SpecError as exc:
        print(f"tabkit run: {exc}", file=sys.stderr)
        return 2
    except PipelineError as exc:
        print(f"tabkit run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tabkit run: interrupted; the run folder is marked interrupted", file=sys.stderr)
        return 130
    if args.quiet:
        print(format_leaderboard(result.leaderboard, result.metric))
        print(f"run complete: {result.run_dir}")
    if result.error:
        print(f"tabkit run: {result.error}", file=sys.stderr)
        return 1
    return 0
