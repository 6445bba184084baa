"""Scores on the original scale, the log-target transform, and the naive mean baseline.

Models may learn ``log(target)`` (``features.log_target``, through
:class:`tabkit.prep.target.TargetTransform`); every score the pipeline reports is computed
on predictions turned back into the target's original units, so all models, the baseline
included, are compared on one scale (:func:`tabkit.metrics.score` applies a metric's own
``scale``: ``exp_rmspe`` and ``rmspe`` give the same number for the same predictions).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from tabkit import metrics
from tabkit.metrics import METRICS
from tabkit.prep.target import TargetTransform


def score(metric: str, actual, predicted) -> float:
    """The spec's metric of predictions in the target's original units."""
    return metrics.score(metric, actual, predicted)


def greater_is_better(metric: str) -> bool:
    """Whether a larger value of ``metric`` is better."""
    return bool(METRICS[metric].greater_is_better)


def row_errors(metric: str, actual, predicted) -> np.ndarray:
    """Each row's error in the metric's terms (percentage, log or absolute; 0/1 for labels)."""
    actual = np.asarray(actual)
    predicted = np.asarray(predicted)
    if metric == "accuracy":
        return (actual != predicted).astype(float)
    actual = actual.astype(float)
    predicted = predicted.astype(float)
    if metric in ("rmspe", "exp_rmspe"):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(actual != 0, np.abs((actual - predicted) / actual), 0.0)
    if metric == "rmsle":
        return np.abs(np.log1p(np.clip(actual, 0, None)) - np.log1p(np.clip(predicted, 0, None)))
    return np.abs(actual - predicted)


class OriginalScaleScorer:
    """A scorer ``(estimator, X, y_model)`` that scores on the original scale.

    Larger is better (errors are negated), as scikit-learn scorers are; used by
    ValidationSearch and permutation importance on models that learn transformed targets.
    """

    def __init__(self, metric: str, transform: TargetTransform):
        self.metric = metric
        self.transform = transform

    def __call__(self, estimator, X, y) -> float:
        value = score(self.metric, self.transform.inverse(y), self.transform.inverse(estimator.predict(X)))
        return value if greater_is_better(self.metric) else -value


class MeanBaseline(BaseEstimator):
    """The naive baseline: the training mean of the target per group (mode for labels).

    Groups unseen in training get the overall mean (or mode).

    Parameters
    ----------
    by : list of str
        Group columns (e.g. Store and DayOfWeek); empty for one overall value.
    classification : bool
        Predict the most frequent label instead of the mean.
    """

    def __init__(self, by: Sequence[str] = (), classification: bool = False):
        self.by = by
        self.classification = classification

    def fit(self, X: pd.DataFrame, y) -> "MeanBaseline":
        """Learn the per-group values."""
        by = list(self.by)
        missing = [c for c in by if c not in X.columns]
        if missing:
            raise ValueError(f"baseline: group column(s) {missing} are not in the features")
        target = pd.Series(np.asarray(y), index=X.index, name="__target")
        self.overall_ = target.mode().iloc[0] if self.classification else float(target.mean())
        if by:
            grouped = target.groupby([X[c] for c in by], observed=True)
            self.table_ = grouped.agg(lambda s: s.mode().iloc[0]) if self.classification else grouped.mean()
        else:
            self.table_ = None
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The group value of each row."""
        check_is_fitted(self, "overall_")
        if self.table_ is None:
            return np.full(len(X), self.overall_)
        keys = pd.MultiIndex.from_frame(X[list(self.by)]) if len(self.by) > 1 else pd.Index(X[self.by[0]])
        values = self.table_.reindex(keys).to_numpy()
        missing = pd.isna(values)
        values = values.astype(object if self.classification else float)
        values[missing] = self.overall_
        return values
