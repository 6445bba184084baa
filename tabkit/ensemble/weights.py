"""Blend weights fitted on validation predictions, and the honest (split-half) score of a blend.

Weights are non-negative and sum to 1 (a point of the simplex). For regression they
minimise the squared error of the blended predictions, on whatever scale the predictions
are given (the model scale: log units for a log target). For classification they minimise
the log loss of the blended class probabilities (the likelihood of a mixture of the
members, so a member whose probabilities are confidently wrong is weighted down even when
its labels are often right). Both are convex problems, solved by SLSQP from the equal
weights; weights below ``1e-9`` are set to 0 and the rest renormalised.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import minimize

from tabkit import metrics
from tabkit.prep.target import TargetTransform, target_transform

ZERO_WEIGHT = 1e-9
LOG_FLOOR = 1e-15


def prediction_matrix(predictions, n_members: int | None = None) -> np.ndarray:
    """Stack member predictions: (n_rows, k) for values, (n_rows, k, n_classes) for
    probabilities. A list holds one member's predictions per item."""
    if isinstance(predictions, (list, tuple)):
        if not predictions:
            raise ValueError("predictions: no member predictions were given")
        shapes = {np.shape(p) for p in predictions}
        if len(shapes) > 1:
            raise ValueError(f"predictions: the members' predictions differ in shape: {sorted(shapes)}")
        matrix = np.stack([np.asarray(p, dtype=np.float64) for p in predictions], axis=1)
    else:
        matrix = np.asarray(predictions, dtype=np.float64)
    if matrix.ndim not in (2, 3):
        raise ValueError(
            "predictions must be (n_rows, n_members) values or (n_rows, n_members, n_classes) "
            f"probabilities, got shape {matrix.shape}"
        )
    if matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise ValueError(f"predictions: need at least one row and one member, got shape {matrix.shape}")
    if n_members is not None and matrix.shape[1] != n_members:
        raise ValueError(f"predictions have {matrix.shape[1]} member column(s) but the blend has {n_members} member(s)")
    bad = ~np.isfinite(matrix).reshape(matrix.shape[0], matrix.shape[1], -1).all(axis=2)
    if bad.any():
        member = int(np.flatnonzero(bad.any(axis=0))[0])
        raise ValueError(f"predictions of member {member} hold {int(bad[:, member].sum())} NaN or infinite row(s)")
    return matrix


def fit_blend_weights(predictions, y, *, classes: Sequence | None = None) -> np.ndarray:
    """Non-negative weights summing to 1 that fit the blended predictions to ``y``.

    Parameters
    ----------
    predictions : array-like (n_rows, k), or (n_rows, k, n_classes), or a list of k arrays
        Each member's validation predictions: values (on the scale ``y`` is given in) for
        regression, class probabilities for classification.
    y : array-like of shape (n_rows,)
        True values, or labels for probabilities.
    classes : sequence, optional
        The labels of the probability columns, in order (default: the sorted labels of ``y``).

    Returns
    -------
    ndarray of shape (k,)
        Least-squares weights (regression) or log-loss weights (classification).

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([[1.0, 3.0], [2.0, 6.0], [3.0, 9.0]])
    >>> fit_blend_weights(p, p @ [0.25, 0.75]).round(6).tolist()
    [0.25, 0.75]
    """
    matrix = prediction_matrix(predictions)
    target = np.asarray(y)
    if target.ndim != 1 or len(target) != matrix.shape[0]:
        raise ValueError(f"predictions have {matrix.shape[0]} rows but y has shape {target.shape}")
    if matrix.ndim == 3:
        return _log_loss_weights(_true_class_probabilities(matrix, target, classes))
    target = target.astype(np.float64)
    if not np.isfinite(target).all():
        raise ValueError(f"y holds {int((~np.isfinite(target)).sum())} NaN or infinite value(s)")
    return _least_squares_weights(matrix, target)


def _true_class_probabilities(matrix: np.ndarray, y: np.ndarray, classes) -> np.ndarray:
    """(n_rows, k): each member's probability of each row's true class."""
    classes = np.unique(y) if classes is None else np.asarray(classes)
    if len(classes) != matrix.shape[2]:
        raise ValueError(f"predictions have {matrix.shape[2]} class column(s) but there are {len(classes)} classes")
    position = {label: i for i, label in enumerate(classes.tolist())}
    unknown = sorted({label for label in y.tolist() if label not in position}, key=str)
    if unknown:
        raise ValueError(f"y holds label(s) {unknown[:5]} not among the classes {classes.tolist()[:10]}")
    columns = np.array([position[label] for label in y.tolist()])
    return matrix[np.arange(len(y)), :, columns]


def _on_simplex(objective, k: int) -> np.ndarray:
    if k == 1:
        return np.ones(1)
    result = minimize(
        objective,
        np.full(k, 1.0 / k),
        jac=True,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * k,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones_like(w)}],
        options={"ftol": 1e-12, "maxiter": 1000},
    )
    weights = np.clip(result.x, 0.0, None)
    weights[weights < ZERO_WEIGHT] = 0.0
    return weights / weights.sum()


