import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from tabkit.prep.history import HistoryFeatures

DAY = pd.Timedelta(days=1)


def make_sales(seed=0, stores=3, days=70, keep=0.7):
    """Rows of a few stores on a random subset of days (gaps in the dates), with sales,
    customers (a few missing) and 0/1 promo and holiday flags."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-03-01", periods=days, freq="D")
    rows = [(s, d) for s in range(1, stores + 1) for d in dates if rng.random() < keep]
    frame = pd.DataFrame(rows, columns=["Store", "Date"])
    frame["DayOfWeek"] = frame["Date"].dt.day_of_week
    frame["Sales"] = rng.uniform(50, 150, len(frame)).round(2)
    frame["Customers"] = rng.integers(5, 30, len(frame)).astype(float)
    frame.loc[rng.random(len(frame)) < 0.1, "Customers"] = np.nan
    frame["Promo"] = (rng.random(len(frame)) < 0.4).astype(int)
    frame["Holiday"] = (rng.random(len(frame)) < 0.2).astype(int)
    return frame


def split(frame, last_train_day):
    cut = pd.Timestamp(last_train_day)
    return frame[frame["Date"] <= cut].reset_index(drop=True), frame[frame["Date"] > cut].reset_index(drop=True)


def reference(train, frame, *, group, column, windows, gap, stats, min_periods=1, log=False):
    """The slow, obvious computation: for each row, filter the training rows."""
    groups = [group] if isinstance(group, str) else list(group)
    out = {(stat, w): [] for stat in stats for w in windows}
    for _, row in frame.iterrows():
        same = np.logical_and.reduce([train[g].to_numpy() == row[g] for g in groups])
        for w in windows:
            first, last = row["Date"] - (gap + w) * DAY, row["Date"] - (gap + 1) * DAY
            values = train.loc[same & train["Date"].between(first, last).to_numpy(), column].dropna().to_numpy()
            values = np.log(values) if log else values
            seen = same.any()
            for stat in stats:
                if stat == "count":
                    value = len(values) if seen else np.nan
                elif len(values) < max(min_periods, 2 if stat == "std" else 1):
                    value = np.nan
                else:
                    value = {"mean": np.mean, "sum": np.sum, "std": lambda v: np.std(v, ddof=1)}[stat](values)
                out[(stat, w)].append(value)
    return out


@pytest.mark.parametrize(
    ("group", "windows", "gap", "stats", "min_periods"),
    [
        ("Store", (7,), 0, ("mean",), 1),
        ("Store", (3, 10, 30), 0, ("mean", "std", "count", "sum"), 1),
        ("Store", (5, 14), 9, ("mean", "std", "count"), 3),
        (["Store", "DayOfWeek"], (14, 28), 2, ("mean", "count"), 1),
    ],
)
def test_training_and_later_rows_match_a_naive_reference(group, windows, gap, stats, min_periods):
    train, valid = split(make_sales(), "2021-04-20")
    history = HistoryFeatures(
        group=group, windows=windows, gap=gap, stats=stats, columns="Customers", min_periods=min_periods
    )
    history.fit(train)
    for frame in (train, valid):
        out = history.transform(frame)
        for column, name in (("Sales", "Sales"), ("Customers", "Customers")):
            expected = reference(
                train, frame, group=group, column=column, windows=windows, gap=gap, stats=stats, min_periods=min_periods
            )
            for (stat, w), values in expected.items():
                suffix = (f"_gap{gap}" if gap else "") + ("" if isinstance(group, str) else "_by_" + "_".join(group))
                got = out[f"{name}_{stat}_{w}d{suffix}"].to_numpy()
                np.testing.assert_allclose(got, values, rtol=1e-10, atol=1e-10, err_msg=f"{name} {stat} {w}d")
    # the windows do hold rows: the comparison is not between two columns of NaN
    assert out.filter(like="_mean_").notna().any().all()


def test_one_window_mean_is_the_mean_of_the_seven_days_before():
    train = pd.DataFrame(
        {
            "Store": [1] * 10,
            "Date": pd.date_range("2022-01-01", periods=10, freq="D"),
            "Sales": np.arange(1.0, 11.0),
        }
    )
    out = HistoryFeatures(windows=(7,)).fit_transform(train)
    # day 9 (Sales 9) sees days 2..8 -> sales 2..8; day 1 sees nothing
    assert np.isnan(out["Sales_mean_7d"].iloc[0])
    assert out["Sales_mean_7d"].iloc[8] == pytest.approx(np.mean(np.arange(2.0, 9.0)))
    gapped = HistoryFeatures(windows=(3,), gap=4).fit_transform(train)
    # day 10 with gap 4 sees days 3..5
    assert gapped["Sales_mean_3d_gap4"].iloc[9] == pytest.approx(4.0)


def test_targets_on_or_after_a_row_date_never_change_its_features():
    frame = make_sales(seed=1)
    history = HistoryFeatures(windows=(3, 10, 30), stats=("mean", "std", "count", "sum"), columns="Customers")
    base = history.fit_transform(frame)
    names = history.names_
    rng = np.random.default_rng(5)
    for cut in pd.to_datetime(["2021-03-10", "2021-04-01", "2021-04-25"]):
        changed = frame.copy()
        later = (changed["Date"] >= cut).to_numpy()
        changed.loc[later, "Sales"] = rng.uniform(1000, 2000, later.sum())
        changed.loc[later, "Customers"] = rng.uniform(1000, 2000, later.sum())
        out = clone(history).fit_transform(changed)
        pd.testing.assert_frame_equal(out.loc[~later, names], base.loc[~later, names])
        assert not np.allclose(out.loc[later, names].fillna(0), base.loc[later, names].fillna(0))


def test_validation_features_do_not_depend_on_validation_targets():
    train, valid = split(make_sales(seed=2), "2021-04-15")
    history = HistoryFeatures(windows=(7, 28), stats=("mean", "count"), columns="Customers", events="Promo").fit(train)
    with_targets = history.transform(valid)
    scrambled = valid.assign(Sales=valid["Sales"] * 100, Customers=-1.0)
    without = history.transform(valid.drop(columns=["Sales", "Customers"]))
    names = history.names_
    pd.testing.assert_frame_equal(with_targets[names], without[names])
    pd.testing.assert_frame_equal(with_targets[names], history.transform(scrambled)[names])
    # windows are cut at the cutoff: rows more than 7 days after it have an empty 7-day window
    late = (valid["Date"] > history.cutoff_ + 7 * DAY).to_numpy()
    assert late.any() and with_targets.loc[late, "Sales_mean_7d"].isna().all()
    assert (with_targets.loc[late, "Sales_count_7d"] == 0).all()
    assert with_targets.loc[~late, "Sales_mean_7d"].notna().any()


def test_a_gap_moves_the_windows_back_by_that_many_days():
    frame = make_sales(seed=3)
    gap = 6
    shifted = HistoryFeatures(windows=(5, 20), gap=gap, stats=("mean", "std", "count")).fit(frame)
    plain = HistoryFeatures(windows=(5, 20), stats=("mean", "std", "count")).fit(frame)
    with_gap = shifted.transform(frame)
    earlier = plain.transform(frame.assign(Date=frame["Date"] - gap * DAY))
    for stat in ("mean", "std", "count"):
        for w in (5, 20):
            np.testing.assert_array_equal(with_gap[f"Sales_{stat}_{w}d_gap{gap}"], earlier[f"Sales_{stat}_{w}d"])
    assert not np.allclose(with_gap["Sales_mean_5d_gap6"].fillna(0), plain.transform(frame)["Sales_mean_5d"].fillna(0))


def test_unseen_groups_get_nan_history_but_event_counts():
    train, valid = split(make_sales(seed=4), "2021-04-15")
    history = HistoryFeatures(windows=(7,), stats=("mean", "count"), events="Promo", event_windows=(3,)).fit(train)
    new = valid.assign(Store=99)
    out = history.transform(new)
    assert out["Sales_mean_7d"].isna().all() and out["Sales_count_7d"].isna().all()
    promo_days = set(new.loc[new["Promo"] == 1, "Date"])
    expected = [sum(d + k * DAY in promo_days for k in (1, 2, 3)) for d in new["Date"]]
    np.testing.assert_array_equal(out["Promo_next_3d"], expected)


def test_event_counts_look_ahead_in_the_frame_and_back_into_the_training_rows():
    train, valid = split(make_sales(seed=5), "2021-04-15")
    history = HistoryFeatures(windows=(7,), events=["Promo", "Holiday"], event_windows=(2, 7)).fit(train)
    out = history.transform(valid)
    both = pd.concat([train, valid])
    for event in ("Promo", "Holiday"):
        on = set(zip(both.loc[both[event] == 1, "Store"], both.loc[both[event] == 1, "Date"]))
        for k in (2, 7):
            past = [sum((s, d - j * DAY) in on for j in range(1, k + 1)) for s, d in zip(valid["Store"], valid["Date"])]
            ahead = [
                sum((s, d + j * DAY) in on for j in range(1, k + 1)) for s, d in zip(valid["Store"], valid["Date"])
            ]
            np.testing.assert_array_equal(out[f"{event}_past_{k}d"], past)
            np.testing.assert_array_equal(out[f"{event}_next_{k}d"], ahead)
    first = (valid["Date"] == valid["Date"].min()).to_numpy()
    assert out.loc[first, "Promo_past_7d"].sum() > 0  # read from the training rows
    # the frame's own flags win over the stored ones on a day both hold
    flipped = train.assign(Promo=0)
    again = history.transform(flipped)
    assert again["Promo_past_7d"].sum() == 0 and again["Promo_next_7d"].sum() == 0


def test_log_target_summarises_log_sales_and_refuses_non_positive_targets():
    train, valid = split(make_sales(seed=6), "2021-04-20")
    history = HistoryFeatures(windows=(10,), stats=("mean", "std"), log_target=True).fit(train)
    out = history.transform(valid)
    assert history.names_ == ["log_Sales_mean_10d", "log_Sales_std_10d"]
    expected = reference(
        train, valid, group="Store", column="Sales", windows=(10,), gap=0, stats=("mean", "std"), log=True
    )
    np.testing.assert_allclose(out["log_Sales_mean_10d"], expected[("mean", 10)], rtol=1e-12)
    np.testing.assert_allclose(out["log_Sales_std_10d"], expected[("std", 10)], rtol=1e-10)
    bad = train.copy()
    bad.loc[[3, 8], "Sales"] = [0.0, -2.0]
    with pytest.raises(ValueError, match=r"target 'Sales' > 0, but 2 row\(s\) are <= 0, at row\(s\) \[3, 8\]"):
        HistoryFeatures(log_target=True).fit(bad)


def test_order_of_the_rows_is_irrelevant_and_the_output_keeps_input_order_and_index():
    frame = make_sales(seed=7)
    frame.index = pd.RangeIndex(100, 100 + len(frame)) * 3
    history = HistoryFeatures(windows=(4, 15), stats=("mean", "std"), columns="Customers", events="Promo")
    out = history.fit_transform(frame)
    shuffled = frame.sample(frac=1.0, random_state=0)
    shuffled_out = clone(history).fit_transform(shuffled)
    assert shuffled_out.index.equals(shuffled.index)
    pd.testing.assert_frame_equal(shuffled_out.loc[frame.index], out, rtol=1e-12)
    assert list(out.columns) == [*frame.columns, *history.names_]
    assert list(out.columns[: frame.shape[1]]) == list(frame.columns) and len(out.columns) > frame.shape[1]


def test_times_of_day_and_date_strings_give_the_same_features():
    frame = make_sales(seed=8)
    expected = HistoryFeatures(windows=(6,)).fit_transform(frame)["Sales_mean_6d"]
    with_times = frame.assign(Date=frame["Date"] + pd.to_timedelta(np.arange(len(frame)) % 24, "h"))
    as_text = frame.assign(Date=frame["Date"].dt.strftime("%Y-%m-%d"))
    for variant in (with_times, as_text):
        out = HistoryFeatures(windows=(6,)).fit_transform(variant)["Sales_mean_6d"]
        pd.testing.assert_series_equal(out, expected)


def test_target_can_be_given_as_y_and_is_never_needed_by_transform():
    train, valid = split(make_sales(seed=9), "2021-04-20")
    from_column = HistoryFeatures(windows=(9,), columns="Customers").fit(train).transform(valid)
    history = HistoryFeatures(windows=(9,), columns="Customers").fit(train.drop(columns="Sales"), train["Sales"])
    from_y = history.transform(valid.drop(columns=["Sales", "Customers"]))
    np.testing.assert_array_equal(from_column["Sales_mean_9d"], from_y["Sales_mean_9d"])
    np.testing.assert_array_equal(from_column["Customers_mean_9d"], from_y["Customers_mean_9d"])


def test_names_follow_the_scheme():
    frame = make_sales()
    history = HistoryFeatures(
        group=["Store", "DayOfWeek"], windows=(7, 28), gap=43, stats=("mean", "count"), columns="Customers"
    )
    history.set_params(events="Promo", event_windows=(14,)).fit(frame)
    assert history.names_ == [
        "Sales_mean_7d_gap43_by_Store_DayOfWeek",
        "Sales_count_7d_gap43_by_Store_DayOfWeek",
        "Sales_mean_28d_gap43_by_Store_DayOfWeek",
        "Sales_count_28d_gap43_by_Store_DayOfWeek",
        "Customers_mean_7d_gap43_by_Store_DayOfWeek",
        "Customers_count_7d_gap43_by_Store_DayOfWeek",
        "Customers_mean_28d_gap43_by_Store_DayOfWeek",
        "Customers_count_28d_gap43_by_Store_DayOfWeek",
        "Promo_past_14d_by_Store_DayOfWeek",
        "Promo_next_14d_by_Store_DayOfWeek",
    ]
    assert list(history.get_feature_names_out()) == [*frame.columns, *history.names_]
    assert history.transform(frame).attrs["tabkit_lineage"]["Customers_mean_7d_gap43_by_Store_DayOfWeek"] == "Customers"


def test_clone_get_params_and_not_fitted():
    history = HistoryFeatures(group=["Store", "DayOfWeek"], windows=(3,), gap=2, events="Promo")
    params = history.get_params()
    assert params["group"] == ["Store", "DayOfWeek"] and params["gap"] == 2 and params["log_target"] is False
    copy = clone(history)
    assert copy.get_params() == params and copy is not history
    with pytest.raises(NotFittedError):
        history.transform(make_sales())
    with pytest.raises(NotFittedError):
        history.get_feature_names_out()
    # __init__ stores, fit validates
    HistoryFeatures(windows=(0,), gap=-1)


def test_empty_frames():
    frame = make_sales()
    history = HistoryFeatures(windows=(7,), events="Promo").fit(frame)
    out = history.transform(frame.iloc[:0])
    assert len(out) == 0 and list(out.columns) == [*frame.columns, *history.names_]
    with pytest.raises(ValueError, match="X has no rows"):
        HistoryFeatures().fit(frame.iloc[:0])


def test_joblib_round_trip_gives_identical_output(tmp_path):
    train, valid = split(make_sales(seed=10), "2021-04-20")
    history = HistoryFeatures(windows=(5, 30), stats=("mean", "std"), columns="Customers", events="Holiday").fit(train)
    joblib.dump(history, tmp_path / "history.joblib")
    loaded = joblib.load(tmp_path / "history.joblib")
    pd.testing.assert_frame_equal(loaded.transform(valid), history.transform(valid))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"windows": (7, 0)}, r"windows must be distinct positive ints \(days\), got \(7, 0\)"),
        ({"windows": (7, 2.5)}, "windows must be distinct positive ints"),
        ({"windows": (True,)}, "windows must be distinct positive ints"),
        ({"windows": ()}, "windows must be distinct positive ints"),
        ({"windows": (7, 7)}, "windows must be distinct positive ints"),
        ({"event_windows": (-3,), "events": "Promo"}, "event_windows must be distinct positive ints"),
        ({"gap": -1}, r"gap must be an int >= 0 \(days\), got -1"),
        ({"gap": 1.5}, "gap must be an int >= 0"),
        ({"min_periods": 0}, "min_periods must be an int >= 1"),
        ({"stats": ("mean", "median")}, r"stats must be a sequence of distinct names among \['mean', 'std'"),
        ({"group": []}, "group must be a column name or a list of them"),
        ({"columns": ["Sales"]}, r"columns must not repeat the target, group or date column\(s\): \['Sales'\]"),
        ({"log_target": "yes"}, "log_target must be True or False"),
    ],
)
def test_bad_parameters_are_refused_in_fit(params, message):
    with pytest.raises(ValueError, match=message):
        HistoryFeatures(**params).fit(make_sales())


def test_bad_frames_are_named():
    frame = make_sales()
    with pytest.raises(ValueError, match=r"fit: column\(s\) not in the frame: \['Store'\]"):
        HistoryFeatures().fit(frame.drop(columns="Store"))
    with pytest.raises(ValueError, match=r"fit: column\(s\) not in the frame: \['Date'\]"):
        HistoryFeatures().fit(frame.drop(columns="Date"))
    with pytest.raises(ValueError, match=r"fit: column\(s\) not in the frame: \['DayOfWeek'\]"):
        HistoryFeatures(group=["Store", "DayOfWeek"]).fit(frame.drop(columns="DayOfWeek"))
    with pytest.raises(ValueError, match="target column 'Sales' is not in X"):
        HistoryFeatures().fit(frame.drop(columns="Sales"))
    with pytest.raises(ValueError, match=r"column\(s\) not in the frame: \['Visitors'\]"):
        HistoryFeatures(columns=["Customers", "Visitors"]).fit(frame)
    with pytest.raises(ValueError, match=r"column\(s\) not in the frame: \['Promo2'\]"):
        HistoryFeatures(events="Promo2").fit(frame)
    with pytest.raises(ValueError, match=r"X has \d+ rows but y has 3"):
        HistoryFeatures().fit(frame, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="expects a pandas DataFrame"):
        HistoryFeatures().fit(frame.to_numpy())

    fitted = HistoryFeatures(windows=(7,), events="Promo").fit(frame)
    with pytest.raises(ValueError, match=r"transform: column\(s\) not in the frame: \['Date'\]"):
        fitted.transform(frame.drop(columns="Date"))
    with pytest.raises(ValueError, match=r"transform: column\(s\) not in the frame: \['Promo'\]"):
        fitted.transform(frame.drop(columns="Promo"))
    with pytest.raises(ValueError, match=r"X already has column\(s\) \['Sales_mean_7d', 'Promo_past_7d'"):
        fitted.transform(fitted.transform(frame))


def test_bad_values_are_named_with_their_rows():
    frame = make_sales()
    dates = frame["Date"].dt.strftime("%Y-%m-%d").astype(object)
    dates[[4, 9]] = ["2021-13-45", "soon"]
    with pytest.raises(ValueError, match=r"2 value\(s\) that are not dates, at row\(s\) \[4, 9\], e.g. '2021-13-45'"):
        HistoryFeatures().fit(frame.assign(Date=dates))
    missing = frame["Date"].copy()
    missing[[2]] = pd.NaT
    with pytest.raises(ValueError, match=r"date column 'Date' has 1 missing value\(s\), at row\(s\) \[2\]"):
        HistoryFeatures().fit(frame.assign(Date=missing))
    fitted = HistoryFeatures().fit(frame)
    with pytest.raises(ValueError, match=r"transform: date column 'Date' has 1 missing value"):
        fitted.transform(frame.assign(Date=missing))
    with pytest.raises(ValueError, match=r"date column 'Date' holds numbers"):
        HistoryFeatures().fit(frame.assign(Date=np.arange(len(frame))))

    twice = pd.concat([frame, frame.iloc[[5, 5, 6]]], ignore_index=True)
    store, day = frame.loc[5, "Store"], frame.loc[5, "Date"].date()
    with pytest.raises(
        ValueError, match=rf"3 duplicate \(group, date\) row\(s\): e.g. Store={store} on {day} appears 3 times"
    ):
        HistoryFeatures().fit(twice)
    with pytest.raises(ValueError, match=r"Store=\d+, DayOfWeek=\d+ on"):
        HistoryFeatures(group=["Store", "DayOfWeek"]).fit(twice)

    sales = frame["Sales"].copy()
    sales[[1, 7]] = [np.nan, np.inf]
    with pytest.raises(ValueError, match=r"target 'Sales' has 2 missing or infinite value\(s\), at row\(s\) \[1, 7\]"):
        HistoryFeatures().fit(frame.assign(Sales=sales))
    with pytest.raises(ValueError, match="column 'Sales' must be numeric"):
        HistoryFeatures().fit(frame.assign(Sales=frame["Sales"].astype(str)))
    stores = frame["Store"].astype(float)
    stores[[0]] = np.nan
    with pytest.raises(ValueError, match=r"group column 'Store' has 1 missing value\(s\), at row\(s\) \[0\]"):
        HistoryFeatures().fit(frame.assign(Store=stores))
    promo = frame["Promo"].copy()
    promo[3] = 2
    with pytest.raises(
        ValueError, match=r"event column 'Promo' must hold 0/1 values; 1 row\(s\) do not, at row\(s\) \[3\]"
    ):
        HistoryFeatures(events="Promo").fit(frame.assign(Promo=promo))
