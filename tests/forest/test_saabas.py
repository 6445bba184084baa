"""saabas: the packed node table (layout, cache, refits, pickling) and the compiled walk."""

from __future__ import annotations

import gc
import pickle
import weakref

import joblib
import numpy as np
import pytest
from sklearn.ensemble import (
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from tabkit.forest import saabas
from tabkit.forest.attribution import contributions
from tabkit.forest.saabas import NodeTable, node_table


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 4)).astype(np.float32)
    y = X[:, 0] - 2 * X[:, 1] * X[:, 2] + rng.normal(scale=0.3, size=600)
    return X, y, np.digitize(y, [-1.0, 1.0])


def expected_records(tree, n_summed: int, first_leaf: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The records, their int32 fields and leaf values ``pack_tree`` should write, by recursion."""
    t = tree.tree_
    value = t.value[:, 0, :]
    floats, ints, leaves = [], [], []

    def visit(node: int, parent: int) -> int:
        record = len(floats)
        floats.append(
            [
                t.threshold[node] if t.children_left[node] >= 0 else 0.0,
                0.0,
                *(value[node, :n_summed] - value[parent, :n_summed]),
            ]
        )
        if t.children_left[node] < 0:
            ints.append([first_leaf + len(leaves), -1])
            leaves.append(value[node])
        else:
            ints.append([0, 2 * t.feature[node] + int(t.missing_go_to_left[node])])
            visit(t.children_left[node], node)
            ints[record][0] = visit(t.children_right[node], node)
        return record

    visit(0, 0)
    return np.array(floats), np.array(ints, dtype=np.int32), np.array(leaves)


def reference_walk(trees, X: np.ndarray, n_summed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row by row, node by node: sums of deltas per feature and of leaf values (NaN as scikit-learn sends it)."""
    values = np.zeros((len(X), X.shape[1], n_summed))
    prediction = 0.0
    for tree in trees:
        t = tree.tree_
        leaves = tree.apply(X)
        prediction = prediction + t.value[leaves, 0, :]
        for i, row in enumerate(X):
            node = 0
            while t.children_left[node] >= 0:
                x = row[t.feature[node]]
                left = t.missing_go_to_left[node] if np.isnan(x) else x <= t.threshold[node]
                child = t.children_left[node] if left else t.children_right[node]
                values[i, t.feature[node]] += t.value[child, 0, :n_summed] - t.value[node, 0, :n_summed]
                node = child
            assert node == leaves[i]
    return values, prediction


def test_records_are_preorder_with_deltas(data):
    X, _, labels = data
    # best-first growth (max_leaf_nodes) numbers nodes out of preorder: the table renumbers them
    tree = DecisionTreeClassifier(max_leaf_nodes=25, random_state=0).fit(X, labels)
    internal = np.flatnonzero(tree.tree_.children_left >= 0)
    assert not np.all(tree.tree_.children_left[internal] == internal + 1)
    table = node_table(tree)
    floats, ints, leaves = expected_records(tree, n_summed=2)
    assert isinstance(table, NodeTable) and table.n_summed == 2 and table.records.shape == (tree.tree_.node_count, 4)
    np.testing.assert_array_equal(table.records[:, [0, 2, 3]], floats[:, [0, 2, 3]])
    np.testing.assert_array_equal(table.records.view(np.int32)[:, 2:4], ints)
    np.testing.assert_array_equal(table.leaf_values, leaves)
    np.testing.assert_array_equal(table.roots, [0])
    np.testing.assert_array_equal(table.bias, tree.tree_.value[0, 0])
    assert table.nbytes == table.records.nbytes + table.leaf_values.nbytes + table.roots.nbytes + table.bias.nbytes


def test_forest_table_stacks_trees(data):
    X, y, _ = data
    forest = RandomForestRegressor(n_estimators=3, min_samples_leaf=5, random_state=0).fit(X, y)
    table = node_table(forest)
    counts = [tree.tree_.node_count for tree in forest.estimators_]
    np.testing.assert_array_equal(table.roots, np.cumsum([0, *counts[:-1]]))
    first_leaf = 0
    for tree, root, count in zip(forest.estimators_, table.roots, counts):
        floats, ints, leaves = expected_records(tree, n_summed=1, first_leaf=first_leaf)
        np.testing.assert_array_equal(table.records[root : root + count, [0, 2]], floats[:, [0, 2]])
        np.testing.assert_array_equal(table.records.view(np.int32)[root : root + count, 2:4], ints)
        np.testing.assert_array_equal(table.leaf_values[first_leaf : first_leaf + len(leaves)], leaves)
        first_leaf += len(leaves)
    assert first_leaf == len(table.leaf_values)
    assert table.bias[0] == pytest.approx(
        np.mean([tree.tree_.value[0, 0, 0] for tree in forest.estimators_]), rel=1e-15
    )


@pytest.mark.parametrize(
    "model",
    [
        RandomForestRegressor(n_estimators=6, min_samples_leaf=2, random_state=0),
        ExtraTreesRegressor(n_estimators=6, min_samples_leaf=2, random_state=0),
        DecisionTreeRegressor(max_leaf_nodes=40, random_state=0),
    ],
    ids=lambda m: type(m).__name__,
)
def test_walk_follows_sklearn_with_missing_values(model, data):
    X, y, _ = data
    X = X.copy()
    X[::5, 1] = np.nan
    X[1::7, 2] = np.nan
    model.fit(X, y)
    trees = getattr(model, "estimators_", [model])
    codes = np.concatenate([t.tree_.missing_go_to_left[t.tree_.children_left >= 0] for t in trees])
    assert 0 < codes.mean() < 1  # missing values go left at some splits, right at others
    rows = X[:80]
    bias, values, prediction = saabas.saabas(model, rows, chunk_size=4096)
    expected, expected_prediction = reference_walk(trees, rows, n_summed=1)
    np.testing.assert_allclose(values, expected / len(trees), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(prediction[:, 0], model.predict(rows), rtol=1e-12)
    np.testing.assert_allclose(prediction, expected_prediction / len(trees), rtol=1e-12)
    np.testing.assert_allclose(bias + values.sum(axis=(1, 2)), prediction[:, 0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("chunk_size", [1, 3, 4096])
def test_threads_and_chunks_give_identical_results(data, chunk_size):
    X, _, labels = data
    rows = np.tile(X, (6, 1))  # enough walks for two threads
    single = RandomForestClassifier(n_estimators=12, min_samples_leaf=3, random_state=0).fit(X, labels)
    threaded = RandomForestClassifier(n_estimators=12, min_samples_leaf=3, random_state=0, n_jobs=2).fit(X, labels)
    assert len(rows) * 12 >= 2 * saabas.WALKS_PER_THREAD
    one = saabas.saabas(single, rows, chunk_size=4096)
    two = saabas.saabas(threaded, rows, chunk_size=chunk_size)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(two[2], single.predict_proba(rows), rtol=1e-12)


def test_table_is_cached_until_refit(data):
    X, y, _ = data
    forest = RandomForestRegressor(n_estimators=3, random_state=0).fit(X, y)
    table = node_table(forest)
    assert node_table(forest) is table
    forest.fit(X[:300], y[:300])
    gc.collect()
    assert forest not in saabas._TABLES  # the old trees died: their stale table went with them
    assert node_table(forest) is not table
    assert len(node_table(forest).records) == sum(tree.tree_.node_count for tree in forest.estimators_)


def test_single_tree_table_follows_refit(data):
    X, y, _ = data
    tree = DecisionTreeRegressor(min_samples_leaf=4, random_state=0).fit(X, y)
    first = node_table(tree)
    tree.fit(X[::2], y[::2])
    tree.fit(X[1::2], y[1::2])  # two refits: a reused id must not pass for the cached tree
    rebuilt = node_table(tree)
    assert rebuilt is not first and len(rebuilt.records) == tree.tree_.node_count
    *_, prediction = saabas.saabas(tree, X[:50], chunk_size=4096)
    np.testing.assert_allclose(prediction[:, 0], tree.predict(X[:50]), rtol=1e-12)


def test_cache_holds_models_weakly(data):
    X, y, _ = data
    forest = RandomForestRegressor(n_estimators=2, random_state=0).fit(X, y)
    node_table(forest)
    alive = weakref.ref(forest)
    del forest
    gc.collect()
    assert alive() is None


def test_pickled_model_does_not_carry_the_table(data, tmp_path):
    X, y, _ = data
    forest = RandomForestRegressor(n_estimators=4, min_samples_leaf=2, random_state=0).fit(X, y)
    size = len(pickle.dumps(forest))
    explained = contributions(forest, X[:30])
    assert len(pickle.dumps(forest)) == size
    joblib.dump(forest, tmp_path / "forest.joblib")
    loaded = joblib.load(tmp_path / "forest.joblib")
    assert loaded not in saabas._TABLES
    again = contributions(loaded, X[:30])
    np.testing.assert_array_equal(again.values, explained.values)
    np.testing.assert_array_equal(again.prediction, explained.prediction)
