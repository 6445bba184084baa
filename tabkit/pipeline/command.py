"""``tabkit run SPEC [--set key=value ...] [--out DIR] [--cluster ADDRESS]`` runs a pipeline spec;
``tabkit predict RUN_DIR --data PATH [--model NAME] [-o FILE]`` scores new data with a
finished run.

Exit status: 0 on success, 2 for bad input (an invalid spec, a run that cannot predict;
nothing is written), 1 when a step (or the report) fails; an interrupted (Ctrl-C) or
terminated (SIGTERM) run ends by that signal once its folder is marked interrupted (a
shell reports 130 or 143); a signal while the report is built leaves the run complete
and says how to rebuild the report.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

TRUST_NOTE = (
    "Loading a run runs no code from its folder: models are read from data-only formats "
    "(skops with tabkit's trusted types, safetensors, LightGBM text), each file checked "
    "against the SHA-256 in the run's manifest first. A run of an older tabkit holds pickles: "
    "it is unpickled after a warning, which can run code stored in the files: load only runs "
    "you trust."
)


DATA_HELP = "the new rows, as the run read its data"


class _PredictHelp(argparse.HelpFormatter):
    """Help of ``tabkit predict``: what ``--data`` takes for each data source, read from
    the source registry only when the help is shown (the registry imports pandas)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.dest != "data":
            return super()._get_help_string(action)
        from tabkit.pipeline.sources import SOURCES

        takes = "; ".join(f"{name}: {source.new_data}" for name, source in SOURCES.items())
        return f"{DATA_HELP}, by the run's data source ({takes})".replace("%", "%%")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` and ``predict`` subcommands."""
    run = subparsers.add_parser(
        "run",
        help="run a pipeline spec (TOML): features, validation split, models, submission",
        description="Run a Kaggle-style pipeline spec. Each run writes runs/<spec name>/<UTC timestamp>/ "
        "(spec.toml, status.json, metrics.json, leaderboard.csv, submission.csv, models, "
        "importance and contribution tables, log.txt). Every spec key: docs/spec.md.",
    )
    run.add_argument("spec", type=Path, help="the spec file, e.g. pipelines/rossmann-synthetic.toml")
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a spec value (a TOML literal), e.g. --set data.n_stores=20 "
        "or --set model.forest.params.n_estimators=10; may be repeated",
    )
    run.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="runs folder (default: the spec's output.runs, usually runs/)",
    )
    run.add_argument(
        "--cluster",
        default=None,
        metavar="ADDRESS",
        help='fit the models on a Dask cluster: "local:N" starts N worker processes here, "tcp://host:8786" '
        "connects to a running scheduler (the spec's compute.cluster; needs the [distributed] extra)",
    )
    run.add_argument("--quiet", action="store_true", help="print only the final summary")
    run.set_defaults(handler=_run)

    predict = subparsers.add_parser(
        "predict",
        help="score new data with a finished run",
        description="Build the run's features for new data and predict them with one of its models, "
        "writing a submission-style CSV (the id column, then the prediction or one probability "
        "column per class), sorted by id as the run's submission.csv. " + TRUST_NOTE,
        formatter_class=_PredictHelp,
    )
    predict.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a finished run, runs/<spec>/<run>/")
    predict.add_argument(
        "--data",
        type=Path,
        required=True,
        metavar="PATH",
        help=DATA_HELP,
    )
    predict.add_argument(
        "--model",
        default=None,
        metavar="NAME",
        help="which model predicts (default: the one that made the run's submission)",
    )
    predict.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("predictions.csv"),
        metavar="FILE",
        help="where to write the predictions (default: predictions.csv)",
    )
    predict.add_argument(
        "--probabilities",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="classification: one probability column per class (default: as the run)",
    )
    predict.set_defaults(handler=_predict)


def _run(args: argparse.Namespace) -> int:
    from tabkit.pipeline.runner import PipelineError, ReportInterrupted, run_pipeline
    from tabkit.pipeline.spec import SpecError
    from tabkit.pipeline.steps.progress import format_leaderboard
    from tabkit.signals import Terminated, end_as_signalled

    try:
        overrides = args.overrides + ([f"compute.cluster={json.dumps(args.cluster)}"] if args.cluster else [])
        result = run_pipeline(args.spec, overrides=overrides, out_dir=args.out, verbose=not args.quiet)
    except SpecError as exc:
        print(f"tabkit run: {exc}", file=sys.stderr)
        return 2
    except PipelineError as exc:
        print(f"tabkit run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as interrupt:
        terminated = isinstance(interrupt, Terminated)
        verb = "terminated" if terminated else "interrupted"
        if isinstance(interrupt, ReportInterrupted):  # the run itself is complete
            print(f"tabkit run: {verb} while the report was built; {interrupt}", file=sys.stderr)
        else:
            print(f"tabkit run: {verb}; the run folder is marked interrupted", file=sys.stderr)
        end_as_signalled(signal.SIGTERM if terminated else signal.SIGINT)
        return 143 if terminated else 130  # where the signal is ignored
    if args.quiet:
        print(format_leaderboard(result.leaderboard, result.metric))
        print(f"run complete: {result.run_dir}")
    if result.error:
        print(f"tabkit run: {result.error}", file=sys.stderr)
        return 1
    return 0


def _predict(args: argparse.Namespace) -> int:
    from tabkit.files import atomic_write
    from tabkit.pipeline.predict import load_run

    try:
        run = load_run(args.run_dir)
        if not args.data.exists():
            raise ValueError(f"--data: {args.data} does not exist (resolved: {args.data.resolve()})")
        predictions = run.submission(args.data, model=args.model, probabilities=args.probabilities)
    except (ValueError, FileNotFoundError, KeyError) as exc:
        print(f"tabkit predict: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tabkit predict: interrupted; nothing was written", file=sys.stderr)
        return 130
    atomic_write(args.output, lambda tmp: predictions.to_csv(tmp, index=False))
    print(f"wrote {len(predictions):,} predictions of model {args.model or run.default_model} to {args.output}")
    return 0
