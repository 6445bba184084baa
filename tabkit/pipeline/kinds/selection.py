"""Honest selection: no model chooses its rounds or parameters on the rows it is scored on.

A model that chooses (LightGBM's early stopping, a ``search``) chooses on a holdout of its
training rows (the latest training dates, as many days as the validation rows span; a
random share as large as the validation share for data split at random) and is then refit
on every training row with the choice (rounds scaled for the larger data). Without the
refit it would lose the latest weeks, which matter most for a forecast.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from tabkit.pipeline.models import OriginalScaleScorer

__all__ = ["fit_with_chosen_rounds", "latest_days", "random_holdout", "search_and_refit"]


def latest_days(dates_train: pd.Series, dates_valid: pd.Series) -> np.ndarray:
    """The training rows of the latest training days, as many days as the validation rows
    span.

    Raises
    ------
    ValueError
        If that leaves no rows to fit on.
    """
    days = pd.to_datetime(dates_train).dt.normalize()
    n_days = max(1, pd.to_datetime(dates_valid).dt.normalize().nunique())
    mask = days.isin(np.sort(days.unique())[-n_days:]).to_numpy()
    if mask.all():
        raise ValueError(
            f"the holdout of the latest {n_days} training day(s) leaves no training rows to fit on: "
            f"the training rows span only {days.nunique()} day(s)"
        )
    return mask


def random_holdout(n_train: int, n_valid: int, seed: int) -> np.ndarray:
    """A random share of ``n_train`` rows as large as ``n_valid / (n_train + n_valid)``."""
    n_hold = max(1, int(round(n_train * n_valid / (n_train + n_valid))))
    mask = np.zeros(n_train, dtype=bool)
    mask[np.random.default_rng(seed).choice(n_train, size=min(n_hold, n_train - 1), replace=False)] = True
    return mask


def search_and_refit(
    estimator,
    grid: dict,
    X: pd.DataFrame,
    y: np.ndarray,
    hold: np.ndarray,
    *,
    metric: str,
    transform,
    fit_params: dict,
    backend: str | None = None,
) -> tuple[Any, Any]:
    """Search ``grid`` fitted on the rows outside ``hold`` and scored on ``hold``; refit the
    best candidate on every row. Returns ``(refitted estimator, ValidationSearch)``.

    ``backend`` is the joblib backend the candidates are fitted on, all at once
    (``"dask"``: the cluster of the current Dask client); None fits them one after another
    here. The refit runs here either way."""
    from joblib import parallel_config

    from tabkit.search.validation_search import ValidationSearch

    search = ValidationSearch(
        estimator, grid, scoring=OriginalScaleScorer(metric, transform), n_jobs=1 if backend is None else -1
    )
    with parallel_config(backend=backend) if backend is not None else nullcontext():
        search.fit(X[~hold], y[~hold], X_val=X[hold], y_val=y[hold])
    best = clone(estimator).set_params(**search.best_params_)
    return best.fit(X, y, **fit_params), search


def fit_with_chosen_rounds(
    estimator, X: pd.DataFrame, y: np.ndarray, hold: np.ndarray, eval_set: dict
) -> tuple[Any, int, int]:
    """Early-stop ``estimator`` (a boosted model with ``early_stopping_rounds``) on the
    held-out rows, then refit it on every row with the best round count scaled by the row
    ratio and no early stopping (``eval_set``: rows recorded in its history, not chosen on).

    Returns
    -------
    estimator, chosen rounds, rounds of the refit
    """
    chooser = clone(estimator).fit(X[~hold], y[~hold], X_val=X[hold], y_val=y[hold])
    chosen = int(chooser.best_iteration_)
    rounds = max(1, int(round(chosen * len(y) / int((~hold).sum()))))
    final = clone(estimator).set_params(n_estimators=rounds, early_stopping_rounds=None)
    return final.fit(X, y, **eval_set), chosen, rounds
