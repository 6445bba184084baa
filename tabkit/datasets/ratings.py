"""Synthetic star ratings from planted latent factors and biases, shaped like MovieLens:
popular items rated far more often, heavy-tailed ratings per user (at least 20 each),
whole-star ratings 1..5."""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_PER_USER = 20
GLOBAL_MEAN = 3.4
MAX_SHARE = 0.45  # the most a user rates: 45 % of the items (737 of 1,682 in the 100k set)


def make_ratings(
    n_users: int = 943,
    n_items: int = 1682,
    n_factors: int = 10,
    seed: int = 0,
    *,
    noise: float = 0.85,
    min_per_user: int = MIN_PER_USER,
) -> dict:
    """Ratings of ``n_items`` items by ``n_users`` users from a known model.

    Each user ``u`` and item ``i`` has a bias and ``n_factors`` latent factors; the
    planted score is ``3.4 + b_u + b_i + dot(p_u, q_i)``, and the rating is the score
    plus Gaussian noise, rounded to whole stars and clipped to 1..5. With the defaults
    the shape is MovieLens 100k's: 943 users, 1,682 items, about 100,000 ratings
    (mean about 3.6; about 5/13/27/31/24 % of 1..5 stars), item popularity log-normal (a few
    items get hundreds of ratings, many a handful), ratings per user heavy-tailed with
    at least ``min_per_user``; no user rates an item twice.

    Parameters
    ----------
    n_users, n_items : int
    n_factors : int, default 10
        Latent dimensions of the planted model.
    seed : int, default 0
    noise : float, default 0.85
        Standard deviation of the rating noise.
    min_per_user : int, default 20
        Fewest ratings per user (capped at ``n_items``).

    Returns
    -------
    dict
        ``"ratings"``: DataFrame ``user``, ``item`` (ints from 1), ``rating`` (float,
        whole stars), ``timestamp`` (datetime64, 1997-09-20 .. 1998-04-22 as the 100k
        set), sorted by user then time; ``"items"``: ``item``, ``title`` (``"Item 7"``);
        ``"truth"``: ``user_factors``, ``item_factors`` (DataFrames indexed by label),
        ``user_bias``, ``item_bias`` (Series), ``mean`` (3.4), ``noise`` and ``score``
        (the planted score of each rating row, before noise and rounding).
    """
    for name, value, low in (
        ("n_users", n_users, 1),
        ("n_items", n_items, 1),
        ("n_factors", n_factors, 1),
        ("min_per_user", min_per_user, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"make_ratings: {name} must be an integer >= {low}, got {value!r}")
    if not noise >= 0:
        raise ValueError(f"make_ratings: noise must be >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    users = np.arange(1, n_users + 1)
    items = np.arange(1, n_items + 1)
    spread = 0.55 / np.sqrt(n_factors)  # a dot product with sd about 0.3
    user_factors = rng.normal(0, spread, (n_users, n_factors))
    item_factors = rng.normal(0, spread, (n_items, n_factors))
    # a longer tail of low ratings than high ones, as in real data
    user_bias = rng.normal(0, 0.4, n_users) - (rng.exponential(0.4, n_users) - 0.4)
    popularity = rng.lognormal(0, 1.4, n_items)
    # well-liked items are rated more often, as in real data
    item_bias = (
        rng.normal(0, 0.5, n_items)
        - (rng.exponential(0.4, n_items) - 0.4)
        + 0.15 * (np.log(popularity) - np.log(popularity).mean())
    )

    most = max(min(n_items, min_per_user), int(MAX_SHARE * n_items))
    per_user = np.minimum(min_per_user + np.floor(rng.lognormal(np.log(55), 1.0, n_users)).astype(int), most)
    weights = popularity / popularity.sum()
    rows_user, rows_item = [], []
    for u, count in enumerate(per_user):
        rows_user.append(np.full(count, u))
        rows_item.append(rng.choice(n_items, size=count, replace=False, p=weights))
    u_index, i_index = np.concatenate(rows_user), np.concatenate(rows_item)

    score = (
        GLOBAL_MEAN
        + user_bias[u_index]
        + item_bias[i_index]
        + np.einsum("ij,ij->i", user_factors[u_index], item_factors[i_index])
    )
    rating = np.clip(np.round(score + rng.normal(0, noise, len(score))), 1, 5)
    start, span = pd.Timestamp("1997-09-20").value // 10**9, 214 * 86400
    seconds = start + rng.integers(0, span, len(score))
    ratings = pd.DataFrame(
        {
            "user": users[u_index],
            "item": items[i_index],
            "rating": rating.astype(np.float64),
            "timestamp": pd.to_datetime(seconds, unit="s"),
        }
    )
    order = np.lexsort((ratings["timestamp"].to_numpy(), ratings["user"].to_numpy()))
    ratings = ratings.iloc[order].reset_index(drop=True)
    truth = {
        "user_factors": pd.DataFrame(user_factors, index=pd.Index(users, name="user")),
        "item_factors": pd.DataFrame(item_factors, index=pd.Index(items, name="item")),
        "user_bias": pd.Series(user_bias, index=pd.Index(users, name="user"), name="bias"),
        "item_bias": pd.Series(item_bias, index=pd.Index(items, name="item"), name="bias"),
        "mean": GLOBAL_MEAN,
        "noise": float(noise),
        "score": pd.Series(score[order], name="score"),
    }
    return {
        "ratings": ratings,
        "items": pd.DataFrame({"item": items, "title": [f"Item {i}" for i in items]}),
        "truth": truth,
    }
