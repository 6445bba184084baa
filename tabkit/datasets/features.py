"""fastai's Rossmann feature set (course lesson "rossmann", after the entity-embedding
paper's third-place solution), built with vectorised merges from the Rossmann tables."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tabkit.datasets.schema import EXTERNAL_TABLES, REQUIRED_TABLES, TREND_PREFIX, trend_file_state
from tabkit.prep.dates import add_datepart
from tabkit.prep.elapsed import add_elapsed
from tabkit.prep.lineage import add_lineage, lineage_of

ROSSMANN_CAT = [
    "Store",
    "DayOfWeek",
    "Year",
    "Month",
    "Day",
    "StateHoliday",
    "CompetitionMonthsOpen",
    "Promo2Weeks",
    "StoreType",
    "Assortment",
    "PromoInterval",
    "CompetitionOpenSinceYear",
    "Promo2SinceYear",
    "State",
    "Week",
    "Events",
    "Promo_fw",
    "Promo_bw",
    "StateHoliday_fw",
    "StateHoliday_bw",
    "SchoolHoliday_fw",
    "SchoolHoliday_bw",
]
"""fastai's categorical Rossmann features."""

ROSSMANN_CONT = [
    "CompetitionDistance",
    "Max_TemperatureC",
    "Mean_TemperatureC",
    "Min_TemperatureC",
    "Max_Humidity",
    "Mean_Humidity",
    "Min_Humidity",
    "Max_Wind_SpeedKm_h",
    "Mean_Wind_SpeedKm_h",
    "CloudCover",
    "trend",
    "trend_DE",
    "AfterStateHoliday",
    "BeforeStateHoliday",
    "Promo",
    "SchoolHoliday",
]
"""fastai's continuous Rossmann features."""

EVENT_COLUMNS = ["SchoolHoliday", "StateHoliday", "Promo"]
_NO_DATE_YEAR = 1900
_MONTHS_CAP, _WEEKS_CAP = 24, 25


