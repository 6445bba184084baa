"""The 2-d map equals a brute-force loop over the grid; the density counts rows per cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabkit.inspection import partial_dependence_2d, training_density


def test_equals_a_brute_force_loop_over_the_grid(forest, frame):
    X, _ = frame
    result = partial_dependence_2d(forest, X, "Distance", "StoreType", resolution=5, max_rows=None)
    assert len(result) == 5 * 4
    assert list(result.columns) == ["Distance", "StoreType", "prediction"]
    for x, y, prediction in result.itertuples(index=False):
        brute = forest.predict(X.assign(Distance=x, StoreType=y)).mean()
        assert prediction == pytest.approx(brute, rel=1e-12)
    assert result.attrs["kinds"] == {"Distance": "continuous", "StoreType": "categorical"}
    assert result["Distance"].is_monotonic_increasing  # x varies slowest


def test_log_target_and_row_subset(forest, frame):
    X, _ = frame
    result = partial_dependence_2d(
        forest, X, "Promo", "OpenYear", resolution=4, max_rows=50, target_transform="log", random_state=1
    )
    assert result.attrs["n_rows"] == 50 and result.attrs["left_out"]["OpenYear"] == [1900]
    rows = X.iloc[np.sort(np.random.default_rng(1).choice(len(X), 50, replace=False))]
    x, y, prediction = result.iloc[3]
    assert prediction == pytest.approx(np.exp(forest.predict(rows.assign(Promo=x, OpenYear=y))).mean())


def test_density_counts_the_rows_of_each_cell(forest, frame):
    X, _ = frame
    result = partial_dependence_2d(forest, X, "Promo", "StoreType", max_rows=20)
    density = training_density(X, result)
    expected = X.groupby(["Promo", "StoreType"]).size() / len(X)
    for x, y, share in density.itertuples(index=False):
        assert share == pytest.approx(expected[(x, y)])
    assert density["share"].sum() == pytest.approx(1.0)


def test_density_on_a_continuous_grid_uses_the_nearest_grid_value(forest, frame):
    X, _ = frame
    result = partial_dependence_2d(forest, X, "Distance", "Promo", resolution=4, max_rows=20)
    density = training_density(X, result)
    grid = np.sort(result["Distance"].unique())
    middles = (grid[1:] + grid[:-1]) / 2
    low, high = 2 * grid[0] - middles[0], 2 * grid[-1] - middles[-1]
    inside = X[X["Distance"].between(low, high)]
    nearest = grid[np.abs(inside["Distance"].to_numpy()[:, None] - grid).argmin(axis=1)]
    expected = inside.groupby([nearest, inside["Promo"].to_numpy()]).size() / len(X)
    got = density.set_index(["Distance", "Promo"])["share"]
    pd.testing.assert_series_equal(
        got.sort_index(), expected.rename("share").rename_axis(got.index.names), check_index_type=False
    )
    assert 0.5 < got.sum() < 1.0  # the rows beyond the outer cells are not counted


def test_density_leaves_out_missing_value_fills(forest, frame):
    X, _ = frame
    result = partial_dependence_2d(forest, X, "Promo", "OpenYear", resolution=4, max_rows=20)
    shares = training_density(X, result)["share"]
    assert shares.sum() == pytest.approx((X["OpenYear"] != 1900).mean())


def test_bad_input(forest, frame):
    X, _ = frame
    with pytest.raises(ValueError, match="two different features, got 'Promo' twice"):
        partial_dependence_2d(forest, X, "Promo", "Promo")
    with pytest.raises(ValueError, match=r"\['Sales'\] are not columns of X"):
        partial_dependence_2d(forest, X, "Promo", "Sales")
    with pytest.raises(ValueError, match="X has no rows"):
        partial_dependence_2d(forest, X.iloc[:0], "Promo", "Store")
    with pytest.raises(ValueError, match="needs a frame from partial_dependence_2d"):
        training_density(X, pd.DataFrame({"Promo": [0], "prediction": [1.0]}))


def test_2d_frames_and_densities_survive_a_parquet_round_trip(forest, frame, tmp_path):
    X, _ = frame
    result = partial_dependence_2d(forest, X, "OpenYear", "StoreType", resolution=4, max_rows=20)
    density = training_density(X, result)
    for name, table in (("pd2.parquet", result), ("density.parquet", density)):
        table.to_parquet(tmp_path / name)
        back = pd.read_parquet(tmp_path / name)
        pd.testing.assert_frame_equal(back, table)
    assert pd.read_parquet(tmp_path / "pd2.parquet").attrs == result.attrs
