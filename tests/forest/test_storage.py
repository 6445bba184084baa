"""Compact forest pickles: a third of the bytes, the same predictions once loaded."""

from __future__ import annotations

import io

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import tabkit as tk
from tabkit.forest.storage import float32_below, pack, unpack


def round_trip(obj):
    buffer = io.BytesIO()
    joblib.dump(obj, buffer)
    size = buffer.tell()
    buffer.seek(0)
    return joblib.load(buffer), size


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(4000, 6)), columns=list("abcdef"))
    X[X > 1.8] = np.nan
    y = np.nan_to_num(X["a"].to_numpy()) * 2 + np.sin(np.nan_to_num(X["b"].to_numpy())) + rng.normal(size=4000)
    labels = np.array(["low", "mid", "high"])[np.digitize(y, [-1, 1])]
    return X, y, labels


@pytest.mark.parametrize("classify", [False, True])
def test_a_reloaded_forest_predicts_exactly_as_before(data, classify):
    X, y, labels = data
    cls = tk.ForestClassifier if classify else tk.ForestRegressor
    forest = cls(15, min_samples_leaf=1, max_features=0.7, random_state=0).fit(X, labels if classify else y)
    again, size = round_trip(forest)
    _, plain_size = round_trip(forest.forest_)
    assert plain_size / size > 2  # regression ~3x; three class fractions a node weigh more
    method = "predict_proba" if classify else "predict"
    assert np.array_equal(getattr(forest, method)(X), getattr(again, method)(X))
    encoded = forest._transform(X)
    assert np.array_equal(forest.forest_.apply(encoded), again.forest_.apply(encoded))
    for before, after in zip(forest.forest_.estimators_, again.forest_.estimators_):
        for field in ("children_left", "children_right", "feature", "n_node_samples", "weighted_n_node_samples"):
            assert np.array_equal(getattr(before.tree_, field), getattr(after.tree_, field)), field
        assert np.array_equal(after.tree_.value, before.tree_.value)
    np.testing.assert_allclose(again.feature_importances_, forest.feature_importances_, atol=1e-6)
    a, b = tk.contributions(forest, X.head(300)), tk.contributions(again, X.head(300))
    values = (lambda e: e.values[e.classes[0]]) if classify else (lambda e: e.values)
    assert np.array_equal(values(b).to_numpy(), values(a).to_numpy())
    assert isinstance(forest.forest_.estimators_[0].tree_, type(again.forest_.estimators_[0].tree_))


def test_pickling_leaves_the_fitted_forest_untouched(data):
    X, y, _ = data
    forest = tk.ForestRegressor(5, random_state=0).fit(X, y)
    before = forest.predict(X)
    round_trip(forest)
    assert type(forest.forest_.estimators_[0].tree_).__name__ == "Tree"
    assert np.array_equal(forest.predict(X), before)


@pytest.mark.parametrize("cls", [DecisionTreeRegressor, DecisionTreeClassifier])
def test_best_first_trees_and_missing_values_take_the_same_paths(data, cls):
    X, y, labels = data
    encoded = X.to_numpy(np.float32)
    tree = cls(max_leaf_nodes=60, random_state=0).fit(encoded, labels if cls is DecisionTreeClassifier else y)
    rebuilt = unpack(pack(tree.tree_))
    assert np.array_equal(tree.tree_.apply(encoded), rebuilt.apply(encoded))
    assert np.array_equal(tree.tree_.predict(encoded), rebuilt.predict(encoded))


def test_float32_below_keeps_every_comparison():
    rng = np.random.default_rng(1)
    thresholds = rng.normal(size=2000).astype(np.float32).astype(np.float64) + rng.normal(scale=1e-7, size=2000)
    below = float32_below(thresholds).astype(np.float64)
    assert (below <= thresholds).all()
    x = np.concatenate([below, np.nextafter(below.astype(np.float32), np.float32(np.inf)).astype(np.float64)])
    t = np.concatenate([thresholds, thresholds])
    assert np.array_equal(x <= t, x <= np.concatenate([below, below]))
