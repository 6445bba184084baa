"""Small problems for the search tests: regression, binary and multiclass, train + validation."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression


class Split(NamedTuple):
    X: np.ndarray
    y: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray

    @property
    def fit_args(self) -> dict:
        return {"X": self.X, "y": self.y, "X_val": self.X_val, "y_val": self.y_val}


def _split(X, y, n_train: int) -> Split:
    return Split(X[:n_train], y[:n_train], X[n_train:], y[n_train:])


@pytest.fixture(scope="session")
def regression() -> Split:
    X, y = make_regression(n_samples=300, n_features=6, noise=10.0, random_state=0)
    return _split(X, y + 500.0, 200)


@pytest.fixture(scope="session")
def binary() -> Split:
    X, y = make_classification(n_samples=300, n_features=6, n_informative=4, random_state=1)
    return _split(X, y, 200)


@pytest.fixture(scope="session")
def multiclass() -> Split:
    X, y = make_classification(n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=2)
    return _split(X, y, 200)


@pytest.fixture(scope="session")
def frame_regression() -> Split:
    """A DataFrame with a categorical column, for the tabkit forests."""
    rng = np.random.default_rng(3)
    n_rows = 300
    frame = pd.DataFrame(
        {
            "store": rng.choice(["a", "b", "c", "d"], n_rows),
            "promo": rng.integers(0, 2, n_rows),
            "distance": rng.gamma(2.0, 500.0, n_rows),
            "day": rng.integers(1, 8, n_rows),
        }
    )
    effect = frame["store"].map({"a": 100.0, "b": 200.0, "c": 300.0, "d": 50.0})
    y = (effect + 80.0 * frame["promo"] - 0.02 * frame["distance"] + rng.normal(0, 20, n_rows)).to_numpy()
    return Split(frame.iloc[:200], y[:200], frame.iloc[200:], y[200:])


@pytest.fixture(scope="session")
def frame_binary(frame_regression: Split) -> Split:
    threshold = np.median(frame_regression.y)
    return Split(
        frame_regression.X,
        frame_regression.y > threshold,
        frame_regression.X_val,
        frame_regression.y_val > threshold,
    )
