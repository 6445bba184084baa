"""German public holidays by state, and synthetic school-holiday and promotion calendars.

Holidays follow the public rules for 2013-2015 (fixed dates and Easter-based ones); the
school-holiday and promotion calendars are random but shaped like the real ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

# (month, day) or Easter offset in days, StateHoliday code, states (None = all states)
_FIXED_HOLIDAYS: tuple[tuple[int, int, str, frozenset[str] | None], ...] = (
    (1, 1, "a", None),
    (1, 6, "a", frozenset({"BW", "BY", "ST"})),
    (5, 1, "a", None),
    (8, 15, "a", frozenset({"SL"})),
    (10, 3, "a", None),
    (10, 31, "a", frozenset({"BB", "MV", "SN", "ST", "TH"})),
    (11, 1, "a", frozenset({"BW", "BY", "NW", "RP", "SL"})),
    (12, 25, "c", None),
    (12, 26, "c", None),
)
_EASTER_HOLIDAYS: tuple[tuple[int, str, frozenset[str] | None], ...] = (
    (-2, "b", None),
    (1, "b", None),
    (39, "a", None),
    (50, "a", None),
    (60, "a", frozenset({"BW", "BY", "HE", "NW", "RP", "SL"})),
)


def easter(year: int) -> pd.Timestamp:
    """Easter Sunday of ``year`` (Gregorian calendar, anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own letters
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return pd.Timestamp(year, month, day + 1)


def _parts(states: Sequence[str]) -> list[set[str]]:
    # "HB,NI" stores follow the holidays both states share
    return [set(state.split(",")) for state in states]


def state_holidays(dates: pd.DatetimeIndex, states: Sequence[str]) -> np.ndarray:
    """StateHoliday codes ("0", "a", "b", "c"), shape (len(dates), len(states))."""
    codes = np.full((len(dates), len(states)), "0", dtype=object)
    members = _parts(states)
    for year in range(dates.year.min(), dates.year.max() + 1):
        days = [(pd.Timestamp(year, m, d), code, where) for m, d, code, where in _FIXED_HOLIDAYS]
        sunday = easter(year)
        days += [(sunday + pd.Timedelta(days=o), code, where) for o, code, where in _EASTER_HOLIDAYS]
        # Day of Repentance (Saxony): the Wednesday before 23 November
        nov23 = pd.Timestamp(year, 11, 23)
        days.append((nov23 - pd.Timedelta(days=(nov23.day_of_week - 2) % 7 or 7), "a", frozenset({"SN"})))
        for day, code, where in days:
            row = dates.get_indexer([day])[0]
            if row < 0:
                continue
            applies = [where is None or part <= where for part in members]
            codes[row, np.flatnonzero(applies)] = code
    return codes


def school_holidays(dates: pd.DatetimeIndex, states: Sequence[str], rng: np.random.Generator) -> np.ndarray:
    """0/1 school holidays, shape (len(dates), len(states)): Christmas, Easter, autumn and
    a six-week summer break whose start is staggered between states and years."""
    flags = np.zeros((len(dates), len(states)), dtype=np.int64)
    day_numbers = dates.values.astype("datetime64[D]")
    for year in range(dates.year.min() - 1, dates.year.max() + 1):
        summer = pd.Timestamp(year, 6, 20) + pd.to_timedelta(rng.integers(0, 45, len(states)), "D")
        autumn = pd.Timestamp(year, 10, 1) + pd.to_timedelta(rng.integers(0, 21, len(states)), "D")
        easter_start = easter(year) - pd.to_timedelta(rng.integers(5, 10, len(states)), "D")
        breaks = [
            (easter_start, 14),
            (summer, 42),
            (autumn, rng.integers(5, 12, len(states))),
            (pd.Timestamp(year, 12, 21) + pd.to_timedelta(rng.integers(0, 3, len(states)), "D"), 14),
        ]
        for starts, lengths in breaks:
            begin = pd.DatetimeIndex(starts).values.astype("datetime64[D]")
            end = begin + np.broadcast_to(lengths, len(states)).astype("timedelta64[D]")
            flags |= (day_numbers[:, None] >= begin) & (day_numbers[:, None] < end)
    return flags


def promo_days(dates: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """0/1 chain-wide promotions: Monday to Friday of alternating weeks, the alternation
    occasionally skipping a beat as the real calendar does."""
    weeks = (dates.values.astype("datetime64[D]").astype(np.int64) + 3) // 7
    first = weeks.min()
    n_weeks = weeks.max() - first + 1
    # phase flips after about one week in ten, so the promo sometimes runs two weeks running
    phase = np.cumsum(rng.random(n_weeks) < 0.1)
    on = ((np.arange(n_weeks) + phase + rng.integers(0, 2)) % 2).astype(np.int64)
    return on[weeks - first] * (dates.day_of_week.values < 5)
