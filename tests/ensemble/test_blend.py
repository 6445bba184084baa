"""BlendRegressor / BlendClassifier: weights, log-scale blending, probabilities, from_fitted,
parameters, persistence, bad input."""

from __future__ import annotations

import joblib
import numpy as np
import pytest
from blend_data import make_labels
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from tabkit import metrics
from tabkit.boosting import LightGBMRegressor
from tabkit.ensemble import BlendClassifier, BlendRegressor, fit_blend_weights
from tabkit.forest.estimators import ForestClassifier, ForestRegressor


def regressors():
    return [("linear", LinearRegression()), ("forest", ForestRegressor(n_estimators=40, random_state=0))]


def classifiers():
    return [
        ("logistic", LogisticRegression(max_iter=500)),
        ("forest", ForestClassifier(n_estimators=40, random_state=0)),
    ]


@pytest.fixture(scope="module")
def validation_blend(train, valid):
    return BlendRegressor(regressors(), weights="validation").fit(*train, X_val=valid[0], y_val=valid[1])


@pytest.fixture(scope="module")
def classifier_blend(train, valid):
    X, y = train
    return BlendClassifier(classifiers(), weights="validation").fit(
        X, make_labels(y), X_val=valid[0], y_val=make_labels(valid[1])
    )


def test_equal_weights_average_the_members(train, test_rows):
    blend = BlendRegressor(regressors()).fit(*train)
    np.testing.assert_array_equal(blend.weights_, [0.5, 0.5])
    members = [clone(estimator).fit(*train) for _, estimator in regressors()]
    expected = (members[0].predict(test_rows[0]) + members[1].predict(test_rows[0])) / 2
    np.testing.assert_allclose(blend.predict(test_rows[0]), expected, rtol=1e-12)
    assert list(blend.named_estimators_) == ["linear", "forest"]
    assert blend.n_features_in_ == 5 and list(blend.feature_names_in_) == ["f0", "f1", "f2", "f3", "f4"]


@pytest.mark.parametrize(
    ("weights", "expected"), [([2, 1], [2 / 3, 1 / 3]), ({"forest": 3.0}, [0.0, 1.0]), ((1, 1), [0.5, 0.5])]
)
def test_given_weights_are_normalised(weights, expected, train, test_rows):
    blend = BlendRegressor(regressors(), weights=weights).fit(*train)
    np.testing.assert_allclose(blend.weights_, expected, rtol=1e-12)
    members = blend.member_predictions(test_rows[0])
    np.testing.assert_allclose(blend.predict(test_rows[0]), members @ np.asarray(expected), rtol=1e-12)


def test_validation_weights(validation_blend, valid):
    members = validation_blend.member_predictions(valid[0])
    np.testing.assert_array_equal(validation_blend.weights_, fit_blend_weights(members, valid[1]))
    assert validation_blend.weights_.sum() == pytest.approx(1.0) and (validation_blend.weights_ > 0.2).all()


def test_blend_beats_its_best_member(validation_blend, test_rows):
    X, y = test_rows
    blend_error = metrics.rmse(y, validation_blend.predict(X))
    member_errors = [metrics.rmse(y, member.predict(X)) for member in validation_blend.estimators_]
    assert blend_error < 0.95 * min(member_errors)


def test_log_scale_blending(train, test_rows):
    X, y = train
    blend = BlendRegressor(regressors(), weights=[0.3, 0.7], target_transform="log").fit(X, y)
    reference = [clone(estimator).fit(X, np.log(y)) for _, estimator in regressors()]
    log_predictions = np.column_stack([member.predict(test_rows[0]) for member in reference])
    np.testing.assert_allclose(blend.member_predictions(test_rows[0]), log_predictions, rtol=1e-12)
    predicted = blend.predict(test_rows[0])
    np.testing.assert_allclose(predicted, np.exp(log_predictions @ [0.3, 0.7]), rtol=1e-12)
    exp_space = np.exp(log_predictions) @ [0.3, 0.7]
    assert np.abs(predicted - exp_space).max() > 1e-3  # the geometric blend is not the arithmetic one
    assert (predicted <= exp_space + 1e-9).all()
    assert blend.transform_.name == "log"


