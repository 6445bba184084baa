"""The history features of a run (``[[features.history]]``): each table becomes a
:class:`tabkit.HistoryFeatures` fitted on the training rows after the split, whose columns
join the continuous inputs; the fitted transformers are saved with the run so ``tabkit
predict`` computes the same columns for new rows from the stored history.

A table's ``gap`` defaults to the run's horizon: the days from the last training date to
the last validation or test date, so a training row sees history exactly as stale as the
last row the models predict.
"""

from __future__ import annotations

import pandas as pd

from tabkit.pipeline.features import FeatureSet
from tabkit.pipeline.sections import HistoryTable
from tabkit.pipeline.steps.splitting import SplitData
from tabkit.prep.history import HistoryFeatures

__all__ = ["add_history", "horizon_days", "make_history"]


def horizon_days(split: SplitData, date: str) -> int:
    """Days from the last training date to the last validation or test date (at least 1)."""
    last_train = pd.Timestamp(split.train[date].max()).normalize()
    later = [split.valid[date]] + ([split.test[date]] if split.test is not None else [])
    last = max(pd.Timestamp(dates.max()).normalize() for dates in later)
    return max(1, int((last - last_train).days))


def make_history(entry: HistoryTable, features: FeatureSet, *, gap: int, log_target: bool) -> HistoryFeatures:
    """The transformer of one ``[[features.history]]`` table (``gap = "horizon"`` resolved)."""
    return HistoryFeatures(
        group=entry.group,
        date=features.date,
        target=features.target,
        windows=tuple(entry.windows),
        gap=gap if entry.gap == "horizon" else int(entry.gap),
        stats=tuple(entry.stats),
        columns=entry.columns or None,
        min_periods=entry.min_periods,
        events=entry.events or None,
        event_windows=tuple(entry.event_windows),
        log_target=log_target,
    )


def add_history(split: SplitData, entries: list[HistoryTable], features: FeatureSet, *, log_target: bool) -> list:
    """Fit each table's transformer on the training rows and add its columns to the training,
    validation and test rows and to the continuous inputs; returns the fitted transformers."""
    if not entries:
        return []
    gap = horizon_days(split, features.date)
    fitted = []
    for entry in entries:
        history = make_history(entry, features, gap=gap, log_target=log_target)
        split.train = history.fit_transform(split.train)
        split.valid = history.transform(split.valid)
        if split.test is not None:
            split.test = history.transform(split.test)
        split.cont_names = [*split.cont_names, *history.names_]
        fitted.append(history)
    return fitted
