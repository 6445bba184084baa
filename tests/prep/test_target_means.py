import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

import tabkit as tk
from tabkit.prep.target_means import TargetMeans


@pytest.fixture
def shops():
    X = pd.DataFrame({"shop": ["a", "a", "a", "b", "b", None], "day": [1, 2, 1, 1, 1, 2]})
    y = np.array([1.0, 2.0, 3.0, 10.0, 20.0, 7.0])
    return X, y


def test_group_means_are_shrunk_toward_the_overall_mean(shops):
    X, y = shops
    means = TargetMeans([["shop"], ["shop", "day"]], smoothing=2.0).fit(X, y)
    overall = y.mean()
    assert means.overall_mean_ == pytest.approx(overall)
    assert means.names_ == ["shop_mean", "shop_day_mean"]
    out = means.transform(X)
    assert out["shop_mean"].iloc[0] == pytest.approx((1 + 2 + 3 + 2 * overall) / (3 + 2))
    assert out["shop_day_mean"].iloc[0] == pytest.approx((1 + 3 + 2 * overall) / (2 + 2))
    assert out["shop_mean"].iloc[5] == pytest.approx((7 + 2 * overall) / (1 + 2))  # missing key: its own group
    assert list(out.columns[:2]) == ["shop", "day"] and len(out) == len(X)
    assert list(means.get_feature_names_out()) == ["shop", "day", "shop_mean", "shop_day_mean"]


def test_without_smoothing_a_group_gets_its_plain_mean(shops):
    X, y = shops
    out = TargetMeans(["shop"], smoothing=0).fit(X, y).transform(X)
    np.testing.assert_allclose(out["shop_mean"], [2, 2, 2, 15, 15, 7])


def test_unseen_groups_get_the_overall_mean_and_input_is_untouched(shops):
    X, y = shops
    means = TargetMeans([["shop", "day"]]).fit(X, y)
    new = pd.DataFrame({"shop": ["z", "b"], "day": [1, 2]})
    out = means.transform(new)
    np.testing.assert_allclose(out["shop_day_mean"], [y.mean(), y.mean()])
    assert list(new.columns) == ["shop", "day"]


def test_bad_input_is_named(shops):
    X, y = shops
    with pytest.raises(ValueError, match=r"missing key column\(s\) \['store'\]"):
        TargetMeans([["shop", "store"]]).fit(X, y)
    with pytest.raises(ValueError, match="y has 1 NaN or infinite value"):
        TargetMeans(["shop"]).fit(X, np.r_[y[:-1], np.nan])
    with pytest.raises(ValueError, match="X has 6 rows but y has 5"):
        TargetMeans(["shop"]).fit(X, y[:5])
    with pytest.raises(ValueError, match="groups must be a non-empty list"):
        TargetMeans("shop").fit(X, y)
    with pytest.raises(ValueError, match="each group must be a column name"):
        TargetMeans([[]]).fit(X, y)
    with pytest.raises(ValueError, match="smoothing must be a finite number"):
        TargetMeans(["shop"], smoothing=-1).fit(X, y)
    with pytest.raises(ValueError, match=r"X already has column\(s\) \['shop_mean'\]"):
        TargetMeans(["shop"]).fit(X.assign(shop_mean=0.0), y)
    with pytest.raises(TypeError, match="expects a pandas DataFrame"):
        TargetMeans(["shop"]).fit(X.to_numpy(), y)
    with pytest.raises(NotFittedError):
        TargetMeans(["shop"]).transform(X)
    fitted = TargetMeans(["shop"]).fit(X, y)
    with pytest.raises(ValueError, match=r"TargetMeans.transform: missing key column\(s\) \['shop'\]"):
        fitted.transform(X.drop(columns="shop"))


def test_in_a_pipeline_with_a_forest_and_through_joblib(tmp_path):
    rng = np.random.default_rng(0)
    store = rng.integers(0, 40, 2000)
    level = rng.normal(size=40)
    X = pd.DataFrame({"Store": store, "Promo": rng.integers(0, 2, 2000)})
    y = level[store] + 0.5 * X["Promo"].to_numpy() + rng.normal(scale=0.1, size=2000)
    model = make_pipeline(TargetMeans([["Store"]]), tk.ForestRegressor(20, cat_names=["Store"], random_state=0))
    model.fit(X, y)
    assert model[-1].processor_.cont_names_ == ["Promo", "Store_mean"]
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    np.testing.assert_array_equal(joblib.load(path).predict(X), model.predict(X))
    np.testing.assert_array_equal(clone(model).fit(X, y).predict(X), model.predict(X))
