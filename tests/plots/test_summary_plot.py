"""The contribution summary: strips ordered by mean |contribution|, coloured by value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib import colormaps
from matplotlib.colors import to_hex

from tabkit.forest.attribution import contributions
from tabkit.forest.estimators import ForestClassifier, ForestRegressor
from tabkit.plots import plot_contribution_summary
from tabkit.plots.style import MUTED, smallest_text_px
from tabkit.plots.summary import contribution_strips, value_shades


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(0)
    n = 200
    data = pd.DataFrame(
        {
            "small": rng.normal(size=n),
            "big": rng.normal(size=n),
            "kind": pd.Categorical(rng.choice(["lo", "mid", "hi"], n), categories=["lo", "mid", "hi"]),
            **{f"x{i}": rng.normal(size=n) for i in range(25)},
        }
    )
    values = pd.DataFrame(
        {
            "small": 0.01 * data["small"],
            "big": 0.5 * data["big"],
            "kind": data["kind"].cat.codes * 0.1,
            **{f"x{i}": 0.001 * data[f"x{i}"] for i in range(25)},
        }
    )
    return values, data


def _strips(ax):
    return [label.get_text() for label in ax.get_yticklabels()]


def test_features_ordered_by_mean_absolute_contribution_and_folded(rows):
    values, data = rows
    ax = plot_contribution_summary(values, data, clip=None).axes[0]
    order = values.abs().mean().sort_values(ascending=False).index
    assert _strips(ax) == list(order[:20]) + ["sum of 8 other features"]
    first = ax.collections[0].get_offsets()
    np.testing.assert_allclose(first[:, 0], values[order[0]])
    assert np.all(np.abs(first[:, 1]) <= 0.32)  # jittered around its strip
    folded = ax.collections[-1].get_offsets()[:, 0]
    np.testing.assert_allclose(folded, values[order[20:]].sum(axis=1))


def test_colours_run_from_low_to_high_values(rows):
    values, data = rows
    ax = plot_contribution_summary(values, data, top_k=3).axes[0]
    big = ax.collections[_strips(ax).index("big")]
    colours = [to_hex(c) for c in big.get_facecolors()]
    cmap = colormaps["coolwarm"]
    assert colours[int(data["big"].argmax())] == to_hex(cmap(1.0))
    assert colours[int(data["big"].argmin())] == to_hex(cmap(0.0))
    kind = ax.collections[_strips(ax).index("kind")]
    assert {to_hex(c) for c in kind.get_facecolors()} == {MUTED}  # a category has no low or high
    coded = plot_contribution_summary(values, data, top_k=3, categorical=["big"]).axes[0]
    assert {to_hex(c) for c in coded.collections[_strips(coded).index("big")].get_facecolors()} == {MUTED}
    np.testing.assert_allclose(value_shades(pd.Series(["b", None, "a"])), [1.0, np.nan, 0.0])
    rare = pd.Series([0] * 96 + [1] * 4)  # a flag on 4% of the rows: its percentiles 5 and 95 are both 0
    np.testing.assert_allclose(value_shades(rare), [0.0] * 96 + [1.0] * 4)
    plain = plot_contribution_summary(values).axes[0]
    assert to_hex(plain.collections[0].get_facecolors()[0]) == MUTED


def test_the_axis_is_clipped_at_robust_percentiles_and_outliers_drawn_at_its_edge(rows):
    values, data = rows
    wild = values.assign(big=values["big"].where(values.index != 7, 40.0))
    strips = contribution_strips(wild, data, top_k=3)
    assert strips.clipped == 16 and strips.high < 2 and strips.low < 0  # 1% of the 4 x 200 dots at each end
    ax = plot_contribution_summary(wild, data, top_k=3).axes[0]
    drawn = ax.collections[_strips(ax).index("big")].get_offsets()[:, 0]
    assert drawn[7] == pytest.approx(strips.high) and drawn.max() == pytest.approx(strips.high)
    assert strips.low > ax.get_xlim()[0] and strips.high < ax.get_xlim()[1]
    whole = contribution_strips(wild, data, top_k=3, clip=None)
    assert whole.clipped == 0 and whole.high == 40.0


def test_a_feature_of_one_value_is_left_out_into_the_others(rows):
    values, data = rows
    flat = data.assign(big=1.0)
    strips = contribution_strips(values, flat, top_k=3)
    assert "big" not in strips.x and strips.constant == ["big"]
    others = values.drop(columns=list(strips.x)[:3]).sum(axis=1)
    np.testing.assert_allclose(strips.x["sum of 25 other features"], others)


def test_log_target_in_percent(rows):
    values, data = rows
    ax = plot_contribution_summary(values, data, top_k=2, target_transform="log", clip=None).axes[0]
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 0], 100 * np.expm1(values["big"]))
    assert ax.get_xlabel() == "change in the prediction (%)"


def test_from_real_explanations(rows):
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=150), "b": rng.choice(["u", "v"], 150)})
    y = X["a"] * 3 + (X["b"] == "u")
    explanation = contributions(ForestRegressor(n_estimators=4, random_state=0).fit(X, y), X)
    fig = plot_contribution_summary(explanation)
    assert _strips(fig.axes[0]) == ["a", "b"] and smallest_text_px(fig) >= 10
    labels = np.where(y > 0, "up", "down")
    by_class = contributions(ForestClassifier(n_estimators=4, random_state=0).fit(X, labels), X)
    with pytest.raises(ValueError, match=r"needs label=, one of \['down', 'up'\]"):
        plot_contribution_summary(by_class)
    assert len(plot_contribution_summary(by_class, label="up").axes[0].collections) == 2


def test_bad_input(rows):
    values, data = rows
    with pytest.raises(ValueError, match="non-empty DataFrame"):
        plot_contribution_summary(values.iloc[:0])
    with pytest.raises(ValueError, match="data has 10 rows but the contributions have 200"):
        plot_contribution_summary(values, data.head(10))
    with pytest.raises(ValueError, match="top_k must be"):
        plot_contribution_summary(values, top_k=0)


def test_missing_value_fills_are_grey():
    years = pd.Series([1900] * 40 + list(range(1990, 2015)) * 4)
    shades = value_shades(years)
    assert np.isnan(shades[:40]).all() and np.isfinite(shades[40:]).all()
