"""plot_search: score lines or a heatmap, from the results table, with the leaderboard's sign."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.exceptions import NotFittedError
from sklearn.tree import DecisionTreeRegressor

from tabkit.plots import plot_search
from tabkit.plots.style import smallest_text_px
from tabkit.search.validation_search import ValidationSearch

GRID = {"max_depth": [5, 2, 3], "min_samples_leaf": [1, 10], "splitter": ["best", "random"]}


@pytest.fixture(scope="module")
def search() -> ValidationSearch:
    X, y = make_regression(n_samples=200, n_features=5, noise=10.0, random_state=0)
    return ValidationSearch(DecisionTreeRegressor(random_state=0), GRID, scoring="rmse").fit(
        X[:150], y[:150], X_val=X[150:], y_val=y[150:]
    )


def _best_error(search, **where) -> float:
    """The lowest rmse among the candidates matching ``where`` (scores are negated errors)."""
    results = search.results_
    mask = np.logical_and.reduce([results[name] == value for name, value in where.items()])
    return -results.loc[mask, "score"].max()


def test_errors_are_drawn_positive_as_on_the_leaderboard(search):
    ax = plot_search(search.results_, x="max_depth", metric="rmse").axes[0]
    (line,) = ax.get_lines()
    assert line.get_xdata().tolist() == [2, 3, 5]
    assert line.get_ydata().tolist() == [_best_error(search, max_depth=d) for d in (2, 3, 5)]
    assert (line.get_ydata() > 0).all()
    assert ax.get_ylabel() == "validation rmse (lower is better)"
    assert ax.get_xlabel() == "max_depth"


def test_a_fitted_search_names_its_metric(search):
    ax = plot_search(search, x="max_depth").axes[0]
    assert ax.get_ylabel() == "validation rmse (lower is better)"
    raw = plot_search(search.results_, x="max_depth").axes[0]  # no metric: the stored score
    assert raw.get_ylabel() == "validation score" and (raw.get_lines()[0].get_ydata() < 0).all()


def test_one_line_per_hue_value(search):
    ax = plot_search(search.results_, x="max_depth", hue="min_samples_leaf", metric="rmse").axes[0]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["1", "10"]
    for line, leaf in zip(ax.get_lines(), (1, 10)):
        expected = [_best_error(search, max_depth=d, min_samples_leaf=leaf) for d in (2, 3, 5)]
        assert line.get_ydata().tolist() == expected


def test_a_text_parameter_gets_category_ticks_in_grid_order(search):
    ax = plot_search(search.results_, x="splitter").axes[0]
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["best", "random"]
    assert ax.get_lines()[0].get_xdata().tolist() == [0, 1]


def test_heatmap_over_two_parameters(search):
    fig = plot_search(search.results_, x=("max_depth", "min_samples_leaf"), metric="rmse")
    ax = fig.axes[0]
    grid = ax.images[0].get_array()
    assert grid.shape == (2, 3)
    for i, leaf in enumerate((1, 10)):
        for j, depth in enumerate((2, 3, 5)):
            assert grid[i, j] == _best_error(search, max_depth=depth, min_samples_leaf=leaf)
    assert len(ax.texts) == 6
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["2", "3", "5"]
    assert smallest_text_px(fig) >= 10


def test_failed_candidates_leave_gaps():
    X, y = make_regression(n_samples=100, n_features=3, random_state=0)
    with pytest.warns(Warning, match="failed"):
        failed = ValidationSearch(DecisionTreeRegressor(), {"max_depth": [-1, 2, 4]}).fit(
            X[:70], y[:70], X_val=X[70:], y_val=y[70:]
        )
    ydata = plot_search(failed.results_, x="max_depth").axes[0].get_lines()[0].get_ydata()
    assert np.isnan(ydata[0]) and np.isfinite(ydata[1:]).all()


def test_read_back_from_csv(search, tmp_path):
    search.results_.to_csv(tmp_path / "search.csv", index=False)
    import pandas as pd

    ax = plot_search(pd.read_csv(tmp_path / "search.csv"), x="max_depth", metric="rmse").axes[0]
    assert ax.get_lines()[0].get_ydata().tolist() == [_best_error(search, max_depth=d) for d in (2, 3, 5)]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"x": "depth"}, r"\['depth'\] not searched"),
        ({"x": "max_depth", "hue": "score"}, r"\['score'\] not searched"),
        ({"x": ("max_depth", "min_samples_leaf"), "hue": "splitter"}, "no hue"),
        ({"x": ("max_depth",)}, "heatmap takes"),
        ({"x": "max_depth", "hue": "max_depth"}, "must differ"),
    ],
)
def test_bad_arguments_are_rejected(search, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_search(search.results_, **kwargs)


def test_empty_table_and_unfitted_search(search):
    with pytest.raises(ValueError, match="rows and a 'score' column"):
        plot_search(search.results_.iloc[:0], x="max_depth")
    with pytest.raises(NotFittedError):
        plot_search(ValidationSearch(DecisionTreeRegressor(), GRID), x="max_depth")
