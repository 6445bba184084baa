import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import tabkit as tk


@pytest.fixture
def train():
    return pd.DataFrame(
        {
            "shop": ["b", "a", None, "c", "a", "b"],
            "small_int": [1, 2, 3, 1, 2, 3],
            "many_int": np.arange(6) * 100,
            "price": [1.0, np.nan, 3.0, 4.0, 5.0, 6.0],
            "flag": [True, False, True, True, False, False],
            "when": pd.date_range("2020-01-01", periods=6),
        }
    )


@pytest.fixture
def fitted(train):
    return tk.TabularProcessor(max_card=3).fit(train)


def test_column_roles_follow_cont_cat_split(fitted):
    assert fitted.cat_names_ == ["shop", "small_int", "flag"]
    assert fitted.cont_names_ == ["many_int", "price"]
    assert fitted.na_names_ == ["price_na"]
    assert fitted.cat_features_ == ["shop", "small_int", "flag", "price_na"]
    assert list(fitted.get_feature_names_out()) == [*fitted.cat_features_, "many_int", "price"]
    assert list(fitted.feature_names_in_) == ["shop", "small_int", "flag", "many_int", "price"]


@pytest.mark.parametrize(
    "cat,cont,expected_cat,expected_cont",
    [
        (["shop"], None, ["shop"], ["small_int", "many_int", "price", "flag"]),
        (None, ["price"], ["shop", "small_int", "many_int", "flag"], ["price"]),
        (["shop"], ["price"], ["shop"], ["price"]),
    ],
)
def test_explicit_roles(train, cat, cont, expected_cat, expected_cont):
    proc = tk.TabularProcessor(cat, cont).fit(train)
    assert (proc.cat_names_, proc.cont_names_) == (expected_cat, expected_cont)


def test_codes_are_sorted_categories_with_zero_for_missing(fitted, train):
    out = fitted.transform(train)
    assert fitted.categories_["shop"] == ["a", "b", "c"]
    assert list(out["shop"]) == [2, 1, 0, 3, 1, 2]
    assert list(out["flag"]) == [2, 1, 2, 2, 1, 1]
    assert list(out["price_na"]) == [1, 2, 1, 1, 1, 1]
    assert fitted.cardinalities_ == {"shop": 4, "small_int": 4, "flag": 3, "price_na": 3}
    assert out["shop"].dtype == np.int64 and out["price"].dtype == np.float32


def test_fill_and_normalisation(fitted, train):
    raw = fitted.transform(train)
    assert fitted.fill_values_["price"] == 4.0
    assert raw["price"].iloc[1] == 4.0
    normalised = fitted.transform(train, normalize=True)
    filled = train["price"].fillna(4.0)
    expected = (filled - filled.mean()) / filled.std()
    np.testing.assert_allclose(normalised["price"], expected, rtol=1e-6)
    assert abs(normalised["many_int"].mean()) < 1e-6


@pytest.mark.parametrize("fill,expected", [("mean", 3.8), (-1, -1.0)])
def test_other_fill_rules(train, fill, expected):
    proc = tk.TabularProcessor(max_card=3, fill=fill).fit(train)
    assert proc.fill_values_["price"] == pytest.approx(expected)


def test_unseen_and_missing_values_at_transform(fitted):
    later = pd.DataFrame(
        {
            "shop": ["z", "a"],
            "small_int": [7.0, np.nan],
            "many_int": [np.nan, 100],
            "price": [np.nan, 2.0],
            "flag": [None, True],
            "extra": ["ignored", "too"],
        }
    )
    out = fitted.transform(later)
    assert list(out["shop"]) == [0, 1] and list(out["small_int"]) == [0, 0]
    # many_int had no missing values in training: filled with its median, no _na column
    assert out["many_int"].iloc[0] == 250.0 and "many_int_na" not in out
    assert list(out["price_na"]) == [2, 1]
    assert "extra" not in out and list(out.index) == [0, 1]


def test_inverse_transform_round_trip(fitted, train):
    labels = fitted.inverse_transform(fitted.transform(train))
    assert list(labels["shop"][[0, 1, 3]]) == ["b", "a", "c"] and pd.isna(labels["shop"][2])
    assert list(labels["price_na"]) == [False, True, False, False, False, False]
    with pytest.raises(ValueError, match="codes outside 0..3"):
        fitted.inverse_transform(pd.DataFrame({"shop": [4]}))


def test_lineage_from_feature_builders():
    df = tk.add_datepart(
        pd.DataFrame({"Date": pd.date_range("2020-01-01", periods=30), "x": np.r_[np.nan, np.arange(29.0)]}), "Date"
    )
    proc = tk.TabularProcessor().fit(df)
    assert proc.lineage_["Month"] == "Date" and proc.lineage_["Elapsed"] == "Date"
    assert proc.lineage_["x_na"] == "x" and proc.lineage_["x"] == "x"


def test_joblib_round_trip_gives_identical_output(fitted, train, tmp_path):
    path = tmp_path / "proc.joblib"
    joblib.dump(fitted, path)
    pd.testing.assert_frame_equal(
        joblib.load(path).transform(train, normalize=True), fitted.transform(train, normalize=True)
    )


def test_sklearn_conventions(train):
    proc = tk.TabularProcessor(["shop"], max_card=5)
    assert clone(proc).get_params() == proc.get_params()
    with pytest.raises(NotFittedError):
        proc.transform(train)


@pytest.mark.parametrize(
    "frame,message",
    [
        (pd.DataFrame({"shop": ["a"]}), r"missing required column\(s\): \['small_int', 'flag', 'many_int', 'price'\]"),
        (pd.DataFrame(columns=["shop", "small_int", "many_int", "price", "flag"]), "no rows"),
    ],
)
def test_bad_input_at_transform(fitted, frame, message):
    with pytest.raises(ValueError, match=message):
        fitted.transform(frame)


def test_text_in_continuous_column(fitted, train):
    bad = train.assign(price=["1.5", "2", "cheap", None, "4", "5"])
    with pytest.raises(ValueError, match="'price' holds 1 non-numeric value.*'cheap'"):
        fitted.transform(bad)
    with pytest.raises(ValueError, match="'price' holds 1 non-numeric"):
        tk.TabularProcessor(cont_names=["price"]).fit(bad)


@pytest.mark.parametrize(
    "kwargs,frame_fn,message",
    [
        ({}, lambda t: t.iloc[:0], "no rows"),
        ({"cat_names": ["nope"]}, lambda t: t, r"missing required column\(s\): \['nope'\]"),
        ({"cat_names": ["shop"], "cont_names": ["shop"]}, lambda t: t, "both categorical and continuous"),
        ({"fill": "mode"}, lambda t: t, "fill must be one of"),
        ({}, lambda t: t[["when"]], "no usable columns"),
    ],
)
def test_bad_input_at_fit(train, kwargs, frame_fn, message):
    with pytest.raises(ValueError, match=message):
        tk.TabularProcessor(**kwargs).fit(frame_fn(train))
