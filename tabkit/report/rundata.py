"""Read a pipeline run folder (``runs/<spec>/<run>/``) for the report.

Every reader returns ``None`` when its file is absent (the step did not run or did not
finish), so each report section can say so instead of failing.
"""
from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

import joblib
import pandas as pd

RUN_MARKERS = ("status.json", "metrics.json")


def is_run_folder(path: Path) -> bool:
    """Whether ``path`` is a folder holding a run's ``status.json`` or ``metrics.json``."""
    return path.is_dir() and any((path / name).is_file() for name in RUN_MARKERS)


def find_runs(path: Path) -> list[Path]:
    """Run folders at ``path``: itself, its children (a spec's runs) or grandchildren
    (a whole ``runs/`` folder), sorted by path."""
    path = Path(path)
    if is_run_folder(path):
        return [path]
    if not path.is_dir():
        return []
    children = sorted(p for p in path.iterdir() if p.is_dir())
    found = [p for p in children if is_run_folder(p)]
    if found:
        return found
    return [g for c in children for g in sorted(c.iterdir()) if is_run_folder(g)]


class RunFolder:
    """Lazy access to the files of one run folder.

    Parameters
    ----------
    path : path-like
        The run folder, ``runs/<spec name>/<run id>/``.

    Raises
    ------
    ValueError
        If ``path`` is not a folder or holds neither ``status.json`` nor ``metrics.json``.
    """

    def __init__(self, path: str | Path):
        path = Path(path)
        if not path.is_dir():
            raise ValueError(f"run folder {str(path)!r} does not exist or is not a folder")
        if not is_run_folder(path):
            raise ValueError(f"{str(path)!r} is not a run folder: it has neither "
                             f"{' nor '.join(RUN_MARKERS)}")
        self.path = path.resolve()
        self._models: dict[str, object] = {}

    @property
    def spec_name(self) -> str:
        """The spec's name: the run folder's parent folder, as the pipeline names it."""
        return self.path.parent.name

    @property
    def run_id(self) -> str:
        """The run's id: the folder's name (a UTC timestamp)."""
        return self.path.name

    def _json(self, name: str) -> dict:
        file = self.path / name
        if not file.is_file():
            return {}
        with file.open(encoding="utf-8") as handle:
            return json.load(handle)

    @cached_property
    def status(self) -> dict:
        """``status.json`` (empty when absent)."""
        return self._json("status.json")

    @cached_property
    def metrics(self) -> dict:
        """``metrics.json`` (empty when absent)."""
        return self._json("metrics.json")

    def text(self, name: str) -> str | None:
        """A text file of the run folder (``spec.toml``, ``log.txt``), or None."""
        file = self.path / name
        return file.read_text(encoding="utf-8", errors="replace") if file.is_file() else None

    def csv(self, name: str) -> pd.DataFrame | None:
        """A CSV file of the run folder (``leaderboard.csv``, ``<model>/importance.csv``), or None."""
        file = self.path / name
        return pd.read_csv(file) if file.is_file() else None

    def parquet(self, name: str) -> pd.DataFrame | None:
        """A parquet file of the run folder, or None."""
        file = self.path / name
        return pd.read_parquet(file) if file.is_file() else None

    @cached_property
    def model_names(self) -> list[str]:
        """Models of the run, best first: the leaderboard's order, then any other model
        with a saved estimator or an artefact folder (the baseline excluded)."""
        names: list[str] = []
        board = self.csv("leaderboard.csv")
        if board is not None and "model" in board:
            kinds = board["kind"] if "kind" in board else pd.Series("", index=board.index)
            names += [str(m) for m, k in zip(board["model"], kinds) if k != "baseline"]
        names += [str(n) for n in self.metrics.get("models", {})]
        models_dir = self.path / "models"
        if models_dir.is_dir():
            names += sorted(p.stem for p in models_dir.glob("*.joblib"))
        names += sorted(p.name for p in self.path.iterdir()
                        if p.is_dir() and p.name != "models" and any(p.glob("*.csv")))
        return list(dict.fromkeys(names))

    def model_info(self, name: str) -> dict:
        """The model's entry in ``metrics.json`` (empty when absent)."""
        return self.metrics.get("models", {}).get(name, {})

    def model(self, name: str):
        """The fitted estimator ``models/<name>.joblib``, loaded once, or None."""
        if name not in self._models:
            file = self.path / "models" / f"{name}.joblib"
            self._models[name] = joblib.load(file) if file.is_file() else None
        return self._models[name]
