"""A learned embedding on its first two principal components."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.utils.validation import check_is_fitted

from tabkit.inspection.embeddings import UNKNOWN, embedding_map
from tabkit.plots.style import ACCENT, SMALL_FONT, finish, target_axes
from tabkit.plots.units import sig

COORD_COLUMNS = ("label", "pc1", "pc2")
RASTER_POINTS = 300
"""Maps of more categories than this draw their dots as an image (the labels stay text)."""


def plot_embeddings(
    data,
    column: str | None = None,
    *,
    variance_explained=None,
    n_labels: int = 5,
    title: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Map of one categorical column's learned embedding on its first two principal
    components.

    Every category is a dot; only the most extreme ones are labelled (the ``n_labels``
    furthest from the centre along each component, skipping one that would sit on an
    earlier label), so the labels stay readable for hundreds of stores. The unknown slot
    (``#na#``) is left out. Each axis says the share of the embedding's variance it holds.

    Parameters
    ----------
    data : DataFrame or fitted net
        An embedding table (rows = categories, columns = dimensions: a value of
        ``net.embeddings_``); or the coordinates from
        :func:`tabkit.inspection.embedding_map` (columns ``label``, ``pc1``, ``pc2``);
        or a fitted :class:`~tabkit.EmbeddingNetRegressor` /
        :class:`~tabkit.EmbeddingNetClassifier`, with ``column``.
    column : str, optional
        The categorical column: required with a net, used in the title otherwise.
    variance_explained : array-like, optional
        With coordinates, the share of variance of each component (default: the
        coordinates' ``attrs["variance_explained"]``, which
        :func:`~tabkit.inspection.embedding_map` sets).
    n_labels : int, default 5
        Categories labelled per component: the ``n_labels`` furthest from the centre
        along PC 1, and those along PC 2.
    title : str, optional
    ax : matplotlib Axes, optional
    figsize : (float, float), optional

    Returns
    -------
    matplotlib Figure

    Raises
    ------
    ValueError
        If a net has no embedding for ``column`` (or ``column`` is missing), or the table
        cannot be mapped (see :func:`~tabkit.inspection.embedding_map`).
    """
    if not isinstance(n_labels, (int, np.integer)) or n_labels < 0:
        raise ValueError(f"n_labels must be a non-negative integer, got {n_labels!r}")
    coords, variance, dims = _coordinates(data, column, variance_explained)
    fig, ax = target_axes(ax, figsize, (6.0, 5.0))
    ax.scatter(
        coords["pc1"],
        coords["pc2"],
        s=16,
        color=ACCENT,
        alpha=0.7,
        linewidths=0,
        rasterized=len(coords) > RASTER_POINTS,
    )
    for i in apart(coords, extreme_points(coords, n_labels)):
        ax.annotate(
            str(coords["label"].iloc[i]),
            (coords["pc1"].iloc[i], coords["pc2"].iloc[i]),
            fontsize=SMALL_FONT,
            xytext=(3, 3),
            textcoords="offset points",
        )
    for axis, name, share in ((ax.xaxis, "PC 1", variance[0]), (ax.yaxis, "PC 2", variance[1])):
        axis.set_label_text(name if share is None else f"{name} ({sig(100 * share)}% of the variance)")
    what = f"{column} embedding" if column is not None else "Embedding"
    size = f"{len(coords)} categories" + (f", {dims} dimensions" if dims else "")
    ax.set_title(title if title is not None else f"{what} ({size})")
    finish(ax)
    return fig


def extreme_points(coords: pd.DataFrame, n_labels: int) -> list[int]:
    """Positions of the ``n_labels`` points furthest from the centre along each
    component, PC 1's first (each position once)."""
    chosen: list[int] = []
    for component in ("pc1", "pc2"):
        distance = np.abs(coords[component].to_numpy(dtype=np.float64))
        if not distance.any():
            continue
        chosen += [int(i) for i in np.argsort(-distance, kind="stable")[:n_labels] if distance[i] > 0]
    return list(dict.fromkeys(chosen))


def apart(coords: pd.DataFrame, chosen: list[int], min_distance: float = 0.05) -> list[int]:
    """The chosen points whose labels would not sit on an earlier one's: a point closer
    than ``min_distance`` of the map's extent (on both axes) to a kept point is dropped."""
    points = coords[["pc1", "pc2"]].to_numpy(dtype=np.float64)
    extent = np.ptp(points, axis=0)
    scaled = points / np.where(extent > 0, extent, 1.0)
    kept: list[int] = []
    for i in chosen:
        if all(np.abs(scaled[i] - scaled[j]).max() >= min_distance for j in kept):
            kept.append(i)
    return kept


def _coordinates(data, column, variance_explained) -> tuple[pd.DataFrame, list, int | None]:
    """Coordinates without the unknown slot, each axis' variance share (or None), and the
    embedding's dimension count (None when only coordinates were given)."""
    if not isinstance(data, pd.DataFrame):
        check_is_fitted(data, "module_")
        tables = data.embeddings_
        if column not in tables:
            raise ValueError(f"column {column!r} has no embedding; categorical columns: {list(tables)}")
        data = tables[column]
    if all(c in data.columns for c in COORD_COLUMNS):
        coords = data.loc[data["label"].astype(str) != UNKNOWN, list(COORD_COLUMNS)].reset_index(drop=True)
        if coords.empty:
            raise ValueError("the coordinates table has no categories")
        if variance_explained is None:
            variance_explained = data.attrs.get("variance_explained")
        shares = list(np.asarray(variance_explained, dtype=np.float64)[:2]) if variance_explained is not None else []
        return coords, shares + [None] * (2 - len(shares)), None
    coords, variance = embedding_map(data)
    shares = list(variance[:2]) + [0.0] * (2 - min(len(variance), 2))
    return coords, shares, data.shape[1]
