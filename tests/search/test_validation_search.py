"""ValidationSearch: scores, ranking, scorers, failures, memory, parallelism, persistence."""

from __future__ import annotations

import gc

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.ensemble import RandomForestRegressor
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.metrics import log_loss, mean_absolute_error, roc_auc_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils.validation import check_is_fitted

import tabkit as tk
from tabkit.search.validation_search import ValidationSearch

TREE_GRID = {"max_depth": [3, 5], "min_samples_leaf": [1, 20]}
TIMING = ["fit_time", "score_time"]


class TrackedTree(DecisionTreeRegressor):
    """A tree class of its own, so live fitted instances can be counted."""


def _live_fitted(cls: type) -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if type(obj) is cls and hasattr(obj, "tree_"))


def _fit_alone(estimator, params, data):
    return clone(estimator).set_params(**params).fit(data.X, data.y)


@pytest.fixture
def tree_search(regression):
    return ValidationSearch(DecisionTreeRegressor(random_state=0), TREE_GRID, scoring="rmse").fit(**regression.fit_args)


def test_results_have_one_row_per_candidate(tree_search):
    results = tree_search.results_
    assert list(results.columns) == [
        "max_depth",
        "min_samples_leaf",
        "score",
        "fit_time",
        "score_time",
        "rank",
        "error",
    ]
    assert results[["max_depth", "min_samples_leaf"]].values.tolist() == [[3, 1], [3, 20], [5, 1], [5, 20]]
    assert sorted(results["rank"]) == [1, 2, 3, 4]
    assert results["error"].isna().all()
    assert (results[TIMING] >= 0).all().all()
    assert tree_search.n_fits_ == 5


def test_best_is_the_top_ranked_candidate(tree_search):
    results = tree_search.results_
    best = int(results["score"].idxmax())
    assert tree_search.best_index_ == best
    assert results["rank"][best] == 1
    assert tree_search.best_score_ == results["score"].max()
    assert tree_search.best_params_ == results.loc[best, ["max_depth", "min_samples_leaf"]].to_dict()


REGRESSION_SCORERS = [
    (None, lambda model, d: model.score(d.X_val, d.y_val)),
    ("rmspe", lambda model, d: -tk.metrics.rmspe(d.y_val, model.predict(d.X_val))),
    (tk.metrics.rmspe, lambda model, d: -tk.metrics.rmspe(d.y_val, model.predict(d.X_val))),
    ("neg_mean_absolute_error", lambda model, d: -mean_absolute_error(d.y_val, model.predict(d.X_val))),
    (
        lambda model, X, y: float(np.median(np.abs(y - model.predict(X)))),
        lambda model, d: float(np.median(np.abs(d.y_val - model.predict(d.X_val)))),
    ),
]
CLASSIFICATION_SCORERS = [
    ("binary", None, lambda model, d: model.score(d.X_val, d.y_val)),
    ("binary", "roc_auc", lambda model, d: roc_auc_score(d.y_val, model.predict_proba(d.X_val)[:, 1])),
    ("multiclass", "accuracy", lambda model, d: float(np.mean(model.predict(d.X_val) == d.y_val))),
    ("multiclass", "neg_log_loss", lambda model, d: -log_loss(d.y_val, model.predict_proba(d.X_val))),
]


@pytest.mark.parametrize("scoring, expected", REGRESSION_SCORERS)
def test_regression_scores_are_those_of_separate_fits(regression, scoring, expected):
    estimator = DecisionTreeRegressor(random_state=0)
    search = ValidationSearch(estimator, TREE_GRID, scoring=scoring).fit(**regression.fit_args)
    for params, score in zip(search.results_[list(TREE_GRID)].to_dict("records"), search.results_["score"]):
        assert score == expected(_fit_alone(estimator, params, regression), regression)


@pytest.mark.parametrize("problem, scoring, expected", CLASSIFICATION_SCORERS)
def test_classification_scores_are_those_of_separate_fits(request, problem, scoring, expected):
    data = request.getfixturevalue(problem)
    estimator = DecisionTreeClassifier(random_state=0)
    search = ValidationSearch(estimator, TREE_GRID, scoring=scoring).fit(**data.fit_args)
    for params, score in zip(search.results_[list(TREE_GRID)].to_dict("records"), search.results_["score"]):
        assert score == expected(_fit_alone(estimator, params, data), data)


def test_losses_are_negated_so_the_smallest_error_wins(regression):
    search = ValidationSearch(DecisionTreeRegressor(random_state=0), TREE_GRID, scoring="rmse").fit(
        **regression.fit_args
    )
    errors = [
        tk.metrics.rmse(regression.y_val, _fit_alone(search.estimator, params, regression).predict(regression.X_val))
        for params in search.results_[list(TREE_GRID)].to_dict("records")
    ]
    assert search.best_index_ == int(np.argmin(errors))
    assert (search.results_["score"] < 0).all()


