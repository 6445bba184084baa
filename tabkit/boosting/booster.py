"""What tabkit gives a LightGBM booster and reads back from it: its parameters' declared
constraints (scikit-learn's style), feature names it accepts, and the per-round history."""

from __future__ import annotations

import re
from collections.abc import Sequence
from numbers import Integral, Real

import pandas as pd
from sklearn.utils._param_validation import Interval

from tabkit.prep.processor import TabularProcessor

__all__ = ["PARAMETER_CONSTRAINTS", "booster_feature_names", "processor_for", "round_history"]

PARAMETER_CONSTRAINTS: dict = {
    "n_estimators": [Interval(Integral, 1, None, closed="left")],
    "learning_rate": [Interval(Real, 0.0, None, closed="neither")],
    "num_leaves": [Interval(Integral, 2, None, closed="left")],
    "max_depth": [Integral],
    "min_child_samples": [Interval(Integral, 1, None, closed="left")],
    "subsample": [Interval(Real, 0.0, 1.0, closed="right")],
    "subsample_freq": [Interval(Integral, 0, None, closed="left")],
    "colsample_bytree": [Interval(Real, 0.0, 1.0, closed="right")],
    "reg_alpha": [Interval(Real, 0.0, None, closed="left")],
    "reg_lambda": [Interval(Real, 0.0, None, closed="left")],
    "max_cat_to_onehot": [Interval(Integral, 1, None, closed="left")],
    "cat_smooth": [Interval(Real, 0.0, None, closed="left")],
    "objective": [str, None],
    "early_stopping_rounds": [Interval(Integral, 1, None, closed="left"), None],
    "n_jobs": [Integral, None],
    "random_state": ["random_state"],
    "verbose": [Integral],
    "cat_names": ["array-like", None],
    "cont_names": ["array-like", None],
    "max_card": [Interval(Integral, 1, None, closed="left")],
}
"""The tabkit LightGBM estimators' parameters, checked at fit (and by a spec's check)."""

_NAME_UNSAFE = re.compile(r"[\s\"',:\[\]{}]")


def booster_feature_names(names: Sequence[str]) -> list[str]:
    """Feature names LightGBM accepts: blanks and JSON punctuation become ``_``; positional
    names (``Column_0``, ...) when that would make two names equal."""
    safe = [_NAME_UNSAFE.sub("_", str(name)) for name in names]
    if len(set(safe)) < len(safe):
        return [f"Column_{i}" for i in range(len(safe))]
    return safe


def round_history(evals_result: dict) -> pd.DataFrame:
    """Per-round metrics ``{set: {metric: [values]}}`` as a frame with columns ``<set>_<metric>``."""
    columns = {
        f"{name}_{metric}": values for name, metrics in evals_result.items() for metric, values in metrics.items()
    }
    frame = pd.DataFrame(columns)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="round")
    return frame


def processor_for(estimator) -> TabularProcessor:
    """The unfitted processor a tabkit LightGBM estimator encodes its rows with (raw
    values, its column roles and ``max_card``)."""
    return TabularProcessor(estimator.cat_names, estimator.cont_names, max_card=estimator.max_card)
