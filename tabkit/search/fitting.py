"""Run one fit of the search and score its candidates on the validation set.

This is what a joblib worker executes, so it is a module-level function whose inputs and
outputs pickle (for process and Dask backends).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sklearn.base import clone

from tabkit.search.tree_prefix import FitTask, first_trees


@dataclass
class CandidateResult:
    """What the search records for one candidate."""

    index: int
    score: float
    fit_time: float
    score_time: float
    error: str | None = None
    model: Any = None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _score(model: Any, scorer: Callable | None, X_val: Any, y_val: Any) -> float:
    if scorer is None:
        return float(model.score(X_val, y_val))
    return float(scorer(model, X_val, y_val))


def run_fit(
    estimator: Any,
    task: FitTask,
    X: Any,
    y: Any,
    X_val: Any,
    y_val: Any,
    *,
    scorer: Callable | None,
    fit_params: dict[str, Any],
    error_score: float | str,
    keep_models: bool,
) -> list[CandidateResult]:
    """Fit a fresh clone with the task's parameters and score each of its candidates.

    A failing fit or score gives ``error_score`` and the error message, unless
    ``error_score == "raise"``. Candidates scored on the first ``k`` trees of the task's
    forest take no fit time of their own: the shared fit is charged to the candidate that
    uses the whole forest, so the ``fit_time`` column adds up to the time spent fitting.
    Models come back only with ``keep_models``, so a search otherwise ships scores alone.
    """
    start = time.perf_counter()
    try:
        fitted = clone(estimator).set_params(**task.params).fit(X, y, **fit_params)
        failure = None
    except Exception as exc:
        if error_score == "raise":
            raise
        failure = _describe(exc)
    fit_time = time.perf_counter() - start

    results = []
    charged = False
    for index, n_trees in task.members:
        own_fit_time = 0.0
        if not charged and (n_trees is None or n_trees == task.params["n_estimators"]):
            own_fit_time, charged = fit_time, True
        if failure is not None:
            results.append(CandidateResult(index, error_score, own_fit_time, 0.0, failure))
            continue
        model = fitted if n_trees is None else first_trees(fitted, n_trees)
        start = time.perf_counter()
        try:
            score, error = _score(model, scorer, X_val, y_val), None
        except Exception as exc:
            if error_score == "raise":
                raise
            score, error = error_score, _describe(exc)
        results.append(
            CandidateResult(
                index,
                score,
                own_fit_time,
                time.perf_counter() - start,
                error,
                model if keep_models else None,
            )
        )
    return results
