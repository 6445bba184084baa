"""The daily store panel behind the synthetic Rossmann data: which stores open, and
what they sell to how many customers.

Log sales add up a store's level (type, assortment, local competition), its own weekday
profile, yearly seasonality with a December peak, promo and Promo2 uplift, school
holidays, shopping before and after closed holidays, a competitor opening nearby,
weather, search interest, slow growth and noise. All arrays are (days, stores).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec")
_TYPE_LEVEL = {"a": 0.0, "b": 0.55, "c": 0.02, "d": -0.02}
_ASSORTMENT_LEVEL = {"a": 0.0, "b": 0.15, "c": 0.08}
# Monday .. Sunday, log scale
_WEEKDAY = np.array([0.12, 0.02, -0.03, -0.03, 0.02, -0.02, 0.12])
# January .. December, log scale (December's pre-Christmas ramp comes on top)
_MONTH = np.array([-0.06, -0.05, 0.0, 0.01, 0.02, 0.01, 0.0, -0.04, -0.06, -0.05, 0.02, 0.0])


def _day_numbers(values: pd.DatetimeIndex | pd.Series | np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[D]").astype(np.int64)


def _month_start_days(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Day numbers of the first day of each (year, month); NaN years give a far future day."""
    known = ~np.isnan(year)
    months = np.where(known, (np.nan_to_num(year) - 1970) * 12 + np.nan_to_num(month) - 1, 0)
    days = months.astype(np.int64).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return np.where(known, days, np.iinfo(np.int64).max)


def _iso_week_days(year: np.ndarray, week: np.ndarray) -> np.ndarray:
    """Day numbers of the Monday of each ISO (year, week); NaN years give a far future day."""
    known = ~np.isnan(year)
    jan4 = _month_start_days(np.where(known, year, 1970.0), np.ones_like(year)) + 3
    monday1 = jan4 - (jan4 + 3) % 7  # day 0 (1970-01-01) was a Thursday
    return np.where(known, monday1 + (np.nan_to_num(week) - 1).astype(np.int64) * 7, np.iinfo(np.int64).max)


def _promo2_months(intervals: np.ndarray) -> np.ndarray:
    """(12, stores) 0/1: the months each store's PromoInterval names."""
    months = np.zeros((12, len(intervals)), dtype=bool)
    for i, name in enumerate(_MONTHS):
        months[i] = [isinstance(v, str) and name in v.split(",") for v in intervals]
    return months


def _shifted(flags: np.ndarray, shift: int) -> np.ndarray:
    """Each day's flag of the day ``shift`` days later (negative: earlier), False past the ends."""
    result = np.zeros_like(flags)
    if shift > 0:
        result[:-shift] = flags[shift:]
    else:
        result[-shift:] = flags[:shift]
    return result


def simulate_days(
    *,
    dates: pd.DatetimeIndex,
    store: pd.DataFrame,
    state_holiday: np.ndarray,
    school: np.ndarray,
    promo: np.ndarray,
    precipitation: np.ndarray,
    max_temperature: np.ndarray,
    trend: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(open, sales, customers)`` int64 arrays of shape (days, stores)."""
    n_days, n_stores = len(dates), len(store)
    days = _day_numbers(dates)[:, None]
    weekday = dates.day_of_week.values
    distance = store["CompetitionDistance"].to_numpy(float)

    # which stores open when
    sunday_store = rng.random(n_stores) < 0.025
    holiday_store = sunday_store & (rng.random(n_stores) < 0.8)
    holiday = state_holiday != "0"
    is_open = ~((weekday == 6)[:, None] & ~sunday_store) & ~(holiday & ~holiday_store)
    is_open &= rng.random((n_days, n_stores)) >= 0.003
    refurbished = np.flatnonzero(rng.random(n_stores) < 0.02)
    closed_from = rng.integers(0, max(n_days - 30, 1), len(refurbished))
    closed_for = rng.integers(30, 180, len(refurbished))
    in_refurbishment = (np.arange(n_days)[:, None] >= closed_from) & (
        np.arange(n_days)[:, None] < closed_from + closed_for
    )
    is_open[:, refurbished] &= ~in_refurbishment

    # store level
    level = (
        8.62
        + store["StoreType"].map(_TYPE_LEVEL).to_numpy(float)
        + store["Assortment"].map(_ASSORTMENT_LEVEL).to_numpy(float)
        - 0.04 * (np.log(np.nan_to_num(distance, nan=2000.0)) - 7.65)
        + rng.normal(0, 0.27, n_stores)
    )
    profile = _WEEKDAY[:, None] + rng.normal(0, 0.05, (7, n_stores))
    log_sales = level + profile[weekday]

    # calendar
    month, day = dates.month.values, dates.day.values
    december = np.where((month == 12) & (day <= 23), 0.5 * (day / 23) ** 2, 0.0)
    log_sales += (_MONTH[month - 1] + december)[:, None]
    log_sales += (0.02 + rng.normal(0, 0.03, n_stores)) * ((days - days[0]) / 365.25)
    uplift = 0.28 + rng.normal(0, 0.06, n_stores)
    log_sales += promo[:, None] * (uplift + 0.05 * (weekday == 0)[:, None])
    log_sales += school * rng.normal(0.03, 0.04, n_stores)
    log_sales += 0.1 * (_shifted(holiday, 1) & ~holiday)
    log_sales += 0.08 * (_shifted(holiday, -1) & ~holiday)

    # a competitor opening nearby takes a share that fades with distance, over ~two months
    opened = _month_start_days(
        store["CompetitionOpenSinceYear"].to_numpy(float), store["CompetitionOpenSinceMonth"].to_numpy(float)
    )
    since = np.clip((days - opened) / 60.0, 0.0, 1.0)
    share = rng.uniform(0.08, 0.25, n_stores) * np.exp(-np.nan_to_num(distance, nan=1e6) / 5000)
    log_sales += np.log1p(-share * since)

    # Promo2: a small lift in the months of the store's interval once it has joined
    joined = _iso_week_days(store["Promo2SinceYear"].to_numpy(float), store["Promo2SinceWeek"].to_numpy(float))
    interval = _promo2_months(store["PromoInterval"].to_numpy(object))
    log_sales += 0.04 * ((days >= joined) & interval[month - 1])

    # weather and search interest
    log_sales -= 0.006 * np.minimum(precipitation, 20.0)
    log_sales -= 0.01 * np.maximum(max_temperature - 27.0, 0.0)
    log_sales += 0.25 * np.log(trend / trend.mean(axis=0))

    # noise: daily, plus a shared shock per store and week
    week = (days[:, 0] - days[0, 0]) // 7
    log_sales += rng.normal(0, 0.07, (n_days, n_stores))
    log_sales += rng.normal(0, 0.03, (week[-1] + 1, n_stores))[week]

    basket = np.exp(rng.normal(2.2, 0.1, n_stores) - 0.35 * (store["StoreType"] == "b").to_numpy())
    sales = np.round(np.exp(log_sales)).astype(np.int64)
    customers = np.round(
        np.exp(log_sales - 0.1 * promo[:, None] + rng.normal(0, 0.04, (n_days, n_stores))) / basket
    ).astype(np.int64)
    # a few days the store opened but rang up nothing
    empty = ~is_open | (rng.random((n_days, n_stores)) < 6e-5)
    sales[empty] = 0
    customers[empty] = 0
    return is_open.astype(np.int64), sales, customers
