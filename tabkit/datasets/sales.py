"""The daily store panel behind the synthetic Rossmann data: which stores open, and
what they sell to how many customers.

Log sales add up a store's level (type, assortment, local competition), its own weekday
profile, yearly seasonality with a December peak, promo and Promo2 uplift, school
holidays, shopping before and after closed holidays, a competitor opening nearby,
weather, search interest, slow growth and noise. All arrays are (days, stores).

:class:`SalesPanel` draws the random values in one fixed order from one generator, as if
each (days, stores) array were drawn whole, yet builds the panel a block of days at a
time: it walks each large draw once, keeping the generator's state at the start of every
block, and draws a block again from its state when the block is asked for. Any block
size, and any order of blocks, gives the same panel.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass
class _Draw:
    """A large (rows, stores) draw, kept as the generator's state at each block's start."""

    method: str  # "random" or "normal"
    args: tuple
    rows_per_block: int
    states: list[dict]

    def block(self, index: int, rows: int, n_stores: int) -> np.ndarray:
        generator = np.random.Generator(np.random.PCG64())
        generator.bit_generator.state = self.states[index]
        return getattr(generator, self.method)(*self.args, size=(rows, n_stores))


class SalesPanel:
    """Open days, sales and customers of every store, a block of days at a time.

    Parameters
    ----------
    dates : DatetimeIndex
        Every day of the panel.
    store : DataFrame
        The store table.
    state_column : ndarray of int
        Each store's column in the by-state arrays.
    state_holiday, school, precipitation, max_temperature, trend : ndarray
        (days, states): StateHoliday codes, school holidays (0/1), rain, top temperature
        and the search interest of each day's week.
    promo : ndarray
        (days,) 0/1.
    rng : Generator
        Draws every random value (left where one draw of the whole panel leaves it).
    block_days : int, optional
        Days per block, a multiple of 7 (weeks share a random shock); default every day
        in one block.
    """

    def __init__(
        self,
        *,
        dates: pd.DatetimeIndex,
        store: pd.DataFrame,
        state_column: np.ndarray,
        state_holiday: np.ndarray,
        school: np.ndarray,
        promo: np.ndarray,
        precipitation: np.ndarray,
        max_temperature: np.ndarray,
        trend: np.ndarray,
        rng: np.random.Generator,
        block_days: int | None = None,
    ):
        n_days, n_stores = len(dates), len(store)
        if block_days is None:
            block_days = 7 * -(-n_days // 7)
        if block_days < 7 or block_days % 7:
            raise ValueError(f"SalesPanel: block_days must be a positive multiple of 7, got {block_days}")
        self.dates, self.n_stores, self.block_days = dates, n_stores, block_days
        self.state_column, self.school, self.promo = state_column, school, promo
        self.precipitation, self.max_temperature = precipitation, max_temperature
        self.state_holiday = state_holiday
        holiday = state_holiday != "0"
        self.holiday = holiday
        self.before_holiday = _shifted(holiday, 1) & ~holiday
        self.after_holiday = _shifted(holiday, -1) & ~holiday
        self.trend = trend / trend.mean(axis=0)
        self.day_numbers = _day_numbers(dates)
        distance = store["CompetitionDistance"].to_numpy(float)

        # every random value, in the order of one draw of the whole panel
        self.sunday_store = rng.random(n_stores) < 0.025
        self.holiday_store = self.sunday_store & (rng.random(n_stores) < 0.8)
        self.open_noise = self._walk(rng, "random", (), n_days, block_days)
        self.refurbished = np.flatnonzero(rng.random(n_stores) < 0.02)
        self.closed_from = rng.integers(0, max(n_days - 30, 1), len(self.refurbished))
        self.closed_for = rng.integers(30, 180, len(self.refurbished))
        self.level = (
            8.62
            + store["StoreType"].map(_TYPE_LEVEL).to_numpy(float)
            + store["Assortment"].map(_ASSORTMENT_LEVEL).to_numpy(float)
            - 0.04 * (np.log(np.nan_to_num(distance, nan=2000.0)) - 7.65)
            + rng.normal(0, 0.27, n_stores)
        )
        self.profile = _WEEKDAY[:, None] + rng.normal(0, 0.05, (7, n_stores))
        self.growth = 0.02 + rng.normal(0, 0.03, n_stores)
        self.uplift = 0.28 + rng.normal(0, 0.06, n_stores)
        self.school_effect = rng.normal(0.03, 0.04, n_stores)
        self.share = rng.uniform(0.08, 0.25, n_stores) * np.exp(-np.nan_to_num(distance, nan=1e6) / 5000)
        self.daily_noise = self._walk(rng, "normal", (0, 0.07), n_days, block_days)
        n_weeks = (self.day_numbers[-1] - self.day_numbers[0]) // 7 + 1
        self.weekly_noise = self._walk(rng, "normal", (0, 0.03), n_weeks, block_days // 7)
        self.basket = np.exp(rng.normal(2.2, 0.1, n_stores) - 0.35 * (store["StoreType"] == "b").to_numpy())
        self.customer_noise = self._walk(rng, "normal", (0, 0.04), n_days, block_days)
        self.empty_noise = self._walk(rng, "random", (), n_days, block_days)

        self.opened = _month_start_days(
            store["CompetitionOpenSinceYear"].to_numpy(float), store["CompetitionOpenSinceMonth"].to_numpy(float)
        )
        self.joined = _iso_week_days(store["Promo2SinceYear"].to_numpy(float), store["Promo2SinceWeek"].to_numpy(float))
        self.interval = _promo2_months(store["PromoInterval"].to_numpy(object))

    def _walk(self, rng: np.random.Generator, method: str, args: tuple, rows: int, per_block: int) -> _Draw:
        """Draw a (rows, stores) array a block at a time, keeping each block's start state."""
        states = []
        for first in range(0, rows, per_block):
            states.append(rng.bit_generator.state)
            getattr(rng, method)(*args, size=(min(per_block, rows - first), self.n_stores))
        return _Draw(method, args, per_block, states)

    @property
    def n_blocks(self) -> int:
        """The number of blocks."""
        return -(-len(self.dates) // self.block_days)

    def block(self, index: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Block ``index``: the positions of its days in ``dates``, and its ``Open``,
        ``Sales`` and ``Customers`` as int64 arrays of shape (days, stores)."""
        first = index * self.block_days
        rows = np.arange(first, min(first + self.block_days, len(self.dates)))
        n, columns = len(rows), self.state_column
        days = self.day_numbers[rows][:, None]
        weekday = self.dates.day_of_week.values[rows]
        holiday = self.holiday[rows][:, columns]

        # which stores open when
        is_open = ~((weekday == 6)[:, None] & ~self.sunday_store) & ~(holiday & ~self.holiday_store)
        is_open &= self.open_noise.block(index, n, self.n_stores) >= 0.003
        in_refurbishment = (rows[:, None] >= self.closed_from) & (rows[:, None] < self.closed_from + self.closed_for)
        is_open[:, self.refurbished] &= ~in_refurbishment

        # store level
        log_sales = self.level + self.profile[weekday]

        # calendar
        dates = self.dates[rows]
        month, day = dates.month.values, dates.day.values
        december = np.where((month == 12) & (day <= 23), 0.5 * (day / 23) ** 2, 0.0)
        log_sales += (_MONTH[month - 1] + december)[:, None]
        log_sales += self.growth * ((days - self.day_numbers[0]) / 365.25)
        log_sales += self.promo[rows][:, None] * (self.uplift + 0.05 * (weekday == 0)[:, None])
        log_sales += self.school[rows][:, columns] * self.school_effect
        log_sales += 0.1 * self.before_holiday[rows][:, columns]
        log_sales += 0.08 * self.after_holiday[rows][:, columns]

        # a competitor opening nearby takes a share that fades with distance, over ~two months
        since = np.clip((days - self.opened) / 60.0, 0.0, 1.0)
        log_sales += np.log1p(-self.share * since)

        # Promo2: a small lift in the months of the store's interval once it has joined
        log_sales += 0.04 * ((days >= self.joined) & self.interval[month - 1])

        # weather and search interest
        log_sales -= 0.006 * np.minimum(self.precipitation[rows][:, columns], 20.0)
        log_sales -= 0.01 * np.maximum(self.max_temperature[rows][:, columns] - 27.0, 0.0)
        log_sales += 0.25 * np.log(self.trend[rows][:, columns])

        # noise: daily, plus a shared shock per store and week
        week = (days[:, 0] - self.day_numbers[0]) // 7
        first_week = index * self.block_days // 7
        log_sales += self.daily_noise.block(index, n, self.n_stores)
        weeks = self.weekly_noise.block(index, int(week[-1]) - first_week + 1, self.n_stores)
        log_sales += weeks[week - first_week]

        sales = np.round(np.exp(log_sales)).astype(np.int64)
        customer_noise = self.customer_noise.block(index, n, self.n_stores)
        customers = np.round(np.exp(log_sales - 0.1 * self.promo[rows][:, None] + customer_noise) / self.basket).astype(
            np.int64
        )
        # a few days the store opened but rang up nothing
        empty = ~is_open | (self.empty_noise.block(index, n, self.n_stores) < 6e-5)
        sales[empty] = 0
        customers[empty] = 0
        return rows, {"Open": is_open.astype(np.int64), "Sales": sales, "Customers": customers}
