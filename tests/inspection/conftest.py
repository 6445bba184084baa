"""A small Rossmann-like regression problem and fitted models of several kinds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tabkit as tk


@pytest.fixture(scope="session")
def frame() -> tuple[pd.DataFrame, pd.Series]:
    """Features of every kind: binary, text category, many-valued integer, continuous, and
    a year column whose missing entries are filled with 1900 (as Rossmann's)."""
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame(
        {
            "Promo": rng.integers(0, 2, n),
            "StoreType": rng.choice(["a", "b", "c", "d"], n),
            "Store": rng.integers(1, 61, n),
            "Distance": rng.gamma(2.0, 500.0, n),
            "OpenYear": np.where(rng.random(n) < 0.3, 1900, rng.integers(1995, 2015, n)),
        }
    )
    y = (
        1000
        + 500 * X["Promo"]
        + 150 * (X["StoreType"] == "b")
        + 3 * X["Store"]
        + 0.05 * X["Distance"]
        + rng.normal(0, 20, n)
    )
    return X, pd.Series(np.log(y), name="Sales")


@pytest.fixture(scope="session")
def forest(frame):
    X, y = frame
    return tk.ForestRegressor(n_estimators=8, min_samples_leaf=3, random_state=0).fit(X, y)