def test_ties_share_a_rank_and_the_first_wins(regression):
    grid = [{"max_depth": 3}, {"max_depth": 1}, {"max_depth": 3}]
    search = ValidationSearch(DecisionTreeRegressor(random_state=0), grid).fit(**regression.fit_args)
    assert search.results_["rank"].tolist() == [1, 3, 1]
    assert search.best_index_ == 0


def test_best_estimator_is_fitted_on_the_training_set_only(regression, tree_search):
    alone = _fit_alone(tree_search.estimator, tree_search.best_params_, regression)
    assert np.array_equal(tree_search.predict(regression.X_val), alone.predict(regression.X_val))
    assert tree_search.best_estimator_.tree_.n_node_samples[0] == len(regression.X)
    assert tree_search.score(regression.X_val, regression.y_val) == tree_search.best_score_


def test_every_candidate_is_a_fresh_clone(regression):
    template = DecisionTreeRegressor(random_state=0)
    search = ValidationSearch(template, TREE_GRID, keep_models=True).fit(**regression.fit_args)
    with pytest.raises(NotFittedError):
        check_is_fitted(template)
    assert template.get_params() == DecisionTreeRegressor(random_state=0).get_params()
    models = search.models_
    assert len({id(model) for model in models} | {id(template)}) == len(models) + 1
    for model, params, score in zip(
        models, search.results_[list(TREE_GRID)].to_dict("records"), search.results_["score"]
    ):
        assert {name: model.get_params()[name] for name in params} == params
        assert model.score(regression.X_val, regression.y_val) == score
    assert search.best_estimator_ is models[search.best_index_]
    assert search.n_fits_ == 4


@pytest.mark.parametrize("keep_models, live", [(False, 1), (True, 4)])
def test_only_the_best_model_is_kept_unless_asked(regression, keep_models, live):
    search = ValidationSearch(TrackedTree(random_state=0), TREE_GRID, keep_models=keep_models)
    search.fit(**regression.fit_args)
    assert _live_fitted(TrackedTree) == live
    assert hasattr(search, "models_") == keep_models


def test_refit_false_keeps_no_model(regression):
    search = ValidationSearch(DecisionTreeRegressor(), TREE_GRID, refit=False).fit(**regression.fit_args)
    assert not hasattr(search, "best_estimator_")
    assert search.n_fits_ == 4
    with pytest.raises(NotFittedError, match="refit=True"):
        search.predict(regression.X_val)


def test_unfitted_search_raises_not_fitted(regression):
    with pytest.raises(NotFittedError):
        ValidationSearch(DecisionTreeRegressor(), TREE_GRID).predict(regression.X_val)


def test_clone_and_get_params_work():
    search = ValidationSearch(RandomForestRegressor(n_estimators=7), TREE_GRID, n_jobs=2, scoring="rmspe")
    params = search.get_params()
    assert params["estimator__n_estimators"] == 7
    assert params["n_jobs"] == 2
    copy = clone(search)
    assert copy.get_params()["scoring"] == "rmspe"
    assert copy.estimator is not search.estimator


FOREST_GRID = {"n_estimators": [3, 6], "min_samples_leaf": [1, 4], "max_features": [0.5, 1.0]}


def _comparable(search: ValidationSearch) -> pd.DataFrame:
    return search.results_.drop(columns=TIMING)


@pytest.fixture(scope="module")
def forest_serial(regression):
    return ValidationSearch(RandomForestRegressor(random_state=0), FOREST_GRID, scoring="rmspe").fit(
        **regression.fit_args
    )


@pytest.mark.parametrize("backend, n_jobs", [("loky", 2), ("threading", 2), ("threading", -1), ("sequential", 1)])
def test_results_do_not_depend_on_n_jobs_or_backend(regression, forest_serial, backend, n_jobs):
    with joblib.parallel_config(backend=backend):
        search = ValidationSearch(
            RandomForestRegressor(random_state=0), FOREST_GRID, scoring="rmspe", n_jobs=n_jobs
        ).fit(**regression.fit_args)
    pd.testing.assert_frame_equal(_comparable(search), _comparable(forest_serial))
    assert search.best_params_ == forest_serial.best_params_
    assert np.array_equal(search.predict(regression.X_val), forest_serial.predict(regression.X_val))


def test_repeated_searches_are_identical(regression, forest_serial):
    again = ValidationSearch(RandomForestRegressor(random_state=0), FOREST_GRID, scoring="rmspe").fit(
        **regression.fit_args
    )
    pd.testing.assert_frame_equal(_comparable(again), _comparable(forest_serial))


