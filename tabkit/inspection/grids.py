"""The values a feature is set to for partial dependence, and what is left out.

A feature is *binary* (exactly two values), *categorical* (text, categories, booleans,
the model's categorical columns, integers with few values) or *continuous*. Values a
dataset uses to mark a missing entry (Rossmann fills a missing "since" year with 1900)
are never drawn as if they were real: see :func:`missing_fills`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api import types

KINDS = ("binary", "categorical", "continuous")
MAX_INTEGER_CATEGORIES = 20
FILL_MIN_SHARE = 0.01
FILL_GAP = 1.0


def feature_kind(values: pd.Series, categorical: bool | None = None) -> str:
    """``"binary"``, ``"categorical"`` or ``"continuous"``.

    Parameters
    ----------
    values : Series
        The feature's values.
    categorical : bool, optional
        Whether the model treats the feature as a category (a tabkit model's
        ``processor_.cat_names_``); None guesses from the dtype: text, categories,
        booleans and integers with at most 20 distinct values are categorical.
    """
    present = values.dropna()
    if present.nunique() == 2:
        return "binary"
    if categorical is None:
        categorical = (
            types.is_bool_dtype(values)
            or not types.is_numeric_dtype(values)
            or (types.is_integer_dtype(values) and present.nunique() <= MAX_INTEGER_CATEGORIES)
        )
    return "categorical" if categorical else "continuous"


def missing_fills(values: pd.Series) -> list:
    """Values that stand for "missing" in a numeric column rather than a measurement.

    The smallest or largest value is taken for such a fill when it holds at least 1% of
    the rows and lies further from the other values than the spread of their
    middle 90% (5th to 95th percentile): Rossmann's 1900 for a missing
    ``CompetitionOpenSinceYear`` (the others span about 1990..2015), or a ``-1`` or
    ``99999`` code. When the other values sit on a single value (a 0/25 capped count
    such as ``Promo2Weeks``), nothing is taken for a fill. Non-numeric columns have none.

    Returns
    -------
    list
        Zero, one or two values of the column.
    """
    present = values.dropna()
    if not types.is_numeric_dtype(values) or types.is_bool_dtype(values) or present.nunique() < 3:
        return []
    numbers = present.to_numpy(dtype=np.float64)
    fills = []
    for candidate in (numbers.min(), numbers.max()):
        is_candidate = numbers == candidate
        others = numbers[~is_candidate]
        if is_candidate.mean() < FILL_MIN_SHARE or others.size == 0:
            continue
        low, high = np.percentile(others, [5, 95])
        if high <= low:  # the others sit on one value: nothing to measure the gap against
            continue
        gap = others.min() - candidate if candidate < low else candidate - others.max()
        if gap > FILL_GAP * (high - low):
            fills.append(present[present.to_numpy(dtype=np.float64) == candidate].iloc[0])
    return [plain(value) for value in fills]


def real_mask(values: pd.Series) -> np.ndarray:
    """Which entries are real values: not missing and not one of :func:`missing_fills`."""
    mask = values.notna().to_numpy()
    fills = missing_fills(values)
    return mask & ~values.isin(fills).to_numpy() if fills else mask


def real_values(values: pd.Series) -> pd.Series:
    """The column without missing entries and without its :func:`missing_fills`."""
    return values[real_mask(values)]


def feature_deciles(X: pd.DataFrame, feature: str) -> np.ndarray:
    """The 10th, 20th, ..., 90th percentiles of a numeric feature's real values (missing
    entries and missing-value fills left out), for tick marks under a partial dependence
    curve; empty for a non-numeric feature.

    Raises
    ------
    ValueError
        If ``feature`` is not a column of ``X``.
    """
    check_columns(X, [feature])
    values = real_values(X[feature])
    if not types.is_numeric_dtype(values) or types.is_bool_dtype(values) or values.empty:
        return np.array([], dtype=np.float64)
    return np.percentile(values.to_numpy(dtype=np.float64), np.arange(10, 100, 10))


def value_grid(
    values: pd.Series, kind: str, *, resolution: int = 20, max_categories: int = 20
) -> tuple[np.ndarray, int, list]:
    """The grid a feature is set to, the count of the feature's distinct real values,
    and the fills left out.

    Binary: its two values. Categorical: every category when there are at most
    ``max_categories``, else the ``max_categories`` most frequent; in sorted (or category)
    order. Continuous: ``resolution`` quantiles from the 5th to the 95th percentile
    (duplicates merged; whole numbers for an integer column).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    fills = missing_fills(values)
    real = real_values(values)
    n_values = int(real.nunique())
    if n_values == 0:
        raise ValueError(f"feature {values.name!r} has no values besides missing entries and fills {fills}")
    if kind == "continuous":
        quantiles = np.percentile(real.to_numpy(dtype=np.float64), np.linspace(5, 95, resolution))
        if types.is_integer_dtype(values):
            return np.unique(np.round(quantiles)).astype(values.dtype), n_values, fills
        return np.unique(quantiles), n_values, fills
    counts = real.value_counts(sort=True)
    kept = counts.index[: 2 if kind == "binary" else max_categories]
    return np.array(_sorted(kept, values), dtype=object), n_values, fills


def _sorted(kept: pd.Index, values: pd.Series) -> list:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [c for c in values.cat.categories if c in set(kept)]
    try:
        return sorted(kept)
    except TypeError:  # mixed types: group them by type name
        return sorted(kept, key=lambda v: (type(v).__name__, str(v)))


def repeat_with(X: pd.DataFrame, settings: dict[str, np.ndarray]) -> pd.DataFrame:
    """``X`` repeated once per grid point, each copy with the features of ``settings``
    set to that point's values (every array in ``settings`` has one value per point).

    Rows come grid point by grid point; a column keeps its dtype whenever the values fit
    it (categories keep their categories).
    """
    n_points = len(next(iter(settings.values())))
    stacked = X.iloc[np.tile(np.arange(len(X)), n_points)].reset_index(drop=True)
    which = np.repeat(np.arange(n_points), len(X))
    for feature, values in settings.items():
        grid = _as_dtype(pd.Series(list(values), dtype=object), X[feature].dtype)
        stacked[feature] = grid.iloc[which].reset_index(drop=True)
    return stacked


def _as_dtype(column: pd.Series, dtype) -> pd.Series:
    """``column`` in ``dtype`` when its values fit, else as pandas infers them."""
    if types.is_integer_dtype(dtype) and not all(float(v).is_integer() for v in column):
        return column.infer_objects()
    try:
        return column.astype(dtype)
    except (TypeError, ValueError):
        return column.infer_objects()


def check_columns(X: pd.DataFrame, features: list[str]) -> None:
    """Raise naming the features that are not columns of ``X``, and refuse an empty ``X``."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a DataFrame of raw features, got {type(X).__name__}")
    missing = [f for f in features if f not in X.columns]
    if missing:
        raise ValueError(f"feature(s) {missing} are not columns of X; columns are {list(X.columns)}")
    if len(X) == 0:
        raise ValueError("X has no rows")


def plain(value):
    """A numpy scalar as the Python number it holds (for JSON-safe metadata)."""
    return value.item() if isinstance(value, np.generic) else value
