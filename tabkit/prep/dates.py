"""Expand a date column into the parts a tree or a net can use (fastai's add_datepart)."""

from __future__ import annotations

import re
import warnings

import numpy as np
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
SHOWN_BAD = 5  # bad values quoted in an error message
OFFSET = r"([+-]\d{2}:?\d{2}|Z)\s*$"  # a trailing UTC offset: one parse per offset


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


def as_dates(values: pd.Series, column: str, who: str, *, date_format: str | None = None) -> pd.Series:
    """``values`` as time-zone-naive datetimes, the one conversion every date helper uses.

    Time-zone-aware values (and strings with offsets) keep their local wall-clock time: the
    zone is dropped without converting, so ``2020-01-01T00:00:00+01:00`` is 1 January at
    midnight, and rows with different offsets in one column (summer and winter time) each
    keep their own clock. ``add_datepart``, ``add_elapsed`` and ``time_split`` all read dates
    this way. Strings are parsed by pandas (without its format-guessing warning). Numbers are
    refused: pandas would read them as nanoseconds since 1970.

    Parameters
    ----------
    values : Series
        Datetimes (naive or aware), date strings, or date-like objects; missing values
        stay missing.
    column : str
        The column's name, for messages.
    who : str
        The calling helper, for messages.
    date_format : str, optional
        A strftime format for strings (``%z`` reads offsets, kept as wall-clock time too);
        by default pandas infers the format from the first value.

    Returns
    -------
    Series
        Naive datetimes, same index as ``values``.

    Raises
    ------
    ValueError
        Naming ``who`` and ``column``, for numbers, or for values that are not dates (with
        their count, row positions and values).
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return _wall_clock(values)
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        raise ValueError(
            f"{who}: column {column!r} holds numbers (e.g. {first_value(values.dropna())}), not dates; "
            "convert them first, e.g. pd.to_datetime(values, unit='s') or format='%Y%m%d' "
            "(in a spec: data.date_format)"
        )
    converted = _parse(values, date_format)
    bad = converted.isna() & values.notna()
    if bad.any():
        positions = np.flatnonzero(bad.to_numpy())
        shown = ", ".join(first_value(values.iloc[[p]]) for p in positions[:SHOWN_BAD])
        more = f" (first {SHOWN_BAD} shown)" if len(positions) > SHOWN_BAD else ""
        raise ValueError(
            f"{who}: column {column!r} has {len(positions)} value(s) that are not dates, "
            f"at row position(s) {positions[:SHOWN_BAD].tolist()}: {shown}{more}"
        )
    return converted


def _wall_clock(dates: pd.Series) -> pd.Series:
    """Datetimes with their zone dropped, keeping the local clock time."""
    if getattr(dates.dt, "tz", None) is not None:
        return dates.dt.tz_localize(None)
    return dates


def _parse(values: pd.Series, date_format: str | None) -> pd.Series:
    """Strings (or date-like objects) as naive wall-clock datetimes, NaT where they do not parse."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Could not infer format")
        try:
            return _wall_clock(pd.to_datetime(values, errors="coerce", format=date_format))
        except (ValueError, TypeError):
            pass  # several offsets in one column (summer and winter time): one zone per parse
        if pd.api.types.infer_dtype(values, skipna=True) != "string":
            return _each_value(values, date_format)
        by_position = values.reset_index(drop=True)  # the index may repeat labels
        offsets = by_position.astype("string").str.extract(OFFSET, expand=False).fillna("")
        parts = []
        for _, rows in by_position.groupby(offsets, sort=False):
            try:
                parts.append(_wall_clock(pd.to_datetime(rows, errors="coerce", format=date_format)))
            except (ValueError, TypeError):
                parts.append(_each_value(rows, date_format))
        return pd.concat(parts).sort_index().set_axis(values.index)


def _each_value(values: pd.Series, date_format: str | None) -> pd.Series:
    """Each distinct value parsed on its own (slow: the last resort for mixed zones)."""
    parsed = {value: _one_date(value, date_format) for value in pd.unique(values.dropna())}
    return pd.to_datetime(values.map(parsed))


def _one_date(value, date_format: str | None) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value) if date_format is None else pd.to_datetime(value, format=date_format)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    return stamp if stamp is pd.NaT or stamp.tzinfo is None else stamp.tz_localize(None)


def _with_missing(values: pd.Series, dates: pd.Series) -> pd.Series:
    """Booleans and integers as numpy dtypes, or float with NaN where the date is missing."""
    if dates.isna().any():
        return values.astype("float64").where(dates.notna())
    if values.dtype == bool:
        return values.astype(bool)
    return values.astype("int64")
