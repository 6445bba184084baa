import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from tabkit import metrics


def test_values():
    assert metrics.rmse([1, 2], [1, 4]) == pytest.approx(np.sqrt(2))
    assert metrics.rmspe([0, 100, 200], [5, 110, 180]) == pytest.approx(0.1)
    assert metrics.exp_rmspe(np.log([100, 200]), np.log([110, 180])) == pytest.approx(0.1)
    assert metrics.rmsle([0, np.e - 1], [0, 0]) == pytest.approx(np.sqrt(0.5))
    assert metrics.accuracy(["a", "b", "c"], ["a", "b", "d"]) == pytest.approx(2 / 3)


@pytest.mark.parametrize("name", ["rmse", "rmspe", "exp_rmspe", "rmsle", "accuracy"])
def test_shape_and_nan_checks(name):
    func = getattr(metrics, name)
    with pytest.raises(ValueError, match="y_true has 2 values but y_pred has 3"):
        func([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="y_pred has 1 NaN"):
        func([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(ValueError, match="no values"):
        func([], [])


def test_rmspe_needs_a_nonzero_target_and_rmsle_a_valid_log():
    with pytest.raises(ValueError, match="every true value is 0"):
        metrics.rmspe([0, 0], [1, 2])
    with pytest.raises(ValueError, match="greater than -1"):
        metrics.rmsle([-2.0], [1.0])


def test_get_scorer_signs():
    X = np.arange(10.0).reshape(-1, 1)
    y = 2 * X.ravel() + 1
    model = LinearRegression().fit(X, y + np.r_[0.5, -0.5] .repeat(5))
    for scoring in ("rmspe", metrics.rmspe):
        scorer = metrics.get_scorer(scoring)
        assert scorer(model, X, y + 1) == pytest.approx(-metrics.rmspe(y + 1, model.predict(X)))
    assert metrics.get_scorer("r2")(model, X, y) == pytest.approx(model.score(X, y))
    assert metrics.get_scorer(None) is None
    custom = lambda est, X, y: 1.0  # noqa: E731 - a ready-made scorer passes through
    assert metrics.get_scorer(custom) is custom
    with pytest.raises(ValueError, match="scoring must be"):
        metrics.get_scorer(3)
