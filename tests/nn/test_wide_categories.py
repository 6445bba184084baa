"""Id-like categorical columns (a level per row): a warning at fit, a cap on embedding
widths, and the processor's ``max_levels`` / ``min_count`` on the nets (issue 22)."""

import warnings

import numpy as np
import pandas as pd
import pytest

import tabkit as tk
from tabkit.nn.module import emb_size

SETTINGS = {"layers": (8,), "dropout": 0.0, "emb_dropout": 0.0, "epochs": 1, "verbose": 0, "device": "cpu"}


def id_frame(n_rows: int, n_levels: int):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {"id": np.arange(n_rows) % n_levels, "shop": rng.integers(0, 5, n_rows), "x": rng.normal(size=n_rows)}
    )
    return X, X["x"].to_numpy() + X["shop"].to_numpy()


@pytest.mark.parametrize("cls", [tk.EmbeddingNetRegressor, tk.EmbeddingNetClassifier])
def test_an_id_like_column_is_warned_about(cls):
    X, y = id_frame(2000, 2000)
    y = y if cls is tk.EmbeddingNetRegressor else y > y.mean()
    net = cls(**SETTINGS, cat_names=["id", "shop"], random_state=0)
    with pytest.warns(
        UserWarning, match=r"categorical column 'id' has 2000 levels in 2000 training rows \(1\.00 per row\)"
    ):
        net.fit(X, y)


@pytest.mark.parametrize(
    "n_rows,n_levels,limits",
    [(2000, 1000, {}), (1800, 999, {}), (2000, 2000, {"max_levels": 500}), (2000, 2000, {"min_count": 2})],
    ids=["half", "under-1000", "max_levels", "min_count"],
)
def test_no_warning_below_the_thresholds_or_with_limits(n_rows, n_levels, limits):
    X, y = id_frame(n_rows, n_levels)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tk.EmbeddingNetRegressor(**SETTINGS, **limits, cat_names=["id", "shop"], random_state=0).fit(X, y)


def test_max_levels_and_min_count_reach_the_processor():
    X, y = id_frame(2000, 1000)  # every id twice
    X = X.assign(id=X["id"].where(X.index < 1990, 5000 + X.index))  # ten ids seen once
    net = tk.EmbeddingNetRegressor(**SETTINGS, max_levels=300, min_count=2, cat_names=["id", "shop"]).fit(X, y)
    assert net.processor_.get_params()["max_levels"] == 300 and net.processor_.get_params()["min_count"] == 2
    assert len(net.processor_.categories_["id"]) == 300
    assert net.module_.embeds[0].weight.shape == (301, emb_size(301))


def test_max_embedding_width_caps_the_rule_only():
    X, y = id_frame(2000, 2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        default = tk.EmbeddingNetRegressor(**SETTINGS, cat_names=["id", "shop"]).fit(X, y)
        capped = tk.EmbeddingNetRegressor(**SETTINGS, max_embedding_width=20, cat_names=["id", "shop"]).fit(X, y)
        explicit = tk.EmbeddingNetRegressor(
            **SETTINGS, max_embedding_width=20, emb_sizes={"id": 50}, cat_names=["id", "shop"]
        ).fit(X, y)
    assert tk.EmbeddingNetRegressor().get_params()["max_embedding_width"] == 600
    assert [e.weight.shape[1] for e in default.module_.embeds] == [emb_size(2001), emb_size(6)]
    assert [e.weight.shape[1] for e in capped.module_.embeds] == [20, emb_size(6)]
    assert [e.weight.shape[1] for e in explicit.module_.embeds] == [50, emb_size(6)]


@pytest.mark.parametrize(
    "params,message",
    [
        ({"max_embedding_width": 0}, "max_embedding_width must be an integer greater than 0, got 0"),
        ({"max_levels": 0}, "max_levels must be None or an integer >= 1, got 0"),
        ({"min_count": 0.5}, "min_count must be an integer >= 1, got 0.5"),
    ],
)
def test_bad_limits(params, message):
    X, y = id_frame(100, 10)
    with pytest.raises(ValueError, match=message):
        tk.EmbeddingNetRegressor(**SETTINGS, **params).fit(X, y)
