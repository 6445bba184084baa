"""Rare and surplus category levels go to the unknown slot: ``max_levels`` and ``min_count``
(issue 22)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import tabkit as tk


@pytest.fixture
def shops():
    # a x5, b x3, c x3, d x1, e x1, one missing value
    return pd.DataFrame({"shop": list("aaaaabbbcccde") + [None], "x": np.arange(14.0)})


def fit(frame, **limits):
    return tk.TabularProcessor(cat_names=["shop"], cont_names=["x"], **limits).fit(frame)


def test_defaults_keep_every_level(shops):
    proc = fit(shops)
    assert proc.categories_["shop"] == list("abcde") and proc.n_dropped_levels_ == {}
    assert proc.get_params()["max_levels"] is None and proc.get_params()["min_count"] == 1


@pytest.mark.parametrize(
    "limits,kept",
    [
        ({"min_count": 2}, list("abc")),
        ({"min_count": 4}, ["a"]),
        ({"max_levels": 2}, ["a", "b"]),  # b and c tie on 3 rows: the first in sorted order wins
        ({"max_levels": 4}, ["a", "b", "c", "d"]),
        ({"max_levels": 3, "min_count": 2}, ["a", "b", "c"]),
        ({"max_levels": 10, "min_count": 2}, ["a", "b", "c"]),
    ],
)
def test_rare_and_surplus_levels_get_code_zero(shops, limits, kept):
    proc = fit(shops, **limits)
    assert proc.categories_["shop"] == kept
    assert proc.cardinalities_["shop"] == len(kept) + 1
    assert proc.n_dropped_levels_ == {"shop": 5 - len(kept)}
    codes = proc.transform(shops)["shop"].tolist()
    expected = [kept.index(v) + 1 if v in kept else 0 for v in shops["shop"]]
    assert codes == expected


def test_ties_are_broken_the_same_way_whatever_the_row_order(shops):
    shuffled = shops.sample(frac=1, random_state=3)
    assert fit(shuffled, max_levels=2).categories_["shop"] == fit(shops, max_levels=2).categories_["shop"]


def test_kept_codes_follow_the_sorted_labels(shops):
    frame = pd.DataFrame({"shop": list("zzzyyx"), "x": np.arange(6.0)})
    assert fit(frame, max_levels=2).categories_["shop"] == ["y", "z"]


def test_na_flags_are_not_limited():
    frame = pd.DataFrame({"shop": list("abcd"), "x": [1.0, np.nan, 3.0, 4.0]})
    proc = fit(frame, min_count=2)
    assert proc.categories_["x_na"] == [False, True] and proc.categories_["shop"] == []
    assert proc.transform(frame)["shop"].tolist() == [0, 0, 0, 0]


@pytest.mark.parametrize(
    "limits,message",
    [
        ({"max_levels": 0}, "max_levels must be None or an integer >= 1, got 0"),
        ({"max_levels": 2.5}, "max_levels must be None or an integer >= 1, got 2.5"),
        ({"min_count": 0}, "min_count must be an integer >= 1, got 0"),
        ({"min_count": True}, "min_count must be an integer >= 1, got True"),
    ],
)
def test_bad_limits(shops, limits, message):
    with pytest.raises(ValueError, match=message):
        fit(shops, **limits)


def test_limits_are_parameters(shops):
    proc = tk.TabularProcessor(max_levels=3, min_count=2)
    assert clone(proc).get_params()["max_levels"] == 3 and clone(proc).get_params()["min_count"] == 2
