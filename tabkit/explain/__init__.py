"""One front for explaining any fitted tabkit model.

:func:`contributions` explains rows (bias + one value per feature = the prediction):
Saabas paths or TreeSHAP for forests and scikit-learn trees, LightGBM's own TreeSHAP for
tabkit's LightGBM models, and a forest on embeddings folded back onto the categories it
embeds. :func:`permutation_importance` ranks features by how much shuffling them costs, for
any model (nets included).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from tabkit.boosting.attribution import lightgbm_contributions
from tabkit.boosting.estimators import LightGBMClassifier, LightGBMRegressor
from tabkit.explanation import Explanation
from tabkit.forest.attribution import contributions as tree_contributions
from tabkit.forest.embedding_forest import EmbeddingForest
from tabkit.forest.importance import permutation_importance

__all__ = ["Explanation", "contributions", "fold_explanation", "permutation_importance"]


def contributions(model, X, *, by: str = "feature", method: str = "saabas", chunk_size: int = 4096) -> Explanation:
    """Explain each row's prediction as a bias plus one contribution per feature.

    Parameters
    ----------
    model : fitted model
        A tabkit forest or LightGBM model, a forest on a net's embeddings
        (:class:`tabkit.EmbeddingForest`), or a scikit-learn RandomForest*, ExtraTrees* or
        DecisionTree* model.
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

    Returns
    -------
    Explanation
        ``bias + values.sum(axis=1) == prediction`` per row (per class for a classifier);
        its ``link`` says how that scale becomes the model's output.

    Raises
    ------
    TypeError
        For a model this front cannot explain row by row (nets: use
        :func:`permutation_importance`).
    """
    if isinstance(model, (LightGBMRegressor, LightGBMClassifier)):
        return lightgbm_contributions(model, X, by=by)
    if isinstance(model, EmbeddingForest):
        explained = tree_contributions(model.forest_, model.transform(X), method=method, chunk_size=chunk_size)
        return fold_explanation(explained, model.source_of)
    return tree_contributions(model, X, by=by, method=method, chunk_size=chunk_size)


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
