"""What a pipeline run produced, and the error of a run that failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tabkit.pipeline.steps.scoreboard import LEADERBOARD_COLUMNS


@dataclass
class RunResult:
    """What a pipeline run produced.

    Attributes
    ----------
    run_dir : Path
        The run folder.
    status : str
        "complete", "failed" or "interrupted".
    metric : str
        The spec's metric.
    scores : dict of str to float
        Validation score of the baseline (key "baseline") and of every finished model.
    leaderboard : DataFrame
        model, kind, score, fit_seconds, predict_seconds, explain_seconds, note (how a score
        other than the plain validation score was taken); best first.
    features_cached : bool
        Whether the features came from the cache (feature building was skipped).
    submission : Path or None
        The submission file, when one was written.
    report : Path or None
        The HTML report, when one was built.
    error : str or None
        The error of a failed or interrupted run, or of a failed report.
    warnings : list of str
        What the run warned about (models worse than the baseline, dropped rows).
    steps : dict of str to float
        Seconds each step took.
    duration_s : float
        Seconds the run took.
    """

    run_dir: Path
    status: str
    metric: str
    scores: dict[str, float] = field(default_factory=dict)
    leaderboard: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LEADERBOARD_COLUMNS))
    features_cached: bool = False
    submission: Path | None = None
    report: Path | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    steps: dict[str, float] = field(default_factory=dict)
    duration_s: float = 0.0


class PipelineError(RuntimeError):
    """A run that failed after its run folder was created; ``result`` describes it."""

    def __init__(self, message: str, result: RunResult):
        super().__init__(message)
        self.result = result
