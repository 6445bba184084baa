"""Per-row prediction attribution for tree ensembles (Saabas, as treeinterpreter; or TreeSHAP).

Saabas attribution starts each tree at its root value (the bias) and credits every split
on a row's path with ``value(child) - value(parent)``, on the split's feature; averaged over
the trees, ``bias + sum(contributions)`` is exactly the prediction. Here it is vectorised:
each node's delta and its parent's split feature are precomputed for all trees at once;
for a chunk of rows, each tree's (sparse) decision path lists the visited nodes, and one
weighted ``bincount`` per output (a classifier's last class needs none: its contributions are
minus the others') adds their deltas into the (row, feature) cells. There
is no Python loop over rows or nodes, only over trees and chunks; the trees are shared
among the forest's ``n_jobs`` threads.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import is_classifier
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils.validation import check_array, check_is_fitted

from tabkit.forest.estimators import FEATURE_DTYPE, ForestClassifier, ForestRegressor, encode, generated_names

SUPPORTED_MODELS = (
    ForestRegressor,
    ForestClassifier,
    RandomForestRegressor,
    RandomForestClassifier,
    ExtraTreesRegressor,
    ExtraTreesClassifier,
    DecisionTreeRegressor,
    DecisionTreeClassifier,
)
METHODS = ("saabas", "treeshap")
BY = ("feature", "column")


@dataclass
class Explanation:
    """Per-row attribution of a model's predictions.

    For a regressor, ``bias + values.sum(axis=1) == prediction``. For a classifier every
    field is per class: ``values`` is a dict ``class -> DataFrame`` and
    ``bias[c] + values[c].sum(axis=1) == prediction[c]`` (probabilities).

    Attributes
    ----------
    prediction : Series or DataFrame
        The model's prediction per row (a DataFrame rows x classes for classifiers).
    bias : float or Series
        The expected value every row starts from (a Series per class for classifiers).
    values : DataFrame or dict of class to DataFrame
        Contributions, rows x features (or source columns when ``by="column"``).
    data : DataFrame
        The explained rows' values of the same features (category labels, not codes),
        for labels such as ``Promo = 1``.
    by : {"feature", "column"}
        Whether ``values`` is per model feature or folded onto source columns.
    method : {"saabas", "treeshap"}
        How the contributions were computed.
    classes : list or None
        Class labels for a classifier, None for a regressor.
    """

    prediction: pd.Series | pd.DataFrame
    bias: float | pd.Series
    values: pd.DataFrame | dict
    data: pd.DataFrame
    by: str = "feature"
    method: str = "saabas"
    classes: list | None = field(default=None)

    def for_class(self, label) -> "Explanation":
        """The single-output explanation of one class's probability.

        Parameters
        ----------
        label
            A class label of the classifier.

        Returns
        -------
        Explanation
        """
        if self.classes is None:
            raise ValueError("for_class: this explanation is of a regressor, it has no classes")
        if label not in self.classes:
            raise ValueError(f"for_class: unknown class {label!r}; classes are {self.classes}")
        return Explanation(
            prediction=self.prediction[label].rename("prediction"),
            bias=float(self.bias[label]),
            values=self.values[label],
            data=self.data,
            by=self.by,
            method=self.method,
        )


def contributions(
    model,
    X,
    *,
    by: str = "feature",
    method: str = "saabas",
    chunk_size: int = 4096,
) -> Explanation:
    """Explain each row's prediction as a bias plus one contribution per feature.

    Parameters
    ----------
    model : ForestRegressor, ForestClassifier, or a fitted scikit-learn RandomForest*,
        ExtraTrees* or DecisionTree* model
    X : DataFrame or array-like
        Rows to explain: a DataFrame for a tabkit forest (the raw columns it was fitted
        on); an array (or a DataFrame of its features) for a scikit-learn model.
    by : {"feature", "column"}, default "feature"
        ``"column"`` sums the contributions of features derived from one source column
        (every part of ``Date``; a column and its ``_na`` flag) onto that column, from
        the processor's lineage (tabkit forests only).
    method : {"saabas", "treeshap"}, default "saabas"
        ``"saabas"``: treeinterpreter's path attribution. ``"treeshap"``: exact TreeSHAP
        values from the shap package (must be installed).
    chunk_size : int, default 4096
        Rows attributed at a time (bounds memory for Saabas).

    Returns
    -------
    Explanation
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if by not in BY:
        raise ValueError(f"by must be one of {BY}, got {by!r}")
    if not isinstance(model, SUPPORTED_MODELS):
        raise TypeError(
            "contributions supports tabkit forests and scikit-learn RandomForest*, ExtraTrees* "
            f"and DecisionTree* models, got {type(model).__name__}"
        )
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    tabkit_model = isinstance(model, (ForestRegressor, ForestClassifier))
    if by == "column" and not tabkit_model:
        raise ValueError("by='column' needs a tabkit forest: only its processor knows each feature's source column")

    trees_model, features, names, index = _model_inputs(model, X)
    classifier = is_classifier(trees_model)
    if getattr(trees_model, "n_outputs_", 1) != 1:
        raise ValueError(f"contributions explains single-output models; this one has {trees_model.n_outputs_} outputs")

    with warnings.catch_warnings():
        # features were checked by name above; the trees themselves take a plain array
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        if method == "saabas":
            bias, values, prediction = _saabas(trees_model, features, chunk_size)
        else:
            bias, values = _treeshap(trees_model, features)
            prediction = trees_model.predict_proba(features) if classifier else trees_model.predict(features)
            prediction = prediction.reshape(len(features), -1)

    data = _feature_data(model, features, names, index)
    if by == "column":
        lineage = model.processor_.lineage_
        sources = list(dict.fromkeys(lineage[name] for name in names))
        folded = np.zeros((values.shape[0], len(sources), values.shape[2]))
        np.add.at(folded, (slice(None), [sources.index(lineage[name]) for name in names]), values)
        data = _source_data(X, data, lineage, sources)
        values, names = folded, sources

    if not classifier:
        return Explanation(
            prediction=pd.Series(prediction[:, 0], index=index, name="prediction"),
            bias=float(bias[0]),
            values=pd.DataFrame(values[:, :, 0], index=index, columns=names),
            data=data,
            by=by,
            method=method,
        )
    classes = list(trees_model.classes_)
    return Explanation(
        prediction=pd.DataFrame(prediction, index=index, columns=classes),
        bias=pd.Series(bias, index=classes, name="bias"),
        values={label: pd.DataFrame(values[:, :, k], index=index, columns=names) for k, label in enumerate(classes)},
        data=data,
        by=by,
        method=method,
        classes=classes,
    )


