"""Metrics for Kaggle-style tabular work, and turning a metric into a scikit-learn scorer.

Each metric checks its inputs (same length, no NaN) and declares, as attributes:

- ``greater_is_better``: which way is better (searches and importance read it);
- ``scale``: the units it reads, ``"original"`` (the target's own) or ``"log"``
  (``exp_rmspe`` takes log values, as fastai's does);
- ``needs``: what it compares the truth with, ``"values"``, ``"labels"`` or
  ``"probabilities"`` (one column per class, classes sorted);
- ``task``: ``"regression"`` or ``"classification"``;
- ``row_error``: how far one prediction is off in the metric's terms (absolute,
  relative or log difference; 1 - probability of the true class), for picking the worst
  rows.

:func:`score` scores predictions given in the target's original units whatever the
metric's scale, so ``score("exp_rmspe", y, p) == score("rmspe", y, p)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import metrics as sk_metrics
from sklearn.metrics import get_scorer as sklearn_get_scorer
from sklearn.metrics import make_scorer


def _absolute(true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    return np.abs(true.astype(float) - pred.astype(float))


def _relative(true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    true, pred = true.astype(float), pred.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(true != 0, np.abs((true - pred) / true), 0.0)


def _log_difference(true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    return np.abs(np.log1p(np.clip(true.astype(float), 0, None)) - np.log1p(np.clip(pred.astype(float), 0, None)))


def _mismatch(true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    return (true != pred).astype(float)


def _missed_probability(true: np.ndarray, proba: np.ndarray, classes) -> np.ndarray:
    return 1.0 - proba[np.arange(len(true)), np.searchsorted(np.asarray(classes), true)]


def _declare(
    greater_is_better: bool,
    row_error: Callable,
    *,
    scale: str = "original",
    needs: str = "values",
    task: str = "regression",
) -> Callable[[Callable], Callable]:
    def mark(func: Any) -> Any:
        func.greater_is_better = greater_is_better
        func.row_error = row_error
        func.scale = scale
        func.needs = needs
        func.task = task
        return func

    return mark


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


@_declare(False, _absolute)
def rmse(y_true, y_pred) -> float:
    """Root mean squared error."""
    true, pred = _pair(y_true, y_pred, "rmse")
    return float(np.sqrt(np.mean((true - pred) ** 2)))


@_declare(False, _absolute)
def mae(y_true, y_pred) -> float:
    """Mean absolute error."""
    true, pred = _pair(y_true, y_pred, "mae")
    return float(np.mean(np.abs(true - pred)))


@_declare(False, _relative)
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


@_declare(False, _relative, scale="log")
def exp_rmspe(y_true, y_pred) -> float:
    """RMSPE of ``exp(y_true)`` and ``exp(y_pred)``: takes log values (``scale = "log"``)."""
    true, pred = _pair(y_true, y_pred, "exp_rmspe")
    return rmspe(np.exp(true), np.exp(pred))


@_declare(False, _log_difference)
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


def _labels(y_true, y_pred, name: str) -> tuple[np.ndarray, np.ndarray]:
    true = np.asarray(y_true).ravel()
    pred = np.asarray(y_pred).ravel()
    if true.shape != pred.shape:
        raise ValueError(f"{name}: y_true has {true.size} values but y_pred has {pred.size}")
    if true.size == 0:
        raise ValueError(f"{name}: no values to score")
    for label, values in (("y_true", true), ("y_pred", pred)):
        if values.dtype.kind == "f" and np.isnan(values).any():
            raise ValueError(f"{name}: {label} has {int(np.isnan(values).sum())} NaN value(s)")
    return true, pred


@_declare(True, _mismatch, needs="labels", task="classification")
def accuracy(y_true, y_pred) -> float:
    """Fraction of exact matches (labels of any type)."""
    true, pred = _labels(y_true, y_pred, "accuracy")
    return float(np.mean(true == pred))


@_declare(True, _mismatch, needs="labels", task="classification")
def f1(y_true, y_pred, *, classes=None) -> float:
    """F1 score: of the last class (sorted) for two classes, the unweighted mean over
    classes (macro) for more."""
    true, pred = _labels(y_true, y_pred, "f1")
    classes = np.unique(np.concatenate([true, pred])) if classes is None else np.asarray(classes)
    if len(classes) <= 2:
        return float(
            sk_metrics.f1_score(true, pred, labels=classes, pos_label=classes[-1], average="binary", zero_division=0.0)
        )
    return float(sk_metrics.f1_score(true, pred, labels=classes, average="macro", zero_division=0.0))


def _probabilities(y_true, y_proba, classes, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    true = np.asarray(y_true).ravel()
    proba = np.asarray(y_proba, dtype=np.float64)
    if proba.ndim == 1:
        proba = np.column_stack([1 - proba, proba])
    if proba.shape[0] != true.size:
        raise ValueError(f"{name}: y_true has {true.size} values but y_proba has {proba.shape[0]} rows")
    if true.size == 0:
        raise ValueError(f"{name}: no values to score")
    if np.isnan(proba).any():
        raise ValueError(f"{name}: y_proba has {int(np.isnan(proba).any(axis=1).sum())} row(s) with NaN")
    classes = np.unique(true) if classes is None else np.asarray(classes)
    if len(classes) != proba.shape[1]:
        raise ValueError(
            f"{name}: y_proba has {proba.shape[1]} columns but there are {len(classes)} "
            f"classes {classes.tolist()[:10]}; pass classes= in the columns' order"
        )
    unknown = np.setdiff1d(true, classes)
    if len(unknown):
        raise ValueError(f"{name}: y_true holds label(s) {unknown.tolist()[:5]} not among the classes")
    return true, proba, classes


@_declare(False, _missed_probability, needs="probabilities", task="classification")
def logloss(y_true, y_proba, *, classes=None) -> float:
    """Mean negative log-likelihood of the true classes (probabilities clipped at 1e-15).

    ``y_proba`` has one column per class in ``classes`` order (default: the sorted labels
    of ``y_true``); a 1-d array is the probability of the second of two classes.
    """
    true, proba, classes = _probabilities(y_true, y_proba, classes, "logloss")
    picked = proba[np.arange(true.size), np.searchsorted(classes, true)]
    return float(-np.mean(np.log(np.clip(picked, 1e-15, 1.0))))


@_declare(True, _missed_probability, needs="probabilities", task="classification")
def roc_auc(y_true, y_proba, *, classes=None) -> float:
    """Area under the ROC curve: of the second class for two classes, the macro average of
    one-vs-rest areas for more.

    Raises
    ------
    ValueError
        If ``y_true`` holds a single class (the area is undefined).
    """
    true, proba, classes = _probabilities(y_true, y_proba, classes, "roc_auc")
    if len(np.unique(true)) < 2:
        raise ValueError("roc_auc: y_true holds a single class; the area under the curve is undefined")
    if len(classes) == 2:
        return float(sk_metrics.roc_auc_score(true == classes[1], proba[:, 1]))
    return float(sk_metrics.roc_auc_score(true, proba, labels=classes, multi_class="ovr", average="macro"))


METRICS: dict[str, Any] = {f.__name__: f for f in (rmse, mae, rmspe, exp_rmspe, rmsle, accuracy, f1, logloss, roc_auc)}


def get_metric(metric: str | Callable) -> Any:
    """A tabkit metric function from its name (functions pass through).

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    if callable(metric):
        return metric
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    return METRICS[metric]