def test_log_scale_validation_weights_are_fitted_in_log_units(train, valid):
    blend = BlendRegressor(regressors(), weights="validation", target_transform="log")
    blend.fit(*train, X_val=valid[0], y_val=valid[1])
    members = blend.member_predictions(valid[0])
    np.testing.assert_array_equal(blend.weights_, fit_blend_weights(members, np.log(valid[1])))


def test_classifier_blends_probabilities(classifier_blend, test_rows):
    X = test_rows[0]
    probabilities = [member.predict_proba(X) for member in classifier_blend.estimators_]
    expected = probabilities[0] * classifier_blend.weights_[0] + probabilities[1] * classifier_blend.weights_[1]
    proba = classifier_blend.predict_proba(X)
    np.testing.assert_allclose(proba, expected, rtol=1e-12)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(classifier_blend.classes_) == ["high", "low", "mid"]
    np.testing.assert_array_equal(classifier_blend.predict(X), classifier_blend.classes_[proba.argmax(axis=1)])


def test_classifier_validation_weights_minimise_log_loss(classifier_blend, valid):
    X, y = valid
    labels = make_labels(y)
    stacked = np.stack([member.predict_proba(X) for member in classifier_blend.estimators_], axis=1)
    np.testing.assert_array_equal(
        classifier_blend.weights_, fit_blend_weights(stacked, labels, classes=classifier_blend.classes_)
    )
    blended = metrics.logloss(labels, classifier_blend.predict_proba(X), classes=classifier_blend.classes_)
    for member in classifier_blend.estimators_:
        assert blended <= metrics.logloss(labels, member.predict_proba(X), classes=member.classes_) + 1e-12


def test_members_get_validation_rows_when_they_take_them(train, valid):
    members = [
        ("linear", LinearRegression()),
        (
            "gbm",
            LightGBMRegressor(
                n_estimators=500, learning_rate=0.3, early_stopping_rounds=5, min_child_samples=5, random_state=0
            ),
        ),
    ]
    blend = BlendRegressor(members, target_transform="log").fit(*train, X_val=valid[0], y_val=valid[1])
    gbm = blend.named_estimators_["gbm"]
    assert gbm.best_iteration_ < 500
    assert gbm.history_["valid_l2"].iloc[0] > 0.01  # scored in log units: log(y) ~ 2.3
    assert gbm.history_["valid_l2"].iloc[0] < 1.0


# ---- from_fitted ---------------------------------------------------------------------------------


def test_from_fitted_uses_the_members_as_they_are(validation_blend, valid, test_rows):
    fitted = list(zip(["linear", "forest"], validation_blend.estimators_))
    members = validation_blend.member_predictions(valid[0])
    blend = BlendRegressor.from_fitted(fitted, weights="validation", val_predictions=members, y_val=valid[1])
    assert blend.estimators_[1] is validation_blend.estimators_[1]
    np.testing.assert_array_equal(blend.weights_, validation_blend.weights_)
    np.testing.assert_array_equal(blend.predict(test_rows[0]), validation_blend.predict(test_rows[0]))
    from_rows = BlendRegressor.from_fitted(fitted, weights="validation", X_val=valid[0], y_val=valid[1])
    np.testing.assert_array_equal(from_rows.weights_, blend.weights_)
    equal = BlendRegressor.from_fitted(fitted)
    np.testing.assert_array_equal(equal.weights_, [0.5, 0.5])


