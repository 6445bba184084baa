"""plot_factors: PCA map of a collab model's item factors."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import tabkit as tk
from tabkit.datasets.ratings import make_ratings
from tabkit.plots.factors import factor_components


@pytest.fixture(scope="module")
def model():
    ratings = make_ratings(120, 60, 3, seed=1)["ratings"]
    return tk.CollabRegressor(
        n_factors=4, y_range=(0, 5.5), epochs=3, batch_size=128, lr=1e-2, verbose=0, device="cpu", random_state=0
    ).fit(ratings, ratings["rating"])


def test_components_explain_the_variance():
    rng = np.random.default_rng(0)
    factors = pd.DataFrame(rng.normal(size=(30, 1)) @ [[3.0, 0.0, 0.0]] + rng.normal(scale=0.1, size=(30, 3)))
    scores, explained = factor_components(factors, 2)
    assert list(scores.columns) == ["PC1", "PC2"] and scores.index.equals(factors.index)
    assert explained[0] > 0.95 and explained.sum() <= 1
    centred = factors - factors.mean()
    np.testing.assert_allclose(np.abs(scores["PC1"]), np.abs(centred[0]), rtol=0.05, atol=0.05)


def test_plot_factors_2d(model):
    titles = {item: f"Film {item}" for item in model.factors_["item"].index}
    fig = tk.plot_factors(model, titles, n=30, n_named=2)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    chosen = model.counts_["item"].sort_values(ascending=False, kind="stable").index[:30]
    _, explained = factor_components(model.factors_["item"].loc[chosen], 2)
    assert ax.get_xlabel() == f"PC1 ({100 * explained[0]:.1f} % of variance)"
    assert ax.get_ylabel() == f"PC2 ({100 * explained[1]:.1f} % of variance)"
    assert sum(len(c.get_offsets()) for c in ax.collections) == 30
    names = {text.get_text() for text in ax.texts}
    assert 4 <= len(names) <= 8 and all(name.startswith("Film ") for name in names)
    assert "30 most-rated" in ax.get_title()


def test_plot_factors_3d_and_checks(model):
    fig = tk.plot_factors(model, n=20, components=3)
    ax = fig.axes[0]
    assert ax.name == "3d" and ax.get_zlabel().startswith("PC3 (")
    assert {text.get_text() for text in ax.texts} <= {str(i) for i in model.factors_["item"].index}
    with pytest.raises(ValueError, match="components must be 2 or 3"):
        tk.plot_factors(model, components=4)
    with pytest.raises(ValueError, match="n must be an integer above 2"):
        tk.plot_factors(model, n=2)
    with pytest.raises(ValueError, match="needs a 3-D Axes"):
        tk.plot_factors(model, components=3, ax=Figure().add_subplot())
