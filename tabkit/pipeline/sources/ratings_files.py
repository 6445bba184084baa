"""New user-item pairs for ``tabkit predict`` on a ratings run, in any of the forms the
ratings sources read: a frame, a MovieLens folder, a 100k ``u.data`` file, or a CSV file
with ``user`` and ``item`` columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

NEW_DATA = (
    "user-item pairs: a CSV file with user and item columns, a MovieLens folder, or its u.data "
    "(tab-separated user, item, rating, timestamp)"
)


def read_pairs(new: Any) -> pd.DataFrame:
    """The rows to rate, with at least ``user`` and ``item`` columns.

    Raises
    ------
    ValueError
        If the rows have no user or item column (naming the columns they have).
    """
    from tabkit.datasets import load_movielens

    if isinstance(new, pd.DataFrame):
        frame = new.copy()
    elif Path(new).is_dir():
        frame = load_movielens(new)["ratings"]
    elif Path(new).name == "u.data":
        frame = pd.read_csv(new, sep="\t", header=None, names=["user", "item", "rating", "timestamp"])
    else:
        frame = pd.read_csv(new)
    missing = [c for c in ("user", "item") if c not in frame.columns]
    if missing:
        raise ValueError(f"new ratings need the column(s) {missing}; they have {list(frame.columns)[:10]} ({NEW_DATA})")
    return frame