def test_from_fitted_log_target(train, valid, test_rows):
    X, y = train
    fitted = [(name, clone(estimator).fit(X, np.log(y))) for name, estimator in regressors()]
    predictions = [member.predict(valid[0]) for _, member in fitted]
    blend = BlendRegressor.from_fitted(
        fitted, weights="validation", target_transform="log", val_predictions=predictions, y_val=valid[1]
    )
    np.testing.assert_array_equal(blend.weights_, fit_blend_weights(np.column_stack(predictions), np.log(valid[1])))
    members = np.column_stack([member.predict(test_rows[0]) for _, member in fitted])
    np.testing.assert_allclose(blend.predict(test_rows[0]), np.exp(members @ blend.weights_), rtol=1e-12)


def test_from_fitted_classifiers(classifier_blend, valid):
    fitted = list(zip(["logistic", "forest"], classifier_blend.estimators_))
    blend = BlendClassifier.from_fitted(fitted, weights="validation", X_val=valid[0], y_val=make_labels(valid[1]))
    np.testing.assert_array_equal(blend.weights_, classifier_blend.weights_)
    np.testing.assert_array_equal(blend.classes_, classifier_blend.classes_)


def test_from_fitted_mismatched_lengths(validation_blend, valid):
    fitted = list(zip(["linear", "forest"], validation_blend.estimators_))
    members = validation_blend.member_predictions(valid[0])
    with pytest.raises(ValueError, match="the validation predictions have 200 rows but y_val has 150"):
        BlendRegressor.from_fitted(fitted, weights="validation", val_predictions=members, y_val=valid[1][:150])
    with pytest.raises(ValueError, match=r"predictions have 1 member column\(s\) but the blend has 2 member\(s\)"):
        BlendRegressor.from_fitted(fitted, weights="validation", val_predictions=members[:, :1], y_val=valid[1])
    with pytest.raises(ValueError, match=r"differ in shape: \[\(150,\), \(200,\)\]"):
        BlendRegressor.from_fitted(
            fitted, weights="validation", val_predictions=[members[:150, 0], members[:, 1]], y_val=valid[1]
        )


def test_from_fitted_needs_validation_data(validation_blend):
    fitted = list(zip(["linear", "forest"], validation_blend.estimators_))
    with pytest.raises(ValueError, match="validation weights need y_val and either val_predictions or X_val"):
        BlendRegressor.from_fitted(fitted, weights="validation")


def test_from_fitted_refuses_unfitted_members(validation_blend):
    members = [("linear", validation_blend.estimators_[0]), ("forest", ForestRegressor())]
    with pytest.raises(NotFittedError, match="member 'forest' \\(ForestRegressor\\) is not fitted"):
        BlendRegressor.from_fitted(members)


def test_members_with_different_classes(train):
    X, y = train
    labels = make_labels(y)
    three = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, labels)
    two = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, np.where(labels == "low", "low", "other"))
    with pytest.raises(ValueError, match="members 'three' and 'two' have different classes_"):
        BlendClassifier.from_fitted([("three", three), ("two", two)])


# ---- parameters and persistence -----------------------------------------------------------------


def test_nested_params_and_clone():
    blend = BlendRegressor(regressors(), weights=[1, 2], target_transform="log")
    params = blend.get_params()
    assert params["forest__n_estimators"] == 40 and params["linear"] is blend.estimators[0][1]
    twin = clone(blend).set_params(forest__n_estimators=7, linear=LinearRegression(fit_intercept=False))
    assert twin.estimators[1][1].n_estimators == 7 and twin.estimators[0][1].fit_intercept is False
    assert blend.estimators[1][1].n_estimators == 40  # the original is untouched
    assert twin.get_params(deep=False)["weights"] == [1, 2] and twin.target_transform == "log"
    with pytest.raises(ValueError, match="Invalid parameter 'boosting'"):
        twin.set_params(boosting__n_estimators=3)


def test_joblib_round_trip(validation_blend, classifier_blend, test_rows, tmp_path):
    X = test_rows[0]
    for name, blend in (("regressor", validation_blend), ("classifier", classifier_blend)):
        joblib.dump(blend, tmp_path / f"{name}.joblib")
        loaded = joblib.load(tmp_path / f"{name}.joblib")
        np.testing.assert_array_equal(loaded.predict(X), blend.predict(X))
        np.testing.assert_array_equal(loaded.weights_, blend.weights_)
    np.testing.assert_array_equal(loaded.predict_proba(X), classifier_blend.predict_proba(X))


