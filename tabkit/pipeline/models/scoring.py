"""The run's scorer on the target's original units, and the naive baseline.

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
from tabkit.pipeline.models.predictions import Predictions
from tabkit.prep.target import TargetTransform


def greater_is_better(metric: str) -> bool:
    """Whether a larger value of ``metric`` is better."""
    return bool(METRICS[metric].greater_is_better)


class OriginalScaleScorer:
    """A scorer ``(estimator, X, y)`` for the run's metric, on the target's original units.

    ``y`` and the estimator's predictions are in the units it learns (``transform``
    applied); both are turned back before scoring. Probability metrics read
    ``predict_proba``, label metrics ``predict``. Larger is better (errors are negated),
    as scikit-learn scorers are; used by ValidationSearch and permutation importance.
    """

    def __init__(self, metric: str, transform: TargetTransform):
        self.metric = metric
        self.transform = transform

    def __call__(self, estimator, X, y) -> float:
        needs = METRICS[self.metric].needs
        if needs == "probabilities":
            value = metrics.score(self.metric, y, estimator.predict_proba(X), classes=estimator.classes_)
        elif needs == "labels":
            value = metrics.score(self.metric, y, estimator.predict(X))
        else:
            value = metrics.score(self.metric, self.transform.inverse(y), self.transform.inverse(estimator.predict(X)))
        return value if greater_is_better(self.metric) else -value


class MeanBaseline(BaseEstimator):
    """The naive baseline: the training mean of the target per group, or for labels the
    class frequencies per group (predicting the most frequent class).

    Groups unseen in training get the overall mean (or frequencies).

    Parameters
    ----------
    by : list of str
        Group columns (e.g. Store and DayOfWeek); empty for one overall value.
    classification : bool
        Predict labels from class frequencies instead of the mean.
    """

    def __init__(self, by: Sequence[str] = (), classification: bool = False):
        self.by = by
        self.classification = classification

    def fit(self, X: pd.DataFrame, y) -> MeanBaseline:
        """Learn the per-group values."""
        by = list(self.by)
        missing = [c for c in by if c not in X.columns]
        if missing:
            raise ValueError(f"baseline: group column(s) {missing} are not in the features")
        values = np.asarray(y)
        if self.classification:
            self.classes_, codes = np.unique(values, return_inverse=True)
            target = pd.DataFrame(np.eye(len(self.classes_))[codes], index=X.index)
        else:
            target = pd.DataFrame({0: values.astype(float)}, index=X.index)
        self.overall_ = target.mean().to_numpy()
        self.table_ = target.groupby([X[c] for c in by], observed=True).mean() if by else None
        return self

    def _table_values(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "overall_")
        if self.table_ is None:
            return np.tile(self.overall_, (len(X), 1))
        keys = pd.MultiIndex.from_frame(X[list(self.by)]) if len(self.by) > 1 else pd.Index(X[self.by[0]])
        values = self.table_.reindex(keys).to_numpy(dtype=float, copy=True)
        unseen = np.isnan(values).any(axis=1)
        values[unseen] = self.overall_
        return values

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class frequencies of each row's group (classification)."""
        if not self.classification:
            raise AttributeError("predict_proba: this baseline is a regression")
        return self._table_values(X)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The group mean, or the group's most frequent class."""
        values = self._table_values(X)
        return self.classes_[values.argmax(axis=1)] if self.classification else values[:, 0]


def baseline_predictions(baseline: MeanBaseline, frame: pd.DataFrame, transform: TargetTransform) -> Predictions:
    """The baseline's predictions of ``frame`` (on the run's model scale too, for blends)."""
    if baseline.classification:
        return Predictions(baseline.predict(frame), proba=baseline.predict_proba(frame), classes=baseline.classes_)
    values = baseline.predict(frame)
    scaled = transform.forward(np.clip(values, 1e-12, None)) if transform.name == "log" else values
    return Predictions(values, model_scale=scaled)
