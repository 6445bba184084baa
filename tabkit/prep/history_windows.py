"""Vectorised kernels of :class:`tabkit.prep.history.HistoryFeatures`: day numbers, group
codes, and sums over date windows of a group's rows.

Every row of a table is given one sortable integer key, ``group * span + day`` (days counted
from the table's first day, ``span`` a little more than its number of days), so that a
group's rows are contiguous and ordered by date once the keys are sorted. The rows of any
window "group g, days a..b" are then the slice between two binary searches, and a sum over
it is the difference of two cumulative sums: the same numbers a dense per-group daily grid
would give, without storing the grid's empty days (a store x weekday group has a row on one
day in seven). No Python loop runs over rows, groups or days.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tabkit.prep.checks import first_value
from tabkit.prep.dates import as_dates

_EPOCH = pd.Timestamp("1970-01-01")


def row_labels(mask: np.ndarray, index: pd.Index, limit: int = 5) -> str:
    """The first index labels of the rows in ``mask``, for error messages."""
    labels = [label.item() if hasattr(label, "item") else label for label in index[mask][:limit]]
    more = int(mask.sum()) - len(labels)
    return repr(labels) + (f" and {more} more" if more > 0 else "")


def day_numbers(values: pd.Series, column: str, who: str) -> np.ndarray:
    """Whole days since 1970-01-01 of each date (times of day dropped), as int64.

    Raises
    ------
    ValueError
        Naming the column, the row labels and the values, for missing dates and values that
        are not dates.
    """
    missing = values.isna().to_numpy()
    if missing.any():
        raise ValueError(
            f"{who}: date column {column!r} has {int(missing.sum())} missing value(s), "
            f"at row(s) {row_labels(missing, values.index)}"
        )
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_datetime64_any_dtype(values):
        raise ValueError(
            f"{who}: date column {column!r} holds numbers (dtype {values.dtype}), not dates; convert them "
            "first, e.g. with pd.to_datetime(values, format='%Y%m%d')"
        )
    if not pd.api.types.is_datetime64_any_dtype(values):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Could not infer format")
            parsed = pd.to_datetime(values, errors="coerce", utc=True)
        bad = parsed.isna().to_numpy()
        if bad.any():
            raise ValueError(
                f"{who}: date column {column!r} has {int(bad.sum())} value(s) that are not dates, "
                f"at row(s) {row_labels(bad, values.index)}, e.g. {first_value(values[bad])}"
            )
    dates = as_dates(values, column, who)
    return ((dates - _EPOCH) // pd.Timedelta(days=1)).to_numpy(np.int64)


def group_index(frame: pd.DataFrame, columns: list[str], who: str) -> pd.Index:
    """The group key of each row, an Index (one column) or a MultiIndex (several).

    Raises
    ------
    ValueError
        If a group value is missing (naming the column and rows).
    """
    arrays = []
    for column in columns:
        values = frame[column]
        missing = values.isna().to_numpy()
        if missing.any():
            raise ValueError(
                f"{who}: group column {column!r} has {int(missing.sum())} missing value(s), "
                f"at row(s) {row_labels(missing, frame.index)}"
            )
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(values.cat.categories.dtype)
        arrays.append(values.to_numpy())
    if len(arrays) == 1:
        return pd.Index(arrays[0])
    return pd.MultiIndex.from_arrays(arrays, names=columns)


def event_flags(values: pd.Series, column: str, who: str) -> np.ndarray:
    """A 0/1 (or boolean) event column as int64 0/1; missing values count as no event."""
    numeric = pd.to_numeric(values, errors="coerce")
    bad = (values.notna() & ~numeric.isin([0, 1])).to_numpy()
    if bad.any():
        raise ValueError(
            f"{who}: event column {column!r} must hold 0/1 values; {int(bad.sum())} row(s) do not, "
            f"at row(s) {row_labels(bad, values.index)}, e.g. {first_value(values[bad])}"
        )
    return numeric.fillna(0).to_numpy().astype(np.int64)


@dataclass
class DayKeys:
    """The key ``group * span + (day - first_day + 1)`` of rows and window ends.

    Offsets of window ends are clipped to ``0 .. n_days + 1`` (one day outside the table on
    either side), so that a window reaching beyond the table's days keeps only its days in
    the table, and keys of neighbouring groups never mix.
    """

    first_day: int
    n_days: int

    @property
    def span(self) -> int:
        return self.n_days + 2

    def of(self, groups: np.ndarray, days: np.ndarray) -> np.ndarray:
        offsets = np.clip(days - self.first_day + 1, 0, self.n_days + 1)
        return groups.astype(np.int64) * self.span + offsets

    @classmethod
    def covering(cls, *day_arrays: np.ndarray, margin: int = 0) -> DayKeys:
        lows = [int(days.min()) for days in day_arrays if len(days)]
        highs = [int(days.max()) for days in day_arrays if len(days)]
        if not lows:
            return cls(0, 1)
        first = min(lows) - margin
        return cls(first, max(highs) + margin - first + 1)


def window_slices(
    sorted_keys: np.ndarray, keys: DayKeys, groups: np.ndarray, first_days: np.ndarray, last_days: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``start, stop`` in ``sorted_keys`` of the rows of each window (group,
    days ``first_days .. last_days`` inclusive); ``stop - start`` rows, 0 when empty."""
    start = np.searchsorted(sorted_keys, keys.of(groups, first_days), side="left")
    stop = np.searchsorted(sorted_keys, keys.of(groups, last_days), side="right")
    return start, np.maximum(stop, start)