def _model_inputs(model, X) -> tuple[object, np.ndarray, list[str], pd.Index]:
    """The tree model, its float32 input matrix, feature names and the row index."""
    if isinstance(model, (ForestRegressor, ForestClassifier)):
        check_is_fitted(model, "forest_")
        frame, _ = model._frame(X, fitting=False)
        return model.forest_, np.ascontiguousarray(encode(model.processor_, frame)), list(model.processor_.get_feature_names_out()), frame.index
    check_is_fitted(model)
    names = list(getattr(model, "feature_names_in_", generated_names(model.n_features_in_)))
    if isinstance(X, pd.DataFrame):
        if hasattr(model, "feature_names_in_"):
            missing = [name for name in names if name not in X.columns]
            if missing:
                raise ValueError(f"missing required column(s): {missing}")
            X = X.loc[:, names]
        index = X.index
    else:
        index = None
    array = check_array(X, dtype=FEATURE_DTYPE, order="C", ensure_all_finite="allow-nan")
    if array.shape[1] != model.n_features_in_:
        raise ValueError(f"X has {array.shape[1]} features, but the model was fitted on {model.n_features_in_}")
    return model, array, names, pd.RangeIndex(len(array)) if index is None else index


def _feature_data(model, features: np.ndarray, names: list[str], index: pd.Index) -> pd.DataFrame:
    """The explained rows' feature values, categories as their labels."""
    frame = pd.DataFrame(features, index=index, columns=names)
    if isinstance(model, (ForestRegressor, ForestClassifier)):
        processor = model.processor_
        frame = frame.astype({name: np.int64 for name in processor.cat_features_})
        return processor.inverse_transform(frame)
    return frame


def _source_data(X: pd.DataFrame, data: pd.DataFrame, lineage: dict, sources: list[str]) -> pd.DataFrame:
    """Values of each source column: the raw column when ``X`` has it, else its only feature."""
    columns = {}
    for source in sources:
        derived = [name for name, origin in lineage.items() if origin == source]
        if source in X.columns:
            columns[source] = X[source]
        elif len(derived) == 1:
            columns[source] = data[derived[0]]
        else:
            columns[source] = pd.Series(np.nan, index=X.index, dtype=object)
    return pd.DataFrame(columns, index=X.index)


def _trees(model) -> list:
    return list(getattr(model, "estimators_", [model]))


