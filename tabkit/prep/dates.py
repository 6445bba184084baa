"""Expand a date column into the parts a tree or a net can use (fastai's add_datepart)."""

from __future__ import annotations

import re
import warnings

import pandas as pd

from tabkit.prep.checks import first_value
from tabkit.prep.lineage import add_lineage

DATE_PARTS = (
    "Year",
    "Month",
    "Week",
    "Day",
    "Dayofweek",
    "Dayofyear",
    "Is_month_end",
    "Is_month_start",
    "Is_quarter_end",
    "Is_quarter_start",
    "Is_year_end",
    "Is_year_start",
)
TIME_PARTS = ("Hour", "Minute", "Second")


def add_datepart(
    df: pd.DataFrame,
    column: str,
    *,
    prefix: str | None = None,
    drop: bool = True,
    time: bool = False,
) -> pd.DataFrame:
    """Return a copy of ``df`` with ``column`` expanded into date parts.

    Adds fastai's 13 fields: Year, Month, Week (ISO week), Day, Dayofweek (Monday = 0),
    Dayofyear, Is_month_end, Is_month_start, Is_quarter_end, Is_quarter_start,
    Is_year_end, Is_year_start and Elapsed (seconds since the Unix epoch), plus Hour,
    Minute and Second when ``time`` is true. Missing dates give missing parts.

    Parameters
    ----------
    df : DataFrame
        The frame; it is not modified.
    column : str
        The date column (datetime, or strings pandas can parse; see :func:`as_dates` for
        time zones and numbers).
    prefix : str, optional
        Prefix of the new columns. By default the column name with a trailing
        ``Date``/``date`` removed, so ``"Date"`` gives ``Year`` and ``"saledate"`` gives
        ``saleYear``.
    drop : bool, default True
        Drop the original column.
    time : bool, default False
        Also add the time-of-day parts.

    Returns
    -------
    DataFrame
        The expanded copy; ``df.attrs`` records each part's source column.

    Raises
    ------
    ValueError
        If ``column`` is missing or holds values that are not dates (numbers included).
    """
    if column not in df.columns:
        raise ValueError(f"add_datepart: column {column!r} is not in the frame")
    dates = as_dates(df[column], column, "add_datepart")
    if prefix is None:
        prefix = re.sub("[Dd]ate$", "", column)
    parts: dict[str, pd.Series] = {}
    accessor = dates.dt
    iso_week = accessor.isocalendar().week
    for name in DATE_PARTS:
        if name == "Week":
            values = iso_week
        elif name == "Dayofweek":
            values = accessor.day_of_week
        elif name == "Dayofyear":
            values = accessor.day_of_year
        else:
            values = getattr(accessor, name.lower())
        parts[prefix + name] = _with_missing(values, dates)
    if time:
        for name in TIME_PARTS:
            parts[prefix + name] = _with_missing(getattr(accessor, name.lower()), dates)
    seconds = (dates - pd.Timestamp("1970-01-01")) / pd.Timedelta(seconds=1)
    parts[prefix + "Elapsed"] = _with_missing(seconds, dates)
    result = df.drop(columns=column) if drop else df.copy()
    result = result.drop(columns=[c for c in parts if c in result.columns])
    result = pd.concat([result, pd.DataFrame(parts, index=df.index)], axis=1)
    result.attrs = dict(df.attrs)
    return add_lineage(result, {name: column for name in parts})


def as_dates(values: pd.Series, column: str, who: str) -> pd.Series:
    """``values`` as time-zone-naive datetimes, the one conversion every date helper uses.

    Time-zone-aware values (and strings with offsets) are converted to UTC and the zone is
    dropped, so ``add_datepart``, ``add_elapsed`` and ``time_split`` agree on every row;
    strings are parsed by pandas (without its format-guessing warning). Numbers are refused:
    pandas would read them as nanoseconds since 1970.

    Raises
    ------
    ValueError
        Naming ``who`` and ``column``, for numbers or values that are not dates.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        if getattr(values.dt, "tz", None) is not None:
            return values.dt.tz_convert("UTC").dt.tz_localize(None)
        return values
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        raise ValueError(
            f"{who}: column {column!r} holds numbers (e.g. {first_value(values.dropna())}), not dates; "
            "convert them first, e.g. pd.to_datetime(values, unit='s') or format='%Y%m%d' "
            "(in a spec: data.date_format)"
        )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Could not infer format")
        converted = pd.to_datetime(values, errors="coerce", utc=True).dt.tz_localize(None)
    bad = converted.isna() & values.notna()
    if bad.any():
        raise ValueError(
            f"{who}: column {column!r} has {int(bad.sum())} value(s) that are not "
            f"dates, e.g. {first_value(values[bad])}"
        )
    return converted


def _with_missing(values: pd.Series, dates: pd.Series) -> pd.Series:
    """Booleans and integers as numpy dtypes, or float with NaN where the date is missing."""
    if dates.isna().any():
        return values.astype("float64").where(dates.notna())
    if values.dtype == bool:
        return values.astype(bool)
    return values.astype("int64")
