"""contributions: Saabas attribution (vs treeinterpreter, shap and a slow reference), folding, TreeSHAP."""

from __future__ import annotations

import copy

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from tabkit.forest.attribution import Explanation, contributions
from tabkit.forest.estimators import ForestRegressor


@pytest.fixture
def shap():
    """The shap package; a test that compares with it is skipped (alone) where it is missing."""
    return pytest.importorskip("shap")


@pytest.fixture
def treeinterpreter():
    """treeinterpreter's module; a test that compares with it is skipped (alone) where it is missing."""
    return pytest.importorskip("treeinterpreter.treeinterpreter")


DATE_PARTS = [
    "Year",
    "Month",
    "Week",
    "Day",
    "Dayofweek",
    "Dayofyear",
    "Is_month_end",
    "Is_month_start",
    "Is_quarter_end",
    "Is_quarter_start",
    "Is_year_end",
    "Is_year_start",
    "Elapsed",
]


def slow_saabas(trees, X: np.ndarray) -> tuple[float, np.ndarray]:
    """Walk every row down every regression tree, crediting each step to the split feature."""
    values = np.zeros(X.shape)
    bias = 0.0
    for tree in trees:
        t = tree.tree_
        bias += t.value[0, 0, 0]
        for i, row in enumerate(X):
            node = 0
            while t.children_left[node] != -1:
                feature = t.feature[node]
                child = t.children_left[node] if row[feature] <= t.threshold[node] else t.children_right[node]
                values[i, feature] += t.value[child, 0, 0] - t.value[node, 0, 0]
                node = child
    return bias / len(trees), values / len(trees)


@pytest.fixture(scope="module")
def arrays():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 5)).astype(np.float32)
    y = 2 * X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(scale=0.3, size=400)
    labels = np.digitize(y, [-1.0, 1.0])
    return X, y, labels


def assert_sums_to_prediction(explanation: Explanation) -> None:
    if explanation.classes is None:
        total = explanation.bias + explanation.values.sum(axis=1)
        np.testing.assert_allclose(total, explanation.prediction, rtol=1e-9, atol=1e-12)
    else:
        for label in explanation.classes:
            total = explanation.bias[label] + explanation.values[label].sum(axis=1)
            np.testing.assert_allclose(total, explanation.prediction[label], rtol=1e-9, atol=1e-12)


REGRESSORS = [
    RandomForestRegressor(n_estimators=8, min_samples_leaf=3, random_state=0),
    ExtraTreesRegressor(n_estimators=8, min_samples_leaf=3, random_state=0),
    DecisionTreeRegressor(min_samples_leaf=3, random_state=0),
]
CLASSIFIERS = [
    RandomForestClassifier(n_estimators=8, min_samples_leaf=3, random_state=0),
    ExtraTreesClassifier(n_estimators=8, min_samples_leaf=3, random_state=0),
    DecisionTreeClassifier(min_samples_leaf=3, random_state=0),
]


