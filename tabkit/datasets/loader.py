"""Load Kaggle's Rossmann CSV files (and the external tables) into checked DataFrames."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from tabkit.datasets.csv_tables import read_chunks, read_header, read_table
from tabkit.datasets.schema import NULLABLE, REQUIRED_TABLES, SCHEMAS, conform

_SMALL_PLAIN_TABLES = ("store", "store_states", "state_names")
_EXTERNAL_FILE_TABLES = ("googletrend", "weather")


def load_rossmann(path: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Read the Rossmann tables from a directory in Kaggle's CSV layout.

    ``train.csv``, ``test.csv`` and ``store.csv`` are required. ``store_states.csv``,
    ``state_names.csv``, the Google Trends and the weather tables are read when present,
    in either layout: one file per state (``googletrend/Rossmann_DE*.csv`` with a
    ``Woche`` column and the index; ``weather/<StateName>.csv``, ``;``-separated) or
    fastai's combined ``googletrend.csv`` (``file``, ``week``, ``trend``) and
    ``weather.csv`` (with a ``file`` column naming the state).

    Parameters
    ----------
    path : str or path-like
        The directory.

    Returns
    -------
    dict of str to DataFrame
        The tables found, keyed ``train``, ``test``, ``store``, ``store_states``,
        ``state_names``, ``googletrend``, ``weather``, each with the columns and dtypes of
        ``tabkit.datasets.schema.SCHEMAS`` (dates parsed, ``StateHoliday`` as the strings
        "0", "a", "b", "c"). Whatever the layout on disk, ``googletrend`` comes back as
        ``file``/``week``/``trend`` and ``weather`` with a ``file`` column.

    Raises
    ------
    ValueError
        If the directory, a required file or a column is missing, both layouts of an
        external table are present, or a value cannot be parsed; the message names the
        file, column and row.
    """
    root = rossmann_folder(path)
    tables = {table: read_plain_table(root, table) for table in ("train", "test")}
    return {**tables, **load_small_tables(root)}


def rossmann_folder(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path; ValueError when it is not a directory."""
    root = Path(path)
    if not root.is_dir():
        raise ValueError(f"load_rossmann: {root} is not a directory")
    return root


def load_small_tables(root: Path) -> dict[str, pd.DataFrame]:
    """The tables of :func:`load_rossmann` but train and test, read as it reads them."""
    tables = {table: read_plain_table(root, table) for table in _small_plain_tables(root)}
    for table, read_one in (("googletrend", _read_trend_file), ("weather", _read_weather_file)):
        frames = _read_external(root, table, read_one)
        if frames is not None:
            tables[table] = frames
    return tables


def small_table_files(root: Path) -> list[Path]:
    """The files :func:`load_small_tables` reads from ``root``, relative to it."""
    plain = [Path(f"{table}.csv") for table in _small_plain_tables(root)]
    return plain + [file.relative_to(root) for t in _EXTERNAL_FILE_TABLES for file in _external_files(root, t)]


def read_plain_table(root: Path, table: str) -> pd.DataFrame:
    """``root/<table>.csv`` in ``table``'s schema, checked."""
    file = root / f"{table}.csv"
    return read_table(file, file.name, SCHEMAS[table], nullable=NULLABLE.get(table, frozenset()))


def read_plain_chunks(root: Path, table: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """:func:`read_plain_table`'s frame ``chunk_rows`` rows at a time (its columns are
    checked at once, its values chunk by chunk)."""
    file = root / f"{table}.csv"
    return read_chunks(
        file, file.name, SCHEMAS[table], nullable=NULLABLE.get(table, frozenset()), chunk_rows=chunk_rows
    )


def _small_plain_tables(root: Path) -> list[str]:
    """The one-file tables besides train and test to read: the required ones, the others when present."""
    return [t for t in _SMALL_PLAIN_TABLES if t in REQUIRED_TABLES or (root / f"{t}.csv").exists()]


def _external_files(root: Path, table: str) -> list[Path]:
    """``[<table>.csv]``, the ``.csv`` files in ``<table>/`` by name, or ``[]`` when neither exists."""
    combined, folder = root / f"{table}.csv", root / table
    if combined.is_file() and folder.is_dir():
        raise ValueError(f"load_rossmann: both {combined.name} and {folder.name}/ exist; keep one layout")
    if combined.is_file():
        return [combined]
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.csv"), key=lambda p: p.stem)
    if not files:
        raise ValueError(f"load_rossmann: folder {folder.name}/ holds no .csv files")
    return files


def _read_external(root: Path, table: str, read_one: Callable[[Path, str], pd.DataFrame]) -> pd.DataFrame | None:
    """One external table from ``<table>.csv`` or from the files in ``<table>/``."""
    files = _external_files(root, table)
    if not files:
        return None
    if files == [root / f"{table}.csv"]:
        return read_plain_table(root, table)
    frames = [read_one(file, f"{table}/{file.name}").assign(file=file.stem) for file in files]
    return conform(pd.concat(frames, ignore_index=True), table)


def _read_trend_file(path: Path, label: str) -> pd.DataFrame:
    """A per-state Google Trends file: a week column (``Woche``) and the index."""
    header = read_header(path, label)
    if len(header) < 2:
        raise ValueError(f"load_rossmann: file {label} needs two columns (week, trend); it has {header}")
    schema = {c: d for c, d in SCHEMAS["googletrend"].items() if c != "file"}
    return read_table(path, label, schema, rename={header[0]: "week", header[1]: "trend"})


def _read_weather_file(path: Path, label: str) -> pd.DataFrame:
    """A per-state weather file: the weather columns, the state being the file name."""
    schema = {c: d for c, d in SCHEMAS["weather"].items() if c != "file"}
    return read_table(path, label, schema, nullable=NULLABLE["weather"])
