"""Helpers of the pipeline tests: tiny specs, running the CLI, reading run folders, a
synthetic Blue Book for Bulldozers CSV."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w

REPO = Path(__file__).resolve().parents[2]

# Settings that let a net beat the baseline on a few thousand rows in seconds.
TINY_NET = {"layers": [64, 32], "epochs": 4, "lr": 0.02, "batch_size": 64, "y_range": "auto", "verbose": 0}
TINY_FOREST = {"n_estimators": 10, "max_features": 0.5, "min_samples_leaf": 3}

SMALL_ROSSMANN = [  # --set overrides making pipelines/rossmann-synthetic.toml small and single-threaded
    "data.n_stores=6",
    "model.forest.params.n_estimators=8",
    "model.forest.params.n_jobs=1",
    "model.forest.search={}",
    "model.net.params.layers=[32, 16]",
    "model.net.params.epochs=2",
    "model.embedding-forest.params.n_estimators=5",
    "model.embedding-forest.params.n_jobs=1",
    "model.lightgbm.params.n_estimators=60",
    "model.lightgbm.params.num_leaves=15",
    "model.lightgbm.params.n_jobs=1",
    "output.report=false",
    "output.importance=false",
    "output.explain_worst=0",
    "output.explain_random=0",
]

TINY_SPEC = {
    "name": "tiny",
    "metric": "exp_rmspe",
    "data": {"source": "synthetic", "n_stores": 8, "seed": 1},
    "features": {"log_target": True},
    "split": {"by": "test"},
    "model": [
        {"name": "forest", "kind": "forest", "params": TINY_FOREST},
        {"name": "net", "kind": "embedding_net", "params": TINY_NET},
        {
            "name": "emb-forest",
            "kind": "embedding_forest",
            "net": "net",
            "params": {"n_estimators": 10, "min_samples_leaf": 3},
            "search": {"max_features": [0.3, 0.6]},
        },
    ],
    "output": {"report": False, "importance_repeats": 2, "importance_rows": 300, "sample_rows": 50},
}


def spec_dict(**changes) -> dict:
    """A copy of the tiny spec with top-level keys replaced."""
    spec = copy.deepcopy(TINY_SPEC)
    spec.update(copy.deepcopy(changes))
    return spec


def write_spec(path: Path, spec: dict) -> Path:
    """Write a spec mapping as a TOML file."""
    path.write_text(tomli_w.dumps(spec), encoding="utf-8")
    return path


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m tabkit.cli ARGS`` in a subprocess (one torch thread: the test machines
    are shared, and thread spinning under contention slows small nets tenfold)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "tabkit.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def only_run(runs: Path, name: str) -> Path:
    """The single run folder of spec ``name`` under ``runs``."""
    folders = sorted((runs / name).iterdir()) if (runs / name).exists() else []
    assert len(folders) == 1, folders
    return folders[0]


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def synthetic_bulldozers(folder: Path, n_train: int = 3000, n_test: int = 400, seed: int = 0) -> tuple[Path, Path]:
    """Write Train.csv and Test.csv in Kaggle's Blue Book for Bulldozers layout."""
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    models = rng.integers(1, 40, n)
    sizes = np.array(["Mini", "Small", "Medium", "Large", None], dtype=object)[rng.integers(0, 5, n)]
    year_made = rng.integers(1975, 2010, n)
    dates = pd.Timestamp("2000-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 4000, n)), unit="D")
    hours = np.where(rng.random(n) < 0.3, np.nan, rng.gamma(2, 3000, n).round())
    size_effect = pd.Series(sizes).map({"Mini": -0.6, "Small": -0.3, "Medium": 0.0, "Large": 0.4}).fillna(0).to_numpy()
    log_price = (
        9.6
        + size_effect
        + 0.04 * (year_made - 1990)
        + 0.02 * (models % 7)
        + 0.03 * (dates.year.to_numpy() - 2000)
        + rng.normal(0, 0.12, n)
    )
    frame = pd.DataFrame(
        {
            "SalesID": np.arange(1139246, 1139246 + n),
            "SalePrice": np.round(np.exp(log_price), -1),
            "MachineID": rng.integers(1000, 999999, n),
            "ModelID": models,
            "YearMade": year_made,
            "MachineHoursCurrentMeter": hours,
            "UsageBand": np.array(["Low", "Medium", "High", None], dtype=object)[rng.integers(0, 4, n)],
            "saledate": dates.strftime("%m/%d/%Y 0:00"),
            "fiBaseModel": np.array(["D6", "310", "580", "PC200"], dtype=object)[models % 4],
            "ProductSize": sizes,
            "state": np.array(["Texas", "Florida", "Ohio"], dtype=object)[rng.integers(0, 3, n)],
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    train_path, test_path = folder / "Train.csv", folder / "Test.csv"
    frame.iloc[:n_train].to_csv(train_path, index=False)
    frame.iloc[n_train:].drop(columns="SalePrice").to_csv(test_path, index=False)
    return train_path, test_path