def rossmann_features(tables: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Join the Rossmann tables and engineer fastai's features.

    Train and test rows get their store's columns and state, the state's weather on the
    day, the state's (``trend``) and Germany's (``trend_DE``) Google Trends index of the
    week (Sunday to Saturday) holding the day, fastai's date parts of ``Date`` (which is
    kept), ``CompetitionMonthsOpen`` (0..24) and ``Promo2Weeks`` (0..25), and, from train
    and test together per store, days since and until (``After``/``Before``) and 7-day
    backward and forward counts (``_bw``/``_fw``) of SchoolHoliday, StateHoliday (made
    0/1) and Promo. Closed days (``Open == 0`` or ``Sales == 0``) are dropped from train.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        ``train``, ``test``, ``store``, ``store_states``, ``state_names``, ``googletrend``
        and ``weather`` as ``load_rossmann`` or ``make_rossmann`` return them.

    Returns
    -------
    train, test : DataFrame
        The feature frames (``ROSSMANN_CAT`` and ``ROSSMANN_CONT`` among their columns;
        ``Date`` and ``Sales`` in train, ``Date``, ``Id`` and ``Open`` in test), with a
        fresh index. ``attrs["tabkit_lineage"]`` maps the date parts to ``Date`` and the
        elapsed features to their event column.

    Raises
    ------
    ValueError
        If a table or a needed column is missing, a store has no state, or the trend or
        weather tables hold a state and week or day twice.
    """
    _check_tables(tables)
    train, test = tables["train"], tables["test"]
    store = _store_features(tables["store"], tables["store_states"])
    trends, national = _trends(tables["googletrend"])
    weather = _weather(tables["weather"], tables["state_names"])

    events = pd.concat(
        [train[["Store", "Date", *EVENT_COLUMNS]], test[["Store", "Date", *EVENT_COLUMNS]]], ignore_index=True
    )
    events["StateHoliday"] = _holiday_flags(events["StateHoliday"])
    events = add_elapsed(events, EVENT_COLUMNS, date="Date", by="Store")
    elapsed_lineage = lineage_of(events)
    elapsed = events.drop(columns=["Store", "Date", *EVENT_COLUMNS])

    frames = []
    for frame, rows in ((train, slice(0, len(train))), (test, slice(len(train), None))):
        joined = frame.reset_index(drop=True)
        joined["StateHoliday"] = _holiday_flags(joined["StateHoliday"])
        joined = joined.merge(store, how="left", on="Store")
        joined["CompetitionMonthsOpen"] = _capped_periods(
            joined["Date"], joined.pop("CompetitionOpenSince"), 30, _MONTHS_CAP
        )
        joined["Promo2Weeks"] = _capped_periods(joined["Date"], joined.pop("Promo2Since"), 7, _WEEKS_CAP)
        joined["week_start"] = joined["Date"] - pd.to_timedelta((joined["Date"].dt.day_of_week + 1) % 7, "D")
        joined = joined.merge(trends, how="left", on=["State", "week_start"])
        joined = joined.merge(national, how="left", on="week_start").drop(columns="week_start")
        joined = joined.merge(weather, how="left", on=["State", "Date"])
        joined = add_datepart(joined, "Date", drop=False)
        date_lineage = lineage_of(joined)
        joined = pd.concat([joined, elapsed.iloc[rows].reset_index(drop=True)], axis=1)
        joined.attrs = {}
        frames.append(add_lineage(joined, {**date_lineage, **elapsed_lineage}))

    train_features, test_features = frames
    closed = (train_features["Open"] == 0) | (train_features["Sales"] == 0)
    kept = train_features.loc[~closed].reset_index(drop=True)
    kept.attrs = dict(train_features.attrs)
    return kept, test_features


_NEEDED_COLUMNS = {
    "train": ["Store", "Date", "Sales", "Open", *EVENT_COLUMNS],
    "test": ["Id", "Store", "Date", "Open", *EVENT_COLUMNS],
    "store": ["Store", "CompetitionOpenSinceMonth", "CompetitionOpenSinceYear", "Promo2SinceWeek", "Promo2SinceYear"],
    "store_states": ["Store", "State"],
    "state_names": ["StateName", "State"],
    "googletrend": ["file", "week", "trend"],
    "weather": ["file", "Date"],
}


def _check_tables(tables: Mapping[str, pd.DataFrame]) -> None:
    missing = [name for name in (*REQUIRED_TABLES, *EXTERNAL_TABLES) if name not in tables]
    if missing:
        raise ValueError(f"rossmann_features: missing table(s) {missing}")
    for name, columns in _NEEDED_COLUMNS.items():
        absent = [c for c in columns if c not in tables[name].columns]
        if absent:
            raise ValueError(f"rossmann_features: table {name!r} lacks column(s) {absent}")
    states = tables["store_states"].drop_duplicates("Store").set_index("Store")["State"]
    stores = pd.concat([tables["train"]["Store"], tables["test"]["Store"]]).unique()
    stateless = sorted(int(s) for s in stores if pd.isna(states.get(s)))
    if stateless:
        raise ValueError(
            f"rossmann_features: {len(stateless)} store(s) have no state in store_states, e.g. {stateless[:5]}"
        )


def _holiday_flags(codes: pd.Series) -> pd.Series:
    """StateHoliday codes ("0", "a", "b", "c"; also the number 0) as 0/1."""
    return (codes.astype(str) != "0").astype(np.int64)


def _store_features(store: pd.DataFrame, store_states: pd.DataFrame) -> pd.DataFrame:
    """Store table with its state, fastai's filled start dates, and the start timestamps."""
    store = store.merge(store_states[["Store", "State"]].drop_duplicates("Store"), how="left", on="Store")
    for year, part in (
        ("CompetitionOpenSinceYear", "CompetitionOpenSinceMonth"),
        ("Promo2SinceYear", "Promo2SinceWeek"),
    ):
        store[year] = store[year].fillna(_NO_DATE_YEAR).astype(np.int64)
        store[part] = store[part].fillna(1).astype(np.int64)
    # fastai counts competition from the 15th of the month and Promo2 from the ISO week's Monday
    competition = pd.to_datetime(
        pd.DataFrame(
            {
                "year": store["CompetitionOpenSinceYear"],
                "month": store["CompetitionOpenSinceMonth"],
                "day": 15,
            }
        )
    )
    promo2 = pd.to_datetime(
        store["Promo2SinceYear"].astype(str) + "-" + store["Promo2SinceWeek"].astype(str) + "-1",
        format="%G-%V-%u",
    )
    store["CompetitionOpenSince"] = competition.where(store["CompetitionOpenSinceYear"] >= 1990)
    store["Promo2Since"] = promo2.where(store["Promo2SinceYear"] >= 1990)
    return store


def _capped_periods(dates: pd.Series, since: pd.Series, period_days: int, cap: int) -> pd.Series:
    """Whole periods from ``since`` to each date, 0 before it or without it, at most ``cap``."""
    days = (dates - since).dt.days.fillna(0)
    return (days.clip(lower=0) // period_days).clip(upper=cap).astype(np.int64)


def _trends(googletrend: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(State, week_start) -> trend, and week_start -> trend_DE."""
    frame = pd.DataFrame(
        {
            "State": googletrend["file"].map(trend_file_state),
            "week_start": pd.to_datetime(googletrend["week"].str[:10], format="%Y-%m-%d"),
            "trend": googletrend["trend"],
        }
    )
    national = frame.loc[googletrend["file"] == TREND_PREFIX, ["week_start", "trend"]]
    states = frame.loc[frame["State"].notna()]
    _check_unique(states, ["State", "week_start"], "googletrend")
    _check_unique(national, ["week_start"], "googletrend")
    return states, national.rename(columns={"trend": "trend_DE"})


def _weather(weather: pd.DataFrame, state_names: pd.DataFrame) -> pd.DataFrame:
    """Weather keyed by state code and date."""
    codes = state_names.drop_duplicates("StateName").set_index("StateName")["State"]
    frame = weather.assign(State=weather["file"].map(codes)).drop(columns="file")
    frame = frame.loc[frame["State"].notna()]
    _check_unique(frame, ["State", "Date"], "weather")
    return frame


def _check_unique(frame: pd.DataFrame, keys: list[str], table: str) -> None:
    duplicated = frame.duplicated(keys)
    if duplicated.any():
        example = frame.loc[duplicated, keys].iloc[0].to_dict()
        raise ValueError(
            f"rossmann_features: table {table!r} has {int(duplicated.sum())} "
            f"duplicate row(s) for {keys}, e.g. {example}"
        )
