"""A map of a collaborative-filtering model's item factors: their principal components,
with the items at the ends of each component named (fastai's lesson 5 movie map)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.utils.validation import check_is_fitted

FONT = 9.0
TITLE_FONT = 10.0
POINT = "#3b75af"
NAMED = "#d62728"


def factor_components(factors: pd.DataFrame, components: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Principal-component scores of the rows of ``factors`` and each component's share
    of the variance.

    Returns
    -------
    scores : DataFrame
        Same index as ``factors``; columns ``PC1 .. PC{components}``.
    explained : ndarray of shape (components,)
        The share of the total variance each component explains.
    """
    values = factors.to_numpy(np.float64)
    centred = values - values.mean(axis=0)
    _, singular, axes = np.linalg.svd(centred, full_matrices=False)
    variance = singular**2
    total = variance.sum()
    explained = variance[:components] / total if total > 0 else np.zeros(components)
    scores = centred @ axes[:components].T
    if scores.shape[1] < components:  # fewer factor dimensions than components asked for
        scores = np.column_stack([scores, np.zeros((len(scores), components - scores.shape[1]))])
        explained = np.concatenate([explained, np.zeros(components - len(explained))])
    columns = [f"PC{k + 1}" for k in range(components)]
    return pd.DataFrame(scores, index=factors.index, columns=columns), explained


def plot_factors(
    model, labels: Mapping | None = None, *, n: int = 50, components: int = 2, n_named: int = 4, ax: Axes | None = None
) -> Figure:
    """Scatter the ``n`` most-rated items of a fitted :class:`tabkit.CollabRegressor` on
    the first two (or three) principal components of their factors.

    The ``n_named`` items at each end of each component are named (by ``labels``, e.g.
    movie titles, else by their label), so the directions can be read: in fastai's
    lesson one axis ran from critically acclaimed films to popular blockbusters. The
    axis labels give each component's share of the variance of the chosen items'
    factors.

    Parameters
    ----------
    model : CollabRegressor
        A fitted model.
    labels : mapping, optional
        Item -> display name (a dict, or a Series indexed by item).
    n : int, default 50
        How many of the most-rated items to map (at least ``components + 1``).
    components : {2, 3}, default 2
    n_named : int, default 4
        Items named at each end of each component.
    ax : matplotlib Axes, optional
        Where to draw (a 3-D Axes for ``components=3``); a new figure when omitted.

    Returns
    -------
    matplotlib Figure
        Shows inline in Jupyter; the drawing is on ``fig.axes[0]``.
    """
    check_is_fitted(model, "module_")
    if components not in (2, 3):
        raise ValueError(f"components must be 2 or 3, got {components!r}")
    factors = model.factors_["item"]
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= components:
        raise ValueError(f"n must be an integer above {components} (the number of components), got {n!r}")
    if isinstance(n_named, bool) or not isinstance(n_named, (int, np.integer)) or n_named < 0:
        raise ValueError(f"n_named must be an integer >= 0, got {n_named!r}")
    counts = model.counts_["item"].reindex(factors.index).fillna(0)
    chosen = counts.sort_values(ascending=False, kind="stable").index[:n]
    scores, explained = factor_components(factors.loc[chosen], components)

    if ax is None:
        fig = Figure(figsize=(7.0, 6.0), layout="constrained")
        ax = fig.add_subplot(projection="3d" if components == 3 else None)
    else:
        fig = ax.get_figure(root=True)
    if components == 3 and getattr(ax, "name", "") != "3d":
        raise ValueError("components=3 needs a 3-D Axes (add_subplot(projection='3d'))")
    coords = [scores[column].to_numpy() for column in scores.columns]
    named = _extremes(scores, n_named)
    plain = ~scores.index.isin(named)
    ax.scatter(*(c[plain] for c in coords), s=14, color=POINT, alpha=0.6)
    ax.scatter(*(c[~plain] for c in coords), s=18, color=NAMED)
    for item in named:
        text = str(labels.get(item, item)) if labels is not None else str(item)
        position = scores.loc[item].to_numpy()
        ax.text(*position, _shorten(text), fontsize=FONT - 1, color="#1f2933")
    setters = (ax.set_xlabel, ax.set_ylabel, getattr(ax, "set_zlabel", None))
    for k in range(components):
        setters[k](f"PC{k + 1} ({100 * explained[k]:.1f} % of variance)", fontsize=TITLE_FONT)
    ax.tick_params(labelsize=FONT)
    ax.set_title(f"Item factors of the {len(chosen)} most-rated items", fontsize=TITLE_FONT)
    return fig


def _extremes(scores: pd.DataFrame, k: int) -> list:
    named: list = []
    for column in scores.columns:
        ordered = scores[column].sort_values(kind="stable")
        for item in [*ordered.index[:k], *ordered.index[::-1][:k]]:
            if item not in named:
                named.append(item)
    return named


def _shorten(text: str, width: int = 28) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
