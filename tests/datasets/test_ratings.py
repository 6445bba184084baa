"""make_ratings: MovieLens-shaped synthetic ratings with the planted model returned."""

import numpy as np
import pandas as pd
import pytest

from tabkit.datasets import make_ratings


@pytest.fixture(scope="module")
def full():
    return make_ratings(seed=0)


def test_shape_of_the_100k_set(full):
    ratings = full["ratings"]
    assert list(ratings.columns) == ["user", "item", "rating", "timestamp"]
    assert 90_000 < len(ratings) < 115_000
    assert ratings["user"].nunique() == 943 and ratings["item"].max() <= 1682
    assert not ratings.duplicated(["user", "item"]).any()
    per_user = ratings.groupby("user").size()
    assert per_user.min() >= 20 and per_user.max() <= 0.45 * 1682 and per_user.mean() > 1.4 * per_user.median()
    per_item = ratings.groupby("item").size()
    assert per_item.max() > 10 * per_item.median()  # a few items are rated far more often
    shares = ratings["rating"].value_counts(normalize=True).sort_index()
    assert list(shares.index) == [1.0, 2.0, 3.0, 4.0, 5.0]
    np.testing.assert_allclose(shares.to_numpy(), [0.06, 0.11, 0.27, 0.34, 0.21], atol=0.05)
    assert ratings["timestamp"].between("1997-09-20", "1998-04-23").all()


def test_truth_explains_the_ratings(full):
    ratings, truth = full["ratings"], full["truth"]
    score = (
        truth["mean"]
        + truth["user_bias"].loc[ratings["user"]].to_numpy()
        + truth["item_bias"].loc[ratings["item"]].to_numpy()
        + np.einsum(
            "ij,ij->i",
            truth["user_factors"].loc[ratings["user"]].to_numpy(),
            truth["item_factors"].loc[ratings["item"]].to_numpy(),
        )
    )
    np.testing.assert_allclose(truth["score"].to_numpy(), score)
    residual = ratings["rating"] - np.clip(np.round(score), 1, 5)
    assert 0.7 < residual.std() < 1.0  # the noise, seen through rounding
    assert truth["user_factors"].shape == (943, 10) and truth["item_factors"].shape == (1682, 10)


def test_seeded_and_checked():
    first, second = make_ratings(50, 40, 3, seed=4), make_ratings(50, 40, 3, seed=4)
    pd.testing.assert_frame_equal(first["ratings"], second["ratings"])
    assert not make_ratings(50, 40, 3, seed=5)["ratings"].equals(first["ratings"])
    small = make_ratings(10, 8, 2, seed=0)["ratings"]
    assert (small.groupby("user").size() == 8).all()  # at most every item
    with pytest.raises(ValueError, match="n_items must be an integer >= 1, got 0"):
        make_ratings(5, 0)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        make_ratings(5, 5, noise=-1)
