"""Permutation importance as bars: one model, or several side by side."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tabkit.plots.style import ACCENT, FALL, MUTED, SMALL_FONT, WIDTH, finish, target_axes
from tabkit.plots.units import metric_direction, sig

NOISE = 1e-12
"""Importances smaller than this share of the largest are shown as 0."""


def importance_label(metric: str | None = None, greater_is_better: bool | None = None) -> str:
    """What a permutation importance is, for an axis: ``"increase in validation rmspe
    when shuffled"`` for an error metric, ``"decrease in ..."`` for a score.

    ``greater_is_better`` defaults to what a tabkit metric of that name declares.

    Raises
    ------
    ValueError
        If ``metric`` is not a tabkit metric and ``greater_is_better`` is not given.
    """
    if metric is None:
        return "drop in validation score when shuffled"
    greater_is_better = metric_direction(metric, greater_is_better)
    return f"{'decrease' if greater_is_better else 'increase'} in validation {metric} when shuffled"


def fold_importance(importance: pd.DataFrame, top_k: int = 20) -> pd.DataFrame:
    """The ``top_k`` most important features, then one ``N others`` line with the sum of
    the rest, and float noise (``|x|`` below 1e-12 of the largest) set to 0.

    Returns
    -------
    DataFrame
        Columns ``feature``, ``importance``, ``std`` (NaN when absent and on the folded
        line) and ``folded`` (True on the folded line).
    """
    missing = [c for c in ("feature", "importance") if c not in importance.columns]
    if missing:
        raise ValueError(f"importance table is missing column(s) {missing}")
    if importance.empty:
        raise ValueError("importance table has no rows")
    if not isinstance(top_k, (int, np.integer)) or top_k < 1:
        raise ValueError(f"top_k must be a positive integer, got {top_k!r}")
    table = importance.sort_values("importance", ascending=False, kind="stable")
    table = pd.DataFrame(
        {
            "feature": table["feature"].astype(str).to_numpy(),
            "importance": table["importance"].to_numpy(dtype=np.float64),
            "std": table["std"].to_numpy(dtype=np.float64) if "std" in table else np.nan,
            "folded": False,
        }
    )
    shown, rest = table.iloc[:top_k], table.iloc[top_k:]
    if len(rest):
        line = {"feature": f"{len(rest)} others", "importance": rest["importance"].sum(), "std": np.nan, "folded": True}
        shown = pd.concat([shown, pd.DataFrame([line])], ignore_index=True)
    scale = np.nanmax(np.abs(shown["importance"])) if shown["importance"].notna().any() else 0.0
    shown.loc[np.abs(shown["importance"]) < NOISE * scale, "importance"] = 0.0
    return shown.reset_index(drop=True)


def plot_importance(
    importance: pd.DataFrame,
    *,
    metric: str | None = None,
    greater_is_better: bool | None = None,
    top_k: int = 20,
    title: str | None = "Permutation importance",
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Horizontal bars of permutation importance, most important on top, each labelled
    with its value (three significant digits) and a one-standard-deviation whisker.

    The ``top_k`` features are drawn one by one; the rest are folded into one grey
    ``N others`` bar holding their sum. Positive values mean the feature matters.

    Parameters
    ----------
    importance : DataFrame
        Columns ``feature``, ``importance`` and optionally ``std``
        (:func:`tabkit.permutation_importance`, or a run's ``importance.csv``).
    metric : str, optional
        The validation metric, named in the axis label.
    greater_is_better : bool, optional
        Whether the metric is a score (importance is its decrease) rather than an error
        (importance is its increase); read from tabkit's metrics when omitted.
    top_k : int, default 20
    title : str or None
    ax : matplotlib Axes, optional
    figsize : (float, float), optional

    Returns
    -------
    matplotlib Figure
    """
    table = fold_importance(importance, top_k)
    label = importance_label(metric, greater_is_better)
    fig, ax = target_axes(ax, figsize, (WIDTH, 0.3 * len(table) + 1.3))
    positions = np.arange(len(table))
    colours = [
        MUTED if folded else (ACCENT if value >= 0 else FALL)
        for value, folded in zip(table["importance"], table["folded"])
    ]
    bars = ax.barh(
        positions,
        table["importance"],
        xerr=table["std"].fillna(0.0),
        color=colours,
        error_kw={"ecolor": "#52606d", "lw": 0.8},
    )
    ax.bar_label(bars, labels=[sig(v) for v in table["importance"]], padding=3, fontsize=SMALL_FONT)
    ax.set_yticks(positions, table["feature"])
    ax.invert_yaxis()
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.margins(x=0.15)
    ax.set_xlabel(label)
    if title:
        ax.set_title(title)
    finish(ax)
    return fig


def plot_importance_comparison(
    importances: Mapping[str, pd.DataFrame],
    *,
    metric: str | None = None,
    greater_is_better: bool | None = None,
    top_k: int = 20,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Permutation importance of several models side by side, feature by feature.

    Features are ranked by their mean importance over the models (a feature a model
    lacks counts as 0 there and gets no bar); the ``top_k`` are drawn, the rest folded
    into an ``N others`` line per model.

    Parameters
    ----------
    importances : mapping of str to DataFrame
        Model name -> importance table (columns ``feature``, ``importance``).
    metric, greater_is_better, top_k, ax, figsize
        As in :func:`plot_importance`.

    Returns
    -------
    matplotlib Figure
    """
    if not importances:
        raise ValueError("plot_importance_comparison needs at least one importance table")
    for name, table in importances.items():
        missing = [c for c in ("feature", "importance") if c not in table.columns]
        if missing:
            raise ValueError(f"importance table of {name!r} is missing column(s) {missing}")
    wide = pd.DataFrame(
        {
            name: table.assign(feature=table["feature"].astype(str)).set_index("feature")["importance"]
            for name, table in importances.items()
        }
    )
    if wide.empty:
        raise ValueError("the importance tables have no rows")
    if not isinstance(top_k, (int, np.integer)) or top_k < 1:
        raise ValueError(f"top_k must be a positive integer, got {top_k!r}")
    wide = wide.reindex(wide.fillna(0.0).mean(axis=1).sort_values(ascending=False, kind="stable").index)
    shown, rest = wide.iloc[:top_k].copy(), wide.iloc[top_k:]
    if len(rest):
        shown.loc[f"{len(rest)} others"] = rest.sum(min_count=1)
    shown = shown.mask(shown.abs() < NOISE * np.nanmax(shown.abs().to_numpy()), 0.0)
    rows = list(shown.index)
    fig, ax = target_axes(ax, figsize, (WIDTH, (0.08 * len(wide.columns) + 0.1) * len(rows) + 1.6))
    height = 0.8 / len(wide.columns)
    for i, name in enumerate(wide.columns):
        ax.barh(np.arange(len(rows)) - 0.4 + height * (i + 0.5), shown[name], height=height, label=name)
    ax.set_yticks(np.arange(len(rows)), rows)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel(importance_label(metric, greater_is_better))
    ax.legend(loc="lower right", frameon=False)
    ax.set_title("Permutation importance by model")
    finish(ax)
    return fig
