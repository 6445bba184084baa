"""rossmann_features: fastai's feature set on synthetic and real tables, and that the
synthetic signals are learnable (a small forest beats a per-store mean clearly)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestRegressor

import tabkit as tk
from tabkit.datasets import ROSSMANN_CAT, ROSSMANN_CONT, make_rossmann, rossmann_features
from tabkit.metrics import rmspe
from tabkit.prep.dates import DATE_PARTS
from tabkit.prep.lineage import lineage_of

EVENTS = ("SchoolHoliday", "StateHoliday", "Promo")


def test_feature_lists_are_fastais():
    assert len(ROSSMANN_CAT) == 22 and len(ROSSMANN_CONT) == 16
    assert not set(ROSSMANN_CAT) & set(ROSSMANN_CONT)


@pytest.mark.parametrize("split", [0, 1])
def test_columns(small_features, split):
    frame = small_features[split]
    needed = [*ROSSMANN_CAT, *ROSSMANN_CONT, "Date", *(("Sales",) if split == 0 else ("Id", "Open"))]
    assert not [c for c in needed if c not in frame.columns]
    assert isinstance(frame.index, pd.RangeIndex)
    assert pd.api.types.is_datetime64_any_dtype(frame["Date"])
    assert set(frame["StateHoliday"].unique()) <= {0, 1}
    assert frame["CompetitionMonthsOpen"].between(0, 24).all()
    assert frame["Promo2Weeks"].between(0, 25).all()
    for column in ("trend", "trend_DE", "Mean_TemperatureC", "CompetitionMonthsOpen"):
        assert frame[column].notna().all(), column


def test_closed_days_dropped_and_test_rows_kept(small, small_features):
    train, test = small_features
    raw = small["train"]
    assert len(train) == int(((raw["Open"] == 1) & (raw["Sales"] > 0)).sum())
    assert (train["Sales"] > 0).all() and (train["Open"] == 1).all()
    assert len(test) == len(small["test"])
    assert test["Id"].tolist() == small["test"]["Id"].tolist()


def test_lineage(small_features):
    for frame in small_features:
        lineage = lineage_of(frame)
        assert {part: lineage[part] for part in DATE_PARTS} == {part: "Date" for part in DATE_PARTS}
        for event in EVENTS:
            for feature in (f"After{event}", f"Before{event}", f"{event}_bw", f"{event}_fw"):
                assert lineage[feature] == event
                assert feature in frame.columns


def test_lineage_reaches_the_processor(small_features):
    processor = tk.TabularProcessor(ROSSMANN_CAT, ROSSMANN_CONT).fit(small_features[0])
    assert processor.lineage_["Week"] == "Date"
    assert processor.lineage_["Promo_fw"] == "Promo"


def test_joins_use_state_and_week(small, small_features):
    train = small_features[0]
    row = train.iloc[len(train) // 2]
    names = small["state_names"].set_index("State")["StateName"]
    weather = small["weather"]
    day = weather[(weather["file"] == names[row["State"]]) & (weather["Date"] == row["Date"])]
    assert day["Mean_TemperatureC"].item() == row["Mean_TemperatureC"]
    sunday = row["Date"] - pd.Timedelta(days=(row["Date"].day_of_week + 1) % 7)
    week = f"{sunday:%Y-%m-%d} - {sunday + pd.Timedelta(days=6):%Y-%m-%d}"
    trend = small["googletrend"].set_index(["file", "week"])["trend"]
    code = "NI" if row["State"] == "HB,NI" else row["State"]
    assert trend[(f"Rossmann_DE_{code}", week)] == row["trend"]
    assert trend[("Rossmann_DE", week)] == row["trend_DE"]


def test_competition_and_promo2_durations(small):
    store = small["store"].copy()
    store.loc[0, ["CompetitionOpenSinceYear", "CompetitionOpenSinceMonth"]] = [2014.0, 3.0]
    store.loc[0, ["Promo2", "Promo2SinceYear", "Promo2SinceWeek", "PromoInterval"]] = [
        1,
        2014.0,
        10.0,
        "Jan,Apr,Jul,Oct",
    ]
    store.loc[1, ["CompetitionOpenSinceYear", "CompetitionOpenSinceMonth"]] = [np.nan, np.nan]
    train, _ = rossmann_features({**small, "store": store})
    first = train[train["Store"] == 1].set_index("Date")
    # competition from 2014-03-15, in whole 30-day months; Promo2 from Monday of ISO week 10
    days = (first.index - pd.Timestamp("2014-03-15")).days
    assert (first["CompetitionMonthsOpen"] == np.clip(days // 30, 0, 24)).all()
    weeks = (first.index - pd.Timestamp("2014-03-03")).days
    assert (first["Promo2Weeks"] == np.clip(weeks // 7, 0, 25)).all()
    assert (train.loc[train["Store"] == 2, "CompetitionMonthsOpen"] == 0).all()


def test_elapsed_spans_train_and_test(small, small_features):
    test = small_features[1]
    raw_train = small["train"]
    first_day = test["Date"].min()
    rows = test[(test["Date"] == first_day) & (test["Promo"] == 0)]
    assert len(rows) > 0
    last_promo = raw_train[raw_train["Promo"] == 1].groupby("Store")["Date"].max()
    expected = (first_day - rows["Store"].map(last_promo)).dt.days
    assert rows["AfterPromo"].tolist() == expected.tolist()


def test_real_data(real_tables):
    train, test = rossmann_features(real_tables)
    assert len(train) == 844_338
    assert len(test) == 41_088
    assert train[["trend", "trend_DE", "Mean_TemperatureC"]].notna().all().all()
    assert test[["trend", "trend_DE", "Mean_TemperatureC"]].notna().all().all()


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: {k: v for k, v in t.items() if k != "weather"}, r"missing table\(s\) \['weather'\]"),
        (lambda t: {**t, "store_states": t["store_states"].iloc[1:]}, r"1 store\(s\) have no state.*\[1\]"),
        (
            lambda t: {**t, "googletrend": pd.concat([t["googletrend"], t["googletrend"].iloc[20:21]])},
            "'googletrend' has 1 duplicate",
        ),
        (lambda t: {**t, "train": t["train"].drop(columns="Promo")}, "'train' lacks column.*Promo"),
    ],
)
def test_bad_tables(small, change, message):
    with pytest.raises(ValueError, match=message):
        rossmann_features(change(dict(small)))


def test_forest_beats_per_store_mean():
    """The synthetic signals are learnable: a small forest on the processed features
    clearly beats predicting each store's mean sales, on the latest six weeks."""
    train, _ = rossmann_features(make_rossmann(25, seed=2))
    fit_rows, valid_rows = tk.time_split(train, date="Date", valid_size=25 * 36)
    fit, valid = train.iloc[fit_rows], train.iloc[valid_rows]
    processor = tk.TabularProcessor(ROSSMANN_CAT, ROSSMANN_CONT).fit(fit)
    forest = RandomForestRegressor(n_estimators=30, min_samples_leaf=2, max_features=0.5, random_state=0, n_jobs=1)
    forest.fit(processor.transform(fit), np.log(fit["Sales"]))
    predicted = np.exp(forest.predict(processor.transform(valid)))
    baseline = valid["Store"].map(fit.groupby("Store")["Sales"].mean())
    model_error, baseline_error = rmspe(valid["Sales"], predicted), rmspe(valid["Sales"], baseline)
    assert model_error < 0.6 * baseline_error, (model_error, baseline_error)
