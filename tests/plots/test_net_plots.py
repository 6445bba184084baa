"""Embedding maps and training curves of a real (tiny) net."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.figure import Figure

import tabkit as tk
from tabkit.inspection import embedding_map
from tabkit.plots import plot_embeddings, plot_history, plot_learning_rate
from tabkit.plots.embeddings import apart, extreme_points
from tabkit.plots.style import smallest_text_px
from tabkit.plots.units import sig


@pytest.fixture(scope="module")
def net():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny net: one thread is fastest on a busy machine
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {"Store": rng.integers(1, 30, 400), "Kind": rng.choice(["a", "b"], 400), "x": rng.normal(size=400)}
    )
    y = X["Store"] * 2.0 + X["x"]
    model = tk.EmbeddingNetRegressor(
        (8,),
        dropout=0.0,
        epochs=3,
        batch_size=32,
        device="cpu",
        verbose=0,
        random_state=0,
        emb_sizes={"Kind": 1},
        cat_names=["Store", "Kind"],
    )
    yield model.fit(X.iloc[:300], y[:300], X_val=X.iloc[300:], y_val=y[300:], metric="rmse")
    torch.set_num_threads(threads)


def test_embedding_map_labels_only_the_extremes_and_drops_the_unknown_slot(net):
    table = net.embeddings_["Store"]
    fig = plot_embeddings(table, "Store", n_labels=3)
    ax = fig.axes[0]
    coords, variance = embedding_map(table)
    np.testing.assert_allclose(ax.collections[0].get_offsets(), coords[["pc1", "pc2"]])
    labels = [text.get_text() for text in ax.texts]
    assert "#na#" not in labels and len(coords) == 29
    expected = set(coords["label"].iloc[np.argsort(-coords["pc1"].abs().to_numpy())[:3]].astype(str))
    expected |= set(coords["label"].iloc[np.argsort(-coords["pc2"].abs().to_numpy())[:3]].astype(str))
    assert set(labels) <= expected and 3 <= len(labels) <= 6
    assert set(labels) == set(coords["label"].iloc[apart(coords, extreme_points(coords, 3))].astype(str))
    assert ax.get_xlabel() == f"PC 1 ({sig(100 * variance[0])}% of the variance)"
    assert ax.get_title() == f"Store embedding (29 categories, {table.shape[1]} dimensions)"
    assert smallest_text_px(fig) >= 10


def test_from_the_net_or_from_stored_coordinates(net, tmp_path):
    from_net = plot_embeddings(net, "Store").axes[0]
    coords, variance = embedding_map(net.embeddings_["Store"])
    stored = plot_embeddings(coords, "Store", variance_explained=variance).axes[0]
    np.testing.assert_allclose(stored.collections[0].get_offsets(), from_net.collections[0].get_offsets())
    assert stored.get_xlabel() == from_net.get_xlabel()
    coords.to_parquet(tmp_path / "map.parquet")
    from_file = plot_embeddings(pd.read_parquet(tmp_path / "map.parquet"), "Store").axes[0]
    assert from_file.get_xlabel() == from_net.get_xlabel()
    bare = pd.DataFrame(coords.to_dict("list"))
    assert plot_embeddings(bare).axes[0].get_xlabel() == "PC 1"
    one_dim = plot_embeddings(net.embeddings_["Kind"]).axes[0]
    np.testing.assert_allclose(one_dim.collections[0].get_offsets()[:, 1], 0.0)


def test_embedding_bad_input(net):
    with pytest.raises(ValueError, match=r"column 'x' has no embedding; categorical columns: \['Store', 'Kind'\]"):
        plot_embeddings(net, "x")
    with pytest.raises(ValueError, match="n_labels must be"):
        plot_embeddings(net.embeddings_["Store"], n_labels=-1)


def test_training_curves_on_a_log_axis_with_whole_epochs(net):
    fig = plot_history(net)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["train loss", "valid loss"]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), net.history_["valid_loss"])
    assert ax.get_yscale() == "log"
    fig.draw_without_rendering()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)
    (right,) = [other for other in fig.axes if other is not ax]
    assert [line.get_label() for line in right.lines] == ["rmse"]
    assert smallest_text_px(fig) >= 10
    losses_only = plot_history(net.history_[["epoch", "train_loss"]], ax=Figure().add_subplot())
    assert len(losses_only.axes) == 1


def test_negative_losses_stay_on_a_linear_axis_and_the_learning_rate():
    history = pd.DataFrame({"epoch": [1, 2], "train_loss": [-0.5, -0.7], "lr": [1e-3, 5e-4]})
    assert plot_history(history).axes[0].get_yscale() == "linear"
    ax = plot_learning_rate(history).axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1e-3, 5e-4])
    with pytest.raises(ValueError, match="history has no column 'lr'"):
        plot_learning_rate(history.drop(columns="lr"))


def test_a_boosters_history_is_drawn_per_round():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    y = X["a"] * 2 + rng.normal(scale=0.1, size=300)
    booster = tk.LightGBMRegressor(n_estimators=30, early_stopping_rounds=5)
    booster.fit(X.iloc[:200], y[:200], X_val=X.iloc[200:], y_val=y[200:])
    for history in (booster, booster.history_.reset_index()):  # the model, or a run's history.csv
        ax = plot_history(history).axes[0]
        assert ax.get_xlabel() == "boosting round"
        assert [line.get_label() for line in ax.lines] == ["train l2", "valid l2"]
        np.testing.assert_allclose(ax.lines[1].get_ydata(), booster.history_["valid_l2"])
        np.testing.assert_array_equal(ax.lines[1].get_xdata(), np.arange(1, len(booster.history_) + 1))


@pytest.mark.parametrize(
    "history, message",
    [
        (pd.DataFrame({"epoch": [1]}), r"history has no column\(s\) \['train_loss'\] \(a net's\) nor 'round'"),
        (pd.DataFrame({"epoch": [], "train_loss": []}), "history has no rows"),
    ],
)
def test_history_bad_input(history, message):
    with pytest.raises(ValueError, match=message):
        plot_history(history)


def test_labels_that_would_sit_on_each_other_are_dropped():
    coords = pd.DataFrame({"label": ["a", "b", "c", "d"], "pc1": [0.0, 1.0, 0.99, -1.0], "pc2": [0.0, 0.5, 0.51, -0.5]})
    assert apart(coords, [1, 2, 3]) == [1, 3]
    assert apart(coords, [2, 1]) == [2]