def test_repeatable(train, valid, test_rows):
    first = BlendRegressor(regressors(), weights="validation").fit(*train, X_val=valid[0], y_val=valid[1])
    second = BlendRegressor(regressors(), weights="validation").fit(*train, X_val=valid[0], y_val=valid[1])
    np.testing.assert_array_equal(first.weights_, second.weights_)
    np.testing.assert_array_equal(first.predict(test_rows[0]), second.predict(test_rows[0]))


@pytest.mark.parametrize("method", ["predict", "member_predictions"])
def test_unfitted_use_raises(method, test_rows):
    with pytest.raises(NotFittedError):
        getattr(BlendRegressor(regressors()), method)(test_rows[0])
    with pytest.raises(NotFittedError):
        BlendClassifier(classifiers()).predict_proba(test_rows[0])


# ---- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("estimators", "error", "message"),
    [
        ([], ValueError, r"BlendRegressor needs a non-empty list of \(name, estimator\) pairs"),
        ([("a", LinearRegression()), ("a", LinearRegression())], ValueError, "member 'a' is listed twice"),
        (
            [("a", LinearRegression()), LinearRegression()],
            ValueError,
            r"each member must be a \(name, estimator\) pair",
        ),
        ([("lin", "LinearRegression")], TypeError, "member 'lin' is a str, which has no fit and predict"),
        ([("a__b", LinearRegression())], ValueError, "member name 'a__b' must not contain '__'"),
        ([("weights", LinearRegression())], ValueError, "member name 'weights' must not"),
    ],
)
def test_bad_members(estimators, error, message, train):
    with pytest.raises(error, match=message):
        BlendRegressor(estimators).fit(*train)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([1.0], r"weights has 1 value\(s\) but there are 2 members \['linear', 'forest'\]"),
        ([1.0, -0.5], r"weights must be finite, non-negative and not all zero, got \[1.0, -0.5\]"),
        ([0, 0], "not all zero"),
        ({"boosting": 1.0}, r"weights name unknown member\(s\) \['boosting'\]; the members are \['linear', 'forest'\]"),
        ("best", "weights must be one of \\('equal', 'validation'\\)"),
        (["a", "b"], "a list or a dict of numbers"),
    ],
)
def test_bad_weights(weights, message, train):
    with pytest.raises(ValueError, match=message):
        BlendRegressor(regressors(), weights=weights).fit(*train)


def test_validation_weights_need_validation_rows(train):
    with pytest.raises(
        ValueError, match=r"weights='validation' needs validation rows: fit\(X, y, X_val=..., y_val=...\)"
    ):
        BlendRegressor(regressors(), weights="validation").fit(*train)
    with pytest.raises(ValueError, match="X_val and y_val must be given together"):
        BlendRegressor(regressors()).fit(*train, X_val=train[0])


def test_bad_targets(train, valid):
    X, y = train
    with pytest.raises(ValueError, match=f"X has {len(X)} rows but y has {len(X) - 1}"):
        BlendRegressor(regressors()).fit(X, y[:-1])
    with pytest.raises(ValueError, match="X_val has 200 rows but y_val has 10"):
        BlendRegressor(regressors()).fit(X, y, X_val=valid[0], y_val=valid[1][:10])
    with pytest.raises(ValueError, match="a log target needs y > 0, but 1 of 400"):
        BlendRegressor(regressors(), target_transform="log").fit(X, np.where(np.arange(len(y)) == 3, -1.0, y))
    with pytest.raises(ValueError, match="BlendRegressor needs a numeric y"):
        BlendRegressor(regressors()).fit(X, make_labels(y))
    with pytest.raises(ValueError, match="target transform must be one of"):
        BlendRegressor(regressors(), target_transform="sqrt").fit(X, y)
