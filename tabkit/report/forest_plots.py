"""Plots for interpreting forests: waterfall attribution, permutation importance, dendrogram.

Every function draws on the Axes it is given (or a new figure's) and returns it; save
through ``ax.figure.savefig``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy.cluster import hierarchy

from tabkit.forest.attribution import Explanation
from tabkit.forest.redundancy import spearman_linkage

RISE, FALL, TOTAL = "#2ca02c", "#d62728", "#7f7f7f"


def _axes(ax: Axes | None) -> Axes:
    return Figure().add_subplot() if ax is None else ax


def plot_waterfall(
    explanation: Explanation,
    row: int = 0,
    *,
    top_k: int = 10,
    ax: Axes | None = None,
    horizontal: bool = False,
    label=None,
) -> Axes:
    """Waterfall chart of one row's attribution: from the bias to the prediction.

    One floating bar per contribution, largest first, the remaining ones merged into
    ``other``; rising bars green, falling bars red, each labelled with its value and the
    feature's value in the row (``Promo = 1``).

    Parameters
    ----------
    explanation : Explanation
        From :func:`tabkit.contributions`.
    row : int, default 0
        Position of the row in the explanation.
    top_k : int, default 10
        Contributions drawn individually.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    horizontal : bool, default False
        Bars along the x axis, features listed top to bottom.
    label : optional
        For a classifier, the class whose probability is explained (default: the row's
        most probable class).

    Returns
    -------
    matplotlib Axes
    """
    if explanation.classes is not None:
        if label is None:
            label = explanation.prediction.iloc[row].idxmax()
        explanation = explanation.for_class(label)
    if not isinstance(top_k, (int, np.integer)) or top_k < 1:
        raise ValueError(f"top_k must be a positive integer, got {top_k!r}")
    n_rows = len(explanation.values)
    if not -n_rows <= row < n_rows:
        raise ValueError(f"row {row} is out of range for an explanation of {n_rows} rows")

    values = explanation.values.iloc[row]
    order = values.abs().sort_values(ascending=False, kind="stable").index
    shown, rest = order[:top_k], order[top_k:]
    names = [_feature_label(name, explanation.data, row) for name in shown]
    steps = list(values[shown])
    if len(rest):
        names.append(f"other ({len(rest)})")
        steps.append(float(values[rest].sum()))
    bias = float(explanation.bias)
    prediction = float(explanation.prediction.iloc[row])
    starts = bias + np.concatenate([[0.0], np.cumsum(steps)[:-1]])

    ax = _axes(ax)
    bar = ax.barh if horizontal else ax.bar
    positions = np.arange(len(steps) + 2)
    totals = bar([positions[0], positions[-1]], [bias, prediction], color=TOTAL)
    colors = [RISE if step >= 0 else FALL for step in steps]
    floating = (
        ax.barh(positions[1:-1], steps, left=starts, color=colors)
        if horizontal
        else ax.bar(positions[1:-1], steps, bottom=starts, color=colors)
    )
    ax.bar_label(floating, labels=[f"{step:+.4g}" for step in steps], label_type="center", fontsize=8)
    ax.bar_label(totals, labels=[f"{bias:.4g}", f"{prediction:.4g}"], fontsize=8)

    ticks = ["bias", *names, "prediction"]
    running = np.concatenate([[bias], starts + steps, [prediction]])
    low, high = running.min(), running.max()
    margin = 0.15 * (high - low) if high > low else max(abs(high), 1.0) * 0.05
    limits = (low - margin, high + margin)
    if horizontal:
        ax.set_yticks(positions, ticks)
        ax.invert_yaxis()
        ax.set_xlim(*limits)
        ax.set_xlabel("prediction")
    else:
        ax.set_xticks(positions, ticks, rotation=45, ha="right")
        ax.set_ylim(*limits)
        ax.set_ylabel("prediction")
    ax.set_title(f"Contributions to row {explanation.values.index[row]!r}")
    return ax


def _feature_label(name: str, data: pd.DataFrame, row: int) -> str:
    if name not in data.columns:
        return str(name)
    value = data[name].iloc[row]
    if pd.isna(value):
        return str(name)
    if isinstance(value, (float, np.floating)) and not float(value).is_integer():
        return f"{name} = {value:.4g}"
    if isinstance(value, (float, np.floating)):
        return f"{name} = {int(value)}"
    return f"{name} = {value}"


def plot_importance(importance: pd.DataFrame, *, ax: Axes | None = None, top_k: int | None = None) -> Axes:
    """Horizontal bars of permutation importance with one-standard-deviation whiskers.

    Parameters
    ----------
    importance : DataFrame
        From :func:`tabkit.permutation_importance` (columns ``feature``, ``importance``,
        optionally ``std``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    top_k : int, optional
        Draw only the most important features.

    Returns
    -------
    matplotlib Axes
    """
    missing = [col for col in ("feature", "importance") if col not in importance.columns]
    if missing:
        raise ValueError(f"importance table is missing column(s): {missing}")
    table = importance.sort_values("importance", ascending=False, kind="stable")
    if top_k is not None:
        table = table.head(top_k)
    ax = _axes(ax)
    positions = np.arange(len(table))
    ax.barh(
        positions,
        table["importance"],
        xerr=table["std"] if "std" in table.columns else None,
        color=[RISE if value >= 0 else FALL for value in table["importance"]],
    )
    ax.set_yticks(positions, [str(name) for name in table["feature"]])
    ax.invert_yaxis()
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel("drop in score when permuted")
    ax.set_title("Permutation importance")
    return ax


def plot_dendrogram(X: pd.DataFrame, *, threshold: float | None = None, ax: Axes | None = None) -> Axes:
    """Dendrogram of the columns clustered on Spearman rank correlation.

    Parameters
    ----------
    X : DataFrame
        Feature columns.
    threshold : float, optional
        Draw the cut that :func:`tabkit.redundant_features` uses at this correlation.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib Axes
    """
    linkage, columns = spearman_linkage(X)
    ax = _axes(ax)
    hierarchy.dendrogram(linkage, labels=[str(col) for col in columns], orientation="left", ax=ax, leaf_font_size=9)
    if threshold is not None:
        ax.axvline(1.0 - threshold, color=FALL, linestyle="--", linewidth=1)
    ax.set_xlabel("1 - |Spearman rho|")
    ax.set_title("Feature redundancy")
    return ax
