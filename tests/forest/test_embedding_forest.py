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


NET = dict(
    layers=(16,),
    dropout=0.0,
    emb_dropout=0.0,
    epochs=3,
    batch_size=32,
    verbose=0,
    device="cpu",
    cat_names=["Store"],
    cont_names=["x"],
    random_state=0,
)


def test_fits_an_unfitted_net_then_the_forest_on_its_embeddings(data, tmp_path):
    X, y = data
    model = tk.EmbeddingForestRegressor(
        net=tk.EmbeddingNetRegressor(**NET), forest=tk.ForestRegressor(n_estimators=5, random_state=0)
    ).fit(X, y)
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


def test_principal_components_and_codes(data):
    X, y = data
    net = tk.EmbeddingNetRegressor(**{**NET, "emb_sizes": {"Store": 5}}).fit(X, y)
    model = tk.EmbeddingForest(
        net=net, forest=tk.ForestRegressor(n_estimators=3, random_state=0), components=2, codes=True
    ).fit(X, y)
    Z = model.transform(X)
    assert list(Z.columns) == ["Store_pc0", "Store_pc1", "Store", "x"]
    table = net.embeddings_["Store"].iloc[1:].to_numpy()
    centred = table - table.mean(axis=0)
    variance = np.linalg.svd(centred, compute_uv=False) ** 2
    projected = model.transform(X.assign(Store=net.embeddings_["Store"].index[1]))
    assert projected[["Store_pc0", "Store_pc1"]].nunique().tolist() == [1, 1]
    explained = (centred @ np.stack([model.projections_["Store"][1][k] for k in range(2)]).T).var(axis=0) * len(table)
    np.testing.assert_allclose(np.sort(explained)[::-1], variance[:2], rtol=1e-6)
    assert model.source_of("Store_pc1") == "Store" and model.source_of("Store") == "Store"
    with pytest.raises(ValueError, match=r"The 'components' parameter of EmbeddingForest\w* must be an int"):
        tk.EmbeddingForest(net=net, forest=tk.ForestRegressor(), components=0).fit(X, y)
