"""Write Rossmann's train and test tables, given a chunk of rows at a time, as Parquet
partitions by store (see :mod:`tabkit.datasets.partitioned`): the stores sorted and cut into
blocks of about equal store count, each chunk adding one row group to each partition it has
rows of, every file of a table in the Arrow schema of its ``SCHEMAS`` entry."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tabkit.datasets.schema import DATE, SCHEMAS, STR
from tabkit.files import atomic_folder

TABLES = ("train", "test")
_ARROW_TYPES = {"int64": pa.int64(), "float64": pa.float64(), DATE: pa.timestamp("ns"), STR: pa.string()}


@dataclass
class PartitionedRossmann:
    """What was partitioned: the folder, the partition count and the rows written, in all
    and per partition (partition ``k`` at position ``k``)."""

    folder: Path
    n_partitions: int
    train_rows: int
    test_rows: int
    train_partition_rows: tuple[int, ...]
    test_partition_rows: tuple[int, ...]


def check_target(out_dir: str | os.PathLike[str], n_partitions: int, n_stores: int) -> None:
    """ValueError unless ``n_partitions`` is in 1..``n_stores`` and ``out_dir`` is missing
    or an empty folder."""
    if isinstance(n_partitions, bool) or not isinstance(n_partitions, int | np.integer) or n_partitions < 1:
        raise ValueError(f"partition_rossmann: n_partitions must be an integer of at least 1, got {n_partitions!r}")
    if n_partitions > n_stores:
        raise ValueError(
            f"partition_rossmann: {n_partitions} partitions for {n_stores} store(s) would leave some without "
            f"stores; use at most {n_stores}"
        )
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"partition_rossmann: {out} exists and is not an empty folder; choose a new one")


def write_partitioned(
    out_dir: str | os.PathLike[str],
    n_partitions: int,
    stores: np.ndarray,
    chunks: Mapping[str, Iterable[pd.DataFrame]],
    write_small_tables: Callable[[Path], None],
) -> PartitionedRossmann:
    """Write the partitioned folder from checked train and test chunks (in the schema of
    ``SCHEMAS``) and the store numbers; ``write_small_tables(folder)`` adds the rest.
    Call :func:`check_target` first."""
    sorted_stores = np.unique(stores)
    block_sizes = [len(block) for block in np.array_split(sorted_stores, n_partitions)]
    partition_of = np.repeat(np.arange(n_partitions), block_sizes)
    rows: dict[str, np.ndarray] = {}

    def write(root: Path) -> None:
        write_small_tables(root)
        for table in TABLES:
            rows[table] = _write_table(root / table, table, chunks[table], sorted_stores, partition_of)

    folder = atomic_folder(Path(out_dir), write)
    return PartitionedRossmann(
        folder=folder,
        n_partitions=n_partitions,
        train_rows=int(rows["train"].sum()),
        test_rows=int(rows["test"].sum()),
        train_partition_rows=tuple(int(n) for n in rows["train"]),
        test_partition_rows=tuple(int(n) for n in rows["test"]),
    )


def _write_table(
    folder: Path, table: str, chunks: Iterable[pd.DataFrame], sorted_stores: np.ndarray, partition_of: np.ndarray
) -> np.ndarray:
    """Route each chunk's rows to their partition files; the rows per partition."""
    n_partitions = int(partition_of[-1]) + 1
    schema = arrow_schema(table)
    counts = np.zeros(n_partitions, np.int64)
    folder.mkdir()
    with ExitStack() as stack:
        writers = [
            stack.enter_context(pq.ParquetWriter(folder / partition_name(k), schema)) for k in range(n_partitions)
        ]
        first = 0
        for chunk in chunks:
            store = chunk["Store"].to_numpy()
            position = np.minimum(np.searchsorted(sorted_stores, store), len(sorted_stores) - 1)
            unknown = np.flatnonzero(sorted_stores[position] != store)
            if len(unknown):
                row = first + int(unknown[0])
                raise ValueError(
                    f"partition_rossmann: file {table}.csv, row {row + 1} (line {row + 2}): store "
                    f"{int(store[unknown[0]])} is not in store.csv ({len(unknown)} such row(s) in this chunk)"
                )
            partition = partition_of[position]
            order = np.argsort(partition, kind="stable")  # rows keep their order within a partition
            bounds = np.searchsorted(partition[order], np.arange(n_partitions + 1))
            rows = pa.Table.from_pandas(chunk, schema=schema, preserve_index=False).take(order)
            for k in np.flatnonzero(np.diff(bounds)):
                part = rows.slice(bounds[k], bounds[k + 1] - bounds[k])
                writers[k].write_table(part, row_group_size=part.num_rows)
            counts += np.diff(bounds)
            first += len(chunk)
    return counts


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of ``table``'s partition files, from ``SCHEMAS``."""
    return pa.schema([pa.field(column, _ARROW_TYPES[dtype]) for column, dtype in SCHEMAS[table].items()])


def partition_name(k: int) -> str:
    """The file name of partition ``k``."""
    return f"part-{k:05d}.parquet"