def score(metric: str | Callable, y_true, y_pred, *, classes=None) -> float:
    """Score predictions given in the target's original units.

    A metric whose ``scale`` is ``"log"`` gets the logs of both; a probability metric gets
    ``y_pred`` as class probabilities (columns in ``classes`` order); other metrics get the
    values as they are. Functions without the attributes are called as they are.
    """
    func = get_metric(metric)
    if getattr(func, "scale", "original") == "log":
        return float(func(np.log(np.asarray(y_true, dtype=np.float64)), np.log(np.asarray(y_pred, dtype=np.float64))))
    if getattr(func, "needs", "values") == "probabilities":
        return float(func(y_true, y_pred, classes=classes))
    return float(func(y_true, y_pred))


def row_errors(metric: str | Callable, y_true, y_pred, *, classes=None) -> np.ndarray:
    """Each row's error in the metric's terms, for predictions in the target's original
    units (class probabilities for a probability metric, columns in ``classes`` order)."""
    func = get_metric(metric)
    true, pred = np.asarray(y_true).ravel(), np.asarray(y_pred)
    if func.needs == "probabilities":
        return func.row_error(true, pred.reshape(len(true), -1), classes)
    return func.row_error(true, pred.ravel())


def get_scorer(scoring) -> Callable | None:
    """Turn a metric into a scikit-learn scorer ``scorer(estimator, X, y)``.

    Parameters
    ----------
    scoring : None, str or callable
        ``None`` stays ``None`` (the estimator's own ``score``); a tabkit metric name
        (``"rmspe"``) or function (``tabkit.metrics.rmspe``) becomes a scorer whose sign
        follows its ``greater_is_better``, so larger is always better (probability
        metrics read ``predict_proba``); any other string is looked up by
        :func:`sklearn.metrics.get_scorer`; any other callable is taken to be a scorer
        already.

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
        if getattr(scoring, "needs", "values") == "probabilities":
            return _ProbabilityScorer(scoring)
        return make_scorer(scoring, greater_is_better=scoring.greater_is_better)
    return scoring


class _ProbabilityScorer:
    """A scorer reading ``predict_proba`` in the estimator's ``classes_`` order."""

    def __init__(self, metric: Any):
        self.metric = metric

    def __call__(self, estimator, X, y) -> float:
        value = self.metric(y, estimator.predict_proba(X), classes=estimator.classes_)
        return value if self.metric.greater_is_better else -value
