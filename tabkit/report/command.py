"""``tabkit report RUN_DIR... [--out DIR] [--jobs N]``: HTML reports of pipeline runs."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand."""
    report = subparsers.add_parser(
        "report",
        help="build self-contained HTML reports of pipeline runs",
        description="Build one self-contained HTML report per run, at OUT/<spec>/<run>/index.html, "
        "and OUT/index.html listing every report with its scores. A RUN_DIR may also be a "
        "spec's folder of runs or a whole runs/ folder.",
    )
    report.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR", help="run folder(s), runs/<spec>/<run>/")
    report.add_argument(
        "--out", type=Path, default=Path("reports"), help="root folder of the reports (default: reports)"
    )
    report.add_argument("--jobs", type=int, default=-1, help="parallel worker processes (default -1: every core)")
    report.add_argument("--quiet", action="store_true", help="no progress bar")
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from tabkit.report.builder import ReportError, build_reports
    from tabkit.runs import find_runs
    from tabkit.signals import end_as_signalled

    if args.jobs == 0 or args.jobs < -1:
        print(f"tabkit report: --jobs must be a positive number or -1, got {args.jobs}")
        return 2
    runs: list[Path] = []
    for path in args.run_dirs:
        found = find_runs(path)
        if not found:
            print(f"tabkit report: {str(path)!r} is not a run folder (no status.json or metrics.json) and holds none")
            return 2
        runs += found
    try:
        paths = build_reports(runs, out=args.out, n_jobs=args.jobs, verbose=not args.quiet)
    except KeyboardInterrupt:
        print("tabkit report: interrupted; reports already written are kept", file=sys.stderr)
        end_as_signalled(signal.SIGINT)
        return 130  # where the signal is ignored
    except ValueError as error:
        print(f"tabkit report: {error}")
        return 2
    except ReportError as error:
        print(f"tabkit report: {error}")
        return 1
    for path in paths:
        print(f"wrote {path}")
    print(f"index: {Path(args.out).resolve() / 'index.html'}")
    return 0
