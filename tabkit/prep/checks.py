"""Small helpers for error messages about bad values."""

from __future__ import annotations

import pandas as pd


def first_value(values: pd.Series) -> str:
    """``repr`` of the first value of ``values`` as a plain Python value (for messages)."""
    value = values.iloc[0]
    return repr(value.item() if hasattr(value, "item") else value)
