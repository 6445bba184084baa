"""Feature kinds, missing-value fills and deciles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabkit.inspection import feature_deciles, feature_kind, missing_fills


@pytest.mark.parametrize(
    "values, categorical, kind",
    [
        (pd.Series([0, 1, 1, 0]), None, "binary"),
        (pd.Series(["a", "b", "a", None]), None, "binary"),
        (pd.Series(["a", "b", "c"]), None, "categorical"),
        (pd.Series([1, 2, 3, 4]), None, "categorical"),
        (pd.Series(np.arange(100)), None, "continuous"),
        (pd.Series(np.arange(100)), True, "categorical"),
        (pd.Series([0.5, 1.5, 2.5]), None, "continuous"),
        (pd.Series(pd.Categorical(["x", "y", "z"])), None, "categorical"),
    ],
)
def test_feature_kind(values, categorical, kind):
    assert feature_kind(values, categorical) == kind


def test_rossmann_style_year_fill_is_found():
    rng = np.random.default_rng(0)
    years = pd.Series(np.where(rng.random(1000) < 0.3, 1900, rng.integers(1961, 2016, 1000)))
    assert missing_fills(years) == [1900]
    assert missing_fills(pd.Series([-1] * 50 + list(range(1000, 1100)))) == [-1]
    assert missing_fills(pd.Series(list(range(1000)) + [99999] * 30)) == [99999]


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(np.random.default_rng(0).gamma(2.0, 500.0, 1000)),  # a long tail is not a fill
        pd.Series(list(range(1000)) + [10**6]),  # one outlier row is not a fill
        pd.Series([0] * 300 + list(range(1, 25)) * 10),  # 0 months open is a real value
        pd.Series([0] * 500 + [25] * 490 + list(range(2, 25))),  # a capped count: both ends are real
        pd.Series(["a", "b", "c"]),
        pd.Series([True, False, True]),
    ],
)
def test_real_values_are_not_fills(values):
    assert missing_fills(values) == []


def test_deciles_leave_out_missing_entries_and_fills():
    values = pd.Series([1900.0] * 30 + [np.nan] * 5 + list(np.arange(2000.0, 2100.0)))
    X = pd.DataFrame({"year": values, "kind": ["a"] * len(values)})
    np.testing.assert_allclose(feature_deciles(X, "year"), np.percentile(np.arange(2000.0, 2100.0), range(10, 100, 10)))
    assert feature_deciles(X, "kind").size == 0
    with pytest.raises(ValueError, match=r"feature\(s\) \['nope'\] are not columns of X"):
        feature_deciles(X, "nope")
