"""LightGBMRegressor / LightGBMClassifier against scikit-learn's estimator checks."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from tabkit.boosting import LightGBMClassifier, LightGBMRegressor


@parametrize_with_checks(
    [LightGBMRegressor(n_estimators=10, random_state=0), LightGBMClassifier(n_estimators=10, random_state=0)],
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
