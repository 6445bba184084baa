"""Partial dependence charts from inspection frames: lines with ICE and a rug, points for
categories and binaries, the 2-d heatmap with the training density."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tabkit as tk
from tabkit.inspection import partial_dependence, partial_dependence_2d, training_density
from tabkit.plots import dependence_note, plot_partial_dependence, plot_partial_dependence_2d
from tabkit.plots.style import smallest_text_px


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    n = 300
    X = pd.DataFrame(
        {
            "Promo": rng.integers(0, 2, n),
            "Store": rng.integers(1, 41, n).astype(str),
            "Distance": rng.gamma(2.0, 500.0, n),
            "OpenYear": np.where(rng.random(n) < 0.3, 1900, rng.integers(1995, 2015, n)),
        }
    )
    y = np.log(1000 + 500 * X["Promo"] + 0.05 * X["Distance"] + rng.normal(0, 20, n))
    return tk.ForestRegressor(n_estimators=5, random_state=0).fit(X, y), X


def _average_line(ax):
    (line,) = [line for line in ax.lines if line.get_label().startswith("average")]
    return line


def test_continuous_feature_line_ice_and_deciles(fitted):
    model, X = fitted
    frame = partial_dependence(model, X, "Distance", n_ice=7, resolution=8)
    fig = plot_partial_dependence(frame)
    ax = fig.axes[0]
    average = frame[frame["row"] == -1]
    line = _average_line(ax)
    np.testing.assert_allclose(line.get_xdata(), average["Distance"])
    np.testing.assert_allclose(line.get_ydata(), average["prediction"])
    assert line.get_label() == "average over 300 rows"
    ice = [line for line in ax.lines if line is not _average_line(ax)]
    assert len(ice) == 7 and all(line.get_alpha() < 0.5 and line.get_linewidth() < 1 for line in ice)
    (rug,) = ax.collections
    np.testing.assert_allclose([segment[0][0] for segment in rug.get_segments()], frame.attrs["deciles"])
    assert ax.get_xlabel() == "Distance" and smallest_text_px(fig) >= 10


def test_binary_feature_is_two_points(fitted):
    model, X = fitted
    ax = plot_partial_dependence(partial_dependence(model, X, "Promo", n_ice=4)).axes[0]
    line = _average_line(ax)
    assert line.get_linestyle() == "None" and line.get_marker() == "o"
    assert line.get_xdata().tolist() == [0, 1]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1"]


def test_categories_as_points_with_a_note_when_some_are_left_out(fitted):
    model, X = fitted
    frame = partial_dependence(model, X, "Store", max_categories=12, n_ice=3)
    ax = plot_partial_dependence(frame).axes[0]
    line = _average_line(ax)
    assert line.get_linestyle() == "None" and len(line.get_xdata()) == 12
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(v) for v in frame["Store"].iloc[:12]]
    assert dependence_note(frame) == "12 of 40 Store values shown (the most frequent)"
    assert ax.get_xlabel() == "Store\n(12 of 40 Store values shown (the most frequent))"
    assert all(line.get_linestyle() == "None" for line in ax.lines)  # single rows as dots too


def test_the_fill_left_out_is_said(fitted):
    model, X = fitted
    frame = partial_dependence(model, X, "OpenYear", n_ice=0)
    ax = plot_partial_dependence(frame, note=None).axes[0]
    assert "1900 left out (a missing-value fill)" in ax.get_xlabel()
    assert 1900 not in _average_line(ax).get_xdata()


def test_target_units(fitted):
    model, X = fitted
    in_log = partial_dependence(model, X, "Promo", n_ice=0)
    pointwise = _average_line(plot_partial_dependence(in_log, target_transform="log").axes[0])
    np.testing.assert_allclose(pointwise.get_ydata(), np.exp(in_log["prediction"]))
    in_units = partial_dependence(model, X, "Promo", n_ice=0, target_transform="log")
    np.testing.assert_allclose(
        _average_line(plot_partial_dependence(in_units).axes[0]).get_ydata(), in_units["prediction"]
    )
    with pytest.raises(ValueError, match="already in the target's units"):
        plot_partial_dependence(in_units, target_transform="log")


def test_frames_read_back_from_parquet_draw_the_same(fitted, tmp_path):
    model, X = fitted
    frame = partial_dependence(model, X, "Store", max_categories=5, n_ice=2)
    frame.to_parquet(tmp_path / "pd.parquet")
    back = plot_partial_dependence(pd.read_parquet(tmp_path / "pd.parquet")).axes[0]
    assert back.get_xlabel() == plot_partial_dependence(frame).axes[0].get_xlabel()


def test_1d_bad_input():
    with pytest.raises(ValueError, match=r"missing column\(s\) \['row'\]"):
        plot_partial_dependence(pd.DataFrame({"x": [1.0], "prediction": [2.0]}))
    with pytest.raises(ValueError, match="no average rows"):
        plot_partial_dependence(pd.DataFrame({"x": [1.0], "row": [3], "prediction": [2.0]}))
    with pytest.raises(ValueError, match="with rows"):
        plot_partial_dependence(pd.DataFrame({"x": [], "row": [], "prediction": []}))
    with pytest.raises(ValueError, match="kind must be one of"):
        plot_partial_dependence(pd.DataFrame({"x": [1.0], "row": [-1], "prediction": [2.0]}), kind="ordinal")


def test_2d_heatmap_is_the_frame_on_its_grid(fitted):
    model, X = fitted
    frame = partial_dependence_2d(model, X, "Distance", "Promo", resolution=6, max_rows=50)
    fig = plot_partial_dependence_2d(frame)
    ax = fig.axes[0]
    (mesh,) = ax.collections
    grid = frame.pivot(index="Promo", columns="Distance", values="prediction").to_numpy()
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(grid.shape), grid)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "1"]
    assert fig.axes[1].get_ylabel() == "prediction"  # the colour bar
    assert smallest_text_px(fig) >= 10
    assert plot_partial_dependence_2d(frame, label="prediction (Sales)").axes[1].get_ylabel() == "prediction (Sales)"


def test_2d_density_as_dots_or_contours(fitted):
    model, X = fitted
    frame = partial_dependence_2d(model, X, "Distance", "Promo", resolution=5, max_rows=50)
    density = training_density(X, frame)
    ax = plot_partial_dependence_2d(frame, density).axes[0]
    dots = ax.collections[1]
    sizes = dots.get_sizes()
    order = density.sort_values(["Promo", "Distance"])["share"].to_numpy()  # rows along y
    np.testing.assert_allclose(sizes, 160.0 * order / order.max())
    both = partial_dependence_2d(model, X, "Distance", "OpenYear", resolution=5, max_rows=50)
    contoured = plot_partial_dependence_2d(both, training_density(X, both), density_style="contour").axes[0]
    assert len(contoured.collections) >= 2
    with pytest.raises(ValueError, match="contour lines need two continuous features"):
        plot_partial_dependence_2d(frame, density, density_style="contour")


def test_2d_target_units_and_bad_input(fitted):
    model, X = fitted
    frame = partial_dependence_2d(model, X, "Distance", "Promo", resolution=4, max_rows=30)
    mesh = plot_partial_dependence_2d(frame, target_transform="log").axes[0].collections[0]
    grid = frame.pivot(index="Promo", columns="Distance", values="prediction").to_numpy()
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(grid.shape), np.exp(grid))
    with pytest.raises(ValueError, match="not one row per cell"):
        plot_partial_dependence_2d(frame.iloc[1:].assign(Promo=0).pipe(lambda f: pd.concat([f, f.iloc[:1]])))
    with pytest.raises(ValueError, match=r"density is missing column\(s\) \['share'\]"):
        plot_partial_dependence_2d(frame, frame)
    with pytest.raises(ValueError, match="density_style must be"):
        plot_partial_dependence_2d(frame, density_style="heat")
