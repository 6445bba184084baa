"""A metric-aware correction of predictions: one multiplicative factor, fitted where it is
honest.

A model that learns ``log(y)`` predicts ``exp`` of a mean log: the median, not the value a
relative metric rewards. RMSPE punishes over-predicting small values more than
under-predicting them, so its best prediction under log-normal errors is ``exp(mu - 1.5
sigma^2)``; Rossmann's winners multiplied their predictions by about 0.985. The factor here
is chosen on a grid by the metric itself, and scored by the split-half rule the blends use:
fitted on one half of the validation rows, scored on the other, both ways.
"""

from __future__ import annotations

import numpy as np

from tabkit import metrics
from tabkit.ensemble.weights import split_halves

__all__ = ["FACTORS", "best_factor", "split_half_correction"]

FACTORS = np.round(np.arange(0.900, 1.10001, 0.0025), 4)
"""The factors tried: 0.900 to 1.100 in steps of 0.0025."""


def best_factor(predictions, y, metric: str) -> float:
    """The factor of :data:`FACTORS` whose ``factor * predictions`` scores best on ``y``
    (the one closest to 1 among equals)."""
    predictions, y = np.asarray(predictions, dtype=np.float64), np.asarray(y, dtype=np.float64)
    func = metrics.get_metric(metric)
    scores = np.array([metrics.score(func, y, factor * predictions) for factor in FACTORS])
    signed = -scores if func.greater_is_better else scores
    best = np.flatnonzero(signed == signed.min())
    return float(FACTORS[best[np.argmin(np.abs(FACTORS[best] - 1.0))]])


def split_half_correction(predictions, y, metric: str, seed: int = 0) -> tuple[float, float, list[float]]:
    """The honest score of correcting ``predictions`` (in the target's units) by a factor.

    Returns
    -------
    score : float
        Mean over the two halves of the validation rows of the corrected score, each with
        the factor fitted on the other half.
    factor : float
        The factor fitted on every row (what a submission applies).
    halves : list of float
        The two halves' scores.
    """
    predictions, y = np.asarray(predictions, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(y) < 4:
        raise ValueError(f"a split-half correction needs at least 4 rows, got {len(y)}")
    first, second = split_halves(len(y), seed)
    scores = []
    for fit_rows, score_rows in ((first, second), (second, first)):
        factor = best_factor(predictions[fit_rows], y[fit_rows], metric)
        scores.append(metrics.score(metric, y[score_rows], factor * predictions[score_rows]))
    return float(np.mean(scores)), best_factor(predictions, y, metric), scores
