"""Run folders of layout 2 and earlier: each object in one joblib pickle, read after a
warning that loading unpickles it (and so runs code stored in the file)."""

from __future__ import annotations

import contextvars
import io
import warnings
from typing import TYPE_CHECKING, Any

import joblib

from tabkit.run_folder.layout import HISTORY_FEATURES, MODELS, TARGET_MEANS

if TYPE_CHECKING:
    from tabkit.run_folder.reader import RunReader

_FILES = {HISTORY_FEATURES: "history.csv", TARGET_MEANS: "target_means.joblib"}
"""Where layout 2 kept the objects outside ``models/`` (its history transformers went to a
pickle named ``history.csv``)."""

_LOADING: contextvars.ContextVar = contextvars.ContextVar("tabkit_run_being_read", default=None)


class PickleWarning(UserWarning):
    """A run folder of an older tabkit is read by unpickling its files."""


def legacy_file(relative: str) -> str:
    """The pickle that holds the object ``relative`` (an object folder's path) in a run of
    layout 2 or earlier."""
    return _FILES.get(relative, f"{relative}.joblib" if relative.startswith(f"{MODELS}/") else relative)


def load_pickle(reader: RunReader, relative: str) -> Any:
    """Unpickle the object ``relative`` of an older run, after warning that it runs code
    stored in the file (the file is checked against the manifest first)."""
    file = legacy_file(relative)
    warnings.warn(
        f"{reader.path / file} was written by an older tabkit (run layout {reader.layout}) as a pickle: "
        "loading it unpickles it, which runs code stored in the file. Load only runs you trust; "
        "running the spec again saves its models in formats that run no code.",
        PickleWarning,
        stacklevel=3,
    )
    data = reader.read(file, "joblib")
    token = _LOADING.set(reader)
    try:
        return joblib.load(io.BytesIO(data))
    finally:
        _LOADING.reset(token)


def _referenced_model(name: str) -> Any:
    """What an older run's pickled ensemble unpickles each member as (as
    ``tabkit.runs._referenced_model``): the model ``name`` of the run being read."""
    reader = _LOADING.get()
    if reader is None:
        raise ValueError(
            f"this model uses {legacy_file(f'{MODELS}/{name}')} of its run: load it with tk.load_run(run_dir) "
            "(or tabkit.runs.RunReader(run_dir).model(name)), not joblib.load"
        )
    return reader.model(name)
