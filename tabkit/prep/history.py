"""Leak-free history features per group: each row's statistics of its group's past target
(e.g. a store's mean sales over the previous 7, 28, 91 and 365 days), read from the
training rows only, and counts of known-in-advance events (promotions, holidays) in the
days before and after the row.

A row never sees its own day, and never a target that was not in the training rows: a
validation or test row's windows are cut at the training cutoff, so its features are the
same whether or not the frame being transformed holds targets. ``gap`` moves every window
back by that many days, so that training rows see history as stale as the last rows of a
forecast horizon do (``gap`` = the horizon: the windows of a row up to ``gap`` days after
the cutoff are never cut).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from tabkit.prep.history_windows import (
    CumulativeSums,
    DayKeys,
    day_numbers,
    event_flags,
    event_windows,
    group_index,
    numeric_values,
    refuse_duplicates,
    require_columns,
    row_labels,
    window_slices,
)
from tabkit.prep.lineage import add_lineage

STATS = ("mean", "std", "count", "sum")
"""The statistics :class:`HistoryFeatures` computes over a window."""


class HistoryFeatures(TransformerMixin, BaseEstimator):
    """Add, per row, statistics of its group's earlier targets over date windows, and counts
    of event days around its date.

    For a row of group ``g`` dated ``d`` and each window ``w`` of ``windows``, the statistics
    are taken over the training rows of ``g`` dated ``d - gap - w`` to ``d - gap - 1``
    (inclusive; the row's own day never counts). Only the rows given to :meth:`fit` are
    history: a row after the training cutoff sees the part of its window up to the cutoff,
    never a target of the frame being transformed, and a training row transformed after
    ``fit`` sees only earlier training days. So ``fit(train).transform(valid)`` gives the same
    features whether or not ``valid`` holds targets, and changing a target on or after a
    row's date never changes that row's features.

    Dates are whole days (times of day are dropped); rows may come in any order, and the
    output keeps the input's order and index. Sums are cumulative sums differenced over the
    rows of each group sorted by day (see :mod:`tabkit.prep.history_windows`): a million rows
    take seconds.

    Parameters
    ----------
    group : str or list of str, default "Store"
        The group column(s), e.g. ``["Store", "DayOfWeek"]`` for a store's history on the
        same weekday. Missing group values are refused.
    date : str, default "Date"
        The date column (datetimes or date strings).
    target : str, default "Sales"
        The target column: in the frame given to ``fit``, or given as ``y``. Never read by
        ``transform``.
    windows : sequence of int, default (7, 28, 91, 365)
        Window lengths in days (positive, distinct).
    gap : int, default 0
        Days between the end of each window and the day before the row (>= 0). With
        ``gap=0`` a row ``h`` days after the cutoff sees only the first ``w - h + 1`` days
        of its window (none when ``w < h``): for windows shorter than the forecast horizon,
        set ``gap`` to the horizon so that training rows see history as old as the test
        rows do.
    stats : sequence of str, default ("mean",)
        Among ``"mean"``, ``"std"`` (sample standard deviation, NaN below two rows),
        ``"count"`` (rows in the window: 0 for an empty window, NaN for an unseen group, not
        subject to ``min_periods``) and ``"sum"``. Medians are not offered: they are not
        differences of cumulative sums, and would need a pass over each window's rows.
    columns : str or list of str, optional
        Further numeric columns of the training rows to summarise the same way (e.g.
        ``"Customers"``); missing values in them are skipped. ``transform`` does not need
        them (a test set has no customer counts).
    min_periods : int, default 1
        Fewest rows in a window for its mean, std and sum; NaN below it.
    events : str or list of str, optional
        0/1 event columns known in advance (e.g. ``"Promo"``, ``"StateHoliday"``): for each
        ``k`` of ``event_windows``, the number of the group's event days among the ``k``
        days before the row and among the ``k`` days after it (the row's own day excluded).
        They are read from the frame being transformed, and, for days it lacks, from the
        training rows (missing values and days without a row count as no event).
    event_windows : sequence of int, default (7,)
        Event window lengths in days (positive, distinct).
    log_target : bool, default False
        Summarise ``log(target)`` instead of the target (targets must be > 0); ``columns``
        are summarised as they are.

    Attributes
    ----------
    names_ : list of str
        The added columns: ``<col>_<stat>_<w>d`` (``<col>`` is ``log_<target>`` with
        ``log_target``), with ``_gap<gap>`` when ``gap > 0``, then ``<event>_past_<k>d`` and
        ``<event>_next_<k>d``; each name ends in ``_by_<col1>_<col2>...`` when ``group`` has
        several columns. Order: column, window, statistic; then event, ``k``, past/next.
    group_keys_ : Index or MultiIndex
        The training groups (codes are positions in it).
    first_date_, cutoff_ : Timestamp
        The first and the last training day.
    feature_names_in_ : ndarray of str
        Columns of the frame given to ``fit``.

    Examples
    --------
    >>> history = HistoryFeatures(windows=(7, 28), gap=48, columns="Customers")
    >>> train = history.fit_transform(train_rows)          # doctest: +SKIP
    >>> valid = history.transform(valid_rows)              # doctest: +SKIP
    >>> history.names_[:2]                                 # doctest: +SKIP
    ['Sales_mean_7d_gap48', 'Sales_mean_28d_gap48']
    """

    def __init__(
        self,
        group: str | Sequence[str] = "Store",
        date: str = "Date",
        target: str = "Sales",
        windows: Sequence[int] = (7, 28, 91, 365),
        gap: int = 0,
        stats: Sequence[str] = ("mean",),
        columns: str | Sequence[str] | None = None,
        min_periods: int = 1,
        events: str | Sequence[str] | None = None,
        event_windows: Sequence[int] = (7,),
        log_target: bool = False,
    ):
        self.group = group
        self.date = date
        self.target = target
        self.windows = windows
        self.gap = gap
        self.stats = stats
        self.columns = columns
        self.min_periods = min_periods
        self.events = events
        self.event_windows = event_windows
        self.log_target = log_target

    def fit(self, X: pd.DataFrame, y=None) -> HistoryFeatures:
        """Store the training history: per group and day, the target (and ``columns``) and
        the event flags.

        Parameters
        ----------
        X : DataFrame
            Training rows with the group, date and event columns, ``columns``, and the
            target unless ``y`` is given. At most one row per group and day.
        y : array-like of shape (n_rows,), optional
            The target, instead of ``X[target]``.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For a missing column (named), missing or unparsable dates or group values,
            duplicate (group, date) rows, a non-numeric, missing or infinite target (or one
            <= 0 with ``log_target``), or invalid parameters.
        """
        self._check_params()
        columns = self._columns()
        require_columns(X, [*self._groups(), self.date, *columns, *self._events()], "fit")
        if len(X) == 0:
            raise ValueError("HistoryFeatures.fit: X has no rows")
        target = self._target_values(X, y)
        groups = group_index(X, self._groups(), "HistoryFeatures.fit")
        days = day_numbers(X[self.date], self.date, "HistoryFeatures.fit")
        codes, self.group_keys_ = groups.factorize()
        keys = DayKeys.covering(days)
        row_keys = keys.of(codes, days)
        order = np.argsort(row_keys, kind="stable")
        sorted_keys = row_keys[order]
        refuse_duplicates(sorted_keys, order, groups, X[self.date], self._groups())

        values = np.column_stack([target, *(numeric_values(X[c], c) for c in columns)])[order]
        self.first_date_ = pd.Timestamp(keys.first_day, unit="D")
        self.cutoff_ = pd.Timestamp(keys.first_day + keys.n_days - 1, unit="D")
        self.keys_ = sorted_keys
        self.day_keys_ = keys
        self.values_ = values
        flags = [event_flags(X[e], e, "HistoryFeatures.fit") for e in self._events()]
        self.event_flags_ = (np.column_stack(flags) if flags else np.zeros((len(X), 0))).astype(np.int8)[order]
        self.names_ = [name for name, _ in self._name_sources()]
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """``X`` with the history and event columns appended.

        Parameters
        ----------
        X : DataFrame
            Rows with the group and date columns (and the event columns); the target and
            ``columns`` are not read.

        Returns
        -------
        DataFrame
            A copy of ``X`` (same order and index) with the ``names_`` columns appended.
            Rows of groups not seen in ``fit`` get NaN history (event counts still come from
            ``X``).

        Raises
        ------
        ValueError
            For a missing column (named), missing or unparsable dates or group values, or an
            added column that ``X`` already has.
        """
        check_is_fitted(self, "keys_")
        require_columns(X, [*self._groups(), self.date, *self._events()], "transform")
        taken = [name for name in self.names_ if name in X.columns]
        if taken:
            raise ValueError(f"HistoryFeatures.transform: X already has column(s) {taken}")
        groups = group_index(X, self._groups(), "HistoryFeatures.transform")
        days = day_numbers(X[self.date], self.date, "HistoryFeatures.transform")
        codes = self.group_keys_.get_indexer(groups)
        seen = codes >= 0
        lookup = np.where(seen, codes, 0)

        # rows taken in key order (binary searches of sorted queries are cache-friendly)
        order = np.argsort(self.day_keys_.of(lookup, days), kind="stable")
        back = np.empty_like(order)
        back[order] = np.arange(len(order))
        sorted_groups, last = lookup[order], days[order] - self.gap - 1
        new: dict[str, np.ndarray] = {}
        sums = CumulativeSums(self.values_, self.keys_ // self.day_keys_.span, len(self.group_keys_))
        stats = self._stats()
        for w in self._windows():
            start, stop = window_slices(self.keys_, self.day_keys_, sorted_groups, last - w + 1, last)
            for j, base in enumerate(self._bases()):
                values = sums.stats(j, start, stop, sorted_groups, stats)
                enough = values["count"] >= self.min_periods
                for stat in stats:
                    result = values[stat] if stat == "count" else np.where(enough, values[stat], np.nan)
                    new[self._name(base, stat, w)] = np.where(seen, result[back], np.nan)
        if self._events():
            new.update(self._event_counts(X, codes, days, groups))
        out = pd.concat([X, pd.DataFrame({n: new[n] for n in self.names_}, index=X.index)], axis=1)
        out.attrs = dict(X.attrs)
        return add_lineage(out, dict(self._name_sources()))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The input columns (``input_features``, or those seen in ``fit``) followed by the
        added ones."""
        check_is_fitted(self, "keys_")
        inputs = self.feature_names_in_ if input_features is None else input_features
        return np.asarray([*inputs, *self.names_], dtype=object)

    # --- parameters and names -------------------------------------------------------------

    def _groups(self) -> list[str]:
        return _listed(self.group)

    def _columns(self) -> list[str]:
        return _listed(self.columns)

    def _events(self) -> list[str]:
        return _listed(self.events)

    def _windows(self) -> tuple[int, ...]:
        return _days(self.windows)

    def _stats(self) -> tuple[str, ...]:
        return (self.stats,) if isinstance(self.stats, str) else tuple(self.stats)

    def _bases(self) -> list[str]:
        return [f"log_{self.target}" if self.log_target else self.target, *self._columns()]

    def _suffix(self) -> str:
        groups = self._groups()
        return "_by_" + "_".join(groups) if len(groups) > 1 else ""

    def _name(self, base: str, stat: str, window: int) -> str:
        gap = f"_gap{self.gap}" if self.gap else ""
        return f"{base}_{stat}_{window}d{gap}{self._suffix()}"

    def _name_sources(self) -> list[tuple[str, str]]:
        sources = [self.target, *self._columns()]
        names = [
            (self._name(base, stat, w), source)
            for base, source in zip(self._bases(), sources)
            for w in self._windows()
            for stat in self._stats()
        ]
        names += [
            (f"{event}_{direction}_{k}d{self._suffix()}", event)
            for event in self._events()
            for k in _days(self.event_windows)
            for direction in ("past", "next")
        ]
        return names

    def _check_params(self) -> None:
        who = "HistoryFeatures"
        for name in ("date", "target"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{who}: {name} must be a column name, got {getattr(self, name)!r}")
        for name in ("group", "columns", "events"):
            value = getattr(self, name)
            if value is None and name != "group":
                continue
            listed = value if isinstance(value, (list, tuple)) else [value]
            if not all(isinstance(v, str) for v in listed) or (name == "group" and not listed):
                raise ValueError(f"{who}: {name} must be a column name or a list of them, got {value!r}")
        for name in ("windows", "event_windows"):
            _check_days(getattr(self, name), name)
        if not _is_int(self.gap) or self.gap < 0:
            raise ValueError(f"{who}: gap must be an int >= 0 (days), got {self.gap!r}")
        if not _is_int(self.min_periods) or self.min_periods < 1:
            raise ValueError(f"{who}: min_periods must be an int >= 1, got {self.min_periods!r}")
        stats = self._stats() if isinstance(self.stats, (str, list, tuple)) else ()
        if not stats or any(s not in STATS for s in stats) or len(set(stats)) < len(stats):
            raise ValueError(
                f"{who}: stats must be a sequence of distinct names among {list(STATS)}, got {self.stats!r}"
            )
        if not isinstance(self.log_target, (bool, np.bool_)):
            raise ValueError(f"{who}: log_target must be True or False, got {self.log_target!r}")
        clash = {self.target, *self._groups(), self.date} & set(self._columns())
        if clash:
            raise ValueError(f"{who}: columns must not repeat the target, group or date column(s): {sorted(clash)}")

    def _target_values(self, X: pd.DataFrame, y) -> np.ndarray:
        if y is None:
            if self.target not in X.columns:
                raise ValueError(f"HistoryFeatures.fit: target column {self.target!r} is not in X (and no y was given)")
            values = numeric_values(X[self.target], self.target)
        else:
            y = np.asarray(y).ravel()
            if len(y) != len(X):
                raise ValueError(f"HistoryFeatures.fit: X has {len(X)} rows but y has {len(y)}")
            values = numeric_values(pd.Series(y, index=X.index), "y")
        bad = ~np.isfinite(values)
        if bad.any():
            raise ValueError(
                f"HistoryFeatures.fit: target {self.target!r} has {int(bad.sum())} missing or infinite value(s), "
                f"at row(s) {row_labels(bad, X.index)}"
            )
        if self.log_target:
            bad = values <= 0
            if bad.any():
                raise ValueError(
                    f"HistoryFeatures.fit: log_target=True needs target {self.target!r} > 0, but {int(bad.sum())} "
                    f"row(s) are <= 0, at row(s) {row_labels(bad, X.index)} (drop them, e.g. closed days, first)"
                )
            values = np.log(values)
        return values

    def _event_counts(self, X: pd.DataFrame, codes: np.ndarray, days: np.ndarray, groups: pd.Index) -> dict:
        unseen = codes < 0
        codes = codes.copy()
        if unseen.any():  # groups new to the frame get codes of their own
            codes[unseen] = len(self.group_keys_) + groups[unseen].factorize()[0]
        flags = np.column_stack([event_flags(X[e], e, "HistoryFeatures.transform") for e in self._events()])
        span, first_day = self.day_keys_.span, self.day_keys_.first_day
        stored = (self.keys_ // span, self.keys_ % span - 1 + first_day, self.event_flags_.astype(np.int64))
        counts = event_windows(
            stored,
            (codes, days, flags),
            _days(self.event_windows),
        )
        return {
            f"{event}_{direction}_{k}d{self._suffix()}": counts[(j, k, direction)]
            for j, event in enumerate(self._events())
            for k in _days(self.event_windows)
            for direction in ("past", "next")
        }


def _listed(value) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _days(values) -> tuple[int, ...]:
    return (int(values),) if _is_int(values) else tuple(int(v) for v in values)


def _check_days(values, name: str) -> None:
    listed = [values] if _is_int(values) else values
    ok = isinstance(listed, (list, tuple, np.ndarray)) and len(listed) > 0
    ok = ok and all(_is_int(v) and v > 0 for v in listed) and len(set(listed)) == len(listed)
    if not ok:
        raise ValueError(f"HistoryFeatures: {name} must be distinct positive ints (days), got {values!r}")
