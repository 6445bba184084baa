"""The Rossmann tables' in-memory schemas and the fixed facts about German states.

Every table ``make_rossmann`` builds and ``load_rossmann`` reads has exactly the columns
and dtypes listed in ``SCHEMAS``. The external tables use one in-memory layout whatever
the layout on disk: ``googletrend`` as fastai's combined file (``file``, ``week``,
``trend``) and ``weather`` with a ``file`` column naming the state, as in fastai's
combined ``weather.csv``.
"""

from __future__ import annotations

import pandas as pd

DATE = "datetime64[ns]"
STR = str(pd.Series(["x"]).dtype)  # pandas' string dtype: "str" from pandas 3, "object" before

SCHEMAS: dict[str, dict[str, str]] = {
    "train": {
        "Store": "int64",
        "DayOfWeek": "int64",
        "Date": DATE,
        "Sales": "int64",
        "Customers": "int64",
        "Open": "int64",
        "Promo": "int64",
        "StateHoliday": STR,
        "SchoolHoliday": "int64",
    },
    "test": {
        "Id": "int64",
        "Store": "int64",
        "DayOfWeek": "int64",
        "Date": DATE,
        "Open": "float64",
        "Promo": "int64",
        "StateHoliday": STR,
        "SchoolHoliday": "int64",
    },
    "store": {
        "Store": "int64",
        "StoreType": STR,
        "Assortment": STR,
        "CompetitionDistance": "float64",
        "CompetitionOpenSinceMonth": "float64",
        "CompetitionOpenSinceYear": "float64",
        "Promo2": "int64",
        "Promo2SinceWeek": "float64",
        "Promo2SinceYear": "float64",
        "PromoInterval": STR,
    },
    "store_states": {"Store": "int64", "State": STR},
    "state_names": {"StateName": STR, "State": STR},
    "googletrend": {"file": STR, "week": STR, "trend": "int64"},
    "weather": {
        "file": STR,
        "Date": DATE,
        "Max_TemperatureC": "int64",
        "Mean_TemperatureC": "int64",
        "Min_TemperatureC": "int64",
        "Dew_PointC": "int64",
        "MeanDew_PointC": "int64",
        "Min_DewpointC": "int64",
        "Max_Humidity": "int64",
        "Mean_Humidity": "int64",
        "Min_Humidity": "int64",
        "Max_Sea_Level_PressurehPa": "int64",
        "Mean_Sea_Level_PressurehPa": "int64",
        "Min_Sea_Level_PressurehPa": "int64",
        "Max_VisibilityKm": "float64",
        "Mean_VisibilityKm": "float64",
        "Min_VisibilitykM": "float64",
        "Max_Wind_SpeedKm_h": "int64",
        "Mean_Wind_SpeedKm_h": "int64",
        "Max_Gust_SpeedKm_h": "float64",
        "Precipitationmm": "float64",
        "CloudCover": "float64",
        "Events": STR,
        "WindDirDegrees": "int64",
    },
}
"""Table name -> column -> dtype."""

REQUIRED_TABLES = ("train", "test", "store")
EXTERNAL_TABLES = ("store_states", "state_names", "googletrend", "weather")

NULLABLE: dict[str, frozenset[str]] = {
    "test": frozenset({"Open"}),
    "store": frozenset(
        {
            "CompetitionDistance",
            "CompetitionOpenSinceMonth",
            "CompetitionOpenSinceYear",
            "Promo2SinceWeek",
            "Promo2SinceYear",
            "PromoInterval",
        }
    ),
    "weather": frozenset(
        {
            "Max_VisibilityKm",
            "Mean_VisibilityKm",
            "Min_VisibilitykM",
            "Max_Gust_SpeedKm_h",
            "Precipitationmm",
            "CloudCover",
            "Events",
        }
    ),
}
"""Columns that may hold missing values; a missing value anywhere else is an error."""

STATE_HOLIDAY_CODES = ("0", "a", "b", "c")
"""``StateHoliday``: none, public holiday, Easter, Christmas."""

PROMO_INTERVALS = ("Jan,Apr,Jul,Oct", "Feb,May,Aug,Nov", "Mar,Jun,Sept,Dec")

STATE_NAMES: tuple[tuple[str, str], ...] = (
    ("BadenWuerttemberg", "BW"),
    ("Bayern", "BY"),
    ("Berlin", "BE"),
    ("Brandenburg", "BB"),
    ("Bremen", "HB"),
    ("Hamburg", "HH"),
    ("Hessen", "HE"),
    ("MecklenburgVorpommern", "MV"),
    ("Niedersachsen", "HB,NI"),
    ("NordrheinWestfalen", "NW"),
    ("RheinlandPfalz", "RP"),
    ("Saarland", "SL"),
    ("Sachsen", "SN"),
    ("SachsenAnhalt", "ST"),
    ("SchleswigHolstein", "SH"),
    ("Thueringen", "TH"),
)
"""Weather file name -> state code; Bremen and Niedersachsen stores share ``"HB,NI"``."""

TREND_STATES = ("BE", "BW", "BY", "HE", "HH", "NI", "NW", "RP", "SH", "SL", "SN", "ST", "TH")
"""States with a Google Trends file ``Rossmann_DE_<code>``; ``Rossmann_DE`` is national."""
TREND_PREFIX = "Rossmann_DE"


def trend_file_state(file: str) -> str | None:
    """The store state code a Google Trends file describes, ``None`` for the national one."""
    code = file[len(TREND_PREFIX) + 1 :] if file.startswith(TREND_PREFIX + "_") else None
    return "HB,NI" if code == "NI" else code


def empty_frame(table: str) -> pd.DataFrame:
    """A zero-row frame with ``table``'s columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in SCHEMAS[table].items()})


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Return ``frame`` with ``table``'s column order and dtypes and a fresh RangeIndex."""
    schema = SCHEMAS[table]
    result = frame[list(schema)].astype(schema)
    return result.reset_index(drop=True)
