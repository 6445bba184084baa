"""The run folder: every file name in it, its layout version, a writer and a reader.

The pipeline writes a run through :class:`RunWriter`; the report, ``tabkit predict`` and
:func:`tabkit.load_run` read it through :class:`RunReader`. No other module spells a file
name of a run folder. Layout (``LAYOUT_VERSION`` 2)::

    runs/<spec name>/<UTC timestamp, e.g. 20261125T142501Z>/
      spec.toml            the spec as run (overrides applied)
      status.json          {"status": "running"|"complete"|"failed"|"interrupted", "started",
                            "finished", "duration_s", "error", "traceback", "steps_done": [..]}
      manifest.json        {"layout": 2, "files": {<relative path>: {"sha256", "bytes"}}}: every
                           pickled file (models, target means), checked before it is loaded
      metrics.json         {"spec_name", "run_id", "metric", "task", "target", "target_transform",
                            "data": {source, n_train, n_valid, n_test, train_dates, valid_dates,
                                     date, id, group, keys, cat_names, cont_names, classes},
                            "versions", "baseline": {"name", "score"}, "steps": {step: seconds},
                            "models": {<name>: {"kind", "score", "fit_seconds", "predict_seconds",
                                                "file_bytes", "target_transform", "params",
                                                "best_params", ...}}}
                           a model's "target_transform" is the scale its saved estimator
                           predicts on ("log", or null for the target's own units: a net
                           takes the run's log target itself and predicts in target units)
      leaderboard.csv      model, kind, score, fit_seconds, predict_seconds; best first; the
                           baseline is a row (kind "baseline")
      log.txt              the run's log
      submission.csv       id column, then the target (or one probability column per class)
      valid_predictions.parquet  validation rows: the key columns (date, group), "actual", then
                           one column per model with its prediction in the target's units
                           (the predicted label for a classification)
      valid_probabilities.parquet  classification: "<model>:<class>" probability columns
      valid_sample.parquet a sample of the validation features as the models see them + "actual"
      target_means.joblib  the fitted ``[features] target_means`` transformer, when used
      models/<name>.joblib each fitted model (an ensemble's refers to its members' files:
                           load it through RunReader or tk.load_run); models/baseline.joblib too
      <name>/importance.csv      permutation importance on the validation rows
      <name>/contributions.csv   the explained rows: key columns, row, reason, [class], actual,
                           prediction, bias, prediction_std, one contribution per feature, on
                           the scale the model learns (log units for a log target)
      <name>/explained_rows.csv  key columns, row and the raw feature values of those rows
      <name>/search.csv          the search's candidates, when the model was searched
      <name>/history.csv         a net's per-epoch or a booster's per-round history
      <name>/embeddings.parquet  learnt embeddings: column, label, then one column per dimension
      <name>/biases.csv          a collaborative-filtering model's biases: side, label, bias
      <name>/inspection.json     what the explain step inspected and where it wrote it: the
                           partial dependence features and files, the 2-d maps, the embedding
                           maps, the contribution sample, the class shown, seconds, errors
      <name>/dependence/<k>.parquet     partial dependence of the k-th feature (target units)
      <name>/dependence_2d/<k>.parquet  a 2-d partial dependence map; <k>_density.parquet the
                           training rows' share in each of its cells
      <name>/embedding_maps/<k>.parquet an embedding's categories on two principal components
      <name>/contribution_sample.parquet contributions of rows of valid_sample.parquet (their
                           positions in inspection.json)

Every file is written to a temporary name and renamed into place, so a reader never sees
half a file; ``log.txt`` alone is appended to line by line.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

from tabkit.files import atomic_write, write_text

LAYOUT_VERSION = 2
SPEC = "spec.toml"
STATUS = "status.json"
MANIFEST = "manifest.json"
METRICS = "metrics.json"
LEADERBOARD = "leaderboard.csv"
LOG = "log.txt"
SUBMISSION = "submission.csv"
VALID_PREDICTIONS = "valid_predictions.parquet"
VALID_PROBABILITIES = "valid_probabilities.parquet"
VALID_SAMPLE = "valid_sample.parquet"
TARGET_MEANS = "target_means.joblib"
HISTORY = "history.joblib"
MODELS = "models"
IMPORTANCE = "importance.csv"
CONTRIBUTIONS = "contributions.csv"
EXPLAINED_ROWS = "explained_rows.csv"
SEARCH = "search.csv"
HISTORY = "history.csv"
EMBEDDINGS = "embeddings.parquet"
BIASES = "biases.csv"
INSPECTION = "inspection.json"
DEPENDENCE = "dependence"
DEPENDENCE_2D = "dependence_2d"
EMBEDDING_MAPS = "embedding_maps"
CONTRIBUTION_SAMPLE = "contribution_sample.parquet"

BASELINE = "baseline"
"""The name of the naive baseline among a run's models (and of its saved file)."""
STATUSES = ("running", "complete", "failed", "interrupted")
RUN_MARKERS = (STATUS, METRICS)


