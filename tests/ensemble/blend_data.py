"""Synthetic regression data and labels for the blend tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_regression(n_rows: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Linear trends plus a sine and an interaction: neither a linear model nor a forest
    alone gets all of it. The target is positive (for log blends)."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.uniform(-1, 1, size=(n_rows, 5)), columns=[f"f{i}" for i in range(5)])
    y = (
        10
        + 3 * X["f0"]
        + 2 * X["f1"]
        + 1.5 * np.sin(3 * X["f2"])
        + X["f3"] * X["f4"]
        + rng.normal(scale=0.3, size=n_rows)
    )
    return X, y.to_numpy()


def make_labels(y: np.ndarray) -> np.ndarray:
    return np.array(["low", "mid", "high"])[np.digitize(y, [9.0, 11.0])]
