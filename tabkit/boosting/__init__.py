"""Gradient boosting (LightGBM) on the shared preprocessing, and its per-row attribution.

The names are imported on first use, so ``import tabkit.boosting`` does not import LightGBM.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_PUBLIC_NAMES = {
    "LightGBMRegressor": "tabkit.boosting.estimators",
    "LightGBMClassifier": "tabkit.boosting.estimators",
    "lightgbm_contributions": "tabkit.boosting.attribution",
}
__all__ = ["LightGBMClassifier", "LightGBMRegressor", "lightgbm_contributions"]


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC_NAMES:
        raise AttributeError(f"module 'tabkit.boosting' has no attribute {name!r}")
    value = getattr(import_module(_PUBLIC_NAMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
