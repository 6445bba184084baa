"""A model of a run: its estimator, its kind, and how its outputs map to the target's units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from tabkit.prep.encoded import EncodedModel, EncodedView
from tabkit.prep.target import TargetTransform

if TYPE_CHECKING:
    from tabkit.pipeline.kinds import ModelKind


@dataclass
class Predictions:
    """A model's predictions of some rows.

    Attributes
    ----------
    values : ndarray
        In the target's units (the predicted label for a classification).
    model_scale : ndarray or None
        Regression: on the run's model scale (``log`` for a log target), what blends and
        contributions use.
    proba : ndarray or None
        Classification: class probabilities, columns in ``classes`` order.
    classes : ndarray or None
    """

    values: np.ndarray
    model_scale: np.ndarray | None = None
    proba: np.ndarray | None = None
    classes: np.ndarray | None = None


@dataclass
class FittedModel:
    """A fitted model of the run.

    Attributes
    ----------
    name : str
    kind : ModelKind
    estimator : fitted estimator
        What ``models/<name>.joblib`` holds.
    task : {"regression", "classification"}
    fit_transform : TargetTransform
        The transform the pipeline applied to the target the estimator learnt from.
    run_transform : TargetTransform
        The run's target transform.
    """

    name: str
    kind: ModelKind
    estimator: Any
    task: str
    fit_transform: TargetTransform
    run_transform: TargetTransform

    def predict(self, X: pd.DataFrame) -> Predictions:
        """Predict ``X`` in the target's units (and on the model scale, or as probabilities)."""
        if self.task == "classification":
            proba = np.asarray(self.estimator.predict_proba(X), dtype=float)
            classes = np.asarray(self.estimator.classes_)
            return Predictions(classes[proba.argmax(axis=1)], proba=proba, classes=classes)
        raw = np.asarray(self.estimator.predict(X), dtype=float)
        if self.fit_transform == self.run_transform:
            return Predictions(self.run_transform.inverse(raw), model_scale=raw)
        original = self.fit_transform.inverse(raw)
        return Predictions(original, model_scale=self.run_transform.forward(original))

    def member(self):
        """The estimator as a blend member on the run's model scale: itself when it
        predicts on that scale, else wrapped in :class:`OnModelScale`."""
        if self.task == "classification" or self.fit_transform == self.run_transform:
            return self.estimator
        return OnModelScale(self.estimator, self.fit_transform, self.run_transform)


class OnModelScale(BaseEstimator):
    """A fitted estimator whose predictions are mapped onto the run's model scale (a net
    that learnt the log target itself predicts in target units; a blend averages logs).

    Parameters
    ----------
    estimator : fitted regressor
    fit_transform, run_transform : TargetTransform
        The scale the estimator predicts on, and the run's model scale.
    """

    def __init__(self, estimator=None, fit_transform=None, run_transform=None):
        self.estimator = estimator
        self.fit_transform = fit_transform
        self.run_transform = run_transform

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def fit(self, X, y) -> OnModelScale:
        """Fit the estimator on targets given on the run's model scale (a blend refitting
        its members)."""
        self.estimator.fit(X, self.fit_transform.forward(self.run_transform.inverse(y)))
        return self

    def predict(self, X) -> np.ndarray:
        """The estimator's predictions on the run's model scale."""
        return self._rescaled(self.estimator.predict(X))

    def _rescaled(self, predictions: np.ndarray) -> np.ndarray:
        return self.run_transform.forward(self.fit_transform.inverse(predictions))

    def _encoded_view(self, X) -> EncodedView | None:
        """The estimator's encoded view (see :mod:`tabkit.prep.encoded`), predicting on the
        run's model scale; None when it has none."""
        view = getattr(self.estimator, "_encoded_view", lambda _: None)(X)
        if view is None:
            return None
        model = EncodedModel(self, lambda rows: self._rescaled(view.model.predict(rows)))
        return EncodedView(view.data, view.columns, model)
