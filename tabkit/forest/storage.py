"""Compact pickles of fitted trees: a forest stores what it cannot recompute, and predicts
exactly as before once loaded.

A scikit-learn tree keeps 72 bytes per node (two int64 children, int64 feature, float64
threshold, impurity and weighted count, int64 count, the node's value). Here:

- split nodes keep their children (int32), feature (int16 or int32), missing-value side
  and threshold as the largest float32 not above it: the trees compare float32 inputs, and
  for a float32 ``x``, ``x <= t`` exactly when ``x <= float32_below(t)``, so every row
  takes the same path;
- every node keeps its value (float64: predictions and Saabas contributions read them
  unchanged) and its impurity as float32 (only impurity importances read it);
- leaves keep their sample count and weighted count; a split node's counts are the sums
  of its children's, so they are recomputed on load, to the last bit.

About 24 bytes a node instead of 72. Saving a tabkit forest (a run's ``state.skops``, or a
pickle) packs its trees (see :class:`PackedTree`); loading gives ordinary scikit-learn trees
back.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from sklearn.tree._tree import Tree

NODE_DTYPE = np.dtype(
    {
        "names": [
            "left_child",
            "right_child",
            "feature",
            "threshold",
            "impurity",
            "n_node_samples",
            "weighted_n_node_samples",
            "missing_go_to_left",
        ],
        "formats": ["<i8", "<i8", "<i8", "<f8", "<f8", "<i8", "<f8", "u1"],
        "offsets": [0, 8, 16, 24, 32, 40, 48, 56],
        "itemsize": 64,
    }
)


def float32_below(values: np.ndarray) -> np.ndarray:
    """The largest float32 not above each value."""
    rounded = values.astype(np.float32)
    above = rounded.astype(np.float64) > values
    rounded[above] = np.nextafter(rounded[above], np.float32(-np.inf))
    return rounded


def pack(tree: Tree) -> dict:
    """The arrays that rebuild ``tree`` (see the module notes)."""
    state = tree.__getstate__()
    nodes, values = state["nodes"], state["values"]
    split = nodes["left_child"] >= 0
    weighted = nodes["weighted_n_node_samples"][~split]
    whole = np.array_equal(weighted, np.round(weighted)) and weighted.max(initial=0) < 2**31
    feature = nodes["feature"][split]
    return {
        "n_features": tree.n_features,
        "n_classes": np.asarray(tree.n_classes),
        "n_outputs": tree.n_outputs,
        "max_depth": state["max_depth"],
        "node_count": state["node_count"],
        "split": np.packbits(split),
        "children": np.stack([nodes["left_child"][split], nodes["right_child"][split]]).astype(np.int32),
        "feature": feature.astype(np.int16 if tree.n_features < 2**15 else np.int32),
        "threshold": float32_below(nodes["threshold"][split]),
        "missing_left": nodes["missing_go_to_left"][split],
        "impurity": nodes["impurity"].astype(np.float32),
        "leaf_samples": nodes["n_node_samples"][~split].astype(np.int32),
        "leaf_weights": weighted.astype(np.int32) if whole else weighted,
        "values": values,
    }


def unpack(packed: dict) -> Tree:
    """A scikit-learn tree from :func:`pack`'s arrays."""
    count = packed["node_count"]
    split = np.unpackbits(packed["split"], count=count).astype(bool)
    nodes = np.zeros(count, dtype=NODE_DTYPE)
    nodes["left_child"] = nodes["right_child"] = nodes["feature"] = -1
    nodes["threshold"] = -2.0
    nodes["left_child"][split], nodes["right_child"][split] = packed["children"]
    nodes["feature"][split] = packed["feature"]
    nodes["threshold"][split] = packed["threshold"]
    nodes["missing_go_to_left"][split] = packed["missing_left"]
    nodes["impurity"] = packed["impurity"]
    nodes["feature"][~split] = -2
    nodes["n_node_samples"][~split] = packed["leaf_samples"]
    nodes["weighted_n_node_samples"][~split] = packed["leaf_weights"]
    samples, weights = nodes["n_node_samples"].copy(), nodes["weighted_n_node_samples"].copy()
    _fill_split_nodes(nodes["left_child"], nodes["right_child"], samples, weights)
    nodes["n_node_samples"], nodes["weighted_n_node_samples"] = samples, weights
    tree = Tree(packed["n_features"], packed["n_classes"], packed["n_outputs"])
    state = {"max_depth": packed["max_depth"], "node_count": count, "nodes": nodes, "values": packed["values"]}
    tree.__setstate__(state)
    return tree


@njit(cache=True)
def _fill_split_nodes(left, right, samples, weights):
    """Counts of split nodes from their children's (children come after their parent in
    node order, so one pass from the last node up suffices)."""
    for node in range(len(left) - 1, -1, -1):
        a, b = left[node], right[node]
        if a >= 0:
            samples[node] = samples[a] + samples[b]
            weights[node] = weights[a] + weights[b]


class PackedTree:
    """Stands in for a tree while its estimator is saved: its state is the packed arrays.
    A pickle unpickles it as an ordinary scikit-learn tree; ``skops`` (which builds objects
    from their state and never calls ``__reduce__``) gives it back as itself, and
    :func:`unpacked_forest` turns it into the tree."""

    def __init__(self, tree: Tree):
        self.packed = pack(tree)

    def __reduce__(self):
        return unpack, (self.packed,)


def unpacked_forest(forest) -> None:
    """Replace, in place, every :class:`PackedTree` of a forest's trees by its tree."""
    for estimator in forest.estimators_:
        if isinstance(estimator.tree_, PackedTree):
            estimator.tree_ = unpack(estimator.tree_.packed)


def packed_forest(forest):
    """A shallow copy of a fitted scikit-learn forest whose trees pickle packed."""
    import copy

    out = copy.copy(forest)
    out.estimators_ = []
    for estimator in forest.estimators_:
        small = copy.copy(estimator)
        small.tree_ = PackedTree(estimator.tree_)
        out.estimators_.append(small)
    return out
