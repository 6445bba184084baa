"""Fit a :class:`~tabkit.prep.processor.TabularProcessor` partition by partition, for
tables larger than memory kept as a list of frames (Parquet files, a Dask DataFrame's
partitions).

:func:`summarize` reduces one partition to the little the fit needs, :func:`merge` joins
summaries (associative, so a cluster can merge them as a tree) and :func:`fitted` turns the
merged summary into the processor ``fit(pd.concat(partitions, ignore_index=True))`` gives:
the same roles, categories, level limits, ``_na`` flags, infinite counts and median fills,
and mean fills, means and standard deviations equal to 1e-12 relative (about 5e-16
measured: sums merged partition by partition cannot be bit-exact). The exceptions: the
median of a column with more than :data:`~tabkit.prep.partition_summary.MEDIAN_CAP`
distinct values is approximated (see :func:`~tabkit.prep.partition_summary.median`); a
constant column's standard deviation is 0 (so its scale 1), where pandas' one pass may
leave a rounding error (1.7e-17 for three values 0.1); the dtypes of partitions without
rows do not count (files with no rows often lose them, and ``pd.concat`` would take them
in: a float64 empty column makes integers floats); the lineage is the one every partition
records (``pd.concat`` keeps ``attrs`` only when all frames' are equal).
:func:`fit_partitions` does all three steps, one partition at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce

import numpy as np
import pandas as pd
from sklearn.base import clone

from tabkit.prep.checks import check_unique_columns
from tabkit.prep.columns import column_roles, training_categories
from tabkit.prep.lineage import lineage_of
from tabkit.prep.partition_summary import (
    Column,
    Levels,
    Numbers,
    ProcessorSummary,
    capped,
    levels_of,
    median,
    merge_two,
    moments,
    numbers_of,
    where,
)
from tabkit.prep.processor import TabularProcessor, check_fill, check_level_limits, set_fitted

__all__ = ["ProcessorSummary", "fit_partitions", "fitted", "merge", "summarize"]


def summarize(processor: TabularProcessor, frame: pd.DataFrame, label: str | None = None) -> ProcessorSummary:
    """Summarize one partition for fitting ``processor``.

    Parameters
    ----------
    processor : TabularProcessor
        Unfitted; its parameters (roles, ``max_card``, ``fill``) say what to keep.
    frame : DataFrame
        The partition (may be empty).
    label : str, optional
        Names the partition in error messages (a file name, say).

    Returns
    -------
    ProcessorSummary
        Distinct values with counts for the columns that may be categorical; missing and
        infinite counts, moments and (for ``fill="median"``) at most ``MEDIAN_CAP``
        distinct values with counts for those that may be continuous. Never the rows.

    Raises
    ------
    ValueError
        For bad parameters, duplicated or missing columns, or a non-numeric value in a
        continuous column; the messages name the partition.
    """
    settings = _checked_settings(processor)
    place = where((label,))
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"summarize expects a pandas DataFrame, got {type(frame).__name__} ({place})")
    check_unique_columns(frame, f"summarize ({place})")
    dtypes = frame.dtypes.to_dict()
    try:  # an integer column can take either role under the automatic rule
        few = column_roles(processor, dtypes, lambda col: 0)
        many = column_roles(processor, dtypes, lambda col: processor.max_card + 1)
    except ValueError as error:
        raise ValueError(f"{place}: {error}") from error
    may_cat, may_cont = {*few[0], *many[0]}, {*few[1], *many[1]}
    missing = [col for col in [*few[0], *few[1]] if col not in frame.columns]
    if missing:
        raise ValueError(f"{place}: missing required column(s): {missing}")
    both_given = processor.cat_names is not None and processor.cont_names is not None
    columns = {}
    for col in [*few[0], *few[1]] if both_given else list(frame.columns):
        cap = processor.max_card if col in may_cat and col in may_cont else None
        levels = levels_of(frame[col]) if col in may_cat else None
        try:
            numbers = numbers_of(frame[col], col, settings["medians"]) if col in may_cont else None
        except ValueError as error:
            raise ValueError(f"{place}: {error}") from error
        columns[col] = Column(dtypes[col], capped(levels, cap), numbers, cap)
    return ProcessorSummary(settings, tuple(frame.columns), columns, len(frame), lineage_of(frame), (label,))


def merge(summaries: Iterable[ProcessorSummary]) -> ProcessorSummary:
    """Merge partition summaries (in any grouping: the merge is associative).

    Parameters
    ----------
    summaries : iterable of ProcessorSummary
        From :func:`summarize` or earlier merges, in the partitions' order.

    Returns
    -------
    ProcessorSummary

    Raises
    ------
    ValueError
        When there are no summaries, or two partitions differ in their columns (named), in
        a column's dtype (the column, both dtypes and the partitions named; partitions
        without rows do not count) or in the processor settings they were summarized for.
    """
    items = iter(summaries)
    first = next(items, None)
    if first is None:
        raise ValueError("merge: no summaries to merge (there were no partitions)")
    return reduce(merge_two, items, first)


def fitted(processor: TabularProcessor, summary: ProcessorSummary) -> TabularProcessor:
    """A clone of ``processor`` fitted from the merged summary of all its training partitions.

    Parameters
    ----------
    processor : TabularProcessor
        The processor that was summarized for (it is not changed).
    summary : ProcessorSummary
        The merge of every partition's summary.

    Returns
    -------
    TabularProcessor
        Fitted: every fitted attribute as ``fit`` on the concatenated partitions sets it
        (see the module docstring for the precision), so ``transform`` encodes alike.
    """
    if summary.settings != _checked_settings(processor):
        raise ValueError(
            f"the summary was made for a processor with {summary.settings}, not {_checked_settings(processor)}: "
            "summarize with the processor you fit"
        )
    if summary.n_rows == 0:
        raise ValueError(f"the partitions have no rows ({where(summary.labels)})")
    dtypes = {col: column.dtype for col, column in summary.columns.items()}
    roles = column_roles(processor, dtypes, lambda col: _n_distinct(summary.columns[col], processor.max_card))
    return set_fitted(clone(processor), _SummaryStatistics(summary), *roles)


def fit_partitions(processor: TabularProcessor, partitions: Iterable[pd.DataFrame]) -> TabularProcessor:
    """Fit a clone of ``processor`` on ``partitions`` read one at a time (labelled ``#0``,
    ``#1``, ... in messages): :func:`fitted` of the :func:`merge` of each :func:`summarize`.

    Parameters
    ----------
    processor : TabularProcessor
    partitions : iterable of DataFrame
        A generator reading one partition per step holds only one in memory.

    Returns
    -------
    TabularProcessor
    """
    _checked_settings(processor)
    summary, index = None, 0
    for frame in partitions:  # not enumerate: its cached tuple would hold a frame while the next is read
        part = summarize(processor, frame, label=f"#{index}")
        del frame
        summary, index = part if summary is None else merge_two(summary, part), index + 1
    if summary is None:
        raise ValueError("fit_partitions: no partitions to fit on")
    return fitted(processor, summary)


class _SummaryStatistics:
    """The :class:`~tabkit.prep.processor.FitStatistics` of a merged summary."""

    def __init__(self, summary: ProcessorSummary):
        self._columns, self.lineage = summary.columns, summary.lineage

    def categories(self, col: str) -> list:
        return training_categories(self._levels(col).uniques)

    def level_counts(self, col: str) -> pd.Series:
        levels = self._levels(col)
        return pd.Series(levels.counts, index=pd.Index(levels.uniques))

    def n_infinite(self, col: str) -> int:
        return self._numbers(col).n_infinite

    def has_missing(self, col: str) -> bool:
        return self._numbers(col).n_missing > 0

    def median(self, col: str) -> float:
        return median(self._numbers(col))

    def mean(self, col: str) -> float:
        numbers = self._numbers(col)
        return numbers.mean if numbers.n_finite else float("nan")

    def filled_moments(self, col: str, fill: float) -> tuple[float, float]:
        numbers = self._numbers(col)
        count, mean, m2 = moments((numbers.n_finite, numbers.mean, numbers.m2), (numbers.n_missing, fill, 0.0))
        return mean, float(np.sqrt(m2 / (count - 1))) if count > 1 else float("nan")

    def _levels(self, col: str) -> Levels:
        levels = self._columns[col].levels
        assert levels is not None, f"column {col!r} has no levels"  # a categorical column always keeps them
        return levels

    def _numbers(self, col: str) -> Numbers:
        numbers = self._columns[col].numbers
        assert numbers is not None, f"column {col!r} has no numbers"  # a continuous column always keeps them
        return numbers


def _checked_settings(processor: TabularProcessor) -> dict:
    """The parameters a summary depends on, after checking the processor's parameters."""
    check_fill(processor.fill)
    check_level_limits(processor.max_levels, processor.min_count)
    return {
        "cat_names": None if processor.cat_names is None else list(processor.cat_names),
        "cont_names": None if processor.cont_names is None else list(processor.cont_names),
        "max_card": processor.max_card,
        "medians": processor.fill == "median",
    }


def _n_distinct(column: Column, max_card: int) -> int:
    # levels are dropped only past max_card, which is all the automatic rule asks
    return max_card + 1 if column.levels is None else len(column.levels.uniques)
