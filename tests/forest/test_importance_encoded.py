"""Permutation importance through a model's encoded view (rows encoded once) gives exactly
the importances of shuffling the raw columns and predicting from scratch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

import tabkit as tk
from tabkit.forest.importance import permutation_importance


class Opaque(BaseEstimator):
    """Hides a model's encoded view: importance predicts from raw rows every time."""

    def __init__(self, model=None):
        self.model = model

    def predict(self, X):
        return self.model.predict(X)

    def predict_proba(self, X):
        return self.model.predict_proba(X)

    @property
    def classes_(self):
        return self.model.classes_


class OpaqueRegressor(RegressorMixin, Opaque):
    pass


class OpaqueClassifier(ClassifierMixin, Opaque):
    pass


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    n = 600
    X = pd.DataFrame(
        {
            "store": rng.integers(1, 20, n),
            "kind": rng.choice(["a", "b", "c"], n),
            "x": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
            "unused": rng.normal(size=n),
        }
    )
    y = np.sin(X["store"]) + (X["kind"] == "a") + np.nan_to_num(X["x"].to_numpy()) + rng.normal(scale=0.1, size=n)
    return X, y.to_numpy()


ROLES = {"cat_names": ["store", "kind"], "cont_names": ["x"]}
NET = {"layers": (16,), "dropout": 0.0, "epochs": 3, "batch_size": 64, "verbose": 0, "device": "cpu", **ROLES}


@pytest.mark.parametrize(
    "make, scoring",
    [
        (lambda: tk.ForestRegressor(20, random_state=0, **ROLES), "rmse"),
        (lambda: tk.LightGBMRegressor(n_estimators=40, **ROLES), "rmse"),
        (lambda: tk.ForestClassifier(20, random_state=0, **ROLES), "logloss"),
        (lambda: tk.LightGBMClassifier(n_estimators=30, **ROLES), "accuracy"),
        (lambda: tk.EmbeddingNetRegressor(**NET, log_target=False, random_state=0), "rmse"),
        (lambda: tk.EmbeddingNetClassifier(**NET, random_state=0), "logloss"),
        (lambda: tk.EmbeddingNetClassifier(**NET, random_state=0), "accuracy"),
    ],
)
def test_encoded_view_gives_the_raw_importances(data, make, scoring):
    X, y = data
    classify = scoring in ("logloss", "accuracy")
    target = np.where(y > np.median(y), "high", "low") if classify else y
    model = make().fit(X.iloc[:400], target[:400])
    opaque = (OpaqueClassifier if classify else OpaqueRegressor)(model)
    args = dict(scoring=scoring, n_repeats=3, random_state=1)
    fast = permutation_importance(model, X.iloc[400:], target[400:], **args).set_index("feature")
    slow = permutation_importance(opaque, X.iloc[400:], target[400:], **args).set_index("feature")
    pd.testing.assert_frame_equal(fast.sort_index(), slow.sort_index())
    assert fast.loc["unused", "importance"] == 0 and fast.loc["x", "importance"] > 0


def test_embedding_forest_maps_columns_to_their_embedding_dimensions(data):
    X, y = data
    net = tk.EmbeddingNetRegressor(**{**NET, "layers": (8,), "epochs": 2}, random_state=0)
    model = tk.EmbeddingForestRegressor(net=net, forest=tk.ForestRegressor(10, random_state=0)).fit(
        X.iloc[:400], y[:400]
    )
    groups = {"store and kind": ["store", "kind"]}
    args = dict(scoring="rmse", n_repeats=2, random_state=0, groups=groups)
    fast = permutation_importance(model, X.iloc[400:], y[400:], **args).set_index("feature").sort_index()
    slow = (
        permutation_importance(OpaqueRegressor(model), X.iloc[400:], y[400:], **args).set_index("feature").sort_index()
    )
    pd.testing.assert_frame_equal(fast, slow)
    assert list(fast.index) == ["store and kind", "unused", "x"]
