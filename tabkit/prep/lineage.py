"""Which source column each derived feature came from.

Feature builders (``add_datepart``, ``add_elapsed``) record, in ``df.attrs``, the column
each new feature was derived from. ``TabularProcessor`` reads it at fit time so that
attribution can fold derived features back onto their source (``by="column"``).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

LINEAGE_KEY = "tabkit_lineage"


def lineage_of(df: pd.DataFrame) -> dict[str, str]:
    """Return the recorded mapping ``feature -> source column`` of a frame (a copy)."""
    return dict(df.attrs.get(LINEAGE_KEY, {}))


def add_lineage(df: pd.DataFrame, mapping: Mapping[str, str]) -> pd.DataFrame:
    """Record that each feature in ``mapping`` was derived from its value; returns ``df``.

    A source that is itself derived is resolved to its own source, so chains collapse
    onto the original column.
    """
    known = lineage_of(df)
    for feature, source in mapping.items():
        known[feature] = known.get(source, source)
    df.attrs[LINEAGE_KEY] = known
    return df
