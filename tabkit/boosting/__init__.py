"""Gradient boosting (LightGBM) on the shared preprocessing, and its per-row attribution.

The names are imported on first use, so ``import tabkit.boosting`` does not import LightGBM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tabkit.lazy import lazy_names

_PUBLIC_NAMES = {
    "LightGBMRegressor": "tabkit.boosting.estimators",
    "LightGBMClassifier": "tabkit.boosting.estimators",
    "lightgbm_contributions": "tabkit.boosting.attribution",
}
__all__ = ["LightGBMClassifier", "LightGBMRegressor", "lightgbm_contributions"]
__getattr__, __dir__ = lazy_names(__name__, _PUBLIC_NAMES)

if TYPE_CHECKING:
    from tabkit.boosting.attribution import lightgbm_contributions
    from tabkit.boosting.estimators import LightGBMClassifier, LightGBMRegressor
