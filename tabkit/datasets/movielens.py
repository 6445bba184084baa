"""MovieLens ratings: read either public layout, write the 100k layout.

The 100k set (``ml-100k``): ``u.data``, tab-separated ``user item rating timestamp``
without a header, and ``u.item``, ``|``-separated latin-1 ``item|title|release
date|video release date|IMDb URL|19 genre flags``. The "latest-small" set
(``ml-latest-small``): ``ratings.csv`` (``userId,movieId,rating,timestamp``) and
``movies.csv`` (``movieId,title,genres``). GroupLens's licence forbids redistributing
the files: tabkit ships none; :func:`tabkit.datasets.make_ratings` writes look-alikes.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from tabkit.files import atomic_write

LAYOUTS = {
    "100k": ("u.data", "u.item"),
    "latest-small": ("ratings.csv", "movies.csv"),
}
N_GENRES = 19


def load_movielens(path: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Read a MovieLens folder in the 100k or the latest-small layout.

    Parameters
    ----------
    path : str or path-like
        The folder holding ``u.data`` + ``u.item`` or ``ratings.csv`` + ``movies.csv``.

    Returns
    -------
    dict of str to DataFrame
        ``"ratings"``: columns ``user`` (int64), ``item`` (int64), ``rating`` (float64)
        and ``timestamp`` (datetime64, from the Unix seconds), in file order;
        ``"items"``: ``item`` (int64) and ``title`` (str), one row per item.

    Raises
    ------
    ValueError
        If the folder does not exist, holds neither layout (or only half of one), or a
        file cannot be parsed (the message names the file and the line).
    """
    root = Path(path)
    if not root.is_dir():
        raise ValueError(f"load_movielens: {root} is not a directory")
    for layout, files in LAYOUTS.items():
        present = [name for name in files if (root / name).is_file()]
        if len(present) == len(files):
            reader = _read_100k if layout == "100k" else _read_latest_small
            return reader(root)
        if present:
            missing = [name for name in files if name not in present]
            raise ValueError(
                f"load_movielens: {root} has {present[0]} but not {missing[0]} (the {layout} layout needs both)"
            )
    raise ValueError(
        f"load_movielens: {root} holds neither MovieLens layout: 100k's u.data + u.item "
        "or latest-small's ratings.csv + movies.csv"
    )


def write_movielens(tables: Mapping[str, pd.DataFrame], folder: str | os.PathLike[str]) -> Path:
    """Write ratings and items in the 100k layout (``u.data``, ``u.item``), each through a
    temporary file, so that :func:`load_movielens` reads them back.

    Parameters
    ----------
    tables : mapping
        ``"ratings"`` (user, item, rating, timestamp) and ``"items"`` (item, title), as
        :func:`load_movielens` or :func:`tabkit.datasets.make_ratings` return them.
        Users and items must be integers and ratings whole numbers, as in the 100k set.
    folder : str or path-like
        Created when missing.

    Returns
    -------
    Path
        ``folder``.
    """
    for name, columns in (("ratings", ["user", "item", "rating", "timestamp"]), ("items", ["item", "title"])):
        if name not in tables:
            raise ValueError(f"write_movielens: missing table {name!r}")
        absent = [col for col in columns if col not in tables[name].columns]
        if absent:
            raise ValueError(f"write_movielens: table {name!r} lacks column(s) {absent}")
    ratings, items = tables["ratings"], tables["items"]
    rating = ratings["rating"].to_numpy(np.float64)
    if not np.array_equal(rating, np.round(rating)):
        raise ValueError(
            "write_movielens: the 100k layout holds whole-star ratings; "
            f"{int((rating != np.round(rating)).sum())} rating(s) are not whole numbers"
        )
    titles = items["title"].astype(str)
    unwritable = [title for title in titles if "|" in title or not _latin1(title)]
    if unwritable:
        raise ValueError(
            f"write_movielens: u.item is |-separated latin-1; {len(unwritable)} title(s) hold a '|' or "
            f"another character, e.g. {unwritable[0]!r}"
        )
    seconds = pd.to_datetime(ratings["timestamp"]).astype("datetime64[s]").astype(np.int64)
    data = pd.DataFrame(
        {
            "user": ratings["user"].astype(np.int64),
            "item": ratings["item"].astype(np.int64),
            "rating": rating.astype(np.int64),
            "timestamp": seconds,
        }
    )
    item_rows = pd.DataFrame(
        {"item": items["item"].astype(np.int64), "title": titles, "release": "", "video": "", "url": ""}
    )
    for genre in range(N_GENRES):
        item_rows[f"g{genre}"] = 0
    root = Path(folder)
    atomic_write(root / "u.data", lambda tmp: data.to_csv(tmp, sep="\t", header=False, index=False))
    atomic_write(
        root / "u.item",
        lambda tmp: item_rows.to_csv(
            tmp, sep="|", header=False, index=False, encoding="latin-1", quoting=csv.QUOTE_NONE
        ),
    )
    return root


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _read_100k(root: Path) -> dict[str, pd.DataFrame]:
    ratings = _read(root / "u.data", sep="\t", names=["user", "item", "rating", "timestamp"], header=None)
    items = _read(
        root / "u.item",
        sep="|",
        names=["item", "title"],
        usecols=[0, 1],
        header=None,
        encoding="latin-1",
        quoting=csv.QUOTE_NONE,
    )
    return _tidy(ratings, items)


def _read_latest_small(root: Path) -> dict[str, pd.DataFrame]:
    ratings = _read(root / "ratings.csv", header=0)
    ratings = _renamed(
        ratings, {"userId": "user", "movieId": "item", "rating": "rating", "timestamp": "timestamp"}, "ratings.csv"
    )
    items = _renamed(_read(root / "movies.csv", header=0), {"movieId": "item", "title": "title"}, "movies.csv")
    return _tidy(ratings, items)


def _read(file: Path, **options) -> pd.DataFrame:
    try:
        return pd.read_csv(file, **options)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"load_movielens: cannot parse {file.name}: {error}") from None


def _renamed(frame: pd.DataFrame, names: dict[str, str], file: str) -> pd.DataFrame:
    missing = [col for col in names if col not in frame.columns]
    if missing:
        raise ValueError(f"load_movielens: {file} lacks column(s) {missing}")
    return frame[list(names)].rename(columns=names)


def _tidy(ratings: pd.DataFrame, items: pd.DataFrame) -> dict[str, pd.DataFrame]:
    out = {}
    for col, kind in (("user", "int64"), ("item", "int64"), ("rating", "float64"), ("timestamp", "int64")):
        values = pd.to_numeric(ratings[col], errors="coerce")
        bad = values.isna()
        if bad.any():
            line = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(
                f"load_movielens: {int(bad.sum())} bad {col} value(s) in the ratings, the first on "
                f"data row {line + 1}: {ratings[col].iloc[line]!r}"
            )
        out[col] = values.astype(kind)
    out["timestamp"] = pd.to_datetime(out["timestamp"], unit="s")
    ids = pd.to_numeric(items["item"], errors="coerce")
    if ids.isna().any():
        raise ValueError(f"load_movielens: {int(ids.isna().sum())} bad item id(s) in the items file")
    titles = pd.DataFrame({"item": ids.astype("int64"), "title": items["title"].fillna("").astype(str)})
    return {"ratings": pd.DataFrame(out), "items": titles.reset_index(drop=True)}
