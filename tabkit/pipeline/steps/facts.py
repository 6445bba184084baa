"""Plain facts a run records in ``metrics.json``: where the data came from, its roles and
sizes (what the report and ``tabkit predict`` need instead of guessing), and versions."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

import tabkit
from tabkit.pipeline.features import FeatureSet
from tabkit.pipeline.sources import get_source
from tabkit.pipeline.steps.splitting import SplitData


def data_facts(data: dict, features: FeatureSet, split: SplitData, task: str) -> dict:
    """Sizes, dates and column roles of a run's data (and the classes of a classification)."""

    def dates(frame: pd.DataFrame) -> list[str] | None:
        if features.date is None:
            return None
        values = frame[features.date]
        return [values.min().date().isoformat(), values.max().date().isoformat()]

    classes = np.unique(split.y_train).tolist() if task == "classification" else None
    return {
        "source": get_source(data["source"]).describe(data),
        "n_train": len(split.train),
        "n_valid": len(split.valid),
        "n_test": 0 if split.test is None else len(split.test),
        "train_dates": dates(split.train),
        "valid_dates": dates(split.valid),
        "date": features.date,
        "id": features.id,
        "group": features.group,
        "keys": features.keys,
        "closed": features.closed,
        "cat_names": split.cat_names,
        "cont_names": split.cont_names,
        "classes": plain(classes),
    }


def model_facts(model, entry: dict, *, search, seed_scores: dict | None, note: str, **facts) -> dict:
    """What ``metrics.json`` records of a fitted model: its kind, ``facts`` (score, times,
    sizes, rows), the scale its saved estimator predicts on, its parameters (those the
    spec may set), its entry's own keys, the search's best parameters, seed scores, note."""
    kind = model.kind
    info = {
        "kind": kind.name,
        **facts,
        "target_transform": None if model.fit_transform.is_identity else model.fit_transform.name,
        "params": {
            k: plain(v)
            for k, v in kind.saved_params(model.estimator).items()
            if k not in kind.pipeline_params(model.task)
        },
    }
    info.update({k: entry[k] for k in kind.entry_keys if entry.get(k) is not None})
    if search is not None:
        info["best_params"] = {k: plain(v) for k, v in search.best_params_.items()}
    if seed_scores is not None:
        info["seed_scores"] = {str(seed): score for seed, score in seed_scores.items()}
    if note:
        info["note"] = note
    return info


def versions() -> dict[str, str | None]:
    """Versions of tabkit, Python and the libraries a model depends on."""

    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    return {
        "tabkit": tabkit.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "sklearn": version("scikit-learn"),
        "torch": version("torch"),
        "lightgbm": version("lightgbm"),
    }


def plain(value: Any) -> Any:
    """A value as JSON-friendly plain data."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "item"):
        return value.item()
    return repr(value)
