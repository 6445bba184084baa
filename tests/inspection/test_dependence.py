"""Partial dependence equals predict with the column set, averaged; ICE rows are single
rows' predictions; grids follow each feature's kind and skip missing-value fills."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import tabkit as tk
from tabkit.inspection import feature_deciles, partial_dependence


def _set(X: pd.DataFrame, feature: str, value) -> pd.DataFrame:
    return X.assign(**{feature: value})


@pytest.mark.parametrize("feature", ["Promo", "StoreType", "Store", "Distance", "OpenYear"])
def test_average_is_the_mean_prediction_with_the_column_set(forest, frame, feature):
    X, _ = frame
    result = partial_dependence(forest, X, feature, n_ice=0)
    assert (result["row"] == -1).all()
    for value, prediction in zip(result[feature], result["prediction"]):
        assert prediction == pytest.approx(forest.predict(_set(X, feature, value)).mean(), rel=1e-12)


def test_ice_rows_are_single_rows_predictions(forest, frame):
    X, _ = frame
    result = partial_dependence(forest, X, "Distance", n_ice=5, resolution=6)
    ice = result[result["row"] >= 0]
    assert ice["row"].nunique() == 5 and len(ice) == 5 * 6
    for row, curve in ice.groupby("row"):
        expected = [forest.predict(_set(X.iloc[[row]], "Distance", v))[0] for v in curve["Distance"]]
        np.testing.assert_allclose(curve["prediction"], expected, rtol=1e-12)


def test_log_target_is_averaged_in_target_units(forest, frame):
    X, _ = frame
    result = partial_dependence(forest, X, "Promo", n_ice=0, target_transform="log")
    expected = [np.exp(forest.predict(_set(X, "Promo", v))).mean() for v in (0, 1)]
    np.testing.assert_allclose(result["prediction"], expected, rtol=1e-12)
    assert result.attrs["target_transform"] == "log"
    assert partial_dependence(forest, X, "Promo", n_ice=0).attrs["target_transform"] is None


def test_grids_follow_the_kind_of_each_feature(forest, frame):
    X, _ = frame
    binary = partial_dependence(forest, X, "Promo", n_ice=0)
    assert binary["Promo"].tolist() == [0, 1] and binary.attrs["kind"] == "binary"
    category = partial_dependence(forest, X, "StoreType", n_ice=0)
    assert category["StoreType"].tolist() == ["a", "b", "c", "d"] and category.attrs["kind"] == "categorical"
    assert category.attrs["deciles"] == []
    continuous = partial_dependence(forest, X, "Distance", n_ice=0, resolution=7)
    expected = np.percentile(X["Distance"], np.linspace(5, 95, 7))
    np.testing.assert_allclose(continuous["Distance"], expected)
    assert continuous.attrs["kind"] == "continuous" and continuous.attrs["n_shown"] == 7
    np.testing.assert_allclose(continuous.attrs["deciles"], feature_deciles(X, "Distance"))


def test_many_categories_keep_the_most_frequent_and_count_them_all(forest, frame):
    X, _ = frame
    result = partial_dependence(forest, X, "Store", categorical=True, max_categories=12, n_ice=0)
    top = X["Store"].value_counts().index[:12]
    assert result["Store"].tolist() == sorted(top)
    assert result.attrs["n_values"] == X["Store"].nunique() and result.attrs["n_shown"] == 12


def test_a_missing_year_fill_is_never_on_the_grid(forest, frame):
    X, _ = frame
    for categorical in (True, False):
        result = partial_dependence(forest, X, "OpenYear", categorical=categorical, n_ice=0)
        assert 1900 not in result["OpenYear"].tolist()
        assert result.attrs["left_out"] == [1900]
        assert result["OpenYear"].min() >= 1995
    assert feature_deciles(X, "OpenYear").min() >= 1995


def test_a_given_grid_is_used_as_is(forest, frame):
    X, _ = frame
    result = partial_dependence(forest, X, "Distance", grid=[100.0, 2000.0], n_ice=0)
    assert result["Distance"].tolist() == [100.0, 2000.0]


def test_row_subset_and_ice_are_seeded(forest, frame):
    X, _ = frame
    first = partial_dependence(forest, X, "Store", max_rows=100, n_ice=4, random_state=3)
    again = partial_dependence(forest, X, "Store", max_rows=100, n_ice=4, random_state=3)
    pd.testing.assert_frame_equal(first, again)
    assert first.attrs["n_rows"] == 100
    other = partial_dependence(forest, X, "Store", max_rows=100, n_ice=4, random_state=4)
    assert set(other["row"]) != set(first["row"])


def test_any_model_that_predicts_from_the_raw_frame(frame):
    X, y = frame
    encode = ColumnTransformer(
        [("cat", OneHotEncoder(handle_unknown="ignore"), ["StoreType"])], remainder="passthrough"
    )
    pipeline = make_pipeline(encode, Ridge()).fit(X, y)
    result = partial_dependence(pipeline, X, "StoreType", n_ice=0)
    expected = [pipeline.predict(_set(X, "StoreType", v)).mean() for v in "abcd"]
    np.testing.assert_allclose(result["prediction"], expected)
    lightgbm = pytest.importorskip("lightgbm")
    booster = lightgbm.LGBMRegressor(n_estimators=20, verbose=-1).fit(X.drop(columns="StoreType"), y)
    result = partial_dependence(booster, X.drop(columns="StoreType"), "Distance", n_ice=0, resolution=5)
    expected = [booster.predict(_set(X.drop(columns="StoreType"), "Distance", v)).mean() for v in result["Distance"]]
    np.testing.assert_allclose(result["prediction"], expected)


def test_classifier_probability_of_a_chosen_class(frame):
    X, y = frame
    labels = np.where(y > y.median(), "high", "low")
    model = tk.ForestClassifier(n_estimators=5, random_state=0).fit(X, labels)
    result = partial_dependence(model, X, "Promo", n_ice=0, target_class="high")
    column = list(model.classes_).index("high")
    expected = [model.predict_proba(_set(X, "Promo", v))[:, column].mean() for v in (0, 1)]
    np.testing.assert_allclose(result["prediction"], expected)
    assert result.attrs["target_class"] == "high"
    assert partial_dependence(model, X, "Promo", n_ice=0).attrs["target_class"] == model.classes_[-1]
    with pytest.raises(ValueError, match=r"target_class 'mid' is not a class of the model; classes are \['high', "):
        partial_dependence(model, X, "Promo", target_class="mid")


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"feature": "Sales"}, ValueError, r"feature\(s\) \['Sales'\] are not columns of X"),
        ({"n_ice": -1}, ValueError, "n_ice must be an integer >= 0, got -1"),
        ({"resolution": 1}, ValueError, "resolution must be an integer >= 2"),
        ({"max_rows": 0}, ValueError, "max_rows must be an integer >= 1"),
        ({"target_class": "x"}, ValueError, "target_class is for classifiers"),
        ({"grid": []}, ValueError, "grid must be a non-empty list"),
    ],
)
def test_bad_input(forest, frame, kwargs, error, message):
    X, _ = frame
    arguments = {"feature": "Distance", **kwargs}
    with pytest.raises(error, match=message):
        partial_dependence(forest, X, **arguments)


def test_empty_frames_dates_and_models_without_predict(forest, frame):
    X, _ = frame
    with pytest.raises(ValueError, match="X has no rows"):
        partial_dependence(forest, X.iloc[:0], "Distance")
    dated = X.assign(Date=pd.Timestamp("2015-07-31"))
    with pytest.raises(ValueError, match=r"\['Date'\] are dates"):
        partial_dependence(forest, dated, "Date")
    with pytest.raises(TypeError, match="must be fitted and have predict"):
        partial_dependence(object(), X, "Distance")
    with pytest.raises(TypeError, match="X must be a DataFrame"):
        partial_dependence(forest, X.to_numpy(), "Distance")


def test_frames_survive_a_parquet_round_trip(forest, frame, tmp_path):
    X, _ = frame
    result = partial_dependence(forest, X, "OpenYear", n_ice=3)
    result.to_parquet(tmp_path / "dependence.parquet")
    back = pd.read_parquet(tmp_path / "dependence.parquet")
    pd.testing.assert_frame_equal(back, result)
    assert back.attrs == result.attrs


def test_a_net_works_too(frame):
    torch = pytest.importorskip("torch")
    X, y = frame
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        net = tk.EmbeddingNetRegressor(
            (8,),
            dropout=0.0,
            epochs=1,
            batch_size=64,
            device="cpu",
            verbose=0,
            random_state=0,
            cat_names=["StoreType", "Promo"],
        ).fit(X, y)
    finally:
        torch.set_num_threads(threads)
    result = partial_dependence(net, X, "StoreType", n_ice=0)
    expected = [net.predict(_set(X, "StoreType", v)).mean() for v in "abcd"]
    np.testing.assert_allclose(result["prediction"], expected, rtol=1e-6)
    assert result.attrs["kind"] == "categorical"
