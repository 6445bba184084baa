"""Dendrogram of features clustered on their rank correlation."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy.cluster import hierarchy

from tabkit.forest.redundancy import spearman_linkage
from tabkit.plots.style import FALL, FONT, WIDTH, finish, target_axes


def plot_dendrogram(
    X: pd.DataFrame,
    *,
    threshold: float | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Dendrogram of the columns clustered on Spearman rank correlation.

    Parameters
    ----------
    X : DataFrame
        Feature columns.
    threshold : float, optional
        Draw the cut that :func:`tabkit.redundant_features` uses at this correlation.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    figsize : (float, float), optional
        Size of the new figure (inches).

    Returns
    -------
    matplotlib Figure
    """
    linkage, columns = spearman_linkage(X)
    fig, ax = target_axes(ax, figsize, (WIDTH, 0.25 * len(columns) + 1.5))
    hierarchy.dendrogram(linkage, labels=[str(col) for col in columns], orientation="left", ax=ax, leaf_font_size=FONT)
    if threshold is not None:
        ax.axvline(1.0 - threshold, color=FALL, linestyle="--", linewidth=1)
    ax.set_xlabel("1 - |Spearman rho|")
    ax.set_title("Feature redundancy")
    finish(ax)
    return fig
