"""What every kind and step shares about models: predictions in the target's units and on
the model scale (:mod:`~tabkit.pipeline.models.predictions`), the scorer on the original
units and the naive baseline (:mod:`~tabkit.pipeline.models.scoring`)."""

from tabkit.pipeline.models.predictions import OnModelScale, Predictions
from tabkit.pipeline.models.scoring import MeanBaseline, OriginalScaleScorer, baseline_predictions, greater_is_better

__all__ = [
    "MeanBaseline",
    "OnModelScale",
    "OriginalScaleScorer",
    "Predictions",
    "baseline_predictions",
    "greater_is_better",
]
