import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.figure import Figure

import tabkit as tk
from tabkit.report.nn_plots import embedding_pca, plot_history


@pytest.fixture(scope="module")
def net():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny net: one thread is fastest on a busy machine
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"Store": rng.integers(1, 9, 300), "Kind": rng.choice(["a", "b"], 300), "x": rng.normal(size=300)})
    y = X["Store"] * 2.0 + X["x"]
    model = tk.EmbeddingNetRegressor((8,), dropout=0.0, epochs=2, batch_size=32, device="cpu", verbose=0,
                                     random_state=0, emb_sizes={"Kind": 1})
    yield model.fit(X.iloc[:250], y[:250], X_val=X.iloc[250:], y_val=y[250:], metric="rmse")
    torch.set_num_threads(threads)


def test_plot_embeddings_labels_every_category(net):
    ax = tk.plot_embeddings(net, "Store")
    labels = [text.get_text() for text in ax.texts]
    assert labels == ["#na#", *[str(i) for i in range(1, 9)]]
    offsets = ax.collections[0].get_offsets()
    np.testing.assert_allclose(offsets, embedding_pca(net.embeddings_["Store"]))
    assert "Store" in ax.get_title()


def test_plot_embeddings_draws_on_given_axes(net):
    ax = Figure().add_subplot()
    assert tk.plot_embeddings(net, "Kind", ax=ax) is ax
    assert len(ax.texts) == 3  # a 1-dimensional embedding is drawn against zeros


def test_plot_embeddings_unknown_column(net):
    with pytest.raises(ValueError, match=r"column 'x' has no embedding; categorical columns: \['Store', 'Kind'\]"):
        tk.plot_embeddings(net, "x")


def test_embedding_pca_keeps_the_main_direction():
    table = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [0.0, 2.0, 4.0, 6.0], "c": [1.0, 1.0, 1.0, 1.0]})
    coords = embedding_pca(table)
    assert coords.shape == (4, 2)
    np.testing.assert_allclose(np.abs(coords[:, 0]), np.abs((np.arange(4) - 1.5) * np.sqrt(5)))
    np.testing.assert_allclose(coords[:, 1], 0, atol=1e-12)


def test_plot_history_from_model_and_frame(net):
    ax = plot_history(net)
    assert [line.get_label() for line in ax.lines] == ["train loss", "valid loss"]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), net.history_["valid_loss"])
    assert [line.get_label() for line in ax.right_ax.lines] == ["rmse"]
    frame_ax = plot_history(net.history_[["epoch", "train_loss"]], ax=Figure().add_subplot())
    assert len(frame_ax.lines) == 1 and not hasattr(frame_ax, "right_ax")


def test_plot_history_needs_columns():
    with pytest.raises(ValueError, match=r"history has no column\(s\) \['train_loss'\]"):
        plot_history(pd.DataFrame({"epoch": [1]}))