@pytest.mark.parametrize("model", REGRESSORS, ids=lambda m: type(m).__name__)
def test_regressor_matches_slow_reference_and_shap(model, arrays, shap):
    X, y, _ = arrays
    model.fit(X, y)
    explanation = contributions(model, X[:60])
    bias, expected = slow_saabas(getattr(model, "estimators_", [model]), X[:60])
    assert explanation.bias == pytest.approx(bias, rel=1e-12)
    np.testing.assert_allclose(explanation.values.to_numpy(), expected, rtol=1e-9, atol=1e-12)
    shap_values = shap.TreeExplainer(model).shap_values(X[:60], approximate=True)
    np.testing.assert_allclose(explanation.values.to_numpy(), shap_values, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(explanation.prediction, model.predict(X[:60]))
    assert_sums_to_prediction(explanation)


@pytest.mark.parametrize("model", CLASSIFIERS, ids=lambda m: type(m).__name__)
def test_classifier_matches_treeinterpreter(model, arrays, treeinterpreter):
    X, _, labels = arrays
    model.fit(X, labels)
    explanation = contributions(model, X[:60])
    prediction, bias, values = treeinterpreter.predict(model, X[:60])
    np.testing.assert_allclose(explanation.prediction.to_numpy(), prediction, rtol=1e-12)
    np.testing.assert_allclose(np.tile(explanation.bias.to_numpy(), (60, 1)), bias, rtol=1e-12)
    for k, label in enumerate(model.classes_):
        np.testing.assert_allclose(explanation.values[label].to_numpy(), values[:, :, k], rtol=1e-9, atol=1e-12)
    assert_sums_to_prediction(explanation)


def test_tabkit_classifier_matches_treeinterpreter(classifier, sales_valid, treeinterpreter):
    X, _ = sales_valid
    explanation = contributions(classifier, X)
    features = classifier.processor_.transform(X).to_numpy(np.float32)
    prediction, _, values = treeinterpreter.predict(classifier.forest_, features)
    np.testing.assert_allclose(explanation.prediction.to_numpy(), prediction, rtol=1e-12)
    for k, label in enumerate(classifier.classes_):
        np.testing.assert_allclose(explanation.values[label].to_numpy(), values[:, :, k], rtol=1e-9, atol=1e-12)
    assert explanation.classes == list(classifier.classes_)
    assert list(explanation.values["low"].columns) == list(classifier.processor_.get_feature_names_out())
    assert_sums_to_prediction(explanation)


def test_tabkit_regressor_explanation(regressor, sales_valid):
    X, _ = sales_valid
    explanation = contributions(regressor, X)
    features = regressor.processor_.transform(X).to_numpy(np.float32)
    _, expected = slow_saabas(regressor.forest_.estimators_, features)
    np.testing.assert_allclose(explanation.values.to_numpy(), expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(explanation.prediction, regressor.predict(X), rtol=1e-12)
    assert explanation.prediction.index.equals(X.index) and explanation.values.index.equals(X.index)
    assert_sums_to_prediction(explanation)
    assert explanation.by == "feature" and explanation.method == "saabas" and explanation.classes is None
    # categorical features show their labels, not their codes
    assert set(explanation.data["Promo"]) == {0, 1}
    assert set(explanation.data["StoreType"]) <= {"a", "b", "c", "d"}
    assert set(explanation.data["CompetitionDistance_na"]) == {False, True}
    # the promo flag moves sales the way the data were made
    promo = explanation.values["Promo"]
    assert promo[explanation.data["Promo"] == 1].mean() > 0 > promo[explanation.data["Promo"] == 0].mean()


@pytest.mark.parametrize("fixture", ["regressor", "classifier"])
def test_threads_do_not_change_results(fixture, request, sales_valid):
    X, _ = sales_valid
    model = request.getfixturevalue(fixture)
    single = contributions(model, X)
    threaded_model = copy.deepcopy(model)
    threaded_model.forest_.n_jobs = 2  # contributions shares the trees among the forest's threads
    threaded = contributions(threaded_model, X)
    for label in single.classes or [None]:
        one = single.for_class(label) if label is not None else single
        two = threaded.for_class(label) if label is not None else threaded
        np.testing.assert_allclose(two.values, one.values, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(two.prediction, one.prediction, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("chunk_size", [1, 7, 10_000])
def test_chunks_do_not_change_results(regressor, sales_valid, chunk_size):
    X, _ = sales_valid
    reference = contributions(regressor, X)
    chunked = contributions(regressor, X, chunk_size=chunk_size)
    np.testing.assert_allclose(chunked.values, reference.values, rtol=1e-12, atol=1e-12)


def test_by_column_folds_derived_features(regressor, sales_valid):
    X, _ = sales_valid
    by_feature = contributions(regressor, X)
    by_column = contributions(regressor, X, by="column")
    assert by_column.by == "column"
    assert set(by_column.values.columns) == {"Date", "Promo", "StoreType", "CompetitionDistance", "Noise"}
    np.testing.assert_allclose(by_column.values["Date"], by_feature.values[DATE_PARTS].sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(
        by_column.values["CompetitionDistance"],
        by_feature.values[["CompetitionDistance", "CompetitionDistance_na"]].sum(axis=1),
        rtol=1e-12,
    )
    np.testing.assert_allclose(by_column.values["Promo"], by_feature.values["Promo"])
    assert_sums_to_prediction(by_column)
    assert list(by_column.data.columns) == list(by_column.values.columns)
    assert by_column.data["CompetitionDistance"].equals(X["CompetitionDistance"])
    assert by_column.data["Date"].isna().all()  # add_datepart dropped the raw dates


def test_by_column_shows_raw_source_values(sales_data):
    X, y = sales_data
    dates = pd.Timestamp("2014-01-01") + pd.to_timedelta(X["Elapsed"] - X["Elapsed"].min(), unit="s")
    with_dates = X.assign(Date=dates)
    model = ForestRegressor(n_estimators=4, random_state=0).fit(with_dates, y)
    explanation = contributions(model, with_dates.iloc[:5], by="column")
    assert explanation.data["Date"].equals(with_dates["Date"].iloc[:5])


def test_by_column_on_classifier(classifier, sales_valid):
    explanation = contributions(classifier, sales_valid[0], by="column")
    assert "Date" in explanation.values["mid"].columns
    assert_sums_to_prediction(explanation)


@pytest.mark.parametrize("fixture", ["regressor", "classifier"])
def test_treeshap_method(fixture, request, sales_valid, shap):
    model = request.getfixturevalue(fixture)
    X, _ = sales_valid
    explanation = contributions(model, X.iloc[:40], method="treeshap")
    features = model.processor_.transform(X.iloc[:40]).to_numpy(np.float32)
    expected = np.asarray(shap.TreeExplainer(model.forest_).shap_values(features))
    assert explanation.method == "treeshap"
    if explanation.classes is None:
        np.testing.assert_allclose(explanation.values.to_numpy(), expected, rtol=1e-9)
        np.testing.assert_allclose(explanation.bias + explanation.values.sum(axis=1), explanation.prediction, rtol=1e-6)
    else:
        for k, label in enumerate(explanation.classes):
            np.testing.assert_allclose(explanation.values[label].to_numpy(), expected[:, :, k], rtol=1e-9)
            total = explanation.bias[label] + explanation.values[label].sum(axis=1)
            np.testing.assert_allclose(total, explanation.prediction[label], atol=1e-6)


def test_for_class_gives_single_output(classifier, sales_valid):
    explanation = contributions(classifier, sales_valid[0].iloc[:10])
    high = explanation.for_class("high")
    assert high.classes is None and isinstance(high.bias, float)
    assert_sums_to_prediction(high)
    with pytest.raises(ValueError, match="unknown class 'huge'"):
        explanation.for_class("huge")


def test_dataframe_for_sklearn_model_selects_named_columns(arrays):
    X, y, _ = arrays
    frame = pd.DataFrame(X, columns=list("abcde"))
    model = RandomForestRegressor(n_estimators=4, random_state=0).fit(frame, y)
    explanation = contributions(model, frame[list("edcba")].iloc[:5])
    np.testing.assert_allclose(explanation.values[list("abcde")], contributions(model, X[:5]).values)
    with pytest.raises(ValueError, match=r"missing required column.*'c'"):
        contributions(model, frame.drop(columns="c"))


def test_bad_input(regressor, sales_valid, arrays):
    X, y, _ = arrays
    with pytest.raises(ValueError, match="method must be one of"):
        contributions(regressor, sales_valid[0], method="lime")
    with pytest.raises(ValueError, match="by must be one of"):
        contributions(regressor, sales_valid[0], by="row")
    with pytest.raises(ValueError, match=r"missing required column.*'Promo'"):
        contributions(regressor, sales_valid[0].drop(columns="Promo"))
    with pytest.raises(TypeError, match="LinearRegression"):
        contributions(LinearRegression().fit(X, y), X)
    model = RandomForestRegressor(n_estimators=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="by='column' needs a tabkit forest"):
        contributions(model, X, by="column")
    with pytest.raises(ValueError, match="X has 3 features"):
        contributions(model, X[:, :3])
    with pytest.raises(ValueError, match="chunk_size"):
        contributions(model, X, chunk_size=0)
    with pytest.raises(NotFittedError):
        contributions(ForestRegressor(), sales_valid[0])
    with pytest.raises(NotFittedError):
        contributions(RandomForestRegressor(), X)
    multi = RandomForestRegressor(n_estimators=2, random_state=0).fit(X, np.c_[y, y])
    with pytest.raises(ValueError, match="2 outputs"):
        contributions(multi, X)


@pytest.mark.parametrize(
    "model",
    [
        RandomForestRegressor(n_estimators=5, min_samples_leaf=3, random_state=0),
        DecisionTreeRegressor(min_samples_leaf=3, random_state=0),
        ForestRegressor(n_estimators=5, random_state=0),
    ],
    ids=lambda m: type(m).__name__,
)
def test_refitted_model_is_explained_by_its_new_trees(model, arrays):
    X, y, _ = arrays
    model.fit(X[:200], y[:200])
    contributions(model, X[:20])
    model.fit(X[200:], -y[200:])  # same object, other data: the cached set-up must not be reused
    refitted = contributions(model, X[:20])
    fresh = contributions(copy.deepcopy(model), X[:20])
    np.testing.assert_array_equal(refitted.values, fresh.values)
    np.testing.assert_allclose(refitted.prediction, model.predict(X[:20]), rtol=1e-12)
    assert_sums_to_prediction(refitted)


def test_joblib_round_trip_after_contributions_carries_no_cache(regressor, sales_valid, tmp_path):
    X, _ = sales_valid
    joblib.dump(regressor, tmp_path / "before.joblib")
    explained = contributions(regressor, X)
    joblib.dump(regressor, tmp_path / "after.joblib")
    assert (tmp_path / "after.joblib").stat().st_size == (tmp_path / "before.joblib").stat().st_size
    loaded = joblib.load(tmp_path / "after.joblib")
    again = contributions(loaded, X)
    np.testing.assert_array_equal(again.values, explained.values)
    np.testing.assert_array_equal(again.prediction, explained.prediction)
