"""ForestRegressor / ForestClassifier: sklearn compliance, preprocessing, persistence, bad input."""

from __future__ import annotations

import copy

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from tabkit.forest.estimators import ForestClassifier, ForestRegressor

BOOTSTRAP_WEIGHTS = (
    "rows are drawn with bootstrap sampling, so a weight of 2 is not the same as a repeated row "
    "(scikit-learn's own RandomForest* fail this check too)"
)


@parametrize_with_checks(
    [ForestRegressor(n_estimators=10, random_state=0), ForestClassifier(n_estimators=10, random_state=0)],
    expected_failed_checks=lambda est: {"check_sample_weight_equivalence_on_dense_data": BOOTSTRAP_WEIGHTS},
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(params=["regressor", "classifier"])
def model(request):
    return request.getfixturevalue(request.param)


def test_fitted_attributes(regressor, sales_data):
    X, _ = sales_data
    names = list(regressor.processor_.get_feature_names_out())
    assert isinstance(regressor.forest_, RandomForestRegressor)
    assert list(regressor.feature_names_in_) == list(X.columns)
    assert "CompetitionDistance_na" in names and "Dayofweek" in names
    importances = regressor.importances_by_feature_
    assert isinstance(importances, pd.Series) and list(importances.index) == names
    assert isinstance(regressor.feature_importances_, np.ndarray)
    np.testing.assert_array_equal(regressor.feature_importances_, importances.to_numpy())
    assert importances.sum() == pytest.approx(1.0)
    assert importances.idxmax() in {"Promo", "CompetitionDistance", "StoreType"}
    assert regressor.forest_.max_features == 0.5 and regressor.forest_.min_samples_leaf == 3


def test_predict_is_forest_on_processor_output(model, sales_valid):
    X, _ = sales_valid
    features = model.processor_.transform(X).to_numpy(np.float32)
    np.testing.assert_array_equal(model.predict(X), model.forest_.predict(features))


def test_first_trees_of_forest_match_a_smaller_forest(sales_data):
    X, y = sales_data
    big = ForestRegressor(n_estimators=12, random_state=3).fit(X, y)
    small = ForestRegressor(n_estimators=5, random_state=3).fit(X, y)
    truncated = copy.deepcopy(big)
    truncated.forest_.estimators_ = truncated.forest_.estimators_[:5]
    np.testing.assert_allclose(truncated.predict(X), small.predict(X))


def test_regressor_learns(regressor, sales_valid):
    X, y = sales_valid
    assert regressor.score(X, y) > 0.8


def test_classifier_probabilities(classifier, sales_valid):
    X, _ = sales_valid
    proba = classifier.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(classifier.classes_) == {"low", "mid", "high"}
    np.testing.assert_array_equal(classifier.predict(X), classifier.classes_[proba.argmax(axis=1)])
    assert isinstance(classifier.forest_, RandomForestClassifier)


def test_predict_std_is_spread_of_trees(regressor, sales_valid):
    X, _ = sales_valid
    features = regressor.processor_.transform(X).to_numpy(np.float32)
    per_tree = np.stack([tree.predict(features) for tree in regressor.forest_.estimators_])
    std = regressor.predict_std(X)
    np.testing.assert_allclose(std, per_tree.std(axis=0))
    np.testing.assert_allclose(per_tree.mean(axis=0), regressor.predict(X))
    assert (std > 0).all()


@pytest.mark.parametrize("Estimator", [ForestRegressor, ForestClassifier])
def test_oob_score(Estimator, sales_data):
    X, y = sales_data
    target = y if Estimator is ForestRegressor else (y > y.median())
    model = Estimator(n_estimators=30, oob_score=True, random_state=0).fit(X, target)
    assert model.oob_score_ == model.forest_.oob_score_
    assert 0.5 < model.oob_score_ <= 1.0
    assert not hasattr(Estimator(n_estimators=5).fit(X, target), "oob_score_")


def test_max_samples_is_rows_per_tree(sales_data):
    X, y = sales_data
    model = ForestRegressor(n_estimators=3, max_samples=50, min_samples_leaf=1, random_state=0).fit(X, y)
    assert model.forest_.max_samples == 50
    assert all(tree.tree_.n_node_samples[0] <= 50 for tree in model.forest_.estimators_)


def test_random_state_repeats(sales_data, sales_valid):
    X, y = sales_data
    first = ForestRegressor(n_estimators=5, random_state=7).fit(X, y)
    second = ForestRegressor(n_estimators=5, random_state=7, n_jobs=2).fit(X, y)
    for one, two in zip(first.forest_.estimators_, second.forest_.estimators_):  # the same trees
        np.testing.assert_array_equal(one.tree_.threshold, two.tree_.threshold)
        np.testing.assert_array_equal(one.tree_.value, two.tree_.value)
    # with threads, scikit-learn adds the trees' predictions in the order they finish
    np.testing.assert_allclose(second.predict(sales_valid[0]), first.predict(sales_valid[0]), rtol=1e-12)


def test_clone_and_params():
    model = ForestClassifier(n_estimators=7, max_card=5, cat_names=["Promo"])
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert twin.set_params(n_estimators=9).n_estimators == 9


def test_column_roles_are_passed_to_processor(sales_data):
    X, y = sales_data
    model = ForestRegressor(n_estimators=3, cont_names=["Noise", "CompetitionDistance", "Elapsed"], random_state=0)
    model.fit(X, y)
    assert model.processor_.cont_names_ == ["Noise", "CompetitionDistance", "Elapsed"]
    assert "Promo" in model.processor_.cat_names_


def test_inside_pipeline(sales_data, sales_valid):
    X, y = sales_data
    pipe = make_pipeline(
        FunctionTransformer(lambda df: df.drop(columns=["Noise"])), ForestRegressor(n_estimators=5, random_state=0)
    )
    pipe.fit(X, y)
    assert pipe.predict(sales_valid[0]).shape == (len(sales_valid[0]),)
    assert "Noise" not in pipe[-1].feature_names_in_


def test_joblib_round_trip(model, sales_valid, tmp_path):
    X, _ = sales_valid
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    if hasattr(model, "predict_proba"):
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_extra_columns_and_order_do_not_matter(regressor, sales_valid):
    X, _ = sales_valid
    shuffled = X[X.columns[::-1]].assign(Unused=1)
    np.testing.assert_array_equal(regressor.predict(shuffled), regressor.predict(X))


def test_missing_columns_are_named(regressor, sales_valid):
    X, _ = sales_valid
    with pytest.raises(ValueError, match=r"missing required column.*'Promo'.*'StoreType'"):
        regressor.predict(X.drop(columns=["Promo", "StoreType"]))


@pytest.mark.parametrize("Estimator", [ForestRegressor, ForestClassifier])
def test_nan_target_is_rejected(Estimator, sales_data):
    X, y = sales_data
    y = y.astype(float).copy()
    y.iloc[[3, 9]] = np.nan
    with pytest.raises(ValueError, match="y has 2 missing"):
        Estimator(n_estimators=3).fit(X, y)


def test_length_mismatch_is_rejected(sales_data):
    X, y = sales_data
    with pytest.raises(ValueError, match=f"X has {len(X)} rows but y has {len(X) - 1}"):
        ForestRegressor(n_estimators=3).fit(X, y.iloc[:-1])


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_unfitted_use_raises(method, sales_valid):
    X, y = sales_valid
    model = ForestClassifier() if method == "predict_proba" else ForestRegressor()
    call = getattr(model, method)
    with pytest.raises(NotFittedError):
        call(X, y) if method == "score" else call(X)


def test_predict_std_unfitted_raises(sales_valid):
    with pytest.raises(NotFittedError):
        ForestRegressor().predict_std(sales_valid[0])


def test_array_input_gets_generated_names():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 3))
    model = ForestRegressor(n_estimators=5, random_state=0).fit(X, X[:, 0])
    assert list(model.processor_.get_feature_names_out()) == ["x0", "x1", "x2"]
    assert not hasattr(model, "feature_names_in_")
    with pytest.raises(ValueError, match="X has 2 features"):
        model.predict(X[:, :2])


def test_array_predict_after_frame_fit_is_rejected(regressor, sales_valid):
    with pytest.raises(ValueError, match="fitted on a DataFrame"):
        regressor.predict(np.zeros((2, 3)))
