"""Target means by group: the training target's average per store, per store and weekday...

A forest cannot order 1,115 store codes by how much they sell; a column holding each
store's mean (log) sales on the training rows gives it that order in one split (this
helps small or row-sampled trees most). Fitted on training rows only, so validation and
test rows see nothing of their own targets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted


class TargetMeans(TransformerMixin, BaseEstimator):
    """Add, per group of key columns, the mean training target of each row's group.

    A group's mean is shrunk toward the overall mean, ``(sum + smoothing * mean) /
    (count + smoothing)``, so small groups say little. Missing key values form a group of
    their own; groups never seen in training get the overall mean.

    Parameters
    ----------
    groups : list of (str or list of str)
        Key columns of each group, e.g. ``[["Store"], ["Store", "DayOfWeek"]]``.
    smoothing : float, default 10.0
        Weight, in rows, of the overall mean in each group's mean.

    Attributes
    ----------
    names_ : list of str
        The added columns, ``"<key>_<key>..._mean"`` per group, in the order of ``groups``.
    overall_mean_ : float
        The training target's mean.
    means_ : dict of str to Series
        Per added column, the smoothed mean of each training group (indexed by its keys).
    feature_names_in_ : ndarray of str
        Columns of the frame seen in ``fit``.
    """

    def __init__(self, groups, *, smoothing: float = 10.0):
        self.groups = groups
        self.smoothing = smoothing

    def fit(self, X: pd.DataFrame, y) -> TargetMeans:
        """Compute each group's smoothed mean of ``y``.

        Parameters
        ----------
        X : DataFrame
            Training rows holding every key column.
        y : array-like of shape (n_rows,)
            Numeric target (e.g. log sales), finite.

        Returns
        -------
        self
        """
        keys_per_group = _check_groups(self.groups)
        if not isinstance(self.smoothing, (int, float)) or not np.isfinite(self.smoothing) or self.smoothing < 0:
            raise ValueError(f"TargetMeans: smoothing must be a finite number >= 0, got {self.smoothing!r}")
        _check_frame(X, keys_per_group, "fit")
        target = _check_target(y, len(X))
        self.overall_mean_ = float(target.mean())
        self.names_ = ["_".join(keys) + "_mean" for keys in keys_per_group]
        taken = [name for name in self.names_ if name in X.columns]
        if taken:
            raise ValueError(f"TargetMeans.fit: X already has column(s) {taken}")
        self.means_ = {}
        for name, keys in zip(self.names_, keys_per_group):
            stats = (
                pd.Series(target, index=X.index)
                .groupby([X[k] for k in keys], dropna=False, observed=True)
                .agg(["sum", "count"])
            )
            smoothed = (stats["sum"] + self.smoothing * self.overall_mean_) / (stats["count"] + self.smoothing)
            self.means_[name] = smoothed.rename(name)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """``X`` with one added column per group.

        Parameters
        ----------
        X : DataFrame
            Rows holding every key column.

        Returns
        -------
        DataFrame
            A copy of ``X`` with the ``names_`` columns appended (lineage in ``attrs`` kept).
        """
        check_is_fitted(self, "means_")
        keys_per_group = _check_groups(self.groups)
        _check_frame(X, keys_per_group, "transform")
        out = X.copy()
        for name, keys in zip(self.names_, keys_per_group):
            means = self.means_[name]
            lookup = pd.MultiIndex.from_arrays([X[k] for k in keys]) if len(keys) > 1 else pd.Index(X[keys[0]])
            positions = means.index.get_indexer(lookup)
            values = means.to_numpy()[positions]
            out[name] = np.where(positions >= 0, values, self.overall_mean_)
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The input columns followed by the added ones."""
        check_is_fitted(self, "means_")
        return np.asarray([*self.feature_names_in_, *self.names_], dtype=object)


def _check_groups(groups) -> list[list[str]]:
    if isinstance(groups, str) or not isinstance(groups, (list, tuple)) or not groups:
        raise ValueError(
            f"TargetMeans: groups must be a non-empty list of column names or lists of them, got {groups!r}"
        )
    keys_per_group = []
    for group in groups:
        keys = [group] if isinstance(group, str) else list(group) if isinstance(group, (list, tuple)) else None
        if not keys or not all(isinstance(k, str) for k in keys):
            raise ValueError(
                f"TargetMeans: each group must be a column name or a non-empty list of them, got {group!r}"
            )
        keys_per_group.append(keys)
    return keys_per_group


def _check_target(y, n_rows: int) -> np.ndarray:
    try:
        target = np.asarray(y, dtype=float).ravel()
    except (TypeError, ValueError) as error:
        raise ValueError(f"TargetMeans.fit: y must be numeric ({error})") from None
    if len(target) != n_rows:
        raise ValueError(f"TargetMeans.fit: X has {n_rows} rows but y has {len(target)}")
    bad = int((~np.isfinite(target)).sum())
    if bad:
        raise ValueError(f"TargetMeans.fit: y has {bad} NaN or infinite value(s)")
    return target


def _check_frame(X, keys_per_group: list[list[str]], step: str) -> None:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"TargetMeans.{step} expects a pandas DataFrame, got {type(X).__name__}")
    needed = list(dict.fromkeys(k for keys in keys_per_group for k in keys))
    missing = [k for k in needed if k not in X.columns]
    if missing:
        raise ValueError(f"TargetMeans.{step}: missing key column(s) {missing}")
