"""The pipeline's building blocks: scores on the original scale, the mean baseline and row
choice for explanations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabkit.metrics import exp_rmspe, rmse, rmspe, row_errors, score
from tabkit.pipeline.models.scoring import MeanBaseline, OriginalScaleScorer
from tabkit.pipeline.steps.explain import choose_rows
from tabkit.prep.target import TargetTransform


def test_exp_rmspe_on_original_units_equals_exp_rmspe_of_logs():
    rng = np.random.default_rng(0)
    actual = rng.uniform(1000, 9000, 200)
    predicted = actual * rng.uniform(0.8, 1.2, 200)
    assert score("exp_rmspe", actual, predicted) == pytest.approx(exp_rmspe(np.log(actual), np.log(predicted)))
    assert score("exp_rmspe", actual, predicted) == pytest.approx(score("rmspe", actual, predicted), rel=1e-12)
    assert score("rmse", actual, predicted) == rmse(actual, predicted)


def test_original_scale_scorer_inverts_the_log_and_negates_errors():
    class Fixed:
        def predict(self, X):
            return np.log(np.asarray(X["p"], dtype=float))

    X = pd.DataFrame({"p": [90.0, 220.0]})
    y = np.log([100.0, 200.0])
    scorer = OriginalScaleScorer("rmspe", TargetTransform("log"))
    assert scorer(Fixed(), X, y) == pytest.approx(-rmspe([100, 200], [90, 220]))


def test_mean_baseline_by_group_with_fallback():
    X = pd.DataFrame({"Store": [1, 1, 2, 2], "Day": [1, 1, 1, 2]})
    model = MeanBaseline(by=["Store", "Day"]).fit(X, [10, 20, 30, 50])
    new = pd.DataFrame({"Store": [1, 2, 3], "Day": [1, 2, 1]})
    np.testing.assert_allclose(model.predict(new), [15, 50, 27.5])
    overall = MeanBaseline().fit(X, [10, 20, 30, 50])
    np.testing.assert_allclose(overall.predict(new), [27.5] * 3)
    labels = MeanBaseline(by=["Store"], classification=True).fit(X, ["a", "a", "b", "a"])
    assert list(labels.predict(new)) == ["a", "a", "a"]
    np.testing.assert_allclose(labels.predict_proba(new), [[1, 0], [0.5, 0.5], [0.75, 0.25]])
    with pytest.raises(AttributeError, match="regression"):
        model.predict_proba(new)
    with pytest.raises(ValueError, match=r"group column\(s\) \['Shop'\]"):
        MeanBaseline(by=["Shop"]).fit(X, [1, 2, 3, 4])


@pytest.mark.parametrize(
    "metric,expected",
    [
        ("rmspe", [0.5, 0.0, 0.1]),
        ("rmse", [5.0, 0.0, 10.0]),
        ("accuracy", [1.0, 0.0, 1.0]),
    ],
)
def test_row_errors(metric, expected):
    actual, predicted = np.array([10.0, 0.0, 100.0]), np.array([5.0, 3.0, 110.0])
    if metric == "rmse":
        predicted = np.array([5.0, 0.0, 110.0])
    if metric == "accuracy":
        actual, predicted = np.array(["a", "b", "c"]), np.array(["b", "b", "a"])
    np.testing.assert_allclose(row_errors(metric, actual, predicted), expected)


def test_choose_rows_takes_the_worst_then_distinct_random_rows():
    errors = np.array([0.1, 0.9, 0.3, 0.8, 0.0, 0.2, 0.5])
    rows = choose_rows(errors, 2, 3, seed=0)
    assert list(rows["row"][:2]) == [1, 3] and list(rows["reason"]) == ["worst"] * 2 + ["random"] * 3
    assert len(set(rows["row"])) == 5
    assert choose_rows(errors, 2, 3, seed=0).equals(rows)
    assert len(choose_rows(errors[:3], 5, 5, seed=0)) == 3
