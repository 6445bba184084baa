"""Write a run folder: :class:`RunWriter` creates it, writes each file atomically and keeps
its status and its manifest."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from tabkit.files import atomic_write, write_text
from tabkit.run_folder.layout import LAYOUT_VERSION, MANIFEST, STATUS, STATUSES
from tabkit.run_folder.model_files import save_object


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

    def write_object(self, relative: str, obj: Any) -> int:
        """Save ``obj`` in the object folder ``relative`` (``runs.model_file(name)``,
        ``runs.TARGET_MEANS``, ...) in formats that load without running code (see
        :mod:`tabkit.run_folder.model_files`), recording each file's SHA-256 and format in the
        manifest; returns the bytes written."""
        written = []

        def write(path: str, data: bytes, format: str) -> None:
            atomic_write(self.file(path), lambda tmp: tmp.write_bytes(data))
            self.files[path] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "format": format}
            written.append(len(data))

        save_object(obj, relative, write)
        self.write_json(MANIFEST, {"layout": LAYOUT_VERSION, "files": self.files})
        return sum(written)

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
