"""The summaries behind :mod:`tabkit.prep.partition_fit`: what a partition's columns hold
that a :class:`~tabkit.prep.processor.TabularProcessor` fit needs, how two summaries merge,
and the median they give.

A categorical column keeps its distinct values and their counts; a continuous one its
missing and infinite counts, the count, mean and sum of squared deviations of its finite
values (merged by Chan's formula) and, for the median, the distinct finite values and their
counts, at most :data:`MEDIAN_CAP` of them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from tabkit.prep.columns import as_float

MEDIAN_CAP = 200_000
"""The most distinct values a continuous column's summary keeps for its median. Up to it
the median is exact; beyond it every value is rounded toward zero to the most fraction bits
(of the 52 of a float64) that bring the column under the cap (see :func:`median`)."""

EXACT_BITS = 52
"""Fraction bits of a float64: values kept at 52 bits are exact."""


@dataclass(frozen=True)
class Levels:
    """A categorical column's distinct non-missing values (``uniques``, first seen first,
    in the column's dtype) and the rows holding each (``counts``)."""

    uniques: pd.Series
    counts: np.ndarray


@dataclass(frozen=True)
class Numbers:
    """A continuous column: infinite and missing (NaN or infinite) counts; count, mean and
    sum of squared deviations of the finite values; for the median, the sorted distinct
    finite values rounded to ``bits`` fraction bits and their counts (None when the fill
    is not the median)."""

    n_infinite: int
    n_missing: int
    n_finite: int
    mean: float
    m2: float
    values: np.ndarray | None
    counts: np.ndarray | None
    bits: int = EXACT_BITS


def levels_of(values: pd.Series) -> Levels:
    """The :class:`Levels` of one partition's column."""
    present = values.dropna()
    return _distinct(present, np.ones(len(present), dtype=np.int64))


def merge_levels(a: Levels, b: Levels) -> Levels:
    """The :class:`Levels` of two parts of a column (``a`` first)."""
    return _distinct(pd.concat([a.uniques, b.uniques], ignore_index=True), np.concatenate([a.counts, b.counts]))


def _distinct(values: pd.Series, weights: np.ndarray) -> Levels:
    # pandas' own notion of equal values (pd.unique's), and its first-seen representative
    codes, _ = pd.factorize(values)
    firsts = np.unique(codes, return_index=True)[1]
    counts = np.bincount(codes, weights=weights, minlength=len(firsts)).astype(np.int64)
    order = np.argsort(firsts, kind="stable")
    return Levels(values.iloc[firsts[order]].reset_index(drop=True), counts[order])


def numbers_of(values: pd.Series, column: str, medians: bool) -> Numbers:
    """The :class:`Numbers` of one partition's column (``medians``: keep the values for the
    median); a ValueError for a non-numeric value."""
    raw = as_float(values, column).to_numpy()
    kept = raw[np.isfinite(raw)]
    if len(kept) and kept.min() == kept.max():  # constant: exactly, not to a rounding error
        mean, m2 = float(kept[0]), 0.0
    else:
        mean = float(kept.mean()) if len(kept) else 0.0
        m2 = float(((kept - mean) ** 2).sum())
    distinct, counts = np.unique(kept, return_counts=True) if medians else (None, None)
    numbers = Numbers(int(np.isinf(raw).sum()), len(raw) - len(kept), len(kept), mean, m2, distinct, counts)
    return _under_cap(numbers, EXACT_BITS)


def merge_numbers(a: Numbers, b: Numbers) -> Numbers:
    """The :class:`Numbers` of two parts of a column."""
    n_finite, mean, m2 = moments((a.n_finite, a.mean, a.m2), (b.n_finite, b.mean, b.m2))
    merged = Numbers(a.n_infinite + b.n_infinite, a.n_missing + b.n_missing, n_finite, mean, m2, None, None)
    if a.values is None or b.values is None:
        return merged
    bits = min(a.bits, b.bits)
    values = np.concatenate([_rounded(a.values, bits), _rounded(b.values, bits)])
    order = np.argsort(values, kind="stable")
    counts = np.concatenate([a.counts, b.counts])[order]
    return _under_cap(_collapsed(merged, values[order], counts, bits), bits)


