"""Small helpers for input checks and error messages about bad values."""

from __future__ import annotations

import pandas as pd


def first_value(values: pd.Series) -> str:
    """``repr`` of the first value of ``values`` as a plain Python value (for messages)."""
    value = values.iloc[0]
    return repr(value.item() if hasattr(value, "item") else value)


def check_unique_columns(X: pd.DataFrame, who: str, name: str = "X") -> None:
    """Refuse a frame whose column names repeat (pandas would hand out frames for columns).

    Raises
    ------
    ValueError
        Naming ``who``, the frame and each duplicated name (first 10).
    """
    duplicated = X.columns[X.columns.duplicated()].unique()
    if len(duplicated):
        raise ValueError(
            f"{who}: {name} has {len(duplicated)} duplicated column name(s) {list(duplicated[:10])}; "
            "give every column a name of its own (e.g. X.loc[:, ~X.columns.duplicated()] keeps the first)"
        )
