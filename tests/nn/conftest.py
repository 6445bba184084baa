import numpy as np
import pandas as pd
import pytest

import tabkit as tk


@pytest.fixture(scope="session")
def frame():
    """Sales-like data: a store effect, a day-of-week effect, a continuous driver with
    missing values, and a text category; y is positive."""
    rng = np.random.default_rng(0)
    n = 600
    store = rng.integers(1, 16, n)
    dow = rng.integers(1, 8, n)
    x = rng.normal(size=n)
    kind = rng.choice(["a", "b", "c"], n)
    log_y = 7 + 0.3 * np.sin(store) + 0.1 * dow + 0.2 * x + (kind == "a") * 0.3 + rng.normal(scale=0.05, size=n)
    X = pd.DataFrame({"Store": store, "DayOfWeek": dow, "Kind": kind, "x": np.where(rng.random(n) < 0.05, np.nan, x)})
    return X, np.exp(log_y)


@pytest.fixture(scope="session")
def small():
    """Settings for a tiny, quick net on the CPU, silent."""
    return {
        "layers": (16, 8),
        "dropout": 0.0,
        "emb_dropout": 0.0,
        "epochs": 2,
        "batch_size": 64,
        "verbose": 0,
        "device": "cpu",
    }


@pytest.fixture(scope="session")
def fitted(frame, small):
    """A small regressor fitted with validation data (shared, do not modify)."""
    X, y = frame
    model = tk.EmbeddingNetRegressor(**small, log_target=True, random_state=0)
    return model.fit(X.iloc[:500], y[:500], X_val=X.iloc[500:], y_val=y[500:], metric="rmspe")
