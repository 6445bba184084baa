"""A run's fitted models as the steps see them: their predictions in the target's units
and on the model scale (:mod:`~tabkit.pipeline.models.fitted`), the scorer on the original
units and the naive baseline (:mod:`~tabkit.pipeline.models.scoring`)."""

from tabkit.pipeline.models.fitted import FittedModel, OnModelScale, Predictions
from tabkit.pipeline.models.scoring import MeanBaseline, OriginalScaleScorer, baseline_predictions, greater_is_better

__all__ = [
    "FittedModel",
    "MeanBaseline",
    "OnModelScale",
    "OriginalScaleScorer",
    "Predictions",
    "baseline_predictions",
    "greater_is_better",
]
