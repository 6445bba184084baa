"""Metrics for Kaggle-style tabular work, and turning a metric into a scikit-learn scorer.

Each metric checks that its inputs have the same length and hold no NaN, and carries a
``greater_is_better`` attribute so searches and importance know which way is better.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.metrics import get_scorer as sklearn_get_scorer
from sklearn.metrics import make_scorer


def _pair(y_true, y_pred, name: str) -> tuple[np.ndarray, np.ndarray]:
    true = np.asarray(y_true, dtype=np.float64).ravel()
    pred = np.asarray(y_pred, dtype=np.float64).ravel()
    if true.shape != pred.shape:
        raise ValueError(f"{name}: y_true has {true.size} values but y_pred has {pred.size}")
    if true.size == 0:
        raise ValueError(f"{name}: no values to score")
    for label, values in (("y_true", true), ("y_pred", pred)):
        n_nan = int(np.isnan(values).sum())
        if n_nan:
            raise ValueError(f"{name}: {label} has {n_nan} NaN value(s)")
    return true, pred


def _loss(func: Callable) -> Callable:
    func.greater_is_better = False
    return func


@_loss
def rmse(y_true, y_pred) -> float:
    """Root mean squared error."""
    true, pred = _pair(y_true, y_pred, "rmse")
    return float(np.sqrt(np.mean((true - pred) ** 2)))


@_loss
def rmspe(y_true, y_pred) -> float:
    """Root mean squared percentage error, as Kaggle's Rossmann scored it.

    Rows whose true value is 0 are ignored (closed stores).

    Raises
    ------
    ValueError
        If the lengths differ, a value is NaN, or every true value is 0.
    """
    true, pred = _pair(y_true, y_pred, "rmspe")
    scored = true != 0
    if not scored.any():
        raise ValueError("rmspe: every true value is 0, nothing to score")
    ratio = (true[scored] - pred[scored]) / true[scored]
    return float(np.sqrt(np.mean(ratio**2)))


@_loss
def exp_rmspe(y_true, y_pred) -> float:
    """RMSPE of ``exp(y_true)`` and ``exp(y_pred)``, for models trained on log targets."""
    true, pred = _pair(y_true, y_pred, "exp_rmspe")
    return rmspe(np.exp(true), np.exp(pred))


@_loss
def rmsle(y_true, y_pred) -> float:
    """Root mean squared error of ``log1p`` values (Kaggle's Blue Book metric).

    Raises
    ------
    ValueError
        If a value is below -1 (its log is undefined).
    """
    true, pred = _pair(y_true, y_pred, "rmsle")
    if (true <= -1).any() or (pred <= -1).any():
        raise ValueError("rmsle: values must be greater than -1")
    return float(np.sqrt(np.mean((np.log1p(true) - np.log1p(pred)) ** 2)))


def accuracy(y_true, y_pred) -> float:
    """Fraction of exact matches (labels of any type)."""
    true = np.asarray(y_true).ravel()
    pred = np.asarray(y_pred).ravel()
    if true.shape != pred.shape:
        raise ValueError(f"accuracy: y_true has {true.size} values but y_pred has {pred.size}")
    if true.size == 0:
        raise ValueError("accuracy: no values to score")
    for label, values in (("y_true", true), ("y_pred", pred)):
        if values.dtype.kind == "f" and np.isnan(values).any():
            raise ValueError(f"accuracy: {label} has {int(np.isnan(values).sum())} NaN value(s)")
    return float(np.mean(true == pred))


accuracy.greater_is_better = True

METRICS: dict[str, Callable] = {
    f.__name__: f for f in (rmse, rmspe, exp_rmspe, rmsle, accuracy)
}


def get_scorer(scoring) -> Callable | None:
    """Turn a metric into a scikit-learn scorer ``scorer(estimator, X, y)``.

    Parameters
    ----------
    scoring : None, str or callable
        ``None`` stays ``None`` (the estimator's own ``score``); a tabkit metric name
        (``"rmspe"``) or function (``tabkit.metrics.rmspe``) becomes a scorer whose sign
        follows its ``greater_is_better``, so larger is always better; any other string
        is looked up by :func:`sklearn.metrics.get_scorer`; any other callable is taken
        to be a scorer already.

    Returns
    -------
    callable or None
    """
    if scoring is None:
        return None
    if isinstance(scoring, str):
        if scoring in METRICS:
            scoring = METRICS[scoring]
        else:
            return sklearn_get_scorer(scoring)
    if not callable(scoring):
        raise ValueError(f"scoring must be None, a string or a callable, got {scoring!r}")
    if hasattr(scoring, "greater_is_better"):
        return make_scorer(scoring, greater_is_better=scoring.greater_is_better)
    return scoring
