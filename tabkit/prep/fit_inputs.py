"""What the tree models (forests, LightGBM) and the blends check and build when they fit:
the target (one-dimensional, as long as ``X``, free of NaN), row weights, and the float32
matrix the trees read from the fitted processor. Frames or arrays in:
:mod:`tabkit.prep.inputs`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import DataConversionWarning

from tabkit.prep.processor import TabularProcessor

__all__ = ["FEATURE_DTYPE", "check_sample_weight", "check_target", "encode"]

FEATURE_DTYPE = np.float32
"""The dtype of the trees' input matrix."""


def encode(processor: TabularProcessor, X: pd.DataFrame) -> np.ndarray:
    """The trees' input matrix for ``X``: the fitted processor's raw output as float32."""
    return processor.transform(X).to_numpy(FEATURE_DTYPE)


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