def _node_tables(trees: list, n_summed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-node tables of all trees, stacked (tree ``i``'s nodes start at ``offsets[i]``).

    Returns ``offsets``; ``values`` (n_nodes x n_outputs; for classifiers the class
    fractions, which scikit-learn >= 1.4.1 stores in ``tree_.value``); ``deltas``
    (n_summed x n_nodes), ``values[node] - values[parent]`` of the first ``n_summed``
    outputs (0 at the roots); and ``split``, the feature the node's parent splits on (0 at
    the roots, whose delta is 0).
    """
    offsets = np.cumsum([0] + [tree.tree_.node_count for tree in trees])
    left = np.concatenate([tree.tree_.children_left for tree in trees])
    right = np.concatenate([tree.tree_.children_right for tree in trees])
    feature = np.concatenate([tree.tree_.feature for tree in trees])
    values = np.concatenate([tree.tree_.value[:, 0, :] for tree in trees], dtype=np.float64)
    internal = np.flatnonzero(left >= 0)
    tree_start = np.repeat(offsets[:-1], np.diff(offsets))[internal]
    parent = np.arange(len(left))
    parent[left[internal] + tree_start] = internal
    parent[right[internal] + tree_start] = internal
    summed = np.ascontiguousarray(values[:, :n_summed].T)  # one contiguous row per output: faster gathers
    return offsets, values, summed - np.take(summed, parent, axis=1), np.maximum(np.take(feature, parent), 0)


def _saabas(model, features: np.ndarray, chunk_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bias, contributions (rows x features x outputs) and predictions (rows x outputs).

    For each chunk of rows and each tree, the decision path lists the nodes each row
    visits; every visited node adds its delta to (row, its parent's split feature). Like
    the forest's own ``predict``, the trees are split among ``model.n_jobs`` threads
    (tree traversal releases the GIL); each thread sums its trees, then the sums are added.
    A classifier's class fractions sum to 1 in every node, so each delta sums to 0 over
    the classes: the last class's contributions are minus the sum of the others'.
    """
    trees = _trees(model)
    n_outputs = trees[0].tree_.value.shape[2]
    n_summed = n_outputs - 1 if is_classifier(model) else n_outputs
    offsets, values, deltas, split = _node_tables(trees, n_summed)
    n_rows, n_features = features.shape
    n_threads = min(effective_n_jobs(getattr(model, "n_jobs", None)), len(trees))
    tree_groups = np.array_split(np.arange(len(trees)), n_threads)

    def attribute(chunk: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n_cells = len(chunk) * n_features
        summed = np.zeros((n_summed, n_cells))
        leaf_sum = np.zeros((len(chunk), n_outputs))
        row_key = np.arange(len(chunk)) * n_features
        for i in group:
            path = trees[i].tree_.decision_path(chunk)
            nodes, tree_nodes = path.indices, slice(offsets[i], offsets[i + 1])
            key = np.repeat(row_key, np.diff(path.indptr))
            key += np.take(split[tree_nodes], nodes)
            for output in range(n_summed):
                weights = np.take(deltas[output, tree_nodes], nodes)
                summed[output] += np.bincount(key, weights=weights, minlength=n_cells)
            # a path's last node is its leaf (np.take: a much faster row gather than [])
            leaf_sum += np.take(values[tree_nodes], nodes[path.indptr[1:] - 1], axis=0)
        return summed, leaf_sum

    contributions = np.empty((n_rows, n_features, n_outputs))
    prediction = np.empty((n_rows, n_outputs))
    with Parallel(n_jobs=n_threads, require="sharedmem") as parallel:
        for start in range(0, n_rows, chunk_size):
            chunk = features[start : start + chunk_size]
            rows = slice(start, start + len(chunk))
            parts = parallel(delayed(attribute)(chunk, group) for group in tree_groups)
            summed = sum(part[0] for part in parts)
            contributions[rows, :, :n_summed] = np.moveaxis(
                summed.reshape(n_summed, len(chunk), n_features), 0, -1) / len(trees)
            prediction[rows] = sum(part[1] for part in parts) / len(trees)
    if n_summed < n_outputs:
        contributions[:, :, -1] = -contributions[:, :, :-1].sum(axis=2)
    return values[offsets[:-1]].mean(axis=0), contributions, prediction


def _treeshap(model, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    try:
        import shap
    except ImportError as error:
        raise ImportError("method='treeshap' needs the shap package: pip install shap") from error
    explainer = shap.TreeExplainer(model)
    values = np.asarray(explainer.shap_values(features, check_additivity=False), dtype=np.float64)
    if values.ndim == 2:
        values = values[:, :, None]
    return np.atleast_1d(np.asarray(explainer.expected_value, dtype=np.float64)), values
