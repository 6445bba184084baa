"""Gradient boosting (LightGBM) on the shared preprocessing, and its per-row attribution."""
from tabkit.boosting.attribution import BoostingExplanation, lightgbm_contributions
from tabkit.boosting.estimators import LightGBMClassifier, LightGBMRegressor

__all__ = ["BoostingExplanation", "LightGBMClassifier", "LightGBMRegressor", "lightgbm_contributions"]
