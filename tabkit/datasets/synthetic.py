"""A synthetic Rossmann data set with Kaggle's tables, schemas and dtypes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tabkit.datasets.calendar import promo_days, school_holidays, state_holidays
from tabkit.datasets.external import google_weeks, make_googletrend, make_weather, week_labels
from tabkit.datasets.sales import simulate_days
from tabkit.datasets.schema import STATE_NAMES, TREND_PREFIX, conform
from tabkit.datasets.stores import make_store_states, make_store_table

_TEST_STORE_SHARE = 856 / 1115


def make_rossmann(
    n_stores: int = 1115,
    *,
    start: str = "2013-01-01",
    end: str = "2015-07-31",
    test_days: int = 48,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """Generate a synthetic Rossmann Store Sales data set.

    The tables have Kaggle's columns and dtypes (as ``load_rossmann`` reads the real
    files) and realistic structure: store-level scale, store type and assortment effects,
    weekly and yearly seasonality with a December peak, promo uplift, Sundays and state
    holidays (by state) closed with zero sales, school holidays, competitors that cut
    sales from CompetitionOpenSince on, Promo2 intervals, weather and search-trend
    effects, stores closed for months for refurbishment, noise, and missing values where
    the real data has them.

    Parameters
    ----------
    n_stores : int, default 1115
        Number of stores (numbered 1..n_stores).
    start, end : str
        First and last day of the training period.
    test_days : int, default 48
        Days after ``end`` in the test period; about 77% of stores appear in it.
    seed : int, default 0
        Seed of the random generator; the same arguments give the same tables.

    Returns
    -------
    dict of str to DataFrame
        ``train``, ``test`` (with ``Id``), ``store``, ``store_states``, ``state_names``,
        ``googletrend`` (``file``, ``week``, ``trend``) and ``weather`` (with a ``file``
        column naming the state). Train and test rows are ordered by date, newest first,
        then by store, as in Kaggle's files.

    Raises
    ------
    ValueError
        If ``n_stores`` or ``test_days`` is below 1, or ``end`` is before ``start``.
    """
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    if int(n_stores) < 1:
        raise ValueError(f"make_rossmann: n_stores must be at least 1, got {n_stores}")
    if int(test_days) < 1:
        raise ValueError(f"make_rossmann: test_days must be at least 1, got {test_days}")
    if last < first:
        raise ValueError(f"make_rossmann: end {end!r} is before start {start!r}")
    n_stores, test_days = int(n_stores), int(test_days)
    rng = np.random.default_rng(seed)
    dates = pd.date_range(first, last + pd.Timedelta(days=test_days), freq="D")

    store = make_store_table(n_stores, last, rng)
    store_states = make_store_states(n_stores, rng)
    states = store_states["State"].to_numpy(object)
    unique_states, state_column = np.unique(states, return_inverse=True)
    holiday = state_holidays(dates, list(unique_states))[:, state_column]
    school = school_holidays(dates, list(unique_states), rng)[:, state_column]
    promo = promo_days(dates, rng)

    weather = make_weather(dates, rng)
    sundays = google_weeks(first, dates[-1])
    googletrend = make_googletrend(sundays, rng)
    is_open, sales, customers = simulate_days(
        dates=dates,
        store=store,
        state_holiday=holiday,
        school=school,
        promo=promo,
        precipitation=_by_store(weather, "Precipitationmm", states, len(dates)),
        max_temperature=_by_store(weather, "Max_TemperatureC", states, len(dates)),
        trend=_trend_by_store(googletrend, sundays, dates, states),
        rng=rng,
    )

    n_train = int((dates <= last).sum())
    panel = {
        "Store": np.broadcast_to(np.arange(1, n_stores + 1), sales.shape),
        "DayOfWeek": np.broadcast_to(dates.day_of_week.values[:, None] + 1, sales.shape),
        "Date": np.broadcast_to(dates.values[:, None], sales.shape),
        "Sales": sales,
        "Customers": customers,
        "Open": is_open,
        "Promo": np.broadcast_to(promo[:, None], sales.shape),
        "StateHoliday": holiday,
        "SchoolHoliday": school,
    }
    train = _flatten(panel, slice(0, n_train), np.arange(n_stores))

    test_stores = np.flatnonzero(rng.random(n_stores) < _TEST_STORE_SHARE)
    if len(test_stores) == 0:
        test_stores = np.array([rng.integers(n_stores)])
    test = _flatten(panel, slice(n_train, len(dates)), test_stores).astype({"Open": float})
    test = _hide_open_values(test, rng)
    test.insert(0, "Id", np.arange(1, len(test) + 1))

    return {
        "train": conform(train, "train"),
        "test": conform(test, "test"),
        "store": store,
        "store_states": store_states,
        "state_names": conform(pd.DataFrame(STATE_NAMES, columns=["StateName", "State"]), "state_names"),
        "googletrend": googletrend,
        "weather": weather,
    }


def _flatten(panel: dict[str, np.ndarray], days: slice, stores: np.ndarray) -> pd.DataFrame:
    """Rows newest day first, then by store, as Kaggle orders them."""
    return pd.DataFrame({name: values[days][::-1][:, stores].ravel() for name, values in panel.items()})


def _hide_open_values(test: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Blank ``Open`` on up to 11 weekdays of one test store, as in Kaggle's test.csv."""
    store = rng.choice(test["Store"].unique())
    candidates = np.flatnonzero((test["Store"] == store).to_numpy() & (test["DayOfWeek"] < 7).to_numpy())
    hidden = rng.choice(candidates, min(11, len(candidates)), replace=False)
    test.loc[test.index[hidden], "Open"] = np.nan
    return test


def _state_names(states: np.ndarray) -> np.ndarray:
    names = {code: name for name, code in STATE_NAMES}
    return np.array([names[s] for s in states], dtype=object)


def _by_store(weather: pd.DataFrame, column: str, states: np.ndarray, n_days: int) -> np.ndarray:
    """(days, stores) values of a weather column for each store's state."""
    files = weather["file"].to_numpy(object)[::n_days]
    values = weather[column].to_numpy(float).reshape(len(files), n_days)
    position = {name: i for i, name in enumerate(files)}
    return values[[position[name] for name in _state_names(states)]].T


def _trend_by_store(
    googletrend: pd.DataFrame, sundays: pd.DatetimeIndex, dates: pd.DatetimeIndex, states: np.ndarray
) -> np.ndarray:
    """(days, stores) search interest of each store's state in the week of each day."""
    labels = week_labels(sundays)
    table = googletrend.pivot(index="week", columns="file", values="trend").loc[labels]
    week_of_day = (np.asarray(dates.values, "datetime64[D]") - np.datetime64(sundays[0].date())).astype(np.int64) // 7
    files = [f"{TREND_PREFIX}_{'NI' if s == 'HB,NI' else s}" for s in states]
    return table[files].to_numpy(float)[week_of_day]