def moments(a: tuple[int, float, float], b: tuple[int, float, float]) -> tuple[int, float, float]:
    """Count, mean and sum of squared deviations of two groups of values together (Chan,
    Golub and LeVeque's pairwise update)."""
    (n_a, mean_a, m2_a), (n_b, mean_b, m2_b) = a, b
    if n_a == 0 or n_b == 0:
        return (n_b, mean_b, m2_b) if n_a == 0 else (n_a, mean_a, m2_a)
    n = n_a + n_b
    delta = mean_b - mean_a
    return n, mean_a + delta * (n_b / n), m2_a + m2_b + delta * delta * (n_a * n_b / n)


def median(numbers: Numbers) -> float:
    """The median of a column's finite values (NaN when there are none), as
    ``np.median`` takes it: the middle value, or the mean of the two middle values.

    Exact while the column has at most :data:`MEDIAN_CAP` distinct values. Beyond it the
    values are rounded toward zero to ``numbers.bits`` fraction bits (each value becomes
    the bottom of its bucket of width ``2**-bits`` relative), which keeps their order; the
    middle buckets are read as their centres, so for normal floats
    ``|error| <= 2**-(bits + 1) * max(|a|, |b|)`` where ``a`` and ``b`` are the two true
    middle values (one value for an odd count). ``bits`` is the largest that keeps the
    column under the cap, whatever the grouping of the merges: 13 to 16 for a million
    distinct values of common distributions, never below 5 with a cap of 200,000.
    """
    if numbers.values is None or numbers.counts is None:
        raise ValueError("this summary holds no values for the median: summarize with fill='median'")
    total = int(numbers.counts.sum())
    if total == 0:
        return float("nan")
    ends = np.cumsum(numbers.counts)
    middle = numbers.values[np.searchsorted(ends, [(total - 1) // 2, total // 2], side="right")]
    if numbers.bits < EXACT_BITS:  # a bucket's centre: its first dropped bit set (zero stays zero)
        centres = (middle.view(np.uint64) | np.uint64(1 << (EXACT_BITS - 1 - numbers.bits))).view(np.float64)
        middle = np.where(middle == 0, middle, centres)
    return float(middle[0]) if total % 2 else float(np.mean(middle))


def _under_cap(numbers: Numbers, bits: int) -> Numbers:
    """``numbers`` with its values rounded to fewer bits until at most MEDIAN_CAP remain."""
    while numbers.values is not None and len(numbers.values) > MEDIAN_CAP:
        bits -= 1
        numbers = _collapsed(numbers, _rounded(numbers.values, bits), numbers.counts, bits)
    return numbers


def _collapsed(numbers: Numbers, values: np.ndarray, counts, bits: int) -> Numbers:
    """``numbers`` holding sorted ``values`` with their equal neighbours counted once."""
    new = np.ones(len(values), dtype=bool)
    new[1:] = values[1:] != values[:-1]
    starts = np.flatnonzero(new)
    merged = np.add.reduceat(counts, starts) if len(starts) else counts
    return replace(numbers, values=values[starts], counts=merged, bits=bits)


def _rounded(values: np.ndarray, bits: int) -> np.ndarray:
    """Float64 values rounded toward zero to ``bits`` fraction bits (order-preserving, and
    rounding to b bits then to fewer is rounding to fewer at once)."""
    if bits >= EXACT_BITS:
        return values
    mask = np.uint64((2**64 - 1) ^ (2 ** (EXACT_BITS - bits) - 1))
    return (values.view(np.uint64) & mask).view(np.float64)


@dataclass(frozen=True)
class Column:
    """One column of a :class:`ProcessorSummary`: its dtype, and its :class:`Levels` if it
    may be categorical and its :class:`Numbers` if it may be continuous. An integer column
    may be either under the automatic rule: its levels are dropped (None) once it has more
    than ``level_cap`` (``max_card``) distinct values, which makes it continuous."""

    dtype: object
    levels: Levels | None
    numbers: Numbers | None
    level_cap: int | None = None


@dataclass(frozen=True)
class ProcessorSummary:
    """What a :class:`TabularProcessor` fit needs from one or more partitions.

    Attributes
    ----------
    settings : dict
        The processor parameters the summary depends on (column roles, ``max_card``, median
        fill); summaries merge and fit only with the same.
    names : tuple of str
        Every column, in the order of the first partition with rows.
    columns : dict of str to Column
        The columns the processor may use (all of them unless both role lists are given).
    n_rows : int
    lineage : dict of str to str
        The feature lineage every partition with rows records (empty when they differ).
    labels : tuple
        The partitions' labels (None for an unlabelled one), for messages.
    """

    settings: dict
    names: tuple[str, ...]
    columns: dict[str, Column]
    n_rows: int
    lineage: dict[str, str]
    labels: tuple

    def median_bits(self) -> dict[str, int]:
        """Continuous column -> fraction bits its median is computed with, for the columns
        over the cap (the median's relative error is at most ``2**-(bits + 1)``, see
        :func:`median`)."""
        return {
            col: column.numbers.bits
            for col, column in self.columns.items()
            if column.numbers is not None and column.numbers.bits < EXACT_BITS
        }


def merge_two(a: ProcessorSummary, b: ProcessorSummary) -> ProcessorSummary:
    """Two summaries as one (``a``'s partitions first), or a ValueError naming what differs."""
    if a.settings != b.settings:
        raise ValueError(
            f"{where(a.labels)} and {where(b.labels)} were summarized for different processor settings: "
            f"{a.settings} and {b.settings}"
        )
    if set(a.names) != set(b.names):
        extra, lacking = [c for c in b.names if c not in a.names], [c for c in a.names if c not in b.names]
        raise ValueError(
            f"the partitions' columns differ: {where(b.labels)} has {extra} that {where(a.labels)} lacks "
            f"and lacks {lacking}"
        )
    if a.n_rows == 0 or b.n_rows == 0:  # no values: its dtypes (which files with no rows often lose) do not count
        kept = b if a.n_rows == 0 and b.n_rows else a
        return ProcessorSummary(
            a.settings, kept.names, kept.columns, a.n_rows + b.n_rows, kept.lineage, a.labels + b.labels
        )
    columns = {}
    for col, column in a.columns.items():
        other = b.columns[col]
        if not bool(column.dtype == other.dtype):
            raise ValueError(
                f"column {col!r} is {_show(column.dtype, other.dtype)} in {where(a.labels)} but "
                f"{_show(other.dtype, column.dtype)} in {where(b.labels)}; give it one dtype in every partition"
            )
        levels = None if column.levels is None or other.levels is None else merge_levels(column.levels, other.levels)
        numbers = (
            None if column.numbers is None or other.numbers is None else merge_numbers(column.numbers, other.numbers)
        )
        columns[col] = Column(column.dtype, capped(levels, column.level_cap), numbers, column.level_cap)
    lineage = a.lineage if a.lineage == b.lineage else {}
    return ProcessorSummary(a.settings, a.names, columns, a.n_rows + b.n_rows, lineage, a.labels + b.labels)


def capped(levels: Levels | None, cap: int | None) -> Levels | None:
    """``levels``, or None past ``cap`` distinct values."""
    return None if levels is None or (cap is not None and len(levels.uniques) > cap) else levels


def where(labels: tuple) -> str:
    """The partitions behind a summary, for messages."""
    if len(labels) == 1:
        return "an unlabelled partition" if labels[0] is None else f"partition {labels[0]}"
    named = [str(label) for label in labels if label is not None]
    shown = named[:5] + ([f"{len(named) - 5} more"] if len(named) > 5 else [])
    unnamed = len(labels) - len(named)
    return "partitions " + ", ".join(shown + ([f"{unnamed} unlabelled"] if unnamed else []))


def _show(dtype, other) -> str:
    """A dtype for a message: its repr when its name is the other's (str storages, categories)."""
    return repr(dtype) if str(dtype) == str(other) else str(dtype)
