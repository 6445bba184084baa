"""Synthetic store master data: ``store`` and ``store_states`` tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tabkit.datasets.schema import PROMO_INTERVALS, conform

STORE_TYPES = np.array(["a", "b", "c", "d"], dtype=object)
ASSORTMENTS = np.array(["a", "b", "c"], dtype=object)
_TYPE_P = [0.54, 0.015, 0.135, 0.31]
# assortment probabilities given the store type (rows a, b, c, d); "b" (extra) only in type b
_ASSORTMENT_P = np.array([[0.63, 0.0, 0.37], [0.4, 0.5, 0.1], [0.52, 0.0, 0.48], [0.37, 0.0, 0.63]])

STORE_STATES = np.array(["NW", "BY", "BW", "HB,NI", "HE", "SN", "RP", "BE", "SH", "TH", "ST", "HH"], dtype=object)
# roughly each state's share of the population
_STATE_P = np.array([18.0, 12.5, 10.7, 8.6, 6.0, 4.1, 4.0, 3.4, 2.8, 2.2, 2.2, 1.8])


def _choice_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One category index per row of a (rows, categories) probability matrix."""
    cumulative = probabilities.cumsum(axis=1)
    return (rng.random((len(probabilities), 1)) > cumulative).sum(axis=1)


def make_store_table(n_stores: int, last_day: pd.Timestamp, rng: np.random.Generator) -> pd.DataFrame:
    """The ``store`` table: type, assortment, nearest competitor and Promo2 participation.

    Competitor and Promo2 start dates never lie after ``last_day``, the last training day.
    """
    store_type = rng.choice(4, n_stores, p=_TYPE_P)
    assortment = _choice_rows(rng, _ASSORTMENT_P[store_type])
    distance = np.clip(np.round(np.exp(rng.normal(7.65, 1.55, n_stores)), -1), 20, 76000)
    distance[rng.random(n_stores) < 0.003] = np.nan

    # most competitors opened in the last decade, a few long ago
    years_ago = np.minimum(np.floor(rng.exponential(5.0, n_stores)), 25)
    open_year = last_day.year - years_ago
    latest_month = np.where(open_year == last_day.year, last_day.month, 12)
    open_month = np.floor(rng.random(n_stores) * latest_month) + 1
    unknown = (rng.random(n_stores) < 0.317) | np.isnan(distance)
    open_year[unknown] = np.nan
    open_month[unknown] = np.nan

    promo2 = (rng.random(n_stores) < 0.51).astype(np.int64)
    since_year = rng.integers(2009, last_day.year + 1, n_stores).astype(float)
    latest_week = np.where(since_year == last_day.year, min(last_day.isocalendar().week, 50), 50)
    since_week = np.floor(rng.random(n_stores) * latest_week) + 1
    interval = np.array(PROMO_INTERVALS, dtype=object)[rng.choice(3, n_stores, p=[0.59, 0.23, 0.18])]
    no_promo2 = promo2 == 0
    since_year[no_promo2] = np.nan
    since_week[no_promo2] = np.nan
    interval[no_promo2] = np.nan

    frame = pd.DataFrame(
        {
            "Store": np.arange(1, n_stores + 1),
            "StoreType": STORE_TYPES[store_type],
            "Assortment": ASSORTMENTS[assortment],
            "CompetitionDistance": distance,
            "CompetitionOpenSinceMonth": open_month,
            "CompetitionOpenSinceYear": open_year,
            "Promo2": promo2,
            "Promo2SinceWeek": since_week,
            "Promo2SinceYear": since_year,
            "PromoInterval": interval,
        }
    )
    return conform(frame, "store")


def make_store_states(n_stores: int, rng: np.random.Generator) -> pd.DataFrame:
    """The ``store_states`` table: each store's state code, weighted by population."""
    states = STORE_STATES[rng.choice(len(STORE_STATES), n_stores, p=_STATE_P / _STATE_P.sum())]
    return conform(pd.DataFrame({"Store": np.arange(1, n_stores + 1), "State": states}), "store_states")
