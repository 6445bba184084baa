"""BlendRegressor / BlendClassifier against scikit-learn's estimator checks."""

from __future__ import annotations

from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from tabkit.ensemble import BlendClassifier, BlendRegressor


@parametrize_with_checks(
    [
        BlendRegressor(
            [("linear", LinearRegression()), ("tree", DecisionTreeRegressor(max_depth=4, random_state=0))],
            weights=[2, 1],
        ),
        BlendClassifier(
            [("logistic", LogisticRegression()), ("tree", DecisionTreeClassifier(max_depth=4, random_state=0))]
        ),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
