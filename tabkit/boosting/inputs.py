"""Input checks shared by the LightGBM estimators: frames or arrays in, targets checked.

They follow the tabkit forests' rules: a numpy array gets the column names ``x0``, ``x1``,
...; a model fitted on a DataFrame predicts only from a DataFrame; ``y`` is one-dimensional,
as long as ``X`` and free of NaN.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.validation import check_array

from tabkit.forest.estimators import generated_names


def as_frame(estimator, X, *, fitting: bool) -> tuple[pd.DataFrame, bool]:
    """``X`` as a DataFrame, and whether it came as an array.

    At predict time (``fitting=False``) an array is refused when ``estimator`` was fitted on
    a DataFrame, and its width must match ``estimator.n_features_in_``.
    """
    name = type(estimator).__name__
    if isinstance(X, pd.DataFrame):
        if fitting and X.shape[1] == 0:
            raise ValueError(f"0 feature(s) (shape={X.shape}) while a minimum of 1 is required.")
        return X, False
    array = check_array(X, dtype="numeric", ensure_all_finite="allow-nan")
    if not fitting:
        if not estimator._fitted_on_array:
            raise ValueError(
                f"{name} was fitted on a DataFrame; pass a DataFrame with columns "
                f"{list(estimator.processor_.feature_names_in_)}"
            )
        if array.shape[1] != estimator.n_features_in_:
            raise ValueError(
                f"X has {array.shape[1]} features, but {name} is expecting {estimator.n_features_in_} features as input"
            )
    return pd.DataFrame(array, columns=generated_names(array.shape[1])), True


def check_target(estimator, y, n_rows: int, *, what: str = "y", rows_of: str = "X") -> np.ndarray:
    """``y`` as a 1-d array of ``n_rows`` values without NaN, or a ValueError naming the fault."""
    if y is None:
        raise ValueError(f"{type(estimator).__name__} requires {what} to be passed, but the target {what} is None")
    values = np.asarray(y)
    if values.ndim == 2 and values.shape[1] == 1:
        warnings.warn(
            f"A column-vector {what} was passed when a 1d array was expected; it is raveled.",
            DataConversionWarning,
            stacklevel=3,
        )
        values = values.ravel()
    if values.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, got shape {values.shape}")
    if len(values) != n_rows:
        raise ValueError(f"{rows_of} has {n_rows} rows but {what} has {len(values)}")
    n_missing = int(pd.isna(values).sum())
    if n_missing:
        raise ValueError(f"{what} has {n_missing} missing (NaN) value(s); drop those rows before fitting")
    return values


def check_sample_weight(sample_weight, n_rows: int) -> np.ndarray | None:
    """Row weights as float64: one finite, non-negative value per row, not all zero."""
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.ndim != 1 or len(weights) != n_rows:
        raise ValueError(f"sample_weight must hold one value per row ({n_rows}), got shape {weights.shape}")
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError("sample_weight must be finite and non-negative")
    if not weights.any():
        raise ValueError("sample_weight is zero for every row; at least one row needs a positive weight")
    return weights
