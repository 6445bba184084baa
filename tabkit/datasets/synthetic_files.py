"""A synthetic Rossmann data set written as Kaggle's files in bounded memory, whatever its
size: ``train.csv`` and ``test.csv`` are built and written a block of days at a time, in
Kaggle's order (newest day first, then by store), from the panel's blocks
(:class:`~tabkit.datasets.sales.SalesPanel`). The files equal those of
``write_rossmann(make_rossmann(...))``, which holds every table at once. The same blocks
can go straight to Parquet partitions by store (:func:`write_synthetic_partitions`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tabkit.datasets.partition_writer import PartitionedRossmann, check_target, write_partitioned
from tabkit.datasets.synthetic import RossmannPlan, plan_rossmann
from tabkit.datasets.writer import LAYOUTS, write_csv, write_table

__all__ = ["WrittenRossmann", "write_synthetic_partitions", "write_synthetic_rossmann"]

ROWS_PER_BLOCK = 200_000
"""About as many panel rows (days x stores) are built and written at once; a block is at
least a week of every store."""


@dataclass
class WrittenRossmann:
    """What :func:`write_synthetic_rossmann` wrote: the folder and the train and test rows."""

    folder: Path
    train_rows: int
    test_rows: int


def write_synthetic_rossmann(
    out_dir: str | os.PathLike[str],
    n_stores: int = 1115,
    *,
    start: str = "2013-01-01",
    end: str = "2015-07-31",
    test_days: int = 48,
    seed: int = 0,
    layout: str = "per_state",
    rows_per_block: int = ROWS_PER_BLOCK,
) -> WrittenRossmann:
    """Write ``make_rossmann``'s data set as ``write_rossmann`` writes it, without holding
    its train and test tables: memory grows with ``rows_per_block`` (and a few values per
    store), not with the rows written.

    Parameters
    ----------
    out_dir : str or path-like
        The folder; created when missing.
    n_stores, start, end, test_days, seed
        As :func:`tabkit.datasets.make_rossmann`.
    layout : {"per_state", "combined"}, default "per_state"
        As :func:`tabkit.datasets.write_rossmann`.
    rows_per_block : int, default 200000
        About as many rows built and written at once (at least a week of every store).

    Returns
    -------
    WrittenRossmann

    Raises
    ------
    ValueError
        For the arguments ``make_rossmann`` or ``write_rossmann`` refuse, or
        ``rows_per_block`` below 1; raised before anything is written.
    """
    plan = _plan(n_stores, start, end, test_days, seed, layout, rows_per_block)
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    write_csv(_train_blocks(plan), root / "train.csv")
    write_csv(_test_blocks(plan), root / "test.csv")
    for name, frame in plan.tables.items():
        write_table(name, frame, root, layout)
    n_test_days = len(plan.dates) - plan.n_train
    return WrittenRossmann(root, plan.n_train * plan.n_stores, n_test_days * len(plan.test_stores))


def write_synthetic_partitions(
    out_dir: str | os.PathLike[str],
    n_stores: int,
    n_partitions: int,
    *,
    start: str = "2013-01-01",
    end: str = "2015-07-31",
    test_days: int = 48,
    seed: int = 0,
    layout: str = "per_state",
    rows_per_block: int = ROWS_PER_BLOCK,
) -> PartitionedRossmann:
    """Write ``make_rossmann``'s data set as ``partition_rossmann`` partitions the folder
    :func:`write_synthetic_rossmann` writes, without the CSV files in between: the blocks
    of days go straight to the partition files, in memory bounded by ``rows_per_block``.

    Parameters
    ----------
    out_dir : str or path-like
        The partitioned folder; missing or empty.
    n_stores, start, end, test_days, seed, layout, rows_per_block
        As :func:`write_synthetic_rossmann`.
    n_partitions : int
        As :func:`tabkit.datasets.partitioned.partition_rossmann` (1..``n_stores``).

    Returns
    -------
    PartitionedRossmann

    Raises
    ------
    ValueError
        For the arguments ``write_synthetic_rossmann`` or ``partition_rossmann`` refuse;
        raised before anything is written.
    """
    check_target(out_dir, n_partitions, int(n_stores))
    plan = _plan(n_stores, start, end, test_days, seed, layout, rows_per_block)

    def write_small_tables(root: Path) -> None:
        for name, frame in plan.tables.items():
            write_table(name, frame, root, layout)

    chunks = {"train": _train_blocks(plan), "test": _test_blocks(plan)}
    return write_partitioned(
        out_dir, n_partitions, plan.tables["store"]["Store"].to_numpy(), chunks, write_small_tables
    )


def _plan(
    n_stores: int, start: str, end: str, test_days: int, seed: int, layout: str, rows_per_block: int
) -> RossmannPlan:
    """The checked arguments' plan, its blocks about ``rows_per_block`` rows."""
    if layout not in LAYOUTS:
        raise ValueError(f"write_synthetic_rossmann: layout must be one of {LAYOUTS}, got {layout!r}")
    if rows_per_block < 1:
        raise ValueError(f"write_synthetic_rossmann: rows_per_block must be at least 1, got {rows_per_block}")
    weeks = max(1, rows_per_block // (7 * max(int(n_stores), 1)))
    return plan_rossmann(n_stores, start=start, end=end, test_days=test_days, seed=seed, block_days=7 * weeks)


def _newest_first(plan: RossmannPlan, test: bool) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """The training (or test) days of each block, newest block and day first, with their
    panel rows; blocks without such days are not built."""
    size = plan.sales.block_days
    for index in reversed(range(plan.sales.n_blocks)):
        if test and (index + 1) * size <= plan.n_train:
            return  # this block and every older one end before the test days
        if not test and index * size >= plan.n_train:
            continue  # test days only
        days, values = plan.sales.block(index)
        kept = np.flatnonzero((days >= plan.n_train) if test else (days < plan.n_train))[::-1]
        yield days[kept], {name: column[kept] for name, column in values.items()}


def _train_blocks(plan: RossmannPlan) -> Iterator[pd.DataFrame]:
    for days, values in _newest_first(plan, test=False):
        yield plan.train_rows(days, values)


def _test_blocks(plan: RossmannPlan) -> Iterator[pd.DataFrame]:
    first = 0
    for days, values in _newest_first(plan, test=True):
        rows = plan.test_rows(days, values["Open"][:, plan.test_stores], first)
        first += len(rows)
        yield rows
