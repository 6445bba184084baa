"""Embedding maps (PCA without the unknown slot) and the features chosen to inspect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabkit.inspection import embedding_map, top_features, top_pair


@pytest.fixture
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    values = rng.normal(size=(9, 4)) * [3.0, 1.0, 0.5, 0.1]
    return pd.DataFrame(
        values, index=["#na#", *[f"store {i}" for i in range(1, 9)]], columns=[f"emb{i}" for i in range(4)]
    )


def test_variance_explained_equals_numpy_svd(table):
    coords, variance = embedding_map(table)
    known = table.drop(index="#na#").to_numpy()
    singular = np.linalg.svd(known - known.mean(axis=0), compute_uv=False)
    np.testing.assert_allclose(variance, singular**2 / (singular**2).sum())
    assert variance.sum() == pytest.approx(1.0)
    assert "#na#" not in set(coords["label"]) and len(coords) == 8
    assert list(coords.columns) == ["label", "pc1", "pc2"]
    # the coordinates keep the distances of the centred table along its two main directions
    np.testing.assert_allclose(coords[["pc1", "pc2"]].pow(2).sum().to_numpy(), singular[:2] ** 2)
    assert coords["pc1"].abs().idxmax() == coords["pc1"].idxmax()  # sign: largest coordinate positive


def test_one_dimensional_embedding_gets_a_zero_second_axis():
    coords, variance = embedding_map(pd.DataFrame({"e": [0.0, 1.0, 3.0]}, index=["a", "b", "c"]))
    np.testing.assert_allclose(coords["pc2"], 0.0)
    np.testing.assert_allclose(variance, [1.0])
    np.testing.assert_allclose(coords["pc1"], [-4 / 3, -1 / 3, 5 / 3])


@pytest.mark.parametrize(
    "table, message",
    [
        (pd.DataFrame({"e": [1.0, 2.0]}, index=["#na#", "a"]), "at least two categories"),
        (pd.DataFrame({"e": [1.0, 1.0]}, index=["a", "b"]), "no variance"),
        (pd.DataFrame({"e": [1.0, np.nan]}, index=["a", "b"]), "1 non-finite"),
    ],
)
def test_embedding_map_bad_input(table, message):
    with pytest.raises(ValueError, match=message):
        embedding_map(table)


def test_top_features_and_pair():
    importance = pd.DataFrame(
        {
            "feature": ["Date", "Store", "Gone", "Constant", "Promo", "Dist"],
            "importance": [0.9, 0.5, 0.4, 0.35, 0.3, 0.1],
        }
    )
    X = pd.DataFrame(
        {
            "Date": pd.to_datetime(["2015-01-01", "2015-01-02"]),
            "Store": [1, 2],
            "Constant": [1, 1],
            "Promo": [0, 1],
            "Dist": [1.0, 2.0],
        }
    )
    assert top_features(importance, X, k=3) == ["Store", "Promo", "Dist"]
    assert top_features(importance, k=2) == ["Date", "Store"]
    assert top_pair(importance.iloc[::-1], X) == ("Store", "Promo")
    with pytest.raises(ValueError, match="need two features to pair"):
        top_pair(importance, X[["Store"]])
    with pytest.raises(ValueError, match=r"missing column\(s\) \['importance'\]"):
        top_features(importance[["feature"]])
