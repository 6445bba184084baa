"""A synthetic Rossmann data set with Kaggle's tables, schemas and dtypes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tabkit.datasets.calendar import promo_days, school_holidays, state_holidays
from tabkit.datasets.external import google_weeks, make_googletrend, make_weather, week_labels
from tabkit.datasets.sales import SalesPanel
from tabkit.datasets.schema import STATE_NAMES, TREND_PREFIX, conform
from tabkit.datasets.stores import make_store_states, make_store_table

_TEST_STORE_SHARE = 856 / 1115


@dataclass
class RossmannPlan:
    """A synthetic Rossmann data set but for its train and test tables: every small table,
    and the daily panel a block of days at a time (:attr:`sales`), so the train and test
    tables can be built at once (:func:`make_rossmann`) or a few days at a time
    (:func:`tabkit.datasets.synthetic_files.write_synthetic_rossmann`), with the same rows
    either way.

    Attributes
    ----------
    dates : DatetimeIndex
        Every day, training then test.
    n_train : int
        The training days (the first ones).
    tables : dict of str to DataFrame
        ``store``, ``store_states``, ``state_names``, ``googletrend`` and ``weather``.
    sales : SalesPanel
        Open days, sales and customers of every store, a block of days at a time.
    test_stores : ndarray of int
        Positions of the stores in the test period, ascending.
    hidden : ndarray of int
        Rows of the test table (in its order) whose ``Open`` is blank.
    """

    dates: pd.DatetimeIndex
    n_train: int
    tables: dict[str, pd.DataFrame]
    sales: SalesPanel
    test_stores: np.ndarray
    hidden: np.ndarray

    @property
    def n_stores(self) -> int:
        """The number of stores."""
        return self.sales.n_stores

    def train_rows(self, days: np.ndarray, values: dict[str, np.ndarray]) -> pd.DataFrame:
        """Training rows of ``days`` (positions in ``dates``, in the order given) by every
        store; ``values`` are those days' ``Open``, ``Sales`` and ``Customers``, (days, stores)."""
        return conform(self._rows(days, np.arange(self.n_stores), values), "train")

    def test_rows(self, days: np.ndarray, is_open: np.ndarray, first: int) -> pd.DataFrame:
        """Test rows of ``days`` by the test stores, the first being row ``first`` of the
        test table; ``is_open`` is (days, test stores)."""
        rows = self._rows(days, self.test_stores, {"Open": is_open}).astype({"Open": float})
        rows.loc[np.isin(np.arange(first, first + len(rows)), self.hidden), "Open"] = np.nan
        rows.insert(0, "Id", np.arange(first + 1, first + len(rows) + 1))
        return conform(rows, "test")

    def _rows(self, days: np.ndarray, stores: np.ndarray, values: dict[str, np.ndarray]) -> pd.DataFrame:
        """Rows day by day, then store by store."""
        shape, sales = (len(days), len(stores)), self.sales
        columns = sales.state_column[stores]

        def each_store(by_day: np.ndarray) -> np.ndarray:
            return np.broadcast_to(by_day[:, None], shape)

        panel = {
            "Store": np.broadcast_to(stores + 1, shape),
            "DayOfWeek": each_store(self.dates.day_of_week.values[days] + 1),
            "Date": each_store(self.dates.values[days]),
            **values,
            "Promo": each_store(sales.promo[days]),
            "StateHoliday": sales.state_holiday[days][:, columns],
            "SchoolHoliday": sales.school[days][:, columns],
        }
        return pd.DataFrame({name: np.asarray(column).ravel() for name, column in panel.items()})


