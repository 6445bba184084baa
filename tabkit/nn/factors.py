"""Reading a fitted :class:`tabkit.CollabRegressor`: its largest and smallest biases and
the nearest neighbours of a label by its factors."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


def cosine_neighbours(factors: pd.DataFrame, label, n: int) -> pd.Series:
    """The ``n`` rows of ``factors`` most cosine-similar to row ``label`` (itself left
    out), most similar first, as a Series named ``similarity``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    values = factors.to_numpy(np.float64)
    norms = np.linalg.norm(values, axis=1)
    norms[norms == 0] = 1.0
    unit = values / norms[:, None]
    position = factors.index.get_loc(label)
    similarity = pd.Series(unit @ unit[position], index=factors.index, name="similarity")
    return similarity.drop(index=label).sort_values(ascending=False, kind="stable").head(n)


def top_biases(model, n: int = 10, side: str = "item", labels: Mapping | None = None) -> pd.DataFrame:
    """The ``n`` largest and the ``n`` smallest learned biases of a fitted
    :class:`tabkit.CollabRegressor` (dot-product model).

    A large item bias means the item is rated well whoever rates it and whatever the
    factors say (fastai's lesson: the movies people like even when they do not
    usually like that kind of movie).

    Parameters
    ----------
    model : CollabRegressor
        A fitted model with ``use_nn=False``.
    n : int, default 10
        Rows at each end.
    side : {"item", "user"}, default "item"
    labels : mapping, optional
        Label -> display name (e.g. item id -> movie title), added as a ``title``
        column.

    Returns
    -------
    DataFrame
        Indexed by label: ``end`` ("largest" or "smallest"), ``bias``, ``ratings`` (its
        number of training ratings) and, with ``labels``, ``title``. The largest come
        first (descending), then the smallest (ascending).
    """
    if side not in ("user", "item"):
        raise ValueError(f"side must be 'user' or 'item', got {side!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    biases = model.biases_[side]
    counts = model.counts_[side].reindex(biases.index).fillna(0).astype(np.int64)
    ends = []
    for end, chosen in (("largest", biases.nlargest(n)), ("smallest", biases.nsmallest(n))):
        ends.append(pd.DataFrame({"end": end, "bias": chosen, "ratings": counts.loc[chosen.index]}))
    table = pd.concat(ends)
    if labels is not None:
        table["title"] = [labels.get(label) for label in table.index]
    return table