def test_search_survives_joblib_persistence(regression, forest_serial, tmp_path):
    path = tmp_path / "search.joblib"
    joblib.dump(forest_serial, path)
    loaded = joblib.load(path)
    pd.testing.assert_frame_equal(loaded.results_, forest_serial.results_)
    assert loaded.best_params_ == forest_serial.best_params_
    assert np.array_equal(loaded.predict(regression.X_val), forest_serial.predict(regression.X_val))


FAILING_GRID = [{"max_depth": 2}, {"max_depth": -1}, {"max_depth": 4}]


def test_a_failing_candidate_gets_error_score_and_its_message(regression):
    with pytest.warns(FitFailedWarning, match="1 of 3 candidates failed"):
        search = ValidationSearch(DecisionTreeRegressor(random_state=0), FAILING_GRID).fit(**regression.fit_args)
    results = search.results_
    assert np.isnan(results["score"][1])
    assert "max_depth" in results["error"][1] and "-1" in results["error"][1]
    assert results["rank"][1] == 3
    assert results["error"][[0, 2]].isna().all()
    assert search.best_params_["max_depth"] != -1


def test_a_numeric_error_score_is_used_for_failures(regression):
    with pytest.warns(FitFailedWarning):
        search = ValidationSearch(DecisionTreeRegressor(random_state=0), FAILING_GRID, error_score=-1e9).fit(
            **regression.fit_args
        )
    assert search.results_["score"][1] == -1e9
    assert search.results_["rank"][1] == 3


def test_a_failing_scorer_is_a_failed_candidate(regression):
    def picky(model, X, y):
        if model.get_depth() > 2:
            raise RuntimeError("too deep to score")
        return 1.0

    with pytest.warns(FitFailedWarning):
        search = ValidationSearch(DecisionTreeRegressor(random_state=0), FAILING_GRID[::2], scoring=picky).fit(
            **regression.fit_args
        )
    assert search.results_["error"].tolist() == [None, "RuntimeError: too deep to score"]


def test_error_score_raise_stops_the_search(regression):
    with pytest.raises(ValueError, match="max_depth"):
        ValidationSearch(DecisionTreeRegressor(), FAILING_GRID, error_score="raise").fit(**regression.fit_args)


def test_when_every_candidate_fails_the_first_error_is_raised(regression):
    grid = {"max_depth": [-1, -2]}
    with pytest.raises(ValueError, match=r"all 2 candidates failed; the first, \{'max_depth': -1\}, raised .*-1"):
        search = ValidationSearch(DecisionTreeRegressor(), grid)
        search.fit(**regression.fit_args)
    assert not hasattr(search, "results_")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: {**d.fit_args, "y": d.y[:-1]}, "X has 200 rows but y has 199"),
        (lambda d: {**d.fit_args, "y_val": d.y_val[:5]}, "X_val has 100 rows but y_val has 5"),
        (lambda d: {**d.fit_args, "X_val": d.X_val[:0], "y_val": d.y_val[:0]}, "X_val has no rows"),
    ],
)
def test_bad_rows_are_rejected(regression, change, message):
    with pytest.raises(ValueError, match=message):
        ValidationSearch(DecisionTreeRegressor(), TREE_GRID).fit(**change(regression))


@pytest.mark.parametrize("error_score", ["nan", None, True])
def test_bad_error_score_is_rejected(regression, error_score):
    with pytest.raises(ValueError, match="error_score must be a number or 'raise'"):
        ValidationSearch(DecisionTreeRegressor(), TREE_GRID, error_score=error_score).fit(**regression.fit_args)


def test_unknown_parameters_are_rejected_before_fitting(regression):
    search = ValidationSearch(TrackedTree(), {"max_depth": [2], "depth": [3]})
    before = _live_fitted(TrackedTree)
    with pytest.raises(ValueError, match=r"no parameter\(s\) \['depth'\]"):
        search.fit(**regression.fit_args)
    assert _live_fitted(TrackedTree) == before
    assert not hasattr(search, "results_")


def test_fit_params_reach_every_candidate(regression):
    weights = np.zeros(len(regression.y))
    weights[:50] = 1.0
    search = ValidationSearch(DecisionTreeRegressor(random_state=0), TREE_GRID, keep_models=True)
    search.fit(**regression.fit_args, sample_weight=weights)
    assert all(model.tree_.weighted_n_node_samples[0] == 50.0 for model in search.models_)


@pytest.mark.parametrize("verbose", [0, 1])
def test_progress_bar_over_candidates_when_verbose(regression, capsys, verbose):
    ValidationSearch(DecisionTreeRegressor(), TREE_GRID, verbose=verbose).fit(**regression.fit_args)
    err = capsys.readouterr().err
    if verbose:
        assert "ValidationSearch" in err and "4/4" in err and "candidate" in err
    else:
        assert err == ""


def test_public_names_resolve():
    from tabkit.plots import plot_search

    assert tk.ValidationSearch is ValidationSearch
    assert tk.plot_search is plot_search
