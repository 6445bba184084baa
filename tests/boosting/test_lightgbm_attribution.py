"""lightgbm_contributions: LightGBM's TreeSHAP values in raw output units, folded by column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, softmax
from sklearn.exceptions import NotFittedError

from tabkit.boosting import (
    LightGBMClassifier,
    LightGBMRegressor,
    lightgbm_contributions,
)
from tabkit.explanation import Explanation
from tabkit.forest.estimators import ForestRegressor
from tabkit.prep import dates

DATE_PARTS = {*dates.DATE_PARTS, "Elapsed"}  # what add_datepart adds


def assert_sums_to_prediction(explanation: Explanation) -> None:
    if explanation.classes is None:
        total = explanation.bias + explanation.values.sum(axis=1)
        np.testing.assert_allclose(total, explanation.prediction, rtol=1e-9, atol=1e-12)
    else:
        for label in explanation.classes:
            total = explanation.bias[label] + explanation.values[label].sum(axis=1)
            np.testing.assert_allclose(total, explanation.prediction[label], rtol=1e-9, atol=1e-12)


def test_regressor_sums_to_prediction(regressor, sales_valid):
    X, _ = sales_valid
    explanation = lightgbm_contributions(regressor, X)
    assert isinstance(explanation, Explanation) and explanation.method == "treeshap"
    assert explanation.link == "identity" and explanation.classes is None
    np.testing.assert_allclose(explanation.prediction, regressor.predict(X), rtol=1e-12)
    assert_sums_to_prediction(explanation)
    assert list(explanation.values.columns) == list(regressor.processor_.get_feature_names_out())
    assert explanation.values.index.equals(X.index)
    # the bias is LightGBM's expected-value column, the same in every row
    features = regressor.processor_.transform(sales_valid[0]).to_numpy(np.float32)
    raw = regressor.booster_.predict(features, pred_contrib=True)
    assert np.ptp(raw[:, -1]) == 0 and explanation.bias == raw[0, -1]


def test_promo_gets_the_credit(regressor, sales_valid):
    X, _ = sales_valid
    values = lightgbm_contributions(regressor, X).values
    assert values.abs().mean().idxmax() == "Promo"
    promo = values["Promo"].groupby(X["Promo"].to_numpy()).mean()
    assert promo[1] - promo[0] == pytest.approx(2500, rel=0.15)


def test_early_stopped_model_uses_its_best_rounds(sales_data, sales_valid):
    X, y = sales_data
    model = LightGBMRegressor(n_estimators=300, learning_rate=0.3, early_stopping_rounds=5, random_state=0)
    model.fit(X, y, X_val=sales_valid[0], y_val=sales_valid[1])
    explanation = lightgbm_contributions(model, sales_valid[0])
    np.testing.assert_allclose(explanation.prediction, model.predict(sales_valid[0]), rtol=1e-12)
    assert_sums_to_prediction(explanation)


def test_multiclass_is_softmax_of_class_scores(classifier, sales_valid):
    X, _ = sales_valid
    explanation = lightgbm_contributions(classifier, X)
    assert explanation.classes == ["high", "low", "mid"] and explanation.link == "softmax"
    assert_sums_to_prediction(explanation)
    np.testing.assert_allclose(
        softmax(explanation.prediction.to_numpy(), axis=1), classifier.predict_proba(X), rtol=1e-9, atol=1e-12
    )
    assert set(explanation.values) == set(classifier.classes_)
    assert list(explanation.bias.index) == explanation.classes


def test_binary_is_log_odds_of_each_class(binary_classifier, sales_valid):
    X, _ = sales_valid
    explanation = lightgbm_contributions(binary_classifier, X)
    assert explanation.classes == ["no", "yes"] and explanation.link == "logistic"
    assert_sums_to_prediction(explanation)
    proba = binary_classifier.predict_proba(X)
    np.testing.assert_allclose(expit(explanation.prediction.to_numpy()), proba, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(explanation.values["no"].to_numpy(), -explanation.values["yes"].to_numpy())
    assert explanation.bias["no"] == -explanation.bias["yes"]


def test_for_class_keeps_the_link(binary_classifier, sales_valid):
    single = lightgbm_contributions(binary_classifier, sales_valid[0]).for_class("yes")
    assert isinstance(single, Explanation) and single.link == "logistic" and single.classes is None
    assert_sums_to_prediction(single)


def test_data_shows_category_labels(regressor, sales_valid):
    X = sales_valid[0].head(30).assign(StoreType=lambda df: df["StoreType"].where(df.index % 7 != 0, "unseen"))
    data = lightgbm_contributions(regressor, X).data
    expected = X["StoreType"].where(X["StoreType"] != "unseen")
    pd.testing.assert_series_equal(data["StoreType"], expected, check_dtype=False)
    assert data["Promo"].tolist() == X["Promo"].tolist()
    assert set(data["CompetitionDistance_na"].dropna()) <= {False, True}


def test_by_column_folds_date_parts(regressor, sales_valid):
    X, _ = sales_valid
    by_feature = lightgbm_contributions(regressor, X)
    by_column = lightgbm_contributions(regressor, X, by="column")
    assert by_column.by == "column"
    assert list(by_column.values.columns) == ["Promo", "StoreType", "Date", "CompetitionDistance", "Noise"]
    date_parts = [name for name in by_feature.values.columns if name in DATE_PARTS]
    np.testing.assert_allclose(by_column.values["Date"], by_feature.values[date_parts].sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(
        by_column.values["CompetitionDistance"],
        by_feature.values[["CompetitionDistance", "CompetitionDistance_na"]].sum(axis=1),
        rtol=1e-12,
    )
    assert_sums_to_prediction(by_column)
    pd.testing.assert_series_equal(by_column.data["CompetitionDistance"], X["CompetitionDistance"])
    assert by_column.data["Date"].isna().all()  # the raw Date column is no longer in the frame


def test_classifier_by_column(classifier, sales_valid):
    explanation = lightgbm_contributions(classifier, sales_valid[0], by="column")
    assert_sums_to_prediction(explanation)
    assert "Date" in explanation.values["low"].columns


def test_array_fitted_model():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    model = LightGBMRegressor(n_estimators=20, min_child_samples=5).fit(X, 3 * X[:, 0] + X[:, 1])
    explanation = lightgbm_contributions(model, X[:10])
    assert list(explanation.values.columns) == ["x0", "x1", "x2"]
    assert_sums_to_prediction(explanation)


def test_bad_by(regressor, sales_valid):
    with pytest.raises(ValueError, match=r"by must be one of \('feature', 'column'\), got 'row'"):
        lightgbm_contributions(regressor, sales_valid[0], by="row")


def test_other_models_are_refused(sales_data):
    X, y = sales_data
    forest = ForestRegressor(n_estimators=2).fit(X, y)
    with pytest.raises(TypeError, match="explains tabkit LightGBM estimators, got ForestRegressor"):
        lightgbm_contributions(forest, X)


def test_unfitted_model(sales_valid):
    with pytest.raises(NotFittedError):
        lightgbm_contributions(LightGBMClassifier(), sales_valid[0])


def test_missing_columns_are_named(regressor, sales_valid):
    with pytest.raises(ValueError, match=r"missing required column.*'Promo'"):
        lightgbm_contributions(regressor, sales_valid[0].drop(columns="Promo"))


def test_the_explain_front_folds_lightgbm_contributions_by_column(classifier, sales_valid):
    from tabkit.explain import contributions

    X = sales_valid[0].head(50)
    through_front = contributions(classifier, X, by="column")
    direct = lightgbm_contributions(classifier, X, by="column")
    for label in classifier.classes_:
        pd.testing.assert_frame_equal(through_front.values[label], direct.values[label])


def test_tk_contributions_dispatches_to_lightgbm(regressor, sales_valid):
    import tabkit as tk

    X, _ = sales_valid
    direct, through = lightgbm_contributions(regressor, X), tk.contributions(regressor, X)
    pd.testing.assert_frame_equal(through.values, direct.values)
    assert through.bias == direct.bias and through.method == "treeshap"
