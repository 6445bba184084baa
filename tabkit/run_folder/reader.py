"""Read a run folder: :class:`RunReader` and finding run folders."""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from tabkit.run_folder import legacy
from tabkit.run_folder.layout import (
    BASELINE,
    LAYOUT_VERSION,
    LEADERBOARD,
    MANIFEST,
    METRICS,
    MODELS,
    OBJECT,
    RUN_MARKERS,
    STATUS,
    model_artifact,
    model_file,
)
from tabkit.run_folder.model_files import load_object
from tabkit.run_folder.trusted import UntrustedFileError


def is_run_folder(path: Path) -> bool:
    """Whether ``path`` is a folder holding a run's ``status.json`` or ``metrics.json``."""
    return path.is_dir() and any((path / name).is_file() for name in RUN_MARKERS)


def find_runs(path: str | Path) -> list[Path]:
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


class RunReader:
    """Read the files of one run folder; every reader returns None (or ``{}``) for an
    absent file, so a caller can say which step did not finish.

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
            raise ValueError(f"{str(path)!r} is not a run folder: it has neither {' nor '.join(RUN_MARKERS)}")
        self.path = path.resolve()
        self._objects: dict[str, Any] = {}

    @property
    def spec_name(self) -> str:
        """The spec's name (the run folder's parent folder)."""
        return self.path.parent.name

    @property
    def run_id(self) -> str:
        """The run's id: the folder's name (a UTC timestamp)."""
        return self.path.name

    def _json(self, name: str) -> dict:
        file = self.path / name
        return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else {}

    @cached_property
    def status(self) -> dict:
        """``status.json`` (empty when absent)."""
        return self._json(STATUS)

    @cached_property
    def metrics(self) -> dict:
        """``metrics.json`` (empty when absent)."""
        return self._json(METRICS)

    @cached_property
    def manifest(self) -> dict:
        """``manifest.json`` (empty when absent)."""
        return self._json(MANIFEST)

    @property
    def layout(self) -> int:
        """The run's layout version, from its manifest (this tabkit's when it has none)."""
        return int(self.manifest.get("layout", LAYOUT_VERSION))

    def check_layout(self) -> None:
        """Raise ValueError for a run of a layout newer than this tabkit reads."""
        if self.layout > LAYOUT_VERSION:
            raise ValueError(
                f"{self.path} was written by a newer tabkit (run layout {self.layout}; this tabkit reads "
                f"layouts up to {LAYOUT_VERSION}): upgrade tabkit to load its models"
            )

    def has(self, relative: str) -> bool:
        """Whether the run holds the file."""
        return (self.path / relative).is_file()

    def text(self, relative: str) -> str | None:
        """A text file, or None."""
        file = self.path / relative
        return file.read_text(encoding="utf-8", errors="replace") if file.is_file() else None

    def csv(self, relative: str) -> pd.DataFrame | None:
        """A CSV file, or None."""
        file = self.path / relative
        return pd.read_csv(file) if file.is_file() else None

    def parquet(self, relative: str) -> pd.DataFrame | None:
        """A parquet file, or None."""
        file = self.path / relative
        return pd.read_parquet(file) if file.is_file() else None

    @cached_property
    def model_names(self) -> list[str]:
        """Models of the run, best first: the leaderboard's order, then any other model of
        ``metrics.json`` or with a saved object (the baseline excluded)."""
        names: list[str] = []
        board = self.csv(LEADERBOARD)
        if board is not None and "model" in board:
            kinds = board["kind"] if "kind" in board else pd.Series("", index=board.index)
            names += [str(m) for m, k in zip(board["model"], kinds) if k != BASELINE]
        names += [str(n) for n in self.metrics.get("models", {})]
        models_dir = self.path / MODELS
        if models_dir.is_dir():
            saved = [p.name for p in models_dir.iterdir() if p.is_dir()]
            saved += [p.stem for p in models_dir.glob("*.joblib")]  # layout 2 and earlier
            names += sorted(name for name in saved if name != BASELINE)
        return list(dict.fromkeys(names))

    def model_info(self, name: str) -> dict:
        """The model's entry in ``metrics.json`` (empty when absent)."""
        return self.metrics.get("models", {}).get(name, {})

    def model_csv(self, name: str, file: str) -> pd.DataFrame | None:
        """One of a model's tables (``IMPORTANCE``, ``CONTRIBUTIONS``, ...), or None."""
        return self.csv(model_artifact(name, file))

    def has_object(self, relative: str) -> bool:
        """Whether the run saved the object folder ``relative`` (a pickle in older runs)."""
        if self.layout < 3:
            return self.has(legacy.legacy_file(relative))
        return (self.path / relative).exists() or f"{relative}/{OBJECT}" in self.manifest.get("files", {})

    def load(self, relative: str) -> Any:
        """The object saved in the folder ``relative`` (``runs.model_file(name)``,
        ``runs.TARGET_MEANS``, ...), each of its files checked against the manifest first.

        Loading runs no code from the run folder: every class and type its files name must
        be on the trusted list (:mod:`tabkit.run_folder.trusted`). A run of layout 2 or earlier is
        unpickled instead, after a warning (:mod:`tabkit.run_folder.legacy`).

        Raises
        ------
        FileNotFoundError
            If a file of the object is absent.
        ValueError
            If the run's layout is newer than this tabkit's, a file is not listed in the
            manifest (a file the run did not write) or its hash differs;
            :class:`~tabkit.run_folder.trusted.UntrustedFileError` if a file names a type off the
            trusted list or is not in its recorded format.
        """
        if relative in self._objects:
            return self._objects[relative]
        self.check_layout()
        if self.layout < 3:
            obj = legacy.load_pickle(self, relative)
        else:
            self._check_folder(relative)
            obj = load_object(relative, self.read, self._referenced)
        self._objects[relative] = obj
        return obj

    def model(self, name: str) -> Any:
        """The fitted model ``name`` (checked against the manifest), or None when absent."""
        relative = model_file(name)
        return self.load(relative) if self.has_object(relative) else None

    def read(self, relative: str, format: str) -> bytes:
        """A file of the run, once the manifest lists it in ``format`` with its SHA-256.

        Raises
        ------
        FileNotFoundError
            If the file is absent.
        ValueError
            If the manifest does not list it or its hash differs; UntrustedFileError if the
            manifest records another format.
        """
        file = self.path / relative
        recorded = self.manifest.get("files", {}).get(relative)
        if recorded is None:
            raise ValueError(f"{file} is not listed in {self.path / MANIFEST}; refusing to load it")
        if not file.is_file():
            raise FileNotFoundError(f"{file} does not exist, but {MANIFEST} lists it: the run folder is incomplete")
        data = file.read_bytes()
        if hashlib.sha256(data).hexdigest() != recorded["sha256"]:
            raise ValueError(
                f"{file} has changed since the run wrote it (its SHA-256 differs from "
                f"the one in {MANIFEST}); refusing to load it"
            )
        recorded_format = recorded.get("format", "joblib" if self.layout < 3 else None)
        if recorded_format != format:
            raise UntrustedFileError(f"{file} is recorded as {recorded_format!r} where {format!r} belongs")
        return data

    def _check_folder(self, relative: str) -> None:
        """Raise for a file of the object folder the manifest does not list (extra) or one
        it lists that is absent (missing)."""
        prefix = f"{relative}/"
        listed = {path for path in self.manifest.get("files", {}) if path.startswith(prefix)}
        folder = self.path / relative
        present = {p.relative_to(self.path).as_posix() for p in folder.rglob("*") if p.is_file()}
        extra = sorted(present - listed)
        if extra:
            raise ValueError(
                f"{self.path / extra[0]} is not listed in {self.path / MANIFEST}: the run did not write it; "
                f"refusing to load {relative}"
            )
        missing = sorted(listed - present)
        if missing or not listed:
            file = missing[0] if missing else f"{relative}/{OBJECT}"
            raise FileNotFoundError(f"{self.path / file} does not exist: the run folder is incomplete")

    def _referenced(self, name: str) -> Any:
        model = self.model(name)
        if model is None:
            raise FileNotFoundError(f"a saved model refers to model {name!r}, which {self.path} has not saved")
        return model
