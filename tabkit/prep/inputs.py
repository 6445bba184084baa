"""Frames or arrays in: what every tabkit estimator does with its ``X``.

A numpy array gets the column names ``x0``, ``x1``, ...; a model fitted on a DataFrame
predicts only from a DataFrame, and one fitted on an array only from arrays as wide.
"""

from __future__ import annotations

import pandas as pd
from sklearn.utils.validation import check_array

from tabkit.prep.checks import check_unique_columns


def generated_names(n_columns: int) -> list[str]:
    """Column names given to a numpy array: ``x0``, ``x1``, ..."""
    return [f"x{i}" for i in range(n_columns)]


def as_frame(estimator, X, *, fitting: bool) -> tuple[pd.DataFrame, bool]:
    """``X`` as a DataFrame, and whether it came as an array.

    At predict time (``fitting=False``) an array is refused when ``estimator`` was fitted on
    a DataFrame, and its width must match ``estimator.n_features_in_``.

    Parameters
    ----------
    estimator : estimator
        The estimator taking ``X`` (named in messages).
    X : DataFrame or array-like
        The rows.
    fitting : bool
        Whether ``X`` is training data.

    Returns
    -------
    frame : DataFrame
        ``X`` itself, or the array with the columns ``x0``, ``x1``, ...
    from_array : bool
        Whether ``X`` came as an array.

    Raises
    ------
    ValueError
        For a frame with duplicated column names (named), a frame without columns, or an
        array where a frame is needed or of the wrong width.
    """
    name = type(estimator).__name__
    if isinstance(X, pd.DataFrame):
        check_unique_columns(X, name)
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
