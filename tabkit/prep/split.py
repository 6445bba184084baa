"""Hold out the latest dates as a validation set (Kaggle-style time split)."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from tabkit.prep.dates import as_dates


def time_split(df: pd.DataFrame, *, date: str, valid_size: float) -> tuple[np.ndarray, np.ndarray]:
    """Split rows into train and validation by date, the latest dates going to validation.

    Whole dates move together: validation takes the latest dates until it holds at least
    ``valid_size`` rows, so it can be slightly larger than asked but never splits a date.

    Parameters
    ----------
    df : DataFrame
        The rows to split.
    date : str
        The date column: datetimes or date strings, read by :func:`tabkit.prep.dates.as_dates`
        (time-zone-aware values are compared on their local wall-clock time, each row with
        its own offset), or numbers (e.g. years or ``20200131``), ordered as numbers.
    valid_size : int or float
        Validation rows: a count (int >= 1) or a fraction of the rows (0 < float < 1).

    Returns
    -------
    train_positions, valid_positions : ndarray of int
        Sorted row positions (for ``df.iloc``).

    Raises
    ------
    ValueError
        If the date column is missing, has missing values or values that are not dates
        (named with their row positions), ``valid_size`` is out of range, or the split
        would leave no training rows.
    """
    if date not in df.columns:
        raise ValueError(f"time_split: column {date!r} is not in the frame")
    n_rows = len(df)
    if n_rows == 0:
        raise ValueError("time_split: the frame has no rows")
    n_valid = _valid_rows(valid_size, n_rows)
    dates = df[date]
    if not _holds_numbers(dates):
        dates = as_dates(dates, date, "time_split")
    if dates.isna().any():
        raise ValueError(f"time_split: column {date!r} has {int(dates.isna().sum())} missing value(s)")
    first_valid = first_valid_date(dates.value_counts(), n_valid)
    is_valid = (dates >= first_valid).to_numpy()
    if is_valid.all():
        raise ValueError(
            f"time_split: {n_valid} validation rows out of {n_rows} leave no training rows "
            f"once whole dates are kept together"
        )
    return np.flatnonzero(~is_valid), np.flatnonzero(is_valid)


def first_valid_date(counts: pd.Series, n_valid: int):
    """The earliest date of the validation rows: the latest dates, whole, until they hold at
    least ``n_valid`` rows (``counts``: rows per date, e.g. merged from partitions)."""
    latest_first = counts.sort_index(ascending=False)
    rows_from_latest = latest_first.cumsum().to_numpy()
    return latest_first.index[min(int(np.searchsorted(rows_from_latest, n_valid)), len(latest_first) - 1)]


def _holds_numbers(values: pd.Series) -> bool:
    """Numbers (and booleans), in a numeric column or an object one, are ordered as they are."""
    if pd.api.types.is_numeric_dtype(values):
        return True
    kind = pd.api.types.infer_dtype(values, skipna=True)
    return values.dtype == object and kind in ("integer", "floating", "mixed-integer-float", "decimal", "boolean")


def _valid_rows(valid_size: float, n_rows: int) -> int:
    if isinstance(valid_size, bool) or not isinstance(valid_size, numbers.Real):
        raise ValueError(f"time_split: valid_size must be a number, got {valid_size!r}")
    if isinstance(valid_size, numbers.Integral):
        if not 1 <= valid_size < n_rows:
            raise ValueError(
                f"time_split: valid_size={valid_size} rows must be between 1 and "
                f"{n_rows - 1} for a frame of {n_rows} rows"
            )
        return int(valid_size)
    if not 0 < valid_size < 1:
        raise ValueError(f"time_split: a fractional valid_size must be in (0, 1), got {valid_size}")
    return max(1, int(round(valid_size * n_rows)))
