"""The run's scores as they come in: the leaderboard, each model's validation predictions
(and class probabilities), rewritten after every step so a failed run keeps what finished."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tabkit import runs
from tabkit.pipeline.models.predictions import Predictions
from tabkit.pipeline.models.scoring import greater_is_better

LEADERBOARD_COLUMNS = [
    "model",
    "kind",
    "score",
    "corrected",
    "factor",
    "fit_seconds",
    "predict_seconds",
    "explain_seconds",
    "note",
]


class Scoreboard:
    """Leaderboard rows and validation predictions of a run.

    Parameters
    ----------
    metric : str
        The run's metric (which way is better).
    rows : DataFrame
        The validation rows' key columns (date, group) and ``actual``: the start of
        ``valid_predictions.parquet``.
    """

    def __init__(self, metric: str, rows: pd.DataFrame):
        self.metric = metric
        self.board: dict[str, dict] = {}
        self.predictions: dict[str, Predictions] = {}
        self.frame = rows.reset_index(drop=True)
        self.probabilities = pd.DataFrame(index=self.frame.index)

    def record(
        self,
        name: str,
        kind: str,
        score: float,
        fit_seconds: float,
        predict_seconds: float,
        predicted: Predictions,
        note: str = "",
    ) -> None:
        """Add a model's row and validation predictions."""
        self.board[name] = {
            "model": name,
            "kind": kind,
            "score": score,
            "fit_seconds": fit_seconds,
            "predict_seconds": predict_seconds,
            "explain_seconds": np.nan,
            "corrected": np.nan,
            "factor": np.nan,
            "note": note,
        }
        self.predictions[name] = predicted
        self.frame[name] = predicted.values
        if predicted.proba is not None:
            for k, label in enumerate(predicted.classes):
                self.probabilities[f"{name}:{label}"] = predicted.proba[:, k]

    def corrected(self, name: str, score: float, factor: float) -> None:
        """Record a model's split-half score with its correction factor, and the factor."""
        self.board[name].update(corrected=score, factor=factor)

    def explained(self, name: str, seconds: float) -> None:
        """Record how long a model's explanations took."""
        self.board[name]["explain_seconds"] = seconds

    @property
    def leaderboard(self) -> pd.DataFrame:
        """Every recorded row, best first."""
        table = pd.DataFrame(list(self.board.values()), columns=LEADERBOARD_COLUMNS)
        table = table.sort_values("score", ascending=not greater_is_better(self.metric), kind="stable")
        return table.reset_index(drop=True)

    def ranked_models(self) -> list[str]:
        """The models' names, best first (the baseline left out)."""
        return [m for m in self.leaderboard["model"] if m != runs.BASELINE]

    def write(self, writer: runs.RunWriter) -> None:
        """Rewrite the leaderboard and the validation predictions."""
        if not self.board:
            return
        writer.write_parquet(runs.VALID_PREDICTIONS, self.frame)
        if len(self.probabilities.columns):
            writer.write_parquet(runs.VALID_PROBABILITIES, self.probabilities)
        writer.write_csv(runs.LEADERBOARD, self.leaderboard)
