"""tk.EmbeddingForest: a forest on a fitted net's entity embeddings."""
from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import tabkit as tk


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 400
    store = rng.integers(1, 12, n)
    x = rng.normal(size=n)
    X = pd.DataFrame({"Store": store, "x": x})
    return X, 3 * np.sin(store) + x + rng.normal(scale=0.1, size=n)


NET = dict(layers=(16,), dropout=0.0, emb_dropout=0.0, epochs=3, batch_size=32, verbose=0, device="cpu",
           cat_names=["Store"], cont_names=["x"], random_state=0)


def test_fits_an_unfitted_net_then_the_forest_on_its_embeddings(data, tmp_path):
    X, y = data
    model = tk.EmbeddingForestRegressor(net=tk.EmbeddingNetRegressor(**NET),
                                        forest=tk.ForestRegressor(n_estimators=5, random_state=0)).fit(X, y)
    Z = model.net_.transform(X)
    assert [c for c in Z.columns if c.startswith("Store_emb")] and "Store" not in Z.columns
    np.testing.assert_array_equal(model.predict(X), model.forest_.predict(Z))
    assert model.source_of("Store_emb0") == "Store" and model.source_of("x") == "x"
    joblib.dump(model, tmp_path / "model.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "model.joblib").predict(X), model.predict(X))


def test_a_fitted_net_is_used_as_it_is(data):
    X, y = data
    net = tk.EmbeddingNetRegressor(**NET).fit(X, y)
    model = tk.EmbeddingForest(net=net, forest=tk.ForestRegressor(n_estimators=3, random_state=0)).fit(X, y)
    assert model.net_ is net
    assert clone(model).get_params()["net"] is not None


def test_only_an_unfitted_net_is_refitted_other_errors_surface(data):
    X, y = data
    with pytest.raises(TypeError):
        tk.EmbeddingForest(net="not a net", forest=tk.ForestRegressor(n_estimators=2)).fit(X, y)
    with pytest.raises(ValueError, match="needs both a net and a forest"):
        tk.EmbeddingForest(net=None, forest=tk.ForestRegressor()).fit(X, y)
