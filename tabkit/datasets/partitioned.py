"""Rossmann's train and test tables as Parquet partitions by store, written and read in
bounded memory.

Partition ``k`` of a folder holds every row, train and test, of one block of stores (the
stores of ``store.csv`` sorted and cut into blocks of about equal store count), so that
per-store features can be built one partition at a time. The folder::

    train/part-00000.parquet ...    test/part-00000.parquet ...
    store.csv  store_states.csv  state_names.csv  googletrend/ or googletrend.csv  weather/ ...

The small tables are kept as Kaggle's files, so the folder is one ``load_rossmann`` reads
but for train and test. Every partition file of a table has the Arrow schema of the
table's ``SCHEMAS`` entry, whatever rows it holds.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from tabkit.datasets.loader import (
    load_small_tables,
    read_plain_chunks,
    rossmann_folder,
    small_table_files,
)
from tabkit.datasets.partition_writer import (
    TABLES,
    PartitionedRossmann,
    arrow_schema,
    check_target,
    partition_name,
    write_partitioned,
)
from tabkit.datasets.schema import conform

__all__ = [
    "PartitionedRossmann",
    "check_partitions",
    "load_partition_tables",
    "partition_files",
    "partition_rossmann",
    "read_partition",
]

CHUNK_ROWS = 500_000


def partition_rossmann(
    source_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    n_partitions: int,
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> PartitionedRossmann:
    """Write a Kaggle-layout Rossmann folder's train and test tables as Parquet partitions
    by store, reading ``chunk_rows`` CSV rows at a time: memory grows with ``chunk_rows``
    (and the store count), not with the tables.

    Rows are read and checked as ``load_rossmann`` reads them; each chunk adds one row group
    to each partition it has rows of, rows keeping the CSV's order. The small tables are
    checked and copied unchanged. Everything is written into a temporary folder renamed
    to ``out_dir`` at the end.

    Parameters
    ----------
    source_dir : str or path-like
        A folder in Kaggle's layout (``train.csv``, ``test.csv``, ``store.csv``, ...).
    out_dir : str or path-like
        The partitioned folder to write; missing or empty.
    n_partitions : int
        Blocks of stores, from 1 to the number of stores in ``store.csv``.
    chunk_rows : int, default 500000
        CSV rows read at once.

    Returns
    -------
    PartitionedRossmann

    Raises
    ------
    ValueError
        Before anything is written: if a file or column is missing, a small table does not
        load, ``n_partitions`` is not in 1..stores, ``chunk_rows`` is below 1 or ``out_dir``
        is a file or a folder that is not empty. While reading (leaving nothing behind): if
        a value cannot be parsed (naming file, column and row) or a row's store is not in
        ``store.csv``.
    """
    if chunk_rows < 1:
        raise ValueError(f"partition_rossmann: chunk_rows must be at least 1, got {chunk_rows}")
    source = rossmann_folder(source_dir)
    chunks = {table: read_plain_chunks(source, table, chunk_rows) for table in TABLES}
    stores = load_small_tables(source)["store"]["Store"].to_numpy()  # every small table checked before any work
    check_target(out_dir, n_partitions, len(np.unique(stores)))

    def copy_small_tables(root: Path) -> None:
        for relative in small_table_files(source):
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / relative, root / relative)

    return write_partitioned(out_dir, n_partitions, stores, chunks, copy_small_tables)


def partition_files(folder: str | os.PathLike[str], table: str) -> list[Path]:
    """The partition files of ``table`` (``"train"`` or ``"test"``) in ``folder``, by number."""
    if table not in TABLES:
        raise ValueError(f"partitioned Rossmann: table must be one of {TABLES}, got {table!r}")
    return sorted((Path(folder) / table).glob("part-*.parquet"))


def check_partitions(folder: str | os.PathLike[str]) -> int:
    """Check a partitioned folder from the Parquet schemas alone (no rows are read).

    Parameters
    ----------
    folder : str or path-like
        A folder :func:`partition_rossmann` wrote.

    Returns
    -------
    int
        The number of partitions.

    Raises
    ------
    ValueError
        If a table has no partition files or a gap in their numbers, train and test have
        different partition counts, or a file's columns or types differ from the table's
        (the message names the file, the column and both types).
    """
    counts = {}
    for table in TABLES:
        files = partition_files(folder, table)
        if not files:
            raise ValueError(
                f"check_partitions: {Path(folder) / table} holds no partition files (part-00000.parquet ...)"
            )
        expected = [partition_name(k) for k in range(len(files))]
        if [file.name for file in files] != expected:
            gaps = sorted(set(expected) - {file.name for file in files})
            raise ValueError(f"check_partitions: {Path(folder) / table} lacks {gaps[:3]} among {len(files)} files")
        for file in files:
            _check_schema(file, table)
        counts[table] = len(files)
    if counts["train"] != counts["test"]:
        raise ValueError(
            f"check_partitions: {folder} has {counts['train']} train partitions but {counts['test']} test partitions"
        )
    return counts["train"]


def _check_schema(file: Path, table: str) -> None:
    """ValueError naming the file, the column and both types when ``file`` is not in
    ``table``'s partition schema."""
    found, expected = pq.read_schema(file), arrow_schema(table)
    label = f"{file.parent.name}/{file.name}"
    for field in expected:
        if field.name not in found.names:
            raise ValueError(f"partition file {label} ({file}) lacks column {field.name!r} ({field.type})")
        other = found.field(field.name).type
        if other != field.type:
            raise ValueError(
                f"partition file {label} ({file}), column {field.name!r}: type {other}, but {field.type} "
                f"in the {table} schema every partition file shares"
            )
    if found.names != expected.names:
        extra = [name for name in found.names if name not in expected.names]
        problem = f"extra column(s) {extra}" if extra else f"columns in the order {found.names}"
        raise ValueError(f"partition file {label} ({file}) has {problem}; the {table} schema has {expected.names}")


def read_partition(folder: str | os.PathLike[str], table: str, k: int) -> pd.DataFrame:
    """Partition ``k`` of ``table`` (``"train"`` or ``"test"``), in the table's columns and
    dtypes as ``load_rossmann`` returns them, rows in the CSV's order.

    Raises
    ------
    ValueError
        If the folder has no such partition, or its file's schema is not the table's.
    """
    files = partition_files(folder, table)
    if not 0 <= k < len(files):
        raise ValueError(
            f"read_partition: no partition {k} of {table}: {Path(folder) / table} holds {len(files)} partition file(s)"
        )
    file = Path(folder) / table / partition_name(k)
    if not file.is_file():
        raise ValueError(f"read_partition: missing partition file {file}")
    _check_schema(file, table)
    return conform(pq.read_table(file).to_pandas(), table)


def load_partition_tables(folder: str | os.PathLike[str], k: int) -> dict[str, pd.DataFrame]:
    """The tables ``load_rossmann`` returns for the data set, with train and test holding
    only partition ``k``'s rows (its stores' rows, in the CSV's order) and the small
    tables whole.

    Parameters
    ----------
    folder : str or path-like
        A folder :func:`partition_rossmann` wrote.
    k : int
        The partition, from 0.

    Returns
    -------
    dict of str to DataFrame
        Keys, columns and dtypes as :func:`tabkit.datasets.load_rossmann`.

    Raises
    ------
    ValueError
        As :func:`read_partition`, or when a small table does not load.
    """
    root = rossmann_folder(folder)
    tables = {table: read_partition(root, table, k) for table in TABLES}
    return {**tables, **load_small_tables(root)}