class CumulativeSums:
    """Per-group running count, sum and sum of squares of each column of a key-sorted table.

    The sums restart at each group, and the values are shifted by their group's first value
    (the "shifted data" way to keep variances precise), so the running sums at a row depend
    on nothing but the group's earlier rows: a window's statistics are bit-for-bit the same
    whatever the other groups or the later rows hold.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_columns)
        Values in key order; NaN is a missing value (not counted).
    row_groups : ndarray of int
        The group code of each row, ascending.
    n_groups : int
        Number of group codes.
    """

    def __init__(self, values: np.ndarray, row_groups: np.ndarray, n_groups: int):
        n_rows, n_columns = values.shape
        present = ~np.isnan(values)
        self.shifts = np.zeros((n_groups, n_columns))
        for j in range(n_columns):
            rows = np.flatnonzero(present[:, j])
            groups, first = np.unique(row_groups[rows], return_index=True)
            self.shifts[groups, j] = values[rows[first], j]
        shifted = np.where(present, values - self.shifts[row_groups], 0.0)
        table = pd.DataFrame(np.hstack([present.astype(np.float64), shifted, shifted * shifted]))
        running = table.groupby(row_groups, sort=False).cumsum().to_numpy()
        # row p + 1 of each array: the running total through row p; row 0 stays 0
        padded = np.zeros((n_rows + 1, 3 * n_columns), order="F")  # each column contiguous
        padded[1:] = running
        self.count, self.sum, self.squares = np.split(padded, 3, axis=1)
        self.group_starts = np.searchsorted(row_groups, np.arange(n_groups))

    def through(self, table: np.ndarray, column: int, position: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """The running total of ``table`` over a group's rows before ``position``."""
        return np.where(position > self.group_starts[groups], table[:, column][position], 0.0)

    def stats(
        self, column: int, start: np.ndarray, stop: np.ndarray, groups: np.ndarray, names: tuple[str, ...]
    ) -> dict[str, np.ndarray]:
        """Statistics of column ``column`` over the rows ``start:stop`` of each window, whose
        group codes are ``groups``; NaN where there is no row (std: fewer than two); the
        window's row count under ``"count"`` always."""
        count = self.through(self.count, column, stop, groups) - self.through(self.count, column, start, groups)
        total = self.through(self.sum, column, stop, groups) - self.through(self.sum, column, start, groups)
        shift = self.shifts[groups, column]
        out = {"count": count}
        with np.errstate(divide="ignore", invalid="ignore"):
            if "sum" in names:
                out["sum"] = np.where(count > 0, total + count * shift, np.nan)
            if "mean" in names:
                out["mean"] = np.where(count > 0, shift + total / count, np.nan)
            if "std" in names:
                squares = self.through(self.squares, column, stop, groups)
                squares = squares - self.through(self.squares, column, start, groups)
                variance = np.maximum(squares - total * total / count, 0.0) / (count - 1)
                out["std"] = np.where(count > 1, np.sqrt(variance), np.nan)
        return out


def event_windows(
    known: tuple[np.ndarray, np.ndarray, np.ndarray],
    frame: tuple[np.ndarray, np.ndarray, np.ndarray],
    windows: tuple[int, ...],
) -> dict[tuple[int, int, str], np.ndarray]:
    """Event days in the ``k`` days before and after each frame row, for each ``k``.

    ``known`` and ``frame`` are ``(groups, days, flags)`` with ``flags`` of shape
    ``(n_rows, n_events)``: the stored training rows and the rows being transformed. On a
    (group, day) the frame holds, the frame's flags count (any of its rows with the event);
    the stored rows fill in the other days.

    Returns
    -------
    dict
        ``(event position, k, "past" or "next")`` -> counts for the frame rows, in frame order.
    """
    frame_groups, frame_days, frame_flags = frame
    known_groups, known_days, known_flags = known
    margin = max(windows) + 1
    keys = DayKeys.covering(known_days, frame_days, margin=margin)
    frame_keys = keys.of(frame_groups, frame_days)
    order = np.argsort(frame_keys, kind="stable")
    unique_keys, first = np.unique(frame_keys[order], return_index=True)
    own_flags = (
        np.maximum.reduceat(frame_flags[order], first, axis=0) if len(first) else frame_flags[:0]
    )  # any row of a (group, day) with the event
    stored_keys = keys.of(known_groups, known_days)
    other_days = ~np.isin(stored_keys, unique_keys)
    all_keys = np.concatenate([unique_keys, stored_keys[other_days]])
    all_flags = np.concatenate([own_flags, known_flags[other_days]])
    order = np.argsort(all_keys, kind="stable")
    all_keys, all_flags = all_keys[order], all_flags[order]
    cumulative = np.concatenate([np.zeros((1, all_flags.shape[1]), np.int64), np.cumsum(all_flags, axis=0)])
    out = {}
    for k in windows:
        for direction, first_days, last_days in (
            ("past", frame_days - k, frame_days - 1),
            ("next", frame_days + 1, frame_days + k),
        ):
            start, stop = window_slices(all_keys, keys, frame_groups, first_days, last_days)
            for j in range(all_flags.shape[1]):
                out[(j, k, direction)] = (cumulative[stop, j] - cumulative[start, j]).astype(np.float64)
    return out


def refuse_duplicates(sorted_keys: np.ndarray, order: np.ndarray, groups: pd.Index, dates: pd.Series, names) -> None:
    """Raise naming the first repeated (group, day) of the sorted row keys, if any."""
    repeated = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
    if len(repeated) == 0:
        return
    row = order[repeated[0]]
    key = groups[row]
    label = ", ".join(
        f"{n}={v.item() if hasattr(v, 'item') else v!r}" for n, v in zip(names, key if len(names) > 1 else (key,))
    )
    times = int((sorted_keys == sorted_keys[repeated[0]]).sum())
    day = pd.Timestamp(dates.iloc[row]).normalize().date()
    raise ValueError(
        f"HistoryFeatures.fit: {len(repeated)} duplicate (group, date) row(s): e.g. {label} on {day} appears "
        f"{times} times; keep one row per group and day (aggregate them first, e.g. with groupby().sum())"
    )


def require_columns(X, needed: list[str], step: str) -> None:
    """Refuse anything but a DataFrame holding the ``needed`` columns (naming those missing)."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"HistoryFeatures.{step} expects a pandas DataFrame, got {type(X).__name__}")
    missing = [c for c in dict.fromkeys(needed) if c not in X.columns]
    if missing:
        raise ValueError(f"HistoryFeatures.{step}: column(s) not in the frame: {missing}")


def numeric_values(values: pd.Series, column: str) -> np.ndarray:
    """A numeric column as float64 (NaN for missing values); other dtypes are refused."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        raise ValueError(f"HistoryFeatures.fit: column {column!r} must be numeric, got dtype {values.dtype}")
    return values.to_numpy(dtype=np.float64, na_value=np.nan)
