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


def blend_cases():
    net = tk.EmbeddingNetRegressor(**NET, log_target=False, random_state=0)
    forest = tk.ForestRegressor(10, random_state=0, **ROLES)
    yield "regression", tk.BlendRegressor([("forest", forest), ("net", net)], weights=[0.3, 0.7]), "rmse"
    classifiers = [
        ("forest", tk.ForestClassifier(10, random_state=0, **ROLES)),
        ("net", tk.EmbeddingNetClassifier(**NET, random_state=0)),
    ]
    yield "classification", tk.BlendClassifier(classifiers), "logloss"


@pytest.mark.parametrize("task, blend, scoring", list(blend_cases()), ids=["regression", "classification"])
def test_a_blend_shuffles_every_members_encoded_columns_together(data, task, blend, scoring):
    X, y = data
    target = np.where(y > np.median(y), "high", "low") if task == "classification" else y
    blend.fit(X.iloc[:400], target[:400])
    assert blend._encoded_view(X.iloc[400:]).data.shape[1] > 2 * len(ROLES["cat_names"])
    opaque = (OpaqueClassifier if task == "classification" else OpaqueRegressor)(blend)
    groups = {"store and x": ["store", "x"]}
    args = dict(scoring=scoring, n_repeats=2, random_state=0, groups=groups)
    fast = permutation_importance(blend, X.iloc[400:], target[400:], **args).set_index("feature").sort_index()
    slow = permutation_importance(opaque, X.iloc[400:], target[400:], **args).set_index("feature").sort_index()
    pd.testing.assert_frame_equal(fast, slow)


def test_a_blend_with_a_member_without_a_view_predicts_from_raw_rows(data):
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    X, y = data
    linear = make_pipeline(OneHotEncoder(handle_unknown="ignore"), LinearRegression())
    columns = ["store", "kind"]
    blend = tk.BlendRegressor([("forest", tk.ForestRegressor(10, random_state=0)), ("linear", linear)])
    blend.fit(X[columns].iloc[:400], y[:400])
    assert blend._encoded_view(X[columns].iloc[400:]) is None
    fast = permutation_importance(blend, X[columns].iloc[400:], y[400:], scoring="rmse", random_state=0)
    slow = permutation_importance(
        OpaqueRegressor(blend), X[columns].iloc[400:], y[400:], scoring="rmse", random_state=0
    )
    pd.testing.assert_frame_equal(fast, slow)


def test_a_net_on_the_runs_model_scale_keeps_its_encoded_view(data):
    from tabkit.pipeline.models import OnModelScale
    from tabkit.prep.target import target_transform

    X, y = data
    net = tk.EmbeddingNetRegressor(**NET, log_target=True, random_state=0).fit(X.iloc[:400], np.exp(y[:400]))
    on_log = OnModelScale(net, target_transform("identity"), target_transform("log"))
    blend = tk.BlendRegressor.from_fitted([("net", on_log)], target_transform="log")
    fast = permutation_importance(blend, X.iloc[400:], np.exp(y[400:]), scoring="rmse", random_state=0)
    slow = permutation_importance(OpaqueRegressor(blend), X.iloc[400:], np.exp(y[400:]), scoring="rmse", random_state=0)
    pd.testing.assert_frame_equal(fast, slow)
    np.testing.assert_allclose(blend.predict(X.iloc[400:]), net.predict(X.iloc[400:]), rtol=1e-6)
