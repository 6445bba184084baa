"""Near-duplicate columns by Spearman rank-correlation clustering (the course's dendrogram)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform


def spearman_linkage(X: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Average-linkage clustering of the columns of ``X`` on ``1 - |Spearman rho|``.

    Non-numeric columns are ranked by their sorted values; missing values are left out
    pairwise; a constant column is uncorrelated with every other.

    Parameters
    ----------
    X : DataFrame
        At least two columns.

    Returns
    -------
    linkage : ndarray
        A scipy linkage matrix (see :func:`scipy.cluster.hierarchy.linkage`).
    columns : list of str
        The column names, in the linkage's leaf numbering.
    """
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(X).__name__}")
    if X.shape[1] < 2:
        raise ValueError(f"need at least two columns to cluster, got {X.shape[1]}")
    if len(X) < 2:
        raise ValueError(f"need at least two rows to correlate columns, got {len(X)}")
    ranks = pd.DataFrame({col: _orderable(X[col]) for col in X.columns}).rank()
    rho = ranks.corr().abs().fillna(0.0).to_numpy(copy=True)
    np.fill_diagonal(rho, 1.0)
    distance = np.clip(1.0 - (rho + rho.T) / 2, 0.0, 1.0)
    return hierarchy.linkage(squareform(distance, checks=False), method="average"), list(X.columns)


def redundant_features(X: pd.DataFrame, *, threshold: float = 0.9) -> dict[str, list[str]]:
    """Groups of columns that carry nearly the same ranking of the rows.

    Columns are clustered on ``1 - |Spearman rho|`` with average linkage (the fast.ai
    course's dendrogram); every cluster whose columns correlate, on average, by at least
    ``threshold`` is a group.

    Parameters
    ----------
    X : DataFrame
        Feature columns (raw or processed).
    threshold : float, default 0.9
        Smallest mean absolute Spearman correlation within a group, in (0, 1].

    Returns
    -------
    dict of str to list of str
        ``"a + b" -> ["a", "b"]`` for each group of two or more columns, usable as the
        ``groups`` of :func:`tabkit.permutation_importance`.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    linkage, columns = spearman_linkage(X)
    labels = hierarchy.fcluster(linkage, t=1.0 - threshold, criterion="distance")
    clusters: dict[int, list[str]] = {}
    for col, label in zip(columns, labels):
        clusters.setdefault(label, []).append(col)
    return {" + ".join(map(str, members)): members for members in clusters.values() if len(members) > 1}


def _orderable(values: pd.Series) -> pd.Series:
    """A numeric series with the same order as ``values`` (missing stays missing)."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return values
    codes, _ = pd.factorize(values, sort=True)
    return pd.Series(np.where(codes < 0, np.nan, codes), index=values.index)
