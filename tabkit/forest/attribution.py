"""Per-row prediction attribution for tree ensembles (Saabas, as treeinterpreter; or TreeSHAP).

Saabas attribution starts each tree at its root value (the bias) and credits every split
on a row's path with ``value(child) - value(parent)``, on the split's feature; averaged over
the trees, ``bias + sum(contributions)`` is exactly the prediction. ``tabkit.forest.saabas``
computes it from a node table cached per fitted forest, at a cost proportional to the nodes
the explained rows visit; this module checks the input and shapes the ``Explanation``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import is_classifier
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils.validation import check_array, check_is_fitted

from tabkit.explanation import Explanation
from tabkit.forest.estimators import ForestClassifier, ForestRegressor
from tabkit.forest.saabas import saabas
from tabkit.prep.fit_inputs import FEATURE_DTYPE, encode
from tabkit.prep.inputs import generated_names

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
        ExtraTrees* or DecisionTree* model (:func:`tabkit.contributions` takes any tabkit
        model that explains rows)
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
        Most rows a thread attributes at a time (Saabas).

    Returns
    -------
    Explanation

    Notes
    -----
    The first Saabas call on a fitted forest packs its nodes into a table (about 28 bytes
    a node for a regressor, 32 for a binary classifier, 12 more per further class: 17.5
    million nodes take about 0.6 s and 470 MiB), kept beside the model, never pickled with
    it, and rebuilt after a refit. Later calls cost only the nodes the explained rows
    visit. The first call in a process also imports numba.
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
    names = pd.Index(names)  # built once, shared by every frame
    classifier = is_classifier(trees_model)
    if getattr(trees_model, "n_outputs_", 1) != 1:
        raise ValueError(f"contributions explains single-output models; this one has {trees_model.n_outputs_} outputs")

    with warnings.catch_warnings():
        # features were checked by name above; the trees themselves take a plain array
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        if method == "saabas":
            bias, values, prediction = saabas(trees_model, features, chunk_size)
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
        values, names = folded, pd.Index(sources)

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
        return (
            model.forest_,
            np.ascontiguousarray(encode(model.processor_, frame)),
            list(model.processor_.get_feature_names_out()),
            frame.index,
        )
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
    if not isinstance(model, (ForestRegressor, ForestClassifier)):
        return pd.DataFrame(features, index=index, columns=names)
    processor = model.processor_
    categorical = set(processor.cat_features_)
    columns = {
        name: features[:, j].astype(np.int64) if name in categorical else features[:, j] for j, name in enumerate(names)
    }
    return processor.inverse_transform(pd.DataFrame(columns, index=index))


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
