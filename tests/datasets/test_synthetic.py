"""make_rossmann: Kaggle's schemas, determinism, and the structure the issue asks for."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabkit.datasets import make_rossmann
from tabkit.datasets.schema import NULLABLE, SCHEMAS, STATE_HOLIDAY_CODES

TABLES = sorted(SCHEMAS)


@pytest.mark.parametrize("table", TABLES)
def test_schema_matches_constant(small, table):
    frame = small[table]
    assert list(frame.columns) == list(SCHEMAS[table])
    assert {c: str(d) for c, d in frame.dtypes.items()} == {
        c: str(pd.Series(dtype=d).dtype) for c, d in SCHEMAS[table].items()
    }
    assert isinstance(frame.index, pd.RangeIndex)


@pytest.mark.parametrize("table", TABLES)
def test_schema_matches_real_files(small, real_tables, table):
    assert list(small[table].columns) == list(real_tables[table].columns)
    assert small[table].dtypes.to_dict() == real_tables[table].dtypes.to_dict()


@pytest.mark.parametrize("table", TABLES)
def test_missing_values_only_where_allowed(small, table):
    missing = small[table].isna().any()
    assert set(missing[missing].index) <= NULLABLE.get(table, frozenset())


def test_kaggle_layout(small):
    train, test = small["train"], small["test"]
    assert train["Date"].min() == pd.Timestamp("2013-01-01")
    assert train["Date"].max() == pd.Timestamp("2015-07-31")
    assert len(train) == 30 * 942
    assert test["Date"].min() == pd.Timestamp("2015-08-01")
    assert test["Date"].max() == pd.Timestamp("2015-09-17")
    assert test["Id"].tolist() == list(range(1, len(test) + 1))
    # newest day first, then by store
    order = train[["Date", "Store"]].assign(Date=lambda f: -f["Date"].astype("int64"))
    assert order.equals(order.sort_values(["Date", "Store"]))
    assert (train["DayOfWeek"] == train["Date"].dt.day_of_week + 1).all()
    assert set(train["StateHoliday"]) <= set(STATE_HOLIDAY_CODES)
    assert set(small["store_states"]["Store"]) == set(range(1, 31))


@pytest.mark.parametrize("n_stores, test_days", [(5, 1), (40, 10)])
def test_sizes_follow_arguments(n_stores, test_days):
    tables = make_rossmann(n_stores, start="2014-01-01", end="2014-03-31", test_days=test_days, seed=3)
    assert len(tables["train"]) == n_stores * 90
    assert tables["test"]["Date"].nunique() == test_days
    assert tables["test"]["Store"].nunique() <= n_stores
    weather_days = tables["weather"].groupby("file")["Date"].agg(["min", "max"])
    assert (weather_days["min"] == pd.Timestamp("2014-01-01")).all()
    assert (weather_days["max"] == pd.Timestamp("2014-03-31") + pd.Timedelta(days=test_days)).all()


def test_deterministic_by_seed():
    first, again, other = make_rossmann(8, seed=5), make_rossmann(8, seed=5), make_rossmann(8, seed=6)
    for table in TABLES:
        pd.testing.assert_frame_equal(first[table], again[table])
    assert not first["train"]["Sales"].equals(other["train"]["Sales"])
    assert not first["weather"].equals(other["weather"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_stores": 0}, "n_stores"),
        ({"test_days": 0}, "test_days"),
        ({"start": "2015-01-02", "end": "2015-01-01"}, "before start"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_rossmann(**kwargs)


def test_closed_days_sell_nothing(medium):
    train = medium["train"]
    closed = train[train["Open"] == 0]
    assert (closed[["Sales", "Customers"]] == 0).all().all()
    assert 0.78 < train["Open"].mean() < 0.88
    sundays = train[train["DayOfWeek"] == 7]
    assert sundays["Open"].mean() < 0.06
    holidays = train[train["StateHoliday"] != "0"]
    assert holidays["Open"].mean() < 0.1
    # a handful of open days with no sales, as in Kaggle's data
    assert ((train["Open"] == 1) & (train["Sales"] == 0)).sum() < 0.001 * len(train)


def test_state_holidays_depend_on_state(medium):
    train = medium["train"].merge(medium["store_states"], on="Store")
    epiphany = train[train["Date"] == "2014-01-06"].groupby("State")["StateHoliday"].first()
    assert epiphany["BY"] == "a" and epiphany["NW"] == "0"
    christmas = train[train["Date"] == "2014-12-25"]
    assert (christmas["StateHoliday"] == "c").all()
    good_friday = train[train["Date"] == "2015-04-03"]
    assert (good_friday["StateHoliday"] == "b").all()
    school = train.groupby(["State", "Date"])["SchoolHoliday"].nunique()
    assert (school == 1).all()
    assert 0.1 < train["SchoolHoliday"].mean() < 0.3


def _open(train: pd.DataFrame) -> pd.DataFrame:
    return train[(train["Open"] == 1) & (train["Sales"] > 0)]


def test_realistic_sales_levels(medium):
    sales = _open(medium["train"])
    assert 5000 < sales["Sales"].mean() < 9000
    per_store = sales.groupby("Store")["Sales"].mean()
    assert per_store.max() / per_store.min() > 3
    basket = sales["Sales"].sum() / sales["Customers"].sum()
    assert 7 < basket < 12


def test_seasonality_promo_and_store_effects(medium):
    sales = _open(medium["train"]).merge(medium["store"], on="Store")
    by_month = sales.groupby(sales["Date"].dt.month)["Sales"].mean()
    assert by_month.idxmax() == 12 and by_month[12] > 1.1 * by_month.drop(12).mean()
    by_promo = sales.groupby("Promo")["Sales"].mean()
    assert by_promo[1] > 1.25 * by_promo[0]
    weekdays = sales[sales["DayOfWeek"] < 7].groupby("DayOfWeek")["Sales"].mean()
    assert weekdays.idxmax() == 1
    by_type = sales.groupby("StoreType")["Sales"].mean()
    assert by_type["b"] > 1.2 * by_type.drop("b").max()


def test_competitor_opening_cuts_sales(medium):
    store = medium["store"]
    train = _open(medium["train"])
    opened = pd.to_datetime(
        pd.DataFrame(
            {
                "year": store["CompetitionOpenSinceYear"],
                "month": store["CompetitionOpenSinceMonth"],
                "day": 1,
            }
        ),
        errors="coerce",
    )
    nearby = store.assign(opened=opened)
    nearby = nearby[(nearby["CompetitionDistance"] < 3000) & nearby["opened"].between("2013-06-01", "2015-03-01")]
    assert len(nearby) >= 5
    changes = []
    for row in nearby.itertuples():
        rows = train[(train["Store"] == row.Store) & (train["Promo"] == 0)]
        days = (rows["Date"] - row.opened).dt.days
        before = np.log(rows.loc[days.between(-120, -1), "Sales"]).mean()
        after = np.log(rows.loc[days.between(90, 210), "Sales"]).mean()
        changes.append(after - before)
    assert np.mean(changes) < -0.03


def test_missing_values_like_kaggle(medium):
    store = medium["store"]
    assert 0.2 < store["CompetitionOpenSinceYear"].isna().mean() < 0.45
    assert store["CompetitionOpenSinceMonth"].isna().equals(store["CompetitionOpenSinceYear"].isna())
    no_promo2 = store["Promo2"] == 0
    for column in ("Promo2SinceWeek", "Promo2SinceYear", "PromoInterval"):
        assert store[column].isna().equals(no_promo2)
    assert medium["test"]["Open"].isna().sum() == 11
    weather = medium["weather"]
    assert weather["Max_Gust_SpeedKm_h"].isna().mean() > 0.5
    assert 0 < weather["CloudCover"].isna().mean() < 0.2


def test_some_stores_closed_for_months(medium):
    weekdays = medium["train"][medium["train"]["DayOfWeek"] < 7]
    closed = weekdays.assign(shut=weekdays["Open"] == 0).sort_values(["Store", "Date"])
    # longest run of closed weekdays per store
    run_id = (closed["shut"] != closed.groupby("Store")["shut"].shift()).cumsum()
    runs = closed[closed["shut"]].groupby(["Store", run_id]).size()
    long_closures = runs[runs >= 25].index.get_level_values("Store").unique()
    assert 1 <= len(long_closures) <= 20


def test_external_tables(small):
    trend = small["googletrend"]
    assert trend["file"].nunique() == 14
    assert trend.groupby("file")["trend"].max().eq(100).all()
    assert trend["trend"].between(0, 100).all()
    weather = small["weather"]
    assert weather["file"].nunique() == 16
    assert (weather["Max_TemperatureC"] >= weather["Min_TemperatureC"]).all()
    assert set(small["store_states"]["State"]) <= set(small["state_names"]["State"])
