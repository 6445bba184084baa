"""The exact forest fast path: one fit per combination, scores identical to separate fits."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.metrics import check_scoring

from tabkit.metrics import get_scorer
from tabkit.search.tree_prefix import first_trees, plan_fits
from tabkit.search.validation_search import ValidationSearch

GRID = {"n_estimators": [2, 5, 9], "min_samples_leaf": [1, 4]}

FORESTS = [
    ("regression", RandomForestRegressor, "rmspe"),
    ("regression", ExtraTreesRegressor, None),
    ("multiclass", RandomForestClassifier, "neg_log_loss"),
    ("binary", ExtraTreesClassifier, "roc_auc"),
    ("frame_regression", "ForestRegressor", "rmspe"),
    ("frame_binary", "ForestClassifier", "neg_log_loss"),
]


def _forest(cls, **params):
    if isinstance(cls, str):
        from tabkit.forest import estimators

        cls = getattr(estimators, cls)
    return cls(**params)


def _trees(model) -> list:
    return model.estimators_ if hasattr(model, "estimators_") else model.forest_.estimators_


@pytest.mark.parametrize("problem, cls, scoring", FORESTS)
def test_prefix_scores_equal_separate_fits_exactly(request, problem, cls, scoring):
    data = request.getfixturevalue(problem)
    estimator = _forest(cls, random_state=7)
    search = ValidationSearch(estimator, GRID, scoring=scoring, keep_models=True).fit(**data.fit_args)
    scorer = get_scorer(scoring) or check_scoring(estimator)
    for i, params in enumerate(search.results_[list(GRID)].to_dict("records")):
        alone = clone(estimator).set_params(**params).fit(data.X, data.y)
        assert search.results_["score"][i] == scorer(alone, data.X_val, data.y_val)
        assert len(_trees(search.models_[i])) == params["n_estimators"]
        assert search.models_[i].n_estimators == params["n_estimators"]
        method = "predict_proba" if hasattr(alone, "predict_proba") else "predict"
        assert np.array_equal(getattr(search.models_[i], method)(data.X_val), getattr(alone, method)(data.X_val))
    assert search.n_fits_ == 2


@pytest.mark.parametrize("problem, cls, scoring", FORESTS[::3])
def test_one_fit_per_combination_of_the_other_parameters(request, problem, cls, scoring):
    data = request.getfixturevalue(problem)
    search = ValidationSearch(_forest(cls, random_state=0), GRID, scoring=scoring).fit(**data.fit_args)
    assert search.n_fits_ == 2 + 1
    best = search.best_params_
    alone = clone(search.estimator).set_params(**best).fit(data.X, data.y)
    assert np.array_equal(search.predict(data.X_val), alone.predict(data.X_val))
    assert len(_trees(search.best_estimator_)) == best["n_estimators"]


def test_shared_fit_is_charged_to_the_largest_forest(regression):
    search = ValidationSearch(RandomForestRegressor(random_state=0), GRID, refit=False).fit(**regression.fit_args)
    charged = search.results_["fit_time"] > 0
    assert search.results_.loc[charged, "n_estimators"].tolist() == [9, 9]
    assert search.n_fits_ == 2


@pytest.mark.parametrize(
    "estimator",
    [
        RandomForestRegressor(random_state=None),
        RandomForestRegressor(random_state=np.random.RandomState(0)),
        RandomForestRegressor(random_state=0, oob_score=True),
    ],
    ids=["random_state=None", "RandomState", "oob_score"],
)
@pytest.mark.filterwarnings("ignore:Some inputs do not have OOB scores")
def test_without_a_fixed_seed_or_with_oob_every_candidate_is_fitted(regression, estimator):
    search = ValidationSearch(estimator, GRID, refit=False, keep_models=True).fit(**regression.fit_args)
    assert search.n_fits_ == 6
    trees = [id(tree) for model in search.models_ for tree in model.estimators_]
    assert len(set(trees)) == sum(GRID["n_estimators"]) * 2


def test_sliced_models_share_the_trees_of_one_forest(regression):
    search = ValidationSearch(RandomForestRegressor(random_state=0), GRID, keep_models=True).fit(**regression.fit_args)
    small, largest = search.models_[0], search.models_[2]
    assert small.estimators_[0] is largest.estimators_[0]
    assert small.estimators_ == largest.estimators_[:2]


def test_first_trees_leaves_the_fitted_forest_alone(regression):
    forest = RandomForestRegressor(n_estimators=6, random_state=0).fit(regression.X, regression.y)
    before = forest.predict(regression.X_val)
    three = first_trees(forest, 3)
    assert len(three.estimators_) == 3 and three.n_estimators == 3
    assert len(forest.estimators_) == 6 and forest.n_estimators == 6
    assert np.array_equal(forest.predict(regression.X_val), before)
    assert first_trees(forest, 6) is forest


def test_an_invalid_tree_count_fails_alone(regression):
    grid = {"n_estimators": [0, 3, 6]}
    with pytest.warns(Warning, match="1 of 3 candidates failed"):
        search = ValidationSearch(RandomForestRegressor(random_state=0), grid, refit=False).fit(**regression.fit_args)
    assert "n_estimators" in search.results_["error"][0]
    assert search.results_["error"][1:].isna().all()
    assert search.n_fits_ == 2
    alone = RandomForestRegressor(n_estimators=3, random_state=0).fit(regression.X, regression.y)
    assert search.results_["score"][1] == alone.score(regression.X_val, regression.y_val)


def test_plan_groups_by_the_parameters_other_than_n_estimators():
    estimator = RandomForestRegressor(n_estimators=4, random_state=0)
    candidates = [
        {"n_estimators": 3},
        {"n_estimators": 6, "min_samples_leaf": 2},
        {"min_samples_leaf": 2},
        {"max_features": 0.5},
    ]
    tasks = plan_fits(estimator, candidates)
    assert [(task.params, task.members) for task in tasks] == [
        ({"n_estimators": 6, "min_samples_leaf": 2}, [(1, 6), (2, 4)]),
        ({"n_estimators": 4, "max_features": 0.5}, [(3, 4)]),
        ({"n_estimators": 3}, [(0, 3)]),
    ]


def test_other_estimators_get_one_fit_per_candidate():
    from sklearn.ensemble import GradientBoostingRegressor

    tasks = plan_fits(GradientBoostingRegressor(random_state=0), [{"n_estimators": 3}, {"n_estimators": 6}])
    assert [(task.params, task.members) for task in tasks] == [
        ({"n_estimators": 3}, [(0, None)]),
        ({"n_estimators": 6}, [(1, None)]),
    ]
