"""Every estimator refuses frames with duplicated column names, naming them (issue 22)."""

import warnings

import numpy as np
import pandas as pd
import pytest

import tabkit as tk
from tabkit.prep.inputs import as_frame

ESTIMATORS = {
    "forest": lambda: tk.ForestRegressor(n_estimators=3, random_state=0),
    "lightgbm": lambda: tk.LightGBMRegressor(n_estimators=3, random_state=0, verbose=-1),
    "net": lambda: tk.EmbeddingNetRegressor(layers=(4,), dropout=0.0, epochs=1, verbose=0, device="cpu"),
}


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40), "c": rng.integers(0, 3, 40)})
    return X, X["a"].to_numpy() * 2 + 1


def duplicated(X):
    return pd.concat([X, X[["a", "c"]]], axis=1)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_fit_refuses_duplicated_names(data, name):
    X, y = data
    with pytest.raises(ValueError, match=r"duplicated column name\(s\) \['a', 'c'\]"):
        ESTIMATORS[name]().fit(duplicated(X), y)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_predict_refuses_duplicated_names(data, name):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ESTIMATORS[name]().fit(X, y)
    with pytest.raises(ValueError, match=r"duplicated column name\(s\) \['a', 'c'\]"):
        model.predict(duplicated(X))


def test_as_frame_names_the_estimator(data):
    X, _ = data
    with pytest.raises(ValueError, match=r"ForestRegressor: X has 2 duplicated column name\(s\) \['a', 'c'\]"):
        as_frame(tk.ForestRegressor(), duplicated(X), fitting=True)
