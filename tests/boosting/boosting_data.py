"""Small Rossmann-like frames for the boosting tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tabkit.prep.dates import add_datepart


def make_frame(n_rows: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Sales-like rows: a date, a promo flag, a store type, a distance with gaps, noise."""
    rng = np.random.RandomState(seed)
    frame = pd.DataFrame(
        {
            "Date": pd.Timestamp("2014-01-01") + pd.to_timedelta(rng.randint(0, 500, n_rows), unit="D"),
            "Promo": rng.randint(0, 2, n_rows),
            "StoreType": rng.choice(["a", "b", "c", "d", "e", "f"], n_rows),
            "CompetitionDistance": np.where(rng.rand(n_rows) < 0.1, np.nan, rng.exponential(2000, n_rows)),
            "Noise": rng.normal(size=n_rows),
        }
    )
    distance = frame["CompetitionDistance"].fillna(2000)
    sales = (
        5000
        + 2500 * frame["Promo"]
        + frame["StoreType"].map({"a": 0, "b": 1500, "c": -800, "d": 300, "e": 1200, "f": -300})
        + 400 * (frame["Date"].dt.day_of_week == 0)
        - 0.2 * distance
        + rng.normal(scale=200, size=n_rows)
    )
    return add_datepart(frame, "Date"), pd.Series(sales, name="Sales")


def sales_labels(y: pd.Series) -> pd.Series:
    """Three string classes of the sales level."""
    return pd.cut(y, [-np.inf, 5000, 7000, np.inf], labels=["low", "mid", "high"]).astype(str)
