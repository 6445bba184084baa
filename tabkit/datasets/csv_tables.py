"""Read one CSV file into a schema's columns and dtypes, or fail naming file, column and row."""

from __future__ import annotations

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
    rename = rename or {}
    header = read_header(path, label)
    on_disk = {rename.get(name, name): name for name in header}
    missing = [name for name in dtypes if name not in on_disk]
    if missing:
        raise ValueError(f"load_rossmann: file {label} has no column(s) {missing}; it has {header}")
    sep = sniff_separator(path)
    read_as = {on_disk[c]: (str if d in (DATE, STR) else d) for c, d in dtypes.items()}
    try:
        raw = pd.read_csv(path, sep=sep, usecols=list(read_as), dtype=read_as)
    except (ValueError, TypeError, OverflowError):
        raw = pd.read_csv(path, sep=sep, usecols=list(read_as), dtype=str)
        _raise_first_bad_number(raw, label, {on_disk[c]: d for c, d in dtypes.items()})
        raise
    frame = raw.rename(columns={v: k for k, v in on_disk.items()})[list(dtypes)]

    for column, dtype in dtypes.items():
        values = frame[column]
        if column not in nullable and values.isna().any():
            _fail(label, column, values.isna().to_numpy(), values, "missing")
        if dtype == DATE:
            parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
            bad = (parsed.isna() & values.notna()).to_numpy()
            if bad.any():
                _fail(label, column, bad, values, "not a YYYY-MM-DD date")
            frame[column] = parsed.astype(DATE)
        elif column in _DOMAINS:
            bad = (~values.isin(_DOMAINS[column]) & values.notna()).to_numpy()
            if bad.any():
                _fail(label, column, bad, values, f"not one of {sorted(_DOMAINS[column])}")
        elif column in _PATTERNS:
            pattern, problem = _PATTERNS[column]
            bad = (~values.str.fullmatch(pattern).fillna(True).astype(bool)).to_numpy()
            if bad.any():
                _fail(label, column, bad, values, problem)
    return frame.astype(dtypes)


def _raise_first_bad_number(raw: pd.DataFrame, label: str, dtypes: dict[str, str]) -> None:
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
            _fail(label, column, bad, text, f"not {'an integer' if dtype == 'int64' else 'a number'}")


def _fail(label: str, column: str, bad: np.ndarray, values: pd.Series, problem: str) -> None:
    row = int(np.flatnonzero(bad)[0])
    value = values.iloc[row]
    what = "the value is missing" if pd.isna(value) else f"{value!r} is {problem}"
    raise ValueError(
        f"load_rossmann: file {label}, column {column!r}, row {row + 1} (line {row + 2}): "
        f"{what} ({int(bad.sum())} bad row(s) in all)"
    )
