"""One front for explaining any fitted tabkit model.

:func:`contributions` explains rows (bias + one value per feature = the prediction):
Saabas paths or TreeSHAP for forests and scikit-learn trees, LightGBM's own TreeSHAP for
tabkit's LightGBM models, a forest on embeddings folded back onto the categories it
embeds, and a blend as the weighted sum of its members' explanations (exact, see
:mod:`tabkit.ensemble.explanation`). :func:`explains_rows` says which models it takes.
:func:`permutation_importance` ranks features by how much shuffling them costs, for
any model (nets included).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd
from sklearn.utils.validation import check_is_fitted

from tabkit.boosting.attribution import LINKS, lightgbm_contributions
from tabkit.boosting.estimators import LightGBMClassifier, LightGBMRegressor
from tabkit.ensemble.base import Blend
from tabkit.ensemble.explanation import blend_explanation
from tabkit.explanation import Explanation
from tabkit.forest.attribution import SUPPORTED_MODELS
from tabkit.forest.attribution import contributions as tree_contributions
from tabkit.forest.embedding_forest import EmbeddingForest
from tabkit.forest.importance import permutation_importance

__all__ = ["Explanation", "contributions", "explains_rows", "fold_explanation", "permutation_importance"]


def contributions(
    model,
    X,
    *,
    by: str = "feature",
    method: str = "saabas",
    chunk_size: int = 4096,
    members: Callable[[object], Explanation] | None = None,
) -> Explanation:
    """Explain each row's prediction as a bias plus one contribution per feature.

    Parameters
    ----------
    model : fitted model
        A tabkit forest or LightGBM model, a forest on a net's embeddings
        (:class:`tabkit.EmbeddingForest`), a scikit-learn RandomForest*, ExtraTrees* or
        DecisionTree* model, or a blend (:class:`tabkit.BlendRegressor`,
        :class:`tabkit.BlendClassifier`) of such models whose explanations add up on the
        scale it averages (see :func:`explains_rows`).
    X : DataFrame or array-like
        Rows to explain, in the columns the model was fitted on.
    by : {"feature", "column"}, default "feature"
        ``"column"`` sums the values of features derived from one source column (the date
        parts of ``Date``; a column and its ``_na`` flag) onto that column. A forest on
        embeddings always folds each embedding's dimensions onto its category.
    method : {"saabas", "treeshap"}, default "saabas"
        For forests and trees: treeinterpreter's path attribution, or exact TreeSHAP from
        the shap package. LightGBM models always use their own TreeSHAP.
    chunk_size : int, default 4096
        Most rows a thread attributes at a time (Saabas).
    members : callable, optional
        For a blend: ``members(member)`` gives a member's explanation of ``X`` (one
        computed before, say); by default each member is explained here.

    Returns
    -------
    Explanation
        ``bias + values.sum(axis=1) == prediction`` per row (per class for a classifier);
        its ``link`` says how that scale becomes the model's output.

    Raises
    ------
    TypeError
        For a model this front cannot explain row by row (nets, or a blend with a net
        among its members: use :func:`permutation_importance`).
    ValueError
        For a blend whose members' explanations are on a raw scale (a LightGBM
        classifier's log-odds) rather than the one the blend averages.
    """
    if isinstance(model, Blend):
        check_is_fitted(model, "weights_")
        explain = members or (lambda member: contributions(member, X, by=by, method=method, chunk_size=chunk_size))
        return blend_explanation({name: explain(m) for name, m in model.named_estimators_.items()}, model.weights_)
    if isinstance(model, (LightGBMRegressor, LightGBMClassifier)):
        return lightgbm_contributions(model, X, by=by)
    if isinstance(model, EmbeddingForest):
        explained = tree_contributions(model.forest_, model.transform(X), method=method, chunk_size=chunk_size)
        return fold_explanation(explained, model.source_of)
    return tree_contributions(model, X, by=by, method=method, chunk_size=chunk_size)


def explains_rows(model) -> bool:
    """Whether :func:`contributions` explains ``model`` row by row: a tree model, a
    LightGBM model, a forest on embeddings, or a blend of such models whose explanations
    add up on the scale the blend averages (every member on the identity link).

    Parameters
    ----------
    model : estimator

    Returns
    -------
    bool
    """
    if isinstance(model, Blend):
        members = getattr(model, "estimators_", None) or [member for _, member in model.estimators]
        return all(explains_rows(member) and _link(member) == "identity" for member in members)
    return isinstance(model, (LightGBMRegressor, LightGBMClassifier, EmbeddingForest, *SUPPORTED_MODELS))


def _link(model) -> str:
    """The scale a model's explanation adds up on (see :attr:`Explanation.link`)."""
    if isinstance(model, (LightGBMRegressor, LightGBMClassifier)):
        objective = getattr(getattr(model, "model_", None), "objective_", None) or model.get_params().get("objective")
        if objective is None:
            return "logistic" if isinstance(model, LightGBMClassifier) else "identity"
        return LINKS.get(objective, "identity")
    return "identity"


def fold_explanation(explanation: Explanation, source_of: Callable[[str], str]) -> Explanation:
    """Sum the contributions of features that come from one source column (the embedding
    dimensions of a category) onto that column; returns a new Explanation."""

    def fold(values: pd.DataFrame) -> pd.DataFrame:
        sources = list(dict.fromkeys(source_of(c) for c in values.columns))
        return values.T.groupby(source_of).sum().T[sources]

    values = explanation.values
    folded = {k: fold(v) for k, v in values.items()} if isinstance(values, dict) else fold(values)
    columns = (next(iter(folded.values())) if isinstance(folded, dict) else folded).columns
    data = explanation.data.reindex(columns=columns)
    return replace(explanation, values=folded, data=data, by="column")