def _least_squares_weights(matrix: np.ndarray, y: np.ndarray) -> np.ndarray:
    # As the weights sum to 1, subtracting the members' mean from every column and from y
    # leaves the residuals unchanged; the solver then sees only where the members differ,
    # scaled so that its tolerance means the same in any units.
    consensus = matrix.mean(axis=1)
    spread, target = matrix - consensus[:, None], y - consensus
    scale = float(np.mean(target**2)) or 1.0
    gram, cross = spread.T @ spread / (len(y) * scale), spread.T @ target / (len(y) * scale)

    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        return float(w @ gram @ w - 2 * cross @ w), 2 * (gram @ w - cross)

    return _on_simplex(objective, matrix.shape[1])


def _log_loss_weights(true_proba: np.ndarray) -> np.ndarray:
    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        mixed = np.maximum(true_proba @ w, LOG_FLOOR)
        return float(-np.mean(np.log(mixed))), -(true_proba / mixed[:, None]).mean(axis=0)

    return _on_simplex(objective, true_proba.shape[1])


def blend_predictions(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The weighted sum over members: (n_rows,) values or (n_rows, n_classes) probabilities."""
    return np.tensordot(matrix, weights, axes=([1], [0])) if matrix.ndim == 3 else matrix @ weights


def split_half_score(
    predictions,
    y,
    metric: str,
    seed: int = 0,
    *,
    transform: TargetTransform | str | None = None,
    classes: Sequence | None = None,
) -> tuple[float, dict]:
    """The honest validation score of a blend whose weights are fitted on validation rows.

    The rows are shuffled (``seed``) and cut in two halves; weights fitted on each half
    score the other half, and the score is the mean of the two.

    Parameters
    ----------
    predictions : array-like (n_rows, k), or (n_rows, k, n_classes), or a list of k arrays
        The members' validation predictions on the model scale (class probabilities for
        classification).
    y : array-like of shape (n_rows,)
        True values in the target's original units (or labels).
    metric : str
        A :mod:`tabkit.metrics` name; scored with :func:`tabkit.metrics.score` on original
        units. Classification metrics that need labels get each row's most probable class.
    seed : int, default 0
        Seed of the row shuffle.
    transform : TargetTransform or str, optional
        The target transform the members learn under (regression): weights are fitted
        against ``transform.forward(y)`` and the blend is scored as ``transform.inverse``
        of the weighted sum.
    classes : sequence, optional
        Labels of the probability columns (default: the sorted labels of ``y``).

    Returns
    -------
    score : float
        Mean of the two halves' scores.
    details : dict
        ``scores`` (the score of each half, by the weights fitted on the other),
        ``weights`` (``weights[i]`` fitted on half ``i``, scoring the other half),
        ``rows`` (the size of each half) and ``seed``.
    """
    matrix = prediction_matrix(predictions)
    truth = np.asarray(y)
    if truth.ndim != 1 or len(truth) != matrix.shape[0]:
        raise ValueError(f"predictions have {matrix.shape[0]} rows but y has shape {truth.shape}")
    if len(truth) < 4:
        raise ValueError(f"split_half_score needs at least 4 rows (2 per half), got {len(truth)}")
    func = metrics.get_metric(metric)
    classification = matrix.ndim == 3
    transform = target_transform(transform)
    if classification:
        classes = np.unique(truth) if classes is None else np.asarray(classes)
        fit_target = truth
    else:
        if getattr(func, "task", "regression") != "regression":
            raise ValueError(f"metric {metric!r} scores classes, but the predictions are values (2-d)")
        fit_target = transform.forward(transform.check(truth))

    halves = split_halves(len(truth), seed)
    scores, fitted = [], []
    for fit_rows, score_rows in (halves, halves[::-1]):
        weights = fit_blend_weights(matrix[fit_rows], fit_target[fit_rows], classes=classes)
        blended = blend_predictions(matrix[score_rows], weights)
        scores.append(_score(func, truth[score_rows], blended, transform, classes))
        fitted.append(weights)
    details = {"scores": scores, "weights": fitted, "rows": [len(half) for half in halves], "seed": seed}
    return float(np.mean(scores)), details


def split_halves(n_rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row positions cut into two halves at random (``seed``): what the split-half rule
    fits on one half and scores on the other."""
    order = np.random.default_rng(seed).permutation(n_rows)
    return order[: n_rows // 2], order[n_rows // 2 :]


def _score(func, truth: np.ndarray, blended: np.ndarray, transform: TargetTransform, classes) -> float:
    if blended.ndim == 1:
        return metrics.score(func, truth, transform.inverse(blended))
    if getattr(func, "needs", "values") == "probabilities":
        return metrics.score(func, truth, blended, classes=classes)
    if getattr(func, "needs", "values") == "labels":
        return metrics.score(func, truth, classes[blended.argmax(axis=1)])
    raise ValueError(
        f"metric {getattr(func, '__name__', func)!r} scores values, but the predictions are probabilities (3-d)"
    )
