"""Blends of fitted models: weighted means of regressors (on the model scale) or of class
probabilities, with weights equal, given or fitted on validation rows."""

from tabkit.ensemble.blend import BlendClassifier, BlendRegressor
from tabkit.ensemble.weights import fit_blend_weights, split_half_score

__all__ = ["BlendClassifier", "BlendRegressor", "fit_blend_weights", "split_half_score"]
