"""One model entry fitted and scored: what every fit reads (:class:`FitData`), what it gives
back (:class:`FitOutcome`) and the fit itself (:func:`fit_entry`), the same in this process
and on a Dask worker; the run records the outcome and writes its files."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tabkit import metrics
from tabkit.pipeline.kinds import FitContext, ModelKind, get_kind
from tabkit.pipeline.models import Predictions
from tabkit.pipeline.steps.fitted import FittedModel
from tabkit.pipeline.steps.seeds import SeedAverage, fit_seeds
from tabkit.pipeline.steps.splitting import SplitData
from tabkit.prep.target import TargetTransform

__all__ = ["FitData", "FitOutcome", "fit_entry", "scored_outcome"]


@dataclass
class FitData:
    """What every model fit of a run reads: its settings, inputs and targets (one copy of
    it on each worker of a cluster).

    Attributes
    ----------
    task, metric : str
    seed : int
    transform : TargetTransform
        The run's target transform.
    X_train, X_valid : DataFrame
        The model inputs.
    X_test : DataFrame or None
        The submission's inputs.
    y_train, y_valid : ndarray
        Targets in their original units.
    cat_names, cont_names : list of str
    dates_train, dates_valid : Series or None
        The rows' dates, for the holdout a model chooses on.
    """

    task: str
    metric: str
    seed: int
    transform: TargetTransform
    X_train: pd.DataFrame
    X_valid: pd.DataFrame
    X_test: pd.DataFrame | None
    y_train: np.ndarray
    y_valid: np.ndarray
    cat_names: list[str]
    cont_names: list[str]
    dates_train: pd.Series | None = None
    dates_valid: pd.Series | None = None

    @classmethod
    def from_split(
        cls, split: SplitData, *, task: str, metric: str, seed: int, transform: TargetTransform, date: str | None
    ) -> FitData:
        """The fit inputs of a run's split (``date``: the date column, if any)."""
        return cls(
            task=task,
            metric=metric,
            seed=seed,
            transform=transform,
            X_train=split.X_train,
            X_valid=split.X_valid,
            X_test=split.X_test,
            y_train=split.y_train,
            y_valid=split.y_valid,
            cat_names=split.cat_names,
            cont_names=split.cont_names,
            dates_train=split.train[date] if date else None,
            dates_valid=split.valid[date] if date else None,
        )

    def context(
        self,
        models: dict[str, FittedModel],
        predictions: dict[str, Predictions],
        log: Callable[[str], None],
        search_backend: str | None = None,
    ) -> FitContext:
        """A kind's :class:`~tabkit.pipeline.kinds.FitContext`, with the earlier models and
        their validation predictions."""
        return FitContext(
            task=self.task,
            metric=self.metric,
            seed=self.seed,
            transform=self.transform,
            X_train=self.X_train,
            X_valid=self.X_valid,
            y_train=self.y_train,
            y_valid=self.y_valid,
            cat_names=self.cat_names,
            cont_names=self.cont_names,
            models=models,
            predictions=predictions,
            log=log,
            dates_train=self.dates_train,
            dates_valid=self.dates_valid,
            search_backend=search_backend,
        )

    def scored(self, predicted: Predictions) -> np.ndarray:
        """What the metric reads of predictions: probabilities or values."""
        return predicted.proba if metrics.METRICS[self.metric].needs == "probabilities" else predicted.values

    def score(self, predicted: Predictions) -> float:
        """The validation score of predictions."""
        return metrics.score(self.metric, self.y_valid, self.scored(predicted), classes=predicted.classes)


@dataclass
class FitOutcome:
    """A fitted model entry, scored, before the run records it.

    Attributes
    ----------
    model : FittedModel
    search : ValidationSearch or None
        The search, when the entry has one.
    seed_scores : dict of int to float or None
        Each seed's score, when the entry has ``seeds``.
    valid, test : Predictions
        Predictions of the validation rows and of the submission's rows (None without a test set).
    score : float
        The plain validation score.
    override : tuple of (float, str) or None
        The kind's own validation score and how it was taken (a blend's split-half score).
    fit_seconds, predict_seconds : float
    notes : list of str
        How the model chose (its leaderboard note).
    said : list of str
        Lines the fit wrote to the log where the run could not see them (on a worker).
    worker : str or None
        The Dask worker that fitted it.
    """

    model: FittedModel
    search: Any
    seed_scores: dict[int, float] | None
    valid: Predictions
    test: Predictions | None
    score: float
    override: tuple[float, str] | None
    fit_seconds: float
    predict_seconds: float
    notes: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    worker: str | None = None


def fit_entry(
    entry: dict,
    data: FitData,
    models: dict[str, FittedModel],
    predictions: dict[str, Predictions],
    log: Callable[[str], None],
    search_backend: str | None = None,
) -> FitOutcome:
    """Fit a ``[[model]]`` entry (once, or once per seed), predict the validation and the
    submission's rows and score it.

    Parameters
    ----------
    entry : dict
        The validated model table.
    data : FitData
    models, predictions : dict
        The earlier models the entry needs (:meth:`ModelKind.needs`), by name, and their
        validation predictions.
    log : callable
        Where the fit's own lines go.
    search_backend : str, optional
        The joblib backend of the entry's search (``"dask"`` on a cluster).
    """
    kind = get_kind(entry["kind"])
    ctx = data.context(models, predictions, log, search_backend)
    started = time.perf_counter()
    seed_scores = None
    if entry["seeds"]:
        estimator, seed_scores = fit_seeds(kind, entry, ctx, data.transform, data.score)
        kind, search = SeedAverage(kind), None
    else:
        estimator, search = kind.fit(entry, ctx)
    fit_seconds = time.perf_counter() - started
    return scored_outcome(entry, kind, estimator, data, ctx, fit_seconds, search=search, seed_scores=seed_scores)


def scored_outcome(
    entry: dict,
    kind: ModelKind,
    estimator,
    data: FitData,
    ctx: FitContext,
    fit_seconds: float,
    *,
    search=None,
    seed_scores: dict[int, float] | None = None,
) -> FitOutcome:
    """A fitted estimator's outcome: its validation and submission predictions and score."""
    model = FittedModel(entry["name"], kind, estimator, data.task, ctx.fit_transform_for(kind), data.transform)
    started = time.perf_counter()
    valid = model.predict(data.X_valid)
    predict_seconds = time.perf_counter() - started
    return FitOutcome(
        model=model,
        search=search,
        seed_scores=seed_scores,
        valid=valid,
        test=None if data.X_test is None else model.predict(data.X_test),
        score=data.score(valid),
        override=kind.validation_score(estimator, entry, ctx),
        fit_seconds=fit_seconds,
        predict_seconds=predict_seconds,
        notes=ctx.notes,
    )
