"""Starting a net's embeddings from another fitted model's (init_embeddings)."""

import numpy as np
import pytest
from sklearn.base import clone

import tabkit as tk
from tabkit.datasets.features import ROSSMANN_CAT, ROSSMANN_CONT, rossmann_features


@pytest.fixture(scope="module")
def rossmann():
    """60 synthetic stores from December 2014; the latest 20 % of the rows validate."""
    tables = tk.datasets.make_rossmann(60, start="2014-12-01", seed=0)
    train, _ = rossmann_features(tables)
    train_rows, valid_rows = tk.time_split(train, date="Date", valid_size=0.2)
    X, y = train[ROSSMANN_CAT + ROSSMANN_CONT], train["Sales"].to_numpy(np.float64)
    return X.iloc[train_rows], y[train_rows], X.iloc[valid_rows], y[valid_rows]


NET = {
    "layers": (32, 16),
    "dropout": 0.0,
    "emb_dropout": 0.0,
    "batch_size": 128,
    "log_target": True,
    "cat_names": ROSSMANN_CAT,
    "cont_names": ROSSMANN_CONT,
    "device": "cpu",
    "verbose": 0,
}


@pytest.fixture(scope="module")
def source(rossmann):
    X, y, _, _ = rossmann
    return tk.EmbeddingNetRegressor(**{**NET, "batch_size": 256}, lr=1e-2, epochs=4, random_state=10).fit(X, y)


@pytest.mark.parametrize("seed", [0, 1])
def test_store_embeddings_from_another_net_start_ahead(rossmann, source, seed):
    X, y, X_val, y_val = rossmann
    settings = {**NET, "lr": 1e-3, "epochs": 1, "random_state": seed}
    warm = tk.EmbeddingNetRegressor(**settings, init_embeddings={"Store": source})
    cold = tk.EmbeddingNetRegressor(**settings)
    warm_loss = warm.fit(X, y, X_val=X_val, y_val=y_val).history_["valid_loss"].iloc[0]
    cold_loss = cold.fit(X, y, X_val=X_val, y_val=y_val).history_["valid_loss"].iloc[0]
    assert warm_loss < 0.8 * cold_loss


def test_rows_are_matched_by_label(small, frame, fitted):
    X, y = frame
    # a net that never saw stores 1-5 and saw store 40: codes differ from the source's
    mask = X["Store"] > 5
    other = X[mask].assign(Store=X.loc[mask, "Store"].replace(15, 40))
    width = fitted.embeddings_["Store"].shape[1]
    net = tk.EmbeddingNetRegressor(
        **{**small, "epochs": 1, "lr": 1e-12},
        init_embeddings={"Store": fitted},
        emb_sizes={"Store": width},
        schedule="constant",
        weight_decay=0.0,
        random_state=0,
    )
    net.fit(other, y[mask.to_numpy()])
    source, target = fitted.embeddings_["Store"], net.embeddings_["Store"]
    assert list(target.index) == ["#na#", *range(6, 15), 40]
    np.testing.assert_allclose(
        target.loc[list(range(6, 15))].to_numpy(), source.loc[list(range(6, 15))].to_numpy(), atol=1e-9
    )
    np.testing.assert_allclose(target.loc["#na#"].to_numpy(), source.loc["#na#"].to_numpy(), atol=1e-9)
    fresh = target.loc[40].to_numpy()
    assert not np.isclose(fresh, source.to_numpy()).all(axis=1).any()  # label 40 is new: a fresh row
    assert np.abs(fresh).max() <= 0.02


def test_init_embeddings_needs_matching_widths_and_columns(small, frame, fitted):
    X, y = frame
    wide = tk.EmbeddingNetRegressor(**small, emb_sizes={"Store": 9}, init_embeddings={"Store": fitted})
    with pytest.raises(
        ValueError,
        match=r"init_embeddings\['Store'\]: this model's embedding of 'Store' is 9 wide "
        r"but the source's is 8 wide; make them match \(emb_sizes=\{'Store': 8\}",
    ):
        wide.fit(X, y)
    assert not hasattr(wide, "module_")
    with pytest.raises(ValueError, match=r"the source model has no embedding of 'Shop'"):
        tk.EmbeddingNetRegressor(**small, init_embeddings={"Shop": fitted}).fit(X, y)
    with pytest.raises(ValueError, match=r"names 'Kind', which is not a categorical feature of this model"):
        tk.EmbeddingNetRegressor(**small, init_embeddings={"Kind": fitted}).fit(X.drop(columns="Kind"), y)
    with pytest.raises(ValueError, match=r"init_embeddings\['Store'\]: the EmbeddingNetRegressor is not fitted"):
        tk.EmbeddingNetRegressor(**small, init_embeddings={"Store": clone(fitted)}).fit(X, y)
    with pytest.raises(TypeError, match="must be None or a dict"):
        tk.EmbeddingNetRegressor(**small, init_embeddings=fitted).fit(X, y)


def test_clone_keeps_init_embeddings(small, frame, fitted):
    X, y = frame
    net = tk.EmbeddingNetRegressor(**small, init_embeddings={"Store": fitted}, random_state=0)
    copy = clone(net)
    assert copy.init_embeddings == {"Store": fitted} and copy.init_embeddings is not net.init_embeddings
    assert copy.init_embeddings["Store"] is fitted  # the fitted source is shared, not refitted or emptied
    np.testing.assert_array_equal(copy.fit(X, y).predict(X), net.fit(X, y).predict(X))


def test_collab_factors_start_a_net_and_the_other_way(frame):
    X, y = frame
    collab = tk.CollabRegressor(
        n_factors=4, epochs=1, batch_size=64, user_col="Store", item_col="Kind", random_state=0, verbose=0, device="cpu"
    )
    collab.fit(X, np.log(y))
    frozen = {"epochs": 1, "lr": 1e-12, "weight_decay": 0.0, "schedule": "constant", "device": "cpu", "verbose": 0}
    net = tk.EmbeddingNetRegressor(
        (8,), dropout=0.0, emb_sizes={"Store": 4}, **frozen, random_state=0, init_embeddings={"Store": collab}
    )
    net.fit(X, y)
    np.testing.assert_allclose(net.embeddings_["Store"].to_numpy(), collab.embeddings_["Store"].to_numpy(), atol=1e-9)
    back = tk.CollabRegressor(
        n_factors=4, **frozen, random_state=1, user_col="Store", item_col="Kind", init_embeddings={"Store": net}
    )
    back.fit(X, y)
    copied = back.embeddings_["Store"]
    np.testing.assert_allclose(copied.iloc[1:].to_numpy(), net.embeddings_["Store"].iloc[1:].to_numpy(), atol=1e-9)
    assert (copied.loc["#na#"] == 0).all()  # a collab model's unknown slot stays zero