def model_file(name: str) -> str:
    """The relative path of a model's pickle."""
    return f"{MODELS}/{name}.joblib"


def model_artifact(name: str, file: str) -> str:
    """The relative path of one of a model's tables (``model_artifact("forest", IMPORTANCE)``)."""
    return f"{name}/{file}"


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(timezone.utc)


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (tuple, set)):
        return list(value)
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.isoformat()
    return repr(value)


def write_json(path: Path, data: Any) -> Path:
    """Write ``data`` as indented JSON atomically."""
    return write_text(path, json.dumps(data, indent=2, default=_json_default) + "\n")


class RunWriter:
    """Create a run folder and write its files atomically; keeps its status and manifest.

    Parameters
    ----------
    root : path
        The runs folder; the run lives in ``root/<spec_name>/<UTC timestamp>`` (two runs
        started in the same second get ``-2``, ``-3``, ...).
    spec_name : str
        The spec's name.
    """

    def __init__(self, root: str | Path, spec_name: str):
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
        self.files: dict[str, dict] = {}
        self._write_status("running")

    def file(self, relative: str) -> Path:
        """The absolute path of a file of the run."""
        return self.path / relative

    def write_text(self, relative: str, text: str) -> Path:
        """Write a text file."""
        return write_text(self.file(relative), text)

    def write_json(self, relative: str, data: Any) -> Path:
        """Write indented JSON."""
        return write_json(self.file(relative), data)

    def write_csv(self, relative: str, frame: pd.DataFrame) -> Path:
        """Write a frame as CSV (no index)."""
        return atomic_write(self.file(relative), lambda tmp: frame.to_csv(tmp, index=False))

    def write_parquet(self, relative: str, frame: pd.DataFrame) -> Path:
        """Write a frame as parquet (no index)."""
        return atomic_write(self.file(relative), lambda tmp: frame.to_parquet(tmp, index=False))

    def write_table(self, relative: str, frame: pd.DataFrame) -> Path:
        """Write a frame as parquet or CSV, as the file name says."""
        return self.write_parquet(relative, frame) if relative.endswith(".parquet") else self.write_csv(relative, frame)

    def write_object(self, relative: str, obj: Any, *, compress: int = 0) -> int:
        """Pickle ``obj`` with joblib and record its SHA-256 in the manifest; returns its size
        in bytes."""
        path = atomic_write(self.file(relative), lambda tmp: joblib.dump(obj, tmp, compress=compress))
        self.files[relative] = {"sha256": file_digest(path), "bytes": path.stat().st_size}
        self.write_json(MANIFEST, {"layout": LAYOUT_VERSION, "files": self.files})
        return self.files[relative]["bytes"]

    def step_done(self, step: str) -> None:
        """Record a finished step in ``status.json``."""
        self.steps_done.append(step)
        self._write_status("running")

    def finish(self, status: str, error: BaseException | None = None, traceback: str | None = None) -> float:
        """Mark the run complete, failed or interrupted; returns its duration in seconds."""
        return self._write_status(status, error=error, traceback=traceback, final=True)

    def _write_status(
        self, status: str, *, error: BaseException | None = None, traceback: str | None = None, final: bool = False
    ) -> float:
        if status not in STATUSES:
            raise ValueError(f"unknown run status {status!r}; expected one of {STATUSES}")
        finished = utc_now() if final else None
        duration = (finished - self.started).total_seconds() if finished else None
        message = None
        if error is not None:
            message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        self.write_json(
            STATUS,
            {
                "status": status,
                "started": self.started.isoformat(),
                "finished": finished.isoformat() if finished else None,
                "duration_s": duration,
                "error": message,
                "traceback": traceback,
                "steps_done": list(self.steps_done),
            },
        )
        return duration or 0.0


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


