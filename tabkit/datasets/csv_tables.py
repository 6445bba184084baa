"""Read one CSV file (whole or a chunk of rows at a time) into a schema's columns and dtypes,
or fail naming file, column and row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from tabkit.datasets.schema import DATE, STATE_HOLIDAY_CODES, STR

_DOMAINS = {"StateHoliday": frozenset(STATE_HOLIDAY_CODES)}
_PATTERNS = {"week": (r"\d{4}-\d{2}-\d{2} - \d{4}-\d{2}-\d{2}", "not a 'YYYY-MM-DD - YYYY-MM-DD' week")}


def sniff_separator(path: Path) -> str:
    """``";"`` when the header line is split by semicolons (the weather files), else ``","``."""
    with open(path, encoding="utf-8") as handle:
        header = handle.readline()
    return ";" if header.count(";") > header.count(",") else ","


def read_header(path: Path, label: str) -> list[str]:
    """The column names of a CSV file; ValueError when the file is missing or empty."""
    if not path.is_file():
        raise ValueError(f"load_rossmann: missing file {label} ({path})")
    try:
        return list(pd.read_csv(path, sep=sniff_separator(path), nrows=0).columns)
    except pd.errors.EmptyDataError:
        raise ValueError(f"load_rossmann: file {label} is empty ({path})") from None


def read_table(
    path: Path,
    label: str,
    dtypes: dict[str, str],
    *,
    nullable: frozenset[str] = frozenset(),
    rename: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Read ``path`` into the columns of ``dtypes`` (after ``rename``), in that order.

    Extra columns are ignored. ``label`` names the file in error messages.

    Raises
    ------
    ValueError
        If the file or a column is missing, or a value cannot be parsed as its column's
        type, is missing in a column that may not have missing values, or (StateHoliday)
        is not one of the known codes; the message names the file, column and row.
    """
    sep, read_as, on_disk = _columns_to_read(path, label, dtypes, rename or {})
    try:
        raw = pd.read_csv(path, sep=sep, usecols=list(read_as), dtype=read_as)
    except (ValueError, TypeError, OverflowError):
        text = pd.read_csv(path, sep=sep, usecols=list(read_as), dtype=str)
        _raise_first_bad_number(text, label, {on_disk[c]: d for c, d in dtypes.items()}, 0)
        raise
    return _checked(raw, label, dtypes, on_disk, nullable, 0)


def read_chunks(
    path: Path, label: str, dtypes: dict[str, str], *, nullable: frozenset[str] = frozenset(), chunk_rows: int
) -> Iterator[pd.DataFrame]:
    """:func:`read_table`'s frame ``chunk_rows`` rows at a time, in the file's order, with
    its checks and errors (rows counted from the file's start); the file's columns are
    checked before the first chunk is read."""
    sep, read_as, on_disk = _columns_to_read(path, label, dtypes, {})
    return _chunks(path, label, dtypes, nullable, chunk_rows, sep, read_as, on_disk)


def _chunks(
    path: Path,
    label: str,
    dtypes: dict[str, str],
    nullable: frozenset[str],
    chunk_rows: int,
    sep: str,
    read_as: dict[str, object],
    on_disk: dict[str, str],
) -> Iterator[pd.DataFrame]:
    first = 0
    with pd.read_csv(path, sep=sep, usecols=list(read_as), dtype=read_as, chunksize=chunk_rows) as reader:
        while True:
            try:
                raw = next(reader)
            except StopIteration:
                return
            except (ValueError, TypeError, OverflowError):
                # the typed read failed in this chunk: find the culprit reading it as text
                with pd.read_csv(path, sep=sep, usecols=list(read_as), dtype=str, chunksize=chunk_rows) as texts:
                    for index, text in enumerate(texts):
                        if index * chunk_rows >= first:
                            _raise_first_bad_number(text, label, {on_disk[c]: d for c, d in dtypes.items()}, first)
                            break
                raise
            rows = len(raw)
            checked = _checked(raw, label, dtypes, on_disk, nullable, first)
            del raw  # not held while the chunk is used
            yield checked
            first += rows


def _columns_to_read(
    path: Path, label: str, dtypes: dict[str, str], rename: dict[str, str]
) -> tuple[str, dict[str, object], dict[str, str]]:
    """The separator, the on-disk columns to read with their read dtypes, and the map from
    schema names to on-disk names; ValueError when a column is missing."""
    header = read_header(path, label)
    on_disk = {rename.get(name, name): name for name in header}
    missing = [name for name in dtypes if name not in on_disk]
    if missing:
        raise ValueError(f"load_rossmann: file {label} has no column(s) {missing}; it has {header}")
    read_as: dict[str, object] = {on_disk[c]: (str if d in (DATE, STR) else d) for c, d in dtypes.items()}
    return sniff_separator(path), read_as, on_disk


def _checked(
    raw: pd.DataFrame,
    label: str,
    dtypes: dict[str, str],
    on_disk: dict[str, str],
    nullable: frozenset[str],
    first: int,
) -> pd.DataFrame:
    """The rows read (the file's rows ``first`` on) in the schema's columns and dtypes,
    checked; dates parsed."""
    frame = raw.rename(columns={v: k for k, v in on_disk.items()})[list(dtypes)]
    for column, dtype in dtypes.items():
        values = frame[column]
        if column not in nullable and values.isna().any():
            _fail(label, column, values.isna().to_numpy(), values, "missing", first)
        if dtype == DATE:
            parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
            bad = (parsed.isna() & values.notna()).to_numpy()
            if bad.any():
                _fail(label, column, bad, values, "not a YYYY-MM-DD date", first)
            frame[column] = parsed.astype(DATE)
        elif column in _DOMAINS:
            bad = (~values.isin(_DOMAINS[column]) & values.notna()).to_numpy()
            if bad.any():
                _fail(label, column, bad, values, f"not one of {sorted(_DOMAINS[column])}", first)
        elif column in _PATTERNS:
            pattern, problem = _PATTERNS[column]
            bad = (~values.str.fullmatch(pattern).fillna(True).astype(bool)).to_numpy()
            if bad.any():
                _fail(label, column, bad, values, problem, first)
    return frame.astype(dtypes)


def _raise_first_bad_number(raw: pd.DataFrame, label: str, dtypes: dict[str, str], first: int) -> None:
    """Find the value that made the typed read fail, and raise naming it."""
    for column, dtype in dtypes.items():
        if dtype not in ("int64", "float64"):
            continue
        text = raw[column]
        numbers = pd.to_numeric(text, errors="coerce")
        bad = numbers.isna() & text.notna()
        if dtype == "int64":
            bad = bad | text.isna() | (numbers.notna() & (numbers != np.round(numbers)))
        bad = bad.to_numpy()
        if bad.any():
            _fail(label, column, bad, text, f"not {'an integer' if dtype == 'int64' else 'a number'}", first)


def _fail(label: str, column: str, bad: np.ndarray, values: pd.Series, problem: str, first: int) -> None:
    """Raise naming the first bad value; ``values`` are the file's rows ``first`` on."""
    local = int(np.flatnonzero(bad)[0])
    row = first + local
    value = values.iloc[local]
    what = "the value is missing" if pd.isna(value) else f"{value!r} is {problem}"
    raise ValueError(
        f"load_rossmann: file {label}, column {column!r}, row {row + 1} (line {row + 2}): "
        f"{what} ({int(bad.sum())} bad row(s) in all)"
    )
