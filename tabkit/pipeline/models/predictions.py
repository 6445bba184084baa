"""A model's predictions in the target's units and on the run's model scale, and a fitted
estimator moved onto that scale (:class:`OnModelScale`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator

from tabkit.prep.encoded import EncodedModel, EncodedView
from tabkit.prep.target import TargetTransform
from tabkit.run_folder.model_files import ModelParts


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

    def corrected(self, correction: dict | None) -> Predictions:
        """The values times the model's correction factor where the run applies one (see
        :mod:`tabkit.ensemble.correction`; ``metrics.json`` keeps it per model)."""
        if not correction or not correction.get("applied"):
            return self
        return Predictions(self.values * correction["factor"], classes=self.classes)


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

    def _model_parts(self) -> ModelParts:
        """As a run saves it: the two scales (JSON) and the estimator (saved on its own)."""
        scales = {"fit_transform": self.fit_transform.name, "run_transform": self.run_transform.name}
        return ModelParts(config=scales, members={"estimator": self.estimator})

    @classmethod
    def _from_model_parts(cls, parts: ModelParts) -> OnModelScale:
        """The wrapper :meth:`_model_parts` saved."""
        config = parts.config
        return cls(
            parts.members["estimator"],
            TargetTransform(config["fit_transform"]),
            TargetTransform(config["run_transform"]),
        )

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
