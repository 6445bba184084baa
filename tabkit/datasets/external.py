"""Synthetic external tables: daily weather per state and weekly Google Trends per state.

Both come out in the in-memory layout of ``schema.SCHEMAS`` (``weather`` with a ``file``
column naming the state, ``googletrend`` as ``file``/``week``/``trend``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from tabkit.datasets.schema import STATE_NAMES, TREND_PREFIX, TREND_STATES, conform

_EVENTS = ("Fog", "Rain", "Snow", "Hail", "Thunderstorm")


def _ar1(rng: np.random.Generator, shape: tuple[int, int], phi: float, sd: float) -> np.ndarray:
    """AR(1) noise along axis 0 with stationary standard deviation ``sd``."""
    shocks = rng.normal(0.0, sd * np.sqrt(1 - phi**2), shape)
    shocks[0] = rng.normal(0.0, sd, shape[1])
    return lfilter([1.0], [1.0, -phi], shocks, axis=0)


def _season(dates: pd.DatetimeIndex, peak_day: int) -> np.ndarray:
    """Cosine over the year, 1 on ``peak_day`` of the year and -1 half a year later."""
    return np.cos(2 * np.pi * (dates.day_of_year.values - peak_day) / 365.25)[:, None]


def make_weather(dates: pd.DatetimeIndex, rng: np.random.Generator) -> pd.DataFrame:
    """Daily weather for every state in ``STATE_NAMES`` over ``dates``."""
    n_days, n_states = len(dates), len(STATE_NAMES)
    shape = (n_days, n_states)
    # weather systems cover the whole country: a shared component plus a local one
    common = _ar1(rng, (n_days, 1), 0.8, 3.0)
    mean_t = 10.0 + 8.5 * _season(dates, 200) + rng.normal(0, 0.8, n_states) + common + _ar1(rng, shape, 0.6, 1.5)
    spread = 3.5 + 1.5 * _season(dates, 180) + rng.gamma(2.0, 0.6, shape)
    wet = rng.random(shape) < 0.5 + 0.1 * _season(dates, 0)
    precip = np.where(wet, np.round(rng.exponential(1.8, shape), 2), 0.0)
    humidity = np.clip(74 + 9 * _season(dates, 15) + 6 * wet + _ar1(rng, shape, 0.5, 7.0), 30, 100)
    wind = np.clip(rng.gamma(4.0, 3.0, shape) + 2 * wet, 2, None)
    dew = mean_t - (100 - humidity) / 5
    pressure = 1015 - 3 * wet + _ar1(rng, shape, 0.7, 7.0)
    visibility = np.clip(rng.normal(12, 4, shape) - 4 * wet, 0, 31)
    cloud = np.clip(np.round(5.5 + 1.5 * wet + rng.normal(0, 1.4, shape)), 0, 8)

    fog = (humidity > 84) & (wind < 12)
    snow = wet & (mean_t <= 1)
    rain = wet & ~snow
    thunder = rain & (mean_t + spread > 22) & (rng.random(shape) < 0.35)
    hail = thunder & (rng.random(shape) < 0.05)
    mask = sum(flag.astype(np.int64) << bit for bit, flag in enumerate((fog, rain, snow, hail, thunder)))
    labels = np.array(
        [np.nan] + ["-".join(e for bit, e in enumerate(_EVENTS) if code >> bit & 1) for code in range(1, 32)],
        dtype=object,
    )
    # the Events column orders its words Fog-Rain-Snow-Hail-Thunderstorm as the real files do
    events = labels[mask]

    def missing(values: np.ndarray, rate: float) -> np.ndarray:
        return np.where(rng.random(values.shape) < rate, np.nan, values)

    gust = np.round(wind * 1.9 + rng.gamma(4.0, 4.0, shape))
    columns = {
        "Max_TemperatureC": np.round(mean_t + spread),
        "Mean_TemperatureC": np.round(mean_t),
        "Min_TemperatureC": np.round(mean_t - spread),
        "Dew_PointC": np.round(dew + 2.5),
        "MeanDew_PointC": np.round(dew),
        "Min_DewpointC": np.round(dew - 2.5 - rng.exponential(1.0, shape)),
        "Max_Humidity": np.round(np.minimum(100, humidity + 15 + rng.exponential(3, shape))),
        "Mean_Humidity": np.round(humidity),
        "Min_Humidity": np.round(np.clip(humidity - 25 - rng.exponential(4, shape), 4, None)),
        "Max_Sea_Level_PressurehPa": np.round(pressure + 3 + rng.exponential(1, shape)),
        "Mean_Sea_Level_PressurehPa": np.round(pressure),
        "Min_Sea_Level_PressurehPa": np.round(pressure - 3 - rng.exponential(1, shape)),
        "Max_VisibilityKm": missing(np.round(np.minimum(31, visibility + 12)), 0.024),
        "Mean_VisibilityKm": missing(np.round(visibility), 0.024),
        "Min_VisibilitykM": missing(np.round(np.maximum(0, visibility - 5)), 0.024),
        "Max_Wind_SpeedKm_h": np.round(wind * 1.9),
        "Mean_Wind_SpeedKm_h": np.round(wind),
        "Max_Gust_SpeedKm_h": np.where(rng.random(shape) < 0.23, gust, np.nan),
        "Precipitationmm": precip,
        "CloudCover": missing(cloud, 0.07),
        "Events": events,
        "WindDirDegrees": np.where(wind < 3, -1, rng.integers(0, 361, shape)),
    }
    frame = pd.DataFrame({name: values.T.ravel() for name, values in columns.items()})
    frame.insert(0, "Date", np.tile(dates.values, n_states))
    frame.insert(0, "file", np.repeat([name for name, _ in STATE_NAMES], n_days))
    return conform(frame, "weather")


def google_weeks(first_day: pd.Timestamp, last_day: pd.Timestamp) -> pd.DatetimeIndex:
    """Sundays starting the Google Trends weeks (Sunday to Saturday) from four weeks
    before ``first_day`` to two weeks after ``last_day``, as in the real files."""
    first = first_day - pd.Timedelta(days=28)
    first -= pd.Timedelta(days=(first.day_of_week + 1) % 7)
    last = last_day + pd.Timedelta(days=14)
    return pd.date_range(first, last, freq="7D")


def week_labels(sundays: pd.DatetimeIndex) -> np.ndarray:
    """``"YYYY-MM-DD - YYYY-MM-DD"`` labels of the weeks starting on ``sundays``."""
    ends = sundays + pd.Timedelta(days=6)
    return np.asarray(sundays.strftime("%Y-%m-%d") + " - " + ends.strftime("%Y-%m-%d"), dtype=object)


def make_googletrend(sundays: pd.DatetimeIndex, rng: np.random.Generator) -> pd.DataFrame:
    """Weekly search interest in "Rossmann", nationally and per state, each file scaled so
    its busiest week is 100 as Google Trends does."""
    files = [TREND_PREFIX] + [f"{TREND_PREFIX}_{code}" for code in TREND_STATES]
    n_weeks, n_files = len(sundays), len(files)
    # interest climbs through December and drops in the week between Christmas and New Year
    day = sundays.day_of_year.values[:, None]
    december = np.where(day >= 335, np.where(day >= 357, -12.0, (day - 335) / 22 * 30.0), 0.0)
    national = _ar1(rng, (n_weeks, 1), 0.7, 4.0)
    level = (
        rng.uniform(50, 70, n_files)
        + december
        + 3 * _season(sundays, 120)
        + national
        + _ar1(rng, (n_weeks, n_files), 0.5, 5.0)
    )
    level = np.clip(level, 0, None)
    trend = np.round(100 * level / level.max(axis=0))
    frame = pd.DataFrame(
        {
            "file": np.repeat(files, n_weeks),
            "week": np.tile(week_labels(sundays), n_files),
            "trend": trend.T.ravel(),
        }
    )
    return conform(frame, "googletrend")
