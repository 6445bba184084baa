"""Write Rossmann tables as CSV files in Kaggle's layout, each through a temporary file."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from tabkit.datasets.schema import REQUIRED_TABLES, SCHEMAS
from tabkit.files import atomic_write

LAYOUTS = ("per_state", "combined")


def write_rossmann(
    tables: Mapping[str, pd.DataFrame],
    out_dir: str | os.PathLike[str],
    *,
    layout: str = "per_state",
) -> Path:
    """Write Rossmann tables as CSV files that ``load_rossmann`` reads back unchanged.

    ``train.csv``, ``test.csv``, ``store.csv``, ``store_states.csv`` and
    ``state_names.csv`` go to ``out_dir``; the Google Trends and weather tables go either
    one file per state (``googletrend/Rossmann_DE*.csv`` with a ``Woche`` column,
    ``weather/<StateName>.csv`` separated by ``;``, as in the real data) or, with
    ``layout="combined"``, to fastai's ``googletrend.csv`` and ``weather.csv``. Each file
    is written under a temporary name and renamed into place.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        At least ``train``, ``test`` and ``store``, as ``make_rossmann`` or
        ``load_rossmann`` return them; the external tables are written when present.
    out_dir : str or path-like
        The directory; created when missing.
    layout : {"per_state", "combined"}, default "per_state"
        File layout of the external tables.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    ValueError
        If ``layout`` is unknown, a required table is missing, or a table lacks one of
        its schema's columns; raised before anything is written.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"write_rossmann: layout must be one of {LAYOUTS}, got {layout!r}")
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        raise ValueError(f"write_rossmann: missing table(s) {missing}")
    for name, frame in tables.items():
        if name not in SCHEMAS:
            raise ValueError(f"write_rossmann: unknown table {name!r}; known: {sorted(SCHEMAS)}")
        absent = [c for c in SCHEMAS[name] if c not in frame.columns]
        if absent:
            raise ValueError(f"write_rossmann: table {name!r} lacks column(s) {absent}")

    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        write_table(name, frame, root, layout)
    return root


def write_table(name: str, frame: pd.DataFrame, root: Path, layout: str = "per_state") -> None:
    """Write one checked table of ``write_rossmann`` into ``root``, as it writes it."""
    frame = frame[list(SCHEMAS[name])]
    if name not in ("googletrend", "weather") or layout == "combined":
        write_csv(frame, root / f"{name}.csv")
    elif name == "googletrend":
        _write_trend_files(frame, root / "googletrend")
    else:
        folder = root / "weather"
        folder.mkdir(exist_ok=True)
        for state, rows in frame.groupby("file", sort=False):
            write_csv(rows.drop(columns="file"), folder / f"{state}.csv", sep=";", na_rep="NA")


def _write_trend_files(frame: pd.DataFrame, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    for file, rows in frame.groupby("file", sort=False):
        weeks = rows["week"].to_numpy()
        # the real files label the index column with the period they cover
        label = f"{weeks[0][:10]} - {weeks[-1][-10:]}"
        write_csv(rows[["week", "trend"]].set_axis(["Woche", label], axis=1), folder / f"{file}.csv")


def write_csv(frames: pd.DataFrame | Iterable[pd.DataFrame], path: Path, *, sep: str = ",", na_rep: str = "") -> None:
    """Write a frame, or the frames of one table one after another (the header once), as
    a CSV file in Kaggle's format, through a temporary file."""
    parts = [frames] if isinstance(frames, pd.DataFrame) else frames

    def write(temporary: Path) -> None:
        with open(temporary, "w", encoding="utf-8", newline="") as handle:
            for i, frame in enumerate(parts):
                frame.to_csv(handle, sep=sep, na_rep=na_rep, index=False, header=i == 0, date_format="%Y-%m-%d")

    atomic_write(path, write)
