"""Which features to inspect: the most important ones that can be varied."""

from __future__ import annotations

import pandas as pd
from pandas.api import types


def top_features(importance: pd.DataFrame, X: pd.DataFrame | None = None, k: int = 4) -> list[str]:
    """The ``k`` most important features, most important first.

    Parameters
    ----------
    importance : DataFrame
        Columns ``feature`` and ``importance`` (:func:`tabkit.permutation_importance`).
    X : DataFrame, optional
        When given, only its columns count, and date columns are skipped (their parts
        are the features to vary), as are columns with a single value.
    k : int, default 4

    Raises
    ------
    ValueError
        If a column is missing from ``importance`` or ``k`` is not positive.
    """
    missing = [c for c in ("feature", "importance") if c not in importance.columns]
    if missing:
        raise ValueError(f"importance table is missing column(s) {missing}")
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    ranked = importance.sort_values("importance", ascending=False, kind="stable")["feature"].astype(str)
    if X is not None:
        ranked = [
            f for f in ranked if f in X.columns and not types.is_datetime64_any_dtype(X[f]) and X[f].nunique() > 1
        ]
    return list(ranked)[:k]


def top_pair(importance: pd.DataFrame, X: pd.DataFrame | None = None) -> tuple[str, str]:
    """The two most important features (as in :func:`top_features`), for a 2-d partial
    dependence map.

    Raises
    ------
    ValueError
        If fewer than two features qualify.
    """
    pair = top_features(importance, X, k=2)
    if len(pair) < 2:
        raise ValueError(f"need two features to pair, found {pair} among the importance table's features")
    return pair[0], pair[1]
