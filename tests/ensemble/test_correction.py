"""The correction factor: on log-normal errors the RMSPE-best factor is exp(-1.5 sigma^2);
the split-half score is honest (each half scored with the other half's factor)."""

from __future__ import annotations

import numpy as np
import pytest

from tabkit import metrics
from tabkit.ensemble.correction import FACTORS, best_factor, split_half_correction
from tabkit.ensemble.weights import split_halves


@pytest.fixture
def lognormal():
    rng = np.random.default_rng(0)
    actual = np.exp(rng.normal(8, 0.5, 20_000))
    return actual * np.exp(rng.normal(0, 0.15, 20_000)), actual


def test_the_rmspe_factor_of_lognormal_errors_is_the_theory_s(lognormal):
    predicted, actual = lognormal
    assert best_factor(predicted, actual, "rmspe") == pytest.approx(np.exp(-1.5 * 0.15**2), abs=0.004)
    assert best_factor(predicted, actual, "rmse") < 1.0


def test_an_unbiased_metric_keeps_a_factor_of_one():
    rng = np.random.default_rng(1)
    actual = rng.normal(100, 10, 5_000)
    assert best_factor(actual + rng.normal(0, 1e-9, 5_000), actual, "rmse") == 1.0


def test_the_split_half_score_fits_each_half_s_factor_on_the_other(lognormal):
    predicted, actual = lognormal
    score, factor, halves = split_half_correction(predicted, actual, "rmspe", seed=3)
    first, second = split_halves(len(actual), 3)
    expected = [
        metrics.score("rmspe", actual[b], best_factor(predicted[a], actual[a], "rmspe") * predicted[b])
        for a, b in ((first, second), (second, first))
    ]
    assert halves == pytest.approx(expected) and score == pytest.approx(np.mean(expected))
    assert score < metrics.score("rmspe", actual, predicted) and factor in FACTORS


def test_too_few_rows_are_refused():
    with pytest.raises(ValueError, match="needs at least 4 rows, got 3"):
        split_half_correction([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], "rmse")
