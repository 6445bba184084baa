"""A regression's correction factor as a run records it: fitted on the validation rows,
scored by the split-half rule, applied to the submission only where that score improves
(see :mod:`tabkit.ensemble.correction`)."""

from __future__ import annotations

import numpy as np

from tabkit import metrics
from tabkit.ensemble.correction import split_half_correction
from tabkit.pipeline.models import greater_is_better

__all__ = ["describe_correction", "fit_correction"]


def fit_correction(predicted: np.ndarray, actual: np.ndarray, metric: str, seed: int) -> dict:
    """What ``metrics.json`` records of a model's correction: ``factor`` (fitted on every
    validation row), ``score`` (split-half), ``halves``, ``plain`` (the uncorrected score)
    and ``applied`` (the split-half score beats the plain one)."""
    plain = metrics.score(metric, actual, predicted)
    score, factor, halves = split_half_correction(predicted, actual, metric, seed)
    better = score > plain if greater_is_better(metric) else score < plain
    return {"factor": factor, "score": score, "halves": halves, "plain": plain, "applied": bool(better and factor != 1)}


def describe_correction(correction: dict, metric: str) -> str:
    """One log line: the factor, its split-half score and whether it is applied."""
    halves = ", ".join(f"{h:.5f}" for h in correction["halves"])
    verdict = "applied to the submission" if correction["applied"] else "not applied"
    factor, score = correction["factor"], correction["score"]
    return f"x{factor:.4f} scores {metric} {score:.5f} by the split-half rule ({halves}); {verdict}"
