"""What the report reads of a run beyond single files: units, metric direction, the rows
the run explained and how to name them, a model's inspection artefacts."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd

from tabkit import runs
from tabkit.metrics import METRICS
from tabkit.plots.units import sig
from tabkit.prep.target import TargetTransform, target_transform
from tabkit.runs import RunReader

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

REASONS = {"worst": "worst error", "random": "random row"}


def run_transform(run: RunReader) -> TargetTransform:
    """The run's saved target transform (the scale its models learn on)."""
    return target_transform(run.metrics.get("target_transform"))


def model_transform(run: RunReader, name: str) -> str | None:
    """The name of the transform a model's estimator learnt on (``"log"``, or None for the
    target's own units), as the run saved it; a run that predates the per-model record
    falls back on the run's transform."""
    info = run.model_info(name)
    if "target_transform" in info:
        return info["target_transform"]
    return run.metrics.get("target_transform")


def to_target_units(values, transform: str | TargetTransform | None) -> np.ndarray:
    """Values on a model's scale back in the target's units, through the saved transform."""
    return np.asarray(target_transform(transform).inverse(np.asarray(values, dtype=np.float64)), dtype=np.float64)


def greater_is_better(run: RunReader) -> bool | None:
    """Whether a larger score is better for the run's metric (None when unknown)."""
    metric = METRICS.get(run.metrics.get("metric", ""))
    return None if metric is None else bool(metric.greater_is_better)


def is_classification(run: RunReader) -> bool:
    return run.metrics.get("task") == "classification"


def spec(run: RunReader) -> dict:
    """The spec as run (empty when ``spec.toml`` is absent or unreadable)."""
    text = run.text(runs.SPEC)
    try:
        return tomllib.loads(text) if text else {}
    except tomllib.TOMLDecodeError:
        return {}


def key_columns(run: RunReader, frame: pd.DataFrame) -> list[str]:
    """The columns naming a row (Store and Date for Rossmann) that ``frame`` holds."""
    data = run.metrics.get("data", {})
    keys = data.get("keys") or [c for c in (data.get("group"), data.get("date")) if c]
    return [k for k in keys if k in frame.columns]


def explained_rows(run: RunReader) -> pd.DataFrame | None:
    """The validation rows the run explained (the same for every model): key columns,
    ``row``, ``reason`` and raw feature values; None when no model explained rows."""
    for name in run.model_names:
        rows = run.model_csv(name, runs.EXPLAINED_ROWS)
        if rows is not None and not rows.empty:
            return rows
    return None


def row_names(rows: pd.DataFrame, keys: list[str]) -> list[str]:
    """Each row's name from its key columns (``Store 13, 2015-07-09``; a date alone), or
    ``validation row 391`` without keys."""
    names = []
    for record in rows.to_dict("records"):
        parts = [_key_text(column, record[column]) for column in keys]
        names.append(", ".join(parts) if parts else f"validation row {record['row']}")
    return names


def _key_text(column: str, value) -> str:
    text = str(value)
    if isinstance(value, str) and len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return text[:10] if text[10:].strip(" T0:") == "" else text
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, float):
        text = sig(value)
    return f"{column} {text}"


def inspection(run: RunReader, name: str) -> dict:
    """A model's ``inspection.json`` (empty when the explain step wrote none)."""
    text = run.text(runs.model_artifact(name, runs.INSPECTION))
    return json.loads(text) if text else {}
