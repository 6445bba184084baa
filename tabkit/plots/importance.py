"""Permutation importance as bars of one model, or dots of several models side by side."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tabkit.plots.style import ACCENT, FALL, FONT, MUTED, SMALL_FONT, WIDTH, finish, target_axes
from tabkit.plots.units import metric_direction, sig

NOISE = 1e-12
"""Importances smaller than this share of the largest are shown as 0."""
MARKERS = ("o", "s", "D", "^", "v", "P", "X")
"""One marker per model of a comparison (colour is not the only difference)."""


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
    top_k: int = 15,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Permutation importance of several models on one line per feature, one marker per
    model (a dot plot: models compare at a glance and the chart stays short).

    The features drawn are each model's ``top_k`` most important (their union), ranked
    by their mean importance over the models (a feature a model lacks counts as 0 there
    and gets no marker); the legend sits above the plot.

    Parameters
    ----------
    importances : mapping of str to DataFrame
        Model name -> importance table (columns ``feature``, ``importance``).
    metric, greater_is_better, ax, figsize
        As in :func:`plot_importance`.
    top_k : int, default 15
        Features of each model drawn.

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
    tops = {feature for name in wide.columns for feature in wide[name].dropna().nlargest(top_k).index}
    wide = wide.loc[sorted(tops, key=lambda f: (-wide.loc[f].fillna(0.0).mean(), list(wide.index).index(f)))]
    shown = wide.mask(wide.abs() < NOISE * np.nanmax(wide.abs().to_numpy()), 0.0)
    own = ax is None
    fig, ax = target_axes(ax, figsize, (WIDTH, 0.24 * len(shown) + 1.6))
    positions = np.arange(len(shown))
    for i, name in enumerate(shown.columns):
        ax.plot(
            shown[name], positions, linestyle="none", marker=MARKERS[i % len(MARKERS)], markersize=5, alpha=0.85,
            label=name,
        )  # fmt: skip
    ax.set_yticks(positions, list(shown.index))
    ax.set_ylim(len(shown) - 0.5, -0.5)
    ax.grid(axis="y", color="#e4e7eb", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel(importance_label(metric, greater_is_better))
    columns = min(len(shown.columns), 4)
    if own:
        fig.legend(loc="outside upper center", ncols=columns, frameon=False)
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    finish(ax)
    for text in (fig.legends[0] if own else ax.get_legend()).get_texts():
        text.set_fontsize(FONT)
    return fig
