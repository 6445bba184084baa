"""Importance bars: top 20 and a folded line, float noise as 0, a label saying what the
number is; models side by side as dots; the dendrogram."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from tabkit.plots import plot_dendrogram, plot_importance, plot_importance_comparison
from tabkit.plots.style import FALL, MUTED, smallest_text_px


@pytest.fixture
def importance() -> pd.DataFrame:
    return pd.DataFrame(
        {"feature": ["Promo", "Store", "Noise"], "importance": [0.5, 0.2, -0.01], "std": [0.05, 0.02, 0.01]}
    )


@pytest.fixture
def many() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    values = np.sort(rng.uniform(0.001, 1.0, 30))[::-1]
    return pd.DataFrame({"feature": [f"f{i}" for i in range(30)], "importance": values, "std": values / 10})


def test_bars_sorted_with_values(importance):
    ax = plot_importance(importance.iloc[::-1]).axes[0]
    assert [label.get_text() for label in ax.get_yticklabels()] == ["Promo", "Store", "Noise"]
    assert [bar.get_width() for bar in ax.patches] == pytest.approx([0.5, 0.2, -0.01])
    assert ax.yaxis_inverted()
    assert to_hex(ax.patches[2].get_facecolor()) == FALL
    assert [t.get_text() for t in ax.texts] == ["0.5", "0.2", "-0.01"]


def test_top_20_and_the_rest_folded_into_one_line(many):
    ax = plot_importance(many).axes[0]
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels == [f"f{i}" for i in range(20)] + ["10 others"]
    assert ax.patches[-1].get_width() == pytest.approx(many["importance"].iloc[20:].sum())
    assert to_hex(ax.patches[-1].get_facecolor()) == MUTED
    assert len(plot_importance(many, top_k=30).axes[0].patches) == 30


def test_float_noise_is_shown_as_zero(importance):
    noisy = importance.assign(importance=[0.5, 3e-17, -2e-18])
    ax = plot_importance(noisy).axes[0]
    assert [bar.get_width() for bar in ax.patches] == [0.5, 0.0, 0.0]
    assert [t.get_text() for t in ax.texts] == ["0.5", "0", "0"]


@pytest.mark.parametrize(
    "metric, greater, label",
    [
        ("rmspe", None, "increase in validation rmspe when shuffled"),
        ("accuracy", None, "decrease in validation accuracy when shuffled"),
        ("my_gain", True, "decrease in validation my_gain when shuffled"),
        (None, None, "drop in validation score when shuffled"),
    ],
)
def test_axis_says_what_the_number_is(importance, metric, greater, label):
    assert plot_importance(importance, metric=metric, greater_is_better=greater).axes[0].get_xlabel() == label


def test_comparison_aligns_features_across_models_one_dot_each(importance):
    other = pd.DataFrame({"feature": ["Store", "Promo", "Extra"], "importance": [0.4, 0.1, 0.05]})
    fig = plot_importance_comparison({"forest": importance, "net": other}, metric="rmse")
    ax = fig.axes[0]
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels == ["Store", "Promo", "Extra", "Noise"]  # by mean importance over the models
    forest, net = ax.lines[:2]
    np.testing.assert_allclose(forest.get_xdata(), [0.2, 0.5, np.nan, -0.01])
    np.testing.assert_allclose(net.get_xdata(), [0.4, 0.1, 0.05, np.nan])
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["forest", "net"]
    fig.draw_without_rendering()
    assert not legend.get_window_extent().overlaps(ax.get_window_extent())  # above the plot, not on it


def test_comparison_draws_each_model_s_top_features():
    ranks = {f"f{i}": float(30 - i) for i in range(30)}
    first = pd.DataFrame({"feature": list(ranks), "importance": list(ranks.values())})
    second = first.assign(importance=first["importance"].to_numpy()[::-1])
    ax = plot_importance_comparison({"a": first, "b": second}, top_k=3).axes[0]
    assert sorted(label.get_text() for label in ax.get_yticklabels()) == ["f0", "f1", "f2", "f27", "f28", "f29"]


def test_readable_in_the_report(many, importance):
    assert smallest_text_px(plot_importance(many)) >= 10
    assert smallest_text_px(plot_importance_comparison({"a": many, "b": many})) >= 10


def test_draws_on_given_axes(importance):
    figure = Figure()
    ax = figure.add_subplot()
    assert plot_importance(importance, ax=ax, top_k=2) is figure
    assert len(ax.patches) == 3  # two features and the folded line


@pytest.mark.parametrize(
    "table, kwargs, message",
    [
        (pd.DataFrame({"feature": ["a"]}), {}, r"missing column\(s\) \['importance'\]"),
        (pd.DataFrame({"feature": [], "importance": []}), {}, "no rows"),
        (pd.DataFrame({"feature": ["a"], "importance": [1.0]}), {"top_k": 0}, "top_k must be"),
        (pd.DataFrame({"feature": ["a"], "importance": [1.0]}), {"metric": "gain"}, "say whether greater is better"),
    ],
)
def test_bad_input(table, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_importance(table, **kwargs)
    with pytest.raises(ValueError):
        plot_importance_comparison({"m": table}, **kwargs)
    with pytest.raises(ValueError, match="at least one"):
        plot_importance_comparison({})


def test_dendrogram(tmp_path):
    rng = np.random.RandomState(0)
    a = rng.normal(size=100)
    frame = pd.DataFrame({"a": a, "a_copy": a * 2, "b": rng.normal(size=100)})
    figure = Figure()
    ax = figure.add_subplot()
    assert plot_dendrogram(frame, threshold=0.9, ax=ax) is figure
    assert {label.get_text() for label in ax.get_yticklabels()} == {"a", "a_copy", "b"}
    assert any(np.allclose(line.get_xdata(), 0.1) for line in ax.lines)
    figure.savefig(tmp_path / "dendrogram.png")
    fig = plot_dendrogram(frame)
    assert fig.axes[0].get_xlabel() == "1 - |Spearman rho|" and smallest_text_px(fig) >= 10
