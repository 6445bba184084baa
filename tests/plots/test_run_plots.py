"""Run-level charts (leaderboard, series, tree spread) and the public names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tabkit as tk
from tabkit import plots
from tabkit.plots import plot_leaderboard, plot_series, plot_tree_spread
from tabkit.plots.style import smallest_text_px


@pytest.fixture
def rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": [4, 9],
            "reason": ["worst", "random"],
            "actual": np.log([5000.0, 3000.0]),
            "prediction": np.log([5500.0, 3100.0]),
            "prediction_std": [0.05, 0.1],
        }
    )


def test_tree_spread_of_a_log_target_in_target_units_and_percent(rows):
    fig = plot_tree_spread(rows, target_transform="log")
    ax = fig.axes[0]
    (bars,) = [c for c in ax.containers if hasattr(c, "lines")]
    centres = bars.lines[0].get_xdata()
    np.testing.assert_allclose(centres, [5500.0, 3100.0])
    assert [t.get_text() for t in ax.texts] == ["+10.5% / -9.52%", "+22.1% / -18.1%"]
    np.testing.assert_allclose(ax.collections[-1].get_offsets()[:, 0], [5000.0, 3000.0])  # the actual values
    assert [t.get_text() for t in ax.get_yticklabels()] == ["row 4 (worst)", "row 9 (random)"]
    assert smallest_text_px(fig) >= 10
    fig.draw_without_rendering()
    rightmost = ax.transData.transform([[np.exp(np.log(3100.0) + 0.2), 0]])[0, 0]  # the widest bar's end
    assert all(text.get_window_extent().x0 > rightmost for text in ax.texts)  # notes clear of every mark


def test_tree_spread_in_identity_units(rows):
    plain = rows.assign(prediction=[10.0, 20.0], prediction_std=[0.5, 1.25])
    ax = plot_tree_spread(plain).axes[0]
    assert [t.get_text() for t in ax.texts] == ["±1.00", "±2.50"]  # three significant digits each
    with pytest.raises(ValueError, match=r"missing column\(s\) \['prediction_std'\]"):
        plot_tree_spread(rows.drop(columns="prediction_std"))
    with pytest.raises(ValueError, match="no rows"):
        plot_tree_spread(rows.iloc[:0])


def test_tree_spread_rows_named_by_their_keys(rows):
    ax = plot_tree_spread(rows, labels=["Store 262, 2015-07-31", "Store 3, 2015-07-30"]).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Store 262, 2015-07-31", "Store 3, 2015-07-30"]
    with pytest.raises(ValueError, match="labels has 1 names for 2 rows"):
        plot_tree_spread(rows, labels=["Store 262"])


def test_leaderboard_and_series():
    board = pd.DataFrame({"model": ["forest", "baseline"], "kind": ["forest", "baseline"], "score": [0.1234, 0.3]})
    fig = plot_leaderboard(board, "exp_rmspe")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["0.123", "0.3"] and ax.get_xlabel() == "validation exp_rmspe"
    assert smallest_text_px(fig) >= 10
    with pytest.raises(ValueError, match=r"missing column\(s\) \['score'\]"):
        plot_leaderboard(board.drop(columns="score"), "rmse")
    days = pd.DataFrame(
        {"Date": pd.date_range("2015-07-01", periods=5), "actual": [1.0, 2, 3, 4, 5], "forest": [1.5, 2, 2.5, 4, 5]}
    )
    fig = plot_series(days, "Date", ["forest"], title="Store 1")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["actual", "forest"] and ax.get_title() == "Store 1"
    fig.draw_without_rendering()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and all(len(label) <= 5 for label in labels)  # "Jul", "02", ...: no long dates to overlap
    with pytest.raises(ValueError, match=r"missing column\(s\) \['net'\]"):
        plot_series(days, "Date", ["net"])


def test_public_names_come_from_tabkit_plots():
    for name in (
        "plot_waterfall",
        "plot_importance",
        "plot_dendrogram",
        "plot_search",
        "plot_embeddings",
        "plot_partial_dependence",
        "plot_partial_dependence_2d",
        "plot_contribution_summary",
    ):
        assert getattr(tk, name) is getattr(plots, name)
    assert tk.inspection.partial_dependence is tk.inspection.dependence.partial_dependence
