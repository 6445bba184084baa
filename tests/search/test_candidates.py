"""Expanding a param_grid into candidates, and checking the names against the estimator."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import randint
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import ParameterGrid, ParameterSampler

from tabkit.search.candidates import check_parameter_names, expand_candidates


def test_dict_grid_is_the_product_of_its_lists():
    grid = {"n_estimators": [10, 20], "max_features": (0.5, 1.0), "min_samples_leaf": np.array([1, 3, 5])}
    candidates = expand_candidates(grid)
    assert len(candidates) == 12
    assert candidates == list(ParameterGrid(grid))


def test_list_of_grids_expands_each_grid():
    grid = [{"n_estimators": [10, 20]}, {"min_samples_leaf": [1, 3, 5], "max_features": [0.5]}]
    assert expand_candidates(grid) == [
        {"n_estimators": 10},
        {"n_estimators": 20},
        {"max_features": 0.5, "min_samples_leaf": 1},
        {"max_features": 0.5, "min_samples_leaf": 3},
        {"max_features": 0.5, "min_samples_leaf": 5},
    ]


def test_list_of_parameter_dicts_is_taken_as_the_candidates():
    sampled = [{"n_estimators": 10, "max_features": 0.5}, {"n_estimators": 30, "max_features": [1, 2]}]
    assert expand_candidates(sampled) == sampled


def test_an_iterable_of_dicts_is_taken_as_the_candidates():
    sampler = ParameterSampler({"n_estimators": randint(5, 50), "hidden": [[100, 50]]}, n_iter=4, random_state=0)
    candidates = expand_candidates(sampler)
    assert candidates == list(sampler)
    assert all(candidate["hidden"] == [100, 50] for candidate in candidates)


@pytest.mark.parametrize(
    "grid, message",
    [
        ({}, "list of values"),
        ([], "no candidates"),
        ({"n_estimators": 10}, "list of values"),
        ({"n_estimators": []}, "'n_estimators' has no values"),
        ([{"n_estimators": [10]}, 3], "expected dicts"),
        ("n_estimators", "must be a dict"),
        (5, "must be a dict"),
    ],
)
def test_bad_grids_are_rejected(grid, message):
    with pytest.raises(ValueError, match=message):
        expand_candidates(grid)


def test_unknown_parameter_names_are_named():
    with pytest.raises(ValueError, match=r"no parameter\(s\) \['max_feature', 'trees'\]"):
        check_parameter_names([{"max_feature": 0.5}, {"trees": 3, "n_estimators": 4}], RandomForestRegressor())


def test_known_parameter_names_pass():
    check_parameter_names([{"n_estimators": 4, "max_features": 0.5}], RandomForestRegressor())
