"""Genuine pipeline run folders for the report tests (made once per session).

The data are the synthetic Rossmann tables written in Kaggle's layout, with every store's
``StoreType`` renamed to a script tag, so every report is also an escaping test. One run
completes (a searched forest, a net, an embedding-forest, LightGBM and a blend of the
forest and LightGBM: five models); one fails at its second model; one stops before any
model (its folder keeps only what the pipeline writes first). A classification run (a
forest on a small csv) checks the report of probabilities.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from report_pages import EVIL

import tabkit as tk
from tabkit.datasets import make_rossmann, write_rossmann
from tabkit.pipeline.runner import PipelineError
from tabkit.report.builder import ReportWarning, build_report

SMALL_OUTPUT = {
    "report": False,
    "explain_worst": 3,
    "explain_random": 2,
    "importance_repeats": 2,
    "importance_rows": 300,
    "sample_rows": 300,
}
FOREST = {
    "name": "forest",
    "kind": "forest",
    "params": {"n_estimators": 8, "min_samples_leaf": 5},
    "search": {"max_features": [0.5, 1.0]},
}
NET = {
    "name": "net",
    "kind": "embedding_net",
    "params": {"layers": [16], "dropout": 0.0, "epochs": 1, "batch_size": 256, "verbose": 0},
}
EMBEDDING_FOREST = {"name": "embedding_forest", "kind": "embedding_forest", "net": "net", "params": {"n_estimators": 5}}
LIGHTGBM = {"name": "lightgbm", "kind": "lightgbm", "params": {"n_estimators": 40, "num_leaves": 7}}
BLEND = {"name": "blend", "kind": "ensemble", "members": ["forest", "lightgbm"]}
FIVE_MODELS = [FOREST, NET, EMBEDDING_FOREST, LIGHTGBM, BLEND]


def _spec(name: str, data: Path, models: list[dict]) -> dict:
    return {
        "name": name,
        "metric": "exp_rmspe",
        "data": {"source": "rossmann", "path": str(data)},
        "features": {"log_target": True},
        "split": {"by": "days", "days": 14},
        "model": models,
        "output": SMALL_OUTPUT,
    }


@pytest.fixture(scope="session")
def runs_root(tmp_path_factory) -> Path:
    """A runs folder with a complete, a failed and an early-stopped run of one spec."""
    base = tmp_path_factory.mktemp("pipeline")
    tables = make_rossmann(4, seed=0)
    tables["store"]["StoreType"] = EVIL
    data = write_rossmann(tables, base / "rossmann")
    root = base / "runs"
    tk.run_pipeline(_spec("tiny", data, FIVE_MODELS), out_dir=root, verbose=False)
    # an objective LightGBM does not know: only the fit can tell
    broken = {"name": "broken", "kind": "lightgbm", "params": {"objective": "no-such-objective"}}
    with pytest.raises(PipelineError, match="no-such-objective"):
        tk.run_pipeline(_spec("tiny-failed", data, [FOREST, broken]), out_dir=root, verbose=False)
    return root


def _only_run(folder: Path) -> Path:
    (run,) = [p for p in folder.iterdir() if p.is_dir()]
    return run


@pytest.fixture(scope="session")
def run_dir(runs_root) -> Path:
    """The complete run (read only: copy it to change it)."""
    return _only_run(runs_root / "tiny")


@pytest.fixture(scope="session")
def failed_run_dir(runs_root) -> Path:
    """The run whose second model failed: the first model's artefacts are kept."""
    return _only_run(runs_root / "tiny-failed")


@pytest.fixture(scope="session")
def early_run_dir(runs_root, failed_run_dir) -> Path:
    """A run stopped before its first model: the files the pipeline writes first only."""
    run = runs_root / "tiny-early" / failed_run_dir.name
    run.mkdir(parents=True)
    for name in ("spec.toml", "status.json", "log.txt"):
        shutil.copy(failed_run_dir / name, run / name)
    return run


@pytest.fixture(scope="session")
def report(run_dir, tmp_path_factory) -> Path:
    """The complete run's report, built once with no section failing."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReportWarning)
        return build_report(run_dir, out=tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="session")
def classification_run_dir(tmp_path_factory) -> Path:
    """A complete classification run: a forest predicting a three-class band."""
    base = tmp_path_factory.mktemp("classification")
    rng = np.random.default_rng(0)
    n = 700
    age = rng.integers(0, 40, n)
    frame = pd.DataFrame(
        {
            "Id": np.arange(n),
            "When": pd.date_range("2020-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "Size": rng.choice(["small", "medium", "large"], n),
            "Age": age,
            "Hours": rng.gamma(2.0, 500.0, n).round(),
            "Band": np.select([age < 12, age < 25], ["new", "mid"], "old"),
        }
    )
    frame.iloc[:600].to_csv(base / "train.csv", index=False)
    frame.iloc[600:].drop(columns="Band").to_csv(base / "test.csv", index=False)
    spec = {
        "name": "bands",
        "metric": "logloss",
        "data": {
            "source": "csv",
            "train": str(base / "train.csv"),
            "test": str(base / "test.csv"),
            "target": "Band",
            "id": "Id",
            "date": "When",
        },
        "split": {"by": "fraction", "fraction": 0.2},
        "model": [{"name": "forest", "kind": "forest", "params": {"n_estimators": 10, "min_samples_leaf": 3}}],
        "output": {**SMALL_OUTPUT, "probabilities": True},
    }
    tk.run_pipeline(spec, out_dir=base / "runs", verbose=False)
    return _only_run(base / "runs" / "bands")
