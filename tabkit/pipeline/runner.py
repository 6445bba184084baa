"""Run a pipeline spec: :func:`run_pipeline`, the entry point of ``tabkit run``; the
steps themselves are in :mod:`tabkit.pipeline.steps`."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from tabkit import runs
from tabkit.pipeline.keys import SpecError
from tabkit.pipeline.partitioned import PartitionedRunSteps
from tabkit.pipeline.sources import get_source
from tabkit.pipeline.spec import Spec, load_spec
from tabkit.pipeline.steps.cluster import connect
from tabkit.pipeline.steps.progress import RunLog
from tabkit.pipeline.steps.result import PipelineError, RunResult
from tabkit.pipeline.steps.run import RunSteps
from tabkit.pipeline.steps.tracking import track_run
from tabkit.signals import Terminated, interruption, terminate_as_interrupt

__all__ = [
    "PipelineError",
    "ReportInterrupted",
    "ReportTerminated",
    "RunResult",
    "check_writable",
    "output_folders",
    "run_pipeline",
]


class ReportInterrupted(KeyboardInterrupt):
    """Ctrl-C while the report was built: the run itself is complete (``status.json``
    says so) and its report can be rebuilt with ``tabkit report RUN_DIR``; the message
    says how.

    Attributes
    ----------
    result : RunResult
        The complete run.
    """

    def __init__(self, message: str, result: RunResult):
        super().__init__(message)
        self.result = result


class ReportTerminated(ReportInterrupted, Terminated):
    """SIGTERM while the report was built: the run itself is complete."""


def run_pipeline(
    spec: str | Path | Mapping | Spec,
    *,
    overrides: Sequence[str] | Mapping[str, Any] | None = None,
    out_dir: str | Path | None = None,
    verbose: bool = True,
) -> RunResult:
    """Run a pipeline spec end to end.

    Parameters
    ----------
    spec : path, mapping or Spec
        A TOML spec file (see ``docs/spec.md``), its parsed mapping, or a validated
        :class:`~tabkit.pipeline.spec.Spec`.
    overrides : list of "key=value" or mapping, optional
        Changes to the spec, e.g. ``["data.n_stores=20"]`` (values are TOML literals).
    out_dir : path, optional
        The runs folder, instead of the spec's ``output.runs``; the run lands in
        ``out_dir/<spec name>/<UTC timestamp>/``.
    verbose : bool, default True
        Print progress and the leaderboard (the log file is written either way); False
        also silences the nets' epoch lines, whatever their ``verbose``.

    Returns
    -------
    RunResult

    Raises
    ------
    SpecError
        The spec is invalid, or the runs, reports (with ``output.report``) or cache
        folder cannot be written, or (as :class:`~tabkit.pipeline.steps.cluster.ClusterError`)
        its ``[compute] cluster`` cannot be reached; raised before any file is written.
    PipelineError
        A step failed; the run is marked failed (error and traceback in ``status.json``)
        and keeps every artefact of the steps that finished. Its ``result`` and its
        ``__cause__`` (the original error) say more.
    ReportInterrupted
        Ctrl-C (or, as :class:`ReportTerminated`, SIGTERM) while the report was built:
        the run stays complete and the log says how to rebuild the report.
    KeyboardInterrupt
        After marking the run interrupted (Ctrl-C, or SIGTERM as
        :class:`tabkit.signals.Terminated`).
    """
    if isinstance(spec, Spec):
        if overrides:
            raise ValueError("overrides apply to a spec file or mapping, not to a validated Spec")
    else:
        spec = load_spec(spec, overrides)
    root = Path(out_dir) if out_dir is not None else Path(spec.output.runs)
    check_writable(output_folders(spec, root))
    cluster = connect(spec.compute)  # a scheduler that does not answer is refused before any work
    writer = runs.RunWriter(root, spec.name)
    steps = PartitionedRunSteps if get_source(spec.data["source"]).partitioned(spec.data) else RunSteps
    run = steps(spec, writer, RunLog(writer.file(runs.LOG), echo=verbose), root, cluster)
    quiet_nets = nullcontext() if verbose else _silenced_nets()
    with cluster, terminate_as_interrupt(), quiet_nets:
        try:
            run.execute()
        except BaseException as exc:
            interrupt = interruption(exc)
            run.fail(interrupt or exc)
            if interrupt is not None and interrupt is not exc:
                raise interrupt from exc
            if isinstance(exc, Exception):
                raise PipelineError(
                    f"pipeline run failed: {run.result.error} (run folder: {writer.path})", run.result
                ) from exc
            raise
        _finish(run, writer, spec)
    return run.result


def _finish(run: RunSteps, writer: runs.RunWriter, spec: Spec) -> None:
    """Mark the run complete, then build its report; an interrupt before the run is marked
    complete marks it interrupted, one after it leaves it complete and says so."""
    complete = False
    try:
        run.result.duration_s = writer.finish("complete")
        complete = True
        run.result.status = "complete"
        run.log(f"run complete in {run.result.duration_s:.1f}s: {writer.path}")
        if spec.output.report:
            run.build_report()
        track_run(run)  # [output] mlflow: a failure is logged, the run stays complete
    except KeyboardInterrupt as interrupt:
        # status.json, written atomically, is the truth: the interrupt may land after it
        # says complete but before finish() returns
        if not complete and runs.RunReader(writer.path).status.get("status") != "complete":
            run.fail(interrupt)
            raise
        run.result.status = "complete"
        out = "" if spec.output.reports == "reports" else f" --out {spec.output.reports}"
        rebuild = f"the run is complete; rebuild the report with `tabkit report {writer.path}{out}`"
        run.result.error = f"report interrupted; {rebuild}"
        run.log(f"report interrupted ({type(interrupt).__name__}); {rebuild}")
        kind = ReportTerminated if isinstance(interrupt, Terminated) else ReportInterrupted
        raise kind(rebuild, run.result) from interrupt


def output_folders(spec: Spec, root: Path) -> dict[str, Path]:
    """The folders a run of ``spec`` writes in: the runs folder ``root``, the reports
    folder (with ``output.report``) and the feature cache (with ``features.cache``)."""
    folders = {"runs": root}
    if spec.output.report:
        folders["reports"] = Path(spec.output.reports)
    if spec.features.cache:
        folders["cache"] = Path(spec.output.cache) if spec.output.cache else root / ".cache"
    return folders


def check_writable(folders: Mapping[str, Path]) -> None:
    """Refuse folders that cannot be written or created, before any work.

    Parameters
    ----------
    folders : mapping of str to Path
        What each folder is for (``"runs"``) -> the folder.

    Raises
    ------
    SpecError
        Naming each folder and why: the nearest existing folder above it is a file, or
        is not writable.
    """
    problems, refused = [], []
    for what, folder in folders.items():
        if any(folder.absolute().is_relative_to(other) for other in refused):  # one line per cause
            continue
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            problems.append(f"the {what} folder {folder} cannot be created: {existing} is a file, not a folder")
        elif not os.access(existing, os.W_OK | os.X_OK):
            problems.append(
                f"the {what} folder {folder} is not writable"
                if existing == folder
                else f"the {what} folder {folder} cannot be created: {existing} is not writable"
            )
        else:
            continue
        refused.append(folder.absolute())
    if problems:
        raise SpecError("; ".join(problems))


def _silenced_nets():
    """The nets' epoch lines turned off (imported only for a quiet run)."""
    from tabkit.nn.progress import silenced

    return silenced()
