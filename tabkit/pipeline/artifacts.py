"""The run folder: where a pipeline run keeps its artefacts, and how it writes them.

Layout (the report builder reads exactly this)::

    runs/<spec name>/<UTC timestamp, e.g. 20261125T142501Z>/
      spec.toml            the spec as run (overrides applied)
      status.json          {"status": "running"|"complete"|"failed"|"interrupted",
                            "started": iso, "finished": iso|null, "duration_s": float|null,
                            "error": str|null, "traceback": str|null, "steps_done": [..]}
      metrics.json         {"spec_name", "run_id", "metric", "target", "target_transform",
                            "data": {"source", "n_train", "n_valid", "n_test",
                                     "train_dates": [first, last], "valid_dates": [first, last]},
                            "versions": {"tabkit", "python", "numpy", "pandas", "sklearn",
                                         "torch"},
                            "baseline": {"name", "score"},
                            "models": {<name>: {"kind", "score", "fit_seconds",
                                                "predict_seconds", "n_train", "n_valid",
                                                "params": {...}, "best_params": {...}|absent}}}
      leaderboard.csv      model, kind, score (the spec's metric), fit_seconds,
                           predict_seconds; best first; the baseline is a row (kind "baseline")
      log.txt              the run's log
      submission.csv       Kaggle format (Rossmann: Id,Sales)
      valid_predictions.parquet  validation rows: the date column, the group column when
                           there is one (Store), "actual", then one column per model (and
                           "baseline") with its prediction in the target's original units
      valid_sample.parquet a sample (<= 2,000 rows) of the validation features as the models
                           see them (the raw feature frame, before the processor) + "actual"
      models/<name>.joblib each fitted model (joblib.dump of the estimator)
      <name>/importance.csv      tk.permutation_importance output
      <name>/contributions.csv   one row per explained validation row: "row" (position in
                           the validation set), "reason" ("worst" | "random"), "actual",
                           "prediction", "bias", "prediction_std" (forests: tree std), then
                           one column per feature with its contribution; values on the scale
                           the model was trained on (log units when ``target_transform`` is
                           "log"), so bias + contributions = prediction
      <name>/explained_rows.csv  the raw feature values of those rows, same "row" column first
      <name>/search.csv          ValidationSearch.results_ when the model was searched
      <name>/history.csv         a net's history_

Only files of finished steps exist: every file is written to a temporary name in the same
folder and renamed into place, so a reader never sees half a file. ``log.txt`` is the one
exception: it is appended to line by line as the run goes. ``metrics.json``,
``leaderboard.csv`` and ``valid_predictions.parquet`` are rewritten after each model, so a
failed run keeps the scores of the models that finished. ``status.json`` says "complete"
only once every step has finished.

Two runs of one spec started within the same second get ``<timestamp>-2``, ``-3``, ...
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

from tabkit.files import atomic_write, write_text

STATUSES = ("running", "complete", "failed", "interrupted")


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(timezone.utc)


def write_json(path: Path, data: Any) -> Path:
    """Write ``data`` as indented JSON atomically."""
    return write_text(path, json.dumps(data, indent=2, default=_json_default) + "\n")


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """Write a frame as CSV (no index) atomically."""
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def write_parquet(path: Path, frame: pd.DataFrame) -> Path:
    """Write a frame as parquet (no index) atomically."""
    return atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_joblib(path: Path, obj: Any) -> Path:
    """``joblib.dump`` an object atomically."""
    return atomic_write(path, lambda tmp: joblib.dump(obj, tmp))


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (tuple, set)):
        return list(value)
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.isoformat()
    return repr(value)


class RunFolder:
    """One run's folder: creates it, writes its files atomically, keeps its status.

    Parameters
    ----------
    root : path
        The runs folder (``runs``); the run lives in ``root/<spec_name>/<UTC timestamp>``.
    spec_name : str
        The spec's name.
    """

    def __init__(self, root: Path, spec_name: str):
        self.started = utc_now()
        stamp = self.started.strftime("%Y%m%dT%H%M%SZ")
        parent = Path(root) / spec_name
        parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, 1000):
            name = stamp if attempt == 1 else f"{stamp}-{attempt}"
            try:
                (parent / name).mkdir()
            except FileExistsError:
                continue
            break
        self.path = parent / name
        self.run_id = name
        self.steps_done: list[str] = []
        self._write_status("running")

    def file(self, *parts: str) -> Path:
        """The path of a file inside the run folder."""
        return self.path.joinpath(*parts)

    def step_done(self, step: str) -> None:
        """Record a finished step in ``status.json``."""
        self.steps_done.append(step)
        self._write_status("running")

    def finish(self, status: str, error: BaseException | None = None, traceback: str | None = None) -> float:
        """Mark the run complete, failed or interrupted; returns its duration in seconds."""
        return self._write_status(status, error=error, traceback=traceback, final=True)

    def _write_status(self, status: str, *, error: BaseException | None = None,
                      traceback: str | None = None, final: bool = False) -> float:
        if status not in STATUSES:
            raise ValueError(f"unknown run status {status!r}; expected one of {STATUSES}")
        finished = utc_now() if final else None
        duration = (finished - self.started).total_seconds() if finished else None
        message = None
        if error is not None:
            message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        write_json(self.file("status.json"), {
            "status": status,
            "started": self.started.isoformat(),
            "finished": finished.isoformat() if finished else None,
            "duration_s": duration,
            "error": message,
            "traceback": traceback,
            "steps_done": list(self.steps_done),
        })
        return duration or 0.0


def read_status(run_dir: Path) -> dict:
    """Read a run's ``status.json``."""
    return json.loads((Path(run_dir) / "status.json").read_text(encoding="utf-8"))
