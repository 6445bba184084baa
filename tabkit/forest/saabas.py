"""Saabas attribution of a fitted tree model: a node table built once per forest, then row walks.

Saabas attribution starts each tree at its root value (the bias) and credits every split
on a row's path with ``value(child) - value(parent)``, on the split's feature; averaged
over the trees, ``bias + sum(contributions)`` is exactly the prediction.

The first call on a forest packs every node into one record (threshold, children, split
feature and delta to its parent; see ``_saabas_kernels``) and caches the table, weakly
keyed by the fitted scikit-learn model, so it is neither pickled with the model nor kept
alive by it. Each later call costs only the nodes its rows visit: a compiled walk down
each tree adds the deltas of the visited nodes into the row's contributions. The table is
rebuilt when the model's trees change (refit, trees added or swapped).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import is_classifier

WALKS_PER_THREAD = 5_000
"""Row-tree walks below which another thread costs more than it saves."""
NODES_PER_THREAD = 100_000
"""Nodes to pack below which another thread costs more than it saves."""


@dataclass(frozen=True)
class NodeTable:
    """The packed nodes of a forest, as ``_saabas_kernels`` reads them.

    Attributes
    ----------
    roots : ndarray of int64, shape (n_trees,)
        Each tree's first record.
    records : ndarray of float64, shape (n_nodes, 2 + n_summed)
        One record per node, each tree in preorder.
    leaf_values : ndarray of float64, shape (n_leaves, n_outputs)
        The value of each leaf (class fractions for classifiers).
    bias : ndarray of float64, shape (n_outputs,)
        The mean of the trees' root values.
    """

    roots: np.ndarray
    records: np.ndarray
    leaf_values: np.ndarray
    bias: np.ndarray

    @property
    def n_summed(self) -> int:
        """Outputs whose deltas are stored (a classifier's last class is minus the others)."""
        return self.records.shape[1] - 2

    @property
    def nbytes(self) -> int:
        """Memory held by the table."""
        return self.roots.nbytes + self.records.nbytes + self.leaf_values.nbytes + self.bias.nbytes


@dataclass(frozen=True)
class _Entry:
    tree_objects: tuple  # held, so that an identity check cannot meet a reused id
    watchers: tuple  # weak references to the estimators, whose callbacks drop the entry
    table: NodeTable
    token: object


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _kernels():
    try:
        from tabkit.forest import _saabas_kernels
    except ImportError as error:
        raise ImportError("Saabas attribution needs the numba package: pip install numba") from error
    return _saabas_kernels


def _trees_of(model) -> list:
    """The fitted decision trees of a forest, or the model itself when it is one tree."""
    return list(getattr(model, "estimators_", [model]))


def node_table(model) -> NodeTable:
    """The node table of a fitted scikit-learn forest or tree, built on first use and cached.

    The cache is keyed weakly by ``model`` and checked against the identity of each
    fitted tree, so a refitted model gets a new table; the entry of a forest is dropped
    as soon as one of its trees is garbage-collected (after a refit, say).

    Parameters
    ----------
    model : fitted scikit-learn RandomForest*, ExtraTrees* or DecisionTree* model

    Returns
    -------
    NodeTable
    """
    estimators = _trees_of(model)
    tree_objects = tuple(estimator.tree_ for estimator in estimators)
    entry = _TABLES.get(model)
    if (
        entry is not None
        and len(entry.tree_objects) == len(tree_objects)
        and all(old is new for old, new in zip(entry.tree_objects, tree_objects))
    ):
        return entry.table
    table = _build(model, estimators)
    _TABLES[model] = _new_entry(model, estimators, tree_objects, table)
    return table


def _new_entry(model, estimators: list, tree_objects: tuple, table: NodeTable) -> _Entry:
    model_ref, token = weakref.ref(model), object()

    def drop(_) -> None:
        # a tree of this entry died: its forest was refitted, so free the stale table now
        owner = model_ref()
        entry = None if owner is None else _TABLES.get(owner)
        if entry is not None and entry.token is token:
            del _TABLES[owner]

    watchers = tuple(weakref.ref(estimator, drop) for estimator in estimators)
    return _Entry(tree_objects, watchers, table, token)


def _build(model, estimators: list) -> NodeTable:
    kernels = _kernels()
    trees = [estimator.tree_ for estimator in estimators]
    n_outputs = trees[0].value.shape[2]
    n_summed = n_outputs - 1 if is_classifier(model) else n_outputs
    node_offsets = np.cumsum([0] + [tree.node_count for tree in trees])
    leaf_offsets = np.cumsum([0] + [tree.n_leaves for tree in trees])
    records = np.empty((node_offsets[-1], 2 + n_summed))
    leaf_values = np.empty((leaf_offsets[-1], n_outputs))

    def pack(i: int) -> None:
        tree = trees[i]
        kernels.pack_tree(
            tree.children_left,
            tree.children_right,
            tree.feature,
            tree.threshold,
            tree.missing_go_to_left,
            tree.value[:, 0, :],
            tree.max_depth,
            records[node_offsets[i] : node_offsets[i + 1]],
            leaf_values,
            leaf_offsets[i],
        )

    _run(pack, range(len(trees)), _threads(model, min(len(trees), node_offsets[-1] // NODES_PER_THREAD)))
    bias = np.mean([tree.value[0, 0, :] for tree in trees], axis=0, dtype=np.float64)
    return NodeTable(node_offsets[:-1].astype(np.int64), records, leaf_values, bias)


def _threads(model, most: int) -> int:
    """The model's ``n_jobs`` as a thread count (joblib's reading of it), at most ``most``."""
    return max(1, min(effective_n_jobs(getattr(model, "n_jobs", None)), most))


def _run(task: Callable[[int], None], items: Sequence[int], n_threads: int) -> None:
    """``task(item)`` for every item, on ``n_threads`` threads (the kernels release the GIL).

    A plain thread pool, not joblib's ``Parallel``: the tasks share memory, which rules out
    any backend but threads, and a pool starts in about 0.2 ms where ``Parallel`` takes 10+.
    """
    if n_threads == 1:
        for item in items:
            task(item)
        return
    with ThreadPoolExecutor(n_threads) as pool:
        for done in [pool.submit(task, item) for item in items]:
            done.result()


def saabas(model, features: np.ndarray, chunk_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bias, contributions (rows x features x outputs) and predictions (rows x outputs).

    Rows are walked in chunks of at most ``chunk_size``, shared among ``model.n_jobs``
    threads when there are enough of them. A classifier's class fractions sum to 1 in
    every node, so each delta sums to 0 over the classes: the last class's contributions
    are minus the sum of the others'.

    Parameters
    ----------
    model : fitted scikit-learn RandomForest*, ExtraTrees* or DecisionTree* model
    features : ndarray of float32, shape (n_rows, n_features)
    chunk_size : int
        Most rows given to a thread at a time.

    Returns
    -------
    bias, contributions, prediction : ndarray
    """
    kernels = _kernels()
    table = node_table(model)
    features = np.ascontiguousarray(features, dtype=np.float32)
    n_rows, n_features = features.shape
    n_trees, n_outputs = len(table.roots), table.leaf_values.shape[1]
    summed = np.zeros((n_rows, n_features, table.n_summed))
    prediction = np.zeros((n_rows, n_outputs))
    n_threads = _threads(model, n_rows * n_trees // WALKS_PER_THREAD)
    chunk = max(1, min(chunk_size, -(-n_rows // n_threads)))

    def attribute(start: int) -> None:
        rows = slice(start, start + chunk)
        kernels.walk(features[rows], table.roots, table.records, table.leaf_values, summed[rows], prediction[rows])

    _run(attribute, range(0, n_rows, chunk), n_threads)
    contributions = np.empty((n_rows, n_features, n_outputs))
    contributions[:, :, : table.n_summed] = summed / n_trees
    if table.n_summed < n_outputs:
        contributions[:, :, -1] = -contributions[:, :, :-1].sum(axis=2)
    return table.bias, contributions, prediction / n_trees
