"""Run a pipeline spec: :func:`run_pipeline`, the entry point of ``tabkit run``; the
steps themselves are in :mod:`tabkit.pipeline.steps`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tabkit import runs
from tabkit.pipeline.spec import Spec, load_spec
from tabkit.pipeline.steps.progress import RunLog
from tabkit.pipeline.steps.result import PipelineError, RunResult
from tabkit.pipeline.steps.run import RunSteps
from tabkit.signals import interruption, terminate_as_interrupt

__all__ = ["PipelineError", "RunResult", "run_pipeline"]


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
        Print progress and the leaderboard (the log file is written either way).

    Returns
    -------
    RunResult

    Raises
    ------
    SpecError
        The spec is invalid; raised before any file is written.
    PipelineError
        A step failed; the run is marked failed (error and traceback in ``status.json``)
        and keeps every artefact of the steps that finished. Its ``result`` and its
        ``__cause__`` (the original error) say more.
    KeyboardInterrupt
        After marking the run interrupted (Ctrl-C, or SIGTERM as
        :class:`tabkit.signals.Terminated`).
    """
    if isinstance(spec, Spec):
        if overrides:
            raise ValueError("overrides apply to a spec file or mapping, not to a validated Spec")
    else:
        spec = load_spec(spec, overrides)
    root = Path(out_dir) if out_dir is not None else Path(spec.output["runs"])
    writer = runs.RunWriter(root, spec.name)
    run = RunSteps(spec, writer, RunLog(writer.file(runs.LOG), echo=verbose), root)
    with terminate_as_interrupt():
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
        run.result.status = "complete"
        run.result.duration_s = writer.finish("complete")
        run.log(f"run complete in {run.result.duration_s:.1f}s: {writer.path}")
        if spec.output["report"]:
            run.build_report()
    return run.result
