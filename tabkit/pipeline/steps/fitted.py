"""A model of a run: its estimator, its kind, and how its outputs map to the target's units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tabkit.pipeline.kinds import ModelKind
from tabkit.pipeline.models import OnModelScale, Predictions
from tabkit.prep.target import TargetTransform

__all__ = ["FittedModel"]


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

    @property
    def explained_on(self) -> TargetTransform:
        """The scale the model's row explanations add up on: the one its estimator learns,
        or for a kind taking the run's transform itself (a blend, a seed average: its
        members' contributions are on the run's model scale), the run's."""
        return self.run_transform if self.kind.learns_target_transform else self.fit_transform

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