def plan_rossmann(
    n_stores: int = 1115,
    *,
    start: str = "2013-01-01",
    end: str = "2015-07-31",
    test_days: int = 48,
    seed: int = 0,
    block_days: int | None = None,
) -> RossmannPlan:
    """The :class:`RossmannPlan` of ``make_rossmann``'s arguments (checked as it checks
    them); ``block_days`` (a multiple of 7) sets its panel's blocks, by default one."""
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
    holiday = state_holidays(dates, list(unique_states))
    school = school_holidays(dates, list(unique_states), rng)
    promo = promo_days(dates, rng)
    weather = make_weather(dates, rng)
    sundays = google_weeks(first, dates[-1])
    googletrend = make_googletrend(sundays, rng)
    sales = SalesPanel(
        dates=dates,
        store=store,
        state_column=state_column,
        state_holiday=holiday,
        school=school,
        promo=promo,
        precipitation=_by_state(weather, "Precipitationmm", unique_states, len(dates)),
        max_temperature=_by_state(weather, "Max_TemperatureC", unique_states, len(dates)),
        trend=_trend_by_state(googletrend, sundays, dates, unique_states),
        rng=rng,
        block_days=block_days,
    )

    n_train = int((dates <= last).sum())
    test_stores = np.flatnonzero(rng.random(n_stores) < _TEST_STORE_SHARE)
    if len(test_stores) == 0:
        test_stores = np.array([rng.integers(n_stores)])
    return RossmannPlan(
        dates=dates,
        n_train=n_train,
        tables={
            "store": store,
            "store_states": store_states,
            "state_names": conform(pd.DataFrame(STATE_NAMES, columns=["StateName", "State"]), "state_names"),
            "googletrend": googletrend,
            "weather": weather,
        },
        sales=sales,
        test_stores=test_stores,
        hidden=_hidden_open(dates[n_train:][::-1], test_stores, rng),
    )


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
    the real data has them. ``tabkit data rossmann --synthetic`` writes the same tables
    a few days at a time (:func:`tabkit.datasets.synthetic_files.write_synthetic_rossmann`).

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
    plan = plan_rossmann(n_stores, start=start, end=end, test_days=test_days, seed=seed)
    days, panel = plan.sales.block(0)
    train_days, test_days_ = days[: plan.n_train][::-1], days[plan.n_train :][::-1]
    train = plan.train_rows(train_days, {name: values[train_days] for name, values in panel.items()})
    test = plan.test_rows(test_days_, panel["Open"][test_days_][:, plan.test_stores], 0)
    return {"train": train, "test": test, **plan.tables}


def _hidden_open(test_dates: pd.DatetimeIndex, test_stores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rows of the test table (``test_dates`` newest first, then the test stores) whose
    ``Open`` is blank: up to 11 weekdays of one test store, as in Kaggle's test.csv."""
    store = rng.choice(test_stores + 1)
    weekdays = np.flatnonzero(test_dates.day_of_week.values < 6)
    candidates = weekdays * len(test_stores) + int(np.flatnonzero(test_stores + 1 == store)[0])
    return rng.choice(candidates, min(11, len(candidates)), replace=False)


def _state_names(states: np.ndarray) -> np.ndarray:
    names = {code: name for name, code in STATE_NAMES}
    return np.array([names[s] for s in states], dtype=object)


def _by_state(weather: pd.DataFrame, column: str, states: np.ndarray, n_days: int) -> np.ndarray:
    """(days, states) values of a weather column for each store state."""
    files = weather["file"].to_numpy(object)[::n_days]
    values = weather[column].to_numpy(float).reshape(len(files), n_days)
    position = {name: i for i, name in enumerate(files)}
    return values[[position[name] for name in _state_names(states)]].T


def _trend_by_state(
    googletrend: pd.DataFrame, sundays: pd.DatetimeIndex, dates: pd.DatetimeIndex, states: np.ndarray
) -> np.ndarray:
    """(days, states) search interest of each store state in the week of each day."""
    labels = week_labels(sundays)
    table = googletrend.pivot(index="week", columns="file", values="trend").loc[labels]
    week_of_day = (np.asarray(dates.values, "datetime64[D]") - np.datetime64(sundays[0].date())).astype(np.int64) // 7
    files = [f"{TREND_PREFIX}_{'NI' if s == 'HB,NI' else s}" for s in states]
    return table[files].to_numpy(float)[week_of_day]