_LOADING: contextvars.ContextVar = contextvars.ContextVar("tabkit_run_being_read", default=None)


class ModelReference:
    """Another model of the same run inside a pickled model (an ensemble's members): it
    pickles as the model's name and unpickles as that model, read from the run being
    loaded, so a run stores each model once.

    Parameters
    ----------
    name : str
        The referenced model.
    """

    def __init__(self, name: str):
        self.name = name

    def __reduce__(self):
        return _referenced_model, (self.name,)


def _referenced_model(name: str) -> Any:
    reader = _LOADING.get()
    if reader is None:
        raise ValueError(
            f"this model uses {model_file(name)} of its run: load it with tk.load_run(run_dir) "
            "(or tabkit.runs.RunReader(run_dir).model(name)), not joblib.load"
        )
    return reader.model(name)


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
        ``metrics.json`` or with a saved file (the baseline excluded)."""
        names: list[str] = []
        board = self.csv(LEADERBOARD)
        if board is not None and "model" in board:
            kinds = board["kind"] if "kind" in board else pd.Series("", index=board.index)
            names += [str(m) for m, k in zip(board["model"], kinds) if k != BASELINE]
        names += [str(n) for n in self.metrics.get("models", {})]
        models_dir = self.path / MODELS
        if models_dir.is_dir():
            names += sorted(p.stem for p in models_dir.glob("*.joblib") if p.stem != BASELINE)
        return list(dict.fromkeys(names))

    def model_info(self, name: str) -> dict:
        """The model's entry in ``metrics.json`` (empty when absent)."""
        return self.metrics.get("models", {}).get(name, {})

    def model_csv(self, name: str, file: str) -> pd.DataFrame | None:
        """One of a model's tables (``IMPORTANCE``, ``CONTRIBUTIONS``, ...), or None."""
        return self.csv(model_artifact(name, file))

    def load(self, relative: str) -> Any:
        """Unpickle a file of the run after checking its SHA-256 against the manifest.

        Unpickling runs code from the file: load only runs you trust.

        Raises
        ------
        FileNotFoundError
            If the file is absent.
        ValueError
            If the manifest does not list the file or its hash differs.
        """
        if relative in self._objects:
            return self._objects[relative]
        file = self.path / relative
        if not file.is_file():
            raise FileNotFoundError(f"{file} does not exist")
        recorded = self.manifest.get("files", {}).get(relative)
        if recorded is None:
            raise ValueError(f"{file} is not listed in {self.path / MANIFEST}; refusing to load it")
        if file_digest(file) != recorded["sha256"]:
            raise ValueError(
                f"{file} has changed since the run wrote it (its SHA-256 differs from "
                f"the one in {MANIFEST}); refusing to load it"
            )
        token = _LOADING.set(self)
        try:
            self._objects[relative] = joblib.load(file)
        finally:
            _LOADING.reset(token)
        return self._objects[relative]

    def model(self, name: str) -> Any:
        """The fitted model ``name`` (checked against the manifest), or None when absent."""
        relative = model_file(name)
        return self.load(relative) if self.has(relative) else None
