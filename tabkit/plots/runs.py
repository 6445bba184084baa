"""Charts of a whole run: the leaderboard, predictions against the date, and how far a
forest's trees spread around their prediction."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from pandas.api import types

from tabkit.plots.style import ACCENT, ACTUAL, FALL, MUTED, SMALL_FONT, WIDTH, finish, target_axes
from tabkit.plots.units import sig, transform_of


def plot_leaderboard(
    board: pd.DataFrame, metric: str, *, ax: Axes | None = None, figsize: tuple[float, float] | None = None
) -> Figure:
    """Horizontal bars of each model's validation score, in the table's order from the
    top (best first), each labelled; the baseline grey.

    Parameters
    ----------
    board : DataFrame
        Columns ``model``, ``score`` and optionally ``kind`` (a run's leaderboard).
    metric : str
        The metric's name, for the axis.
    """
    missing = [c for c in ("model", "score") if c not in board.columns]
    if missing:
        raise ValueError(f"leaderboard is missing column(s) {missing}")
    if board.empty:
        raise ValueError("leaderboard has no rows")
    fig, ax = target_axes(ax, figsize, (WIDTH, 0.4 * len(board) + 1.2))
    kinds = board["kind"] if "kind" in board else pd.Series("", index=board.index)
    positions = np.arange(len(board))
    bars = ax.barh(positions, board["score"], color=[MUTED if k == "baseline" else ACCENT for k in kinds])
    ax.bar_label(bars, labels=[sig(s) for s in board["score"]], padding=3, fontsize=SMALL_FONT)
    ax.set_yticks(positions, [str(m) for m in board["model"]])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: sig(v)))
    ax.set_xlabel(f"validation {metric}")
    ax.margins(x=0.15)
    finish(ax)
    return fig


def plot_series(
    frame: pd.DataFrame,
    date: str,
    models: list[str],
    *,
    title: str = "",
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Actual values (black) and each model's predictions (coloured) against the date.

    Parameters
    ----------
    frame : DataFrame
        The date column, ``actual`` and one column per model, in the target's units.
    """
    missing = [c for c in (date, "actual", *models) if c not in frame.columns]
    if missing:
        raise ValueError(f"predictions frame is missing column(s) {missing}")
    fig, ax = target_axes(ax, figsize, (WIDTH, 3.4))
    frame = frame.sort_values(date)
    ax.plot(frame[date], frame["actual"], color="black", lw=1.6, label="actual")
    for model in models:
        ax.plot(frame[date], frame[model], lw=1.0, alpha=0.85, label=model)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: sig(v)))
    if types.is_datetime64_any_dtype(frame[date]):
        locator = AutoDateLocator(minticks=3, maxticks=7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_title(title)
    finish(ax)
    return fig


def plot_tree_spread(
    rows: pd.DataFrame,
    *,
    target_transform=None,
    labels: Sequence[str] | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Each explained row's prediction with two standard deviations of the forest's
    trees around it, next to the actual value, in the target's units.

    With a log target the interval is ``exp(prediction -+ 2 std)`` (not symmetric in the
    target's units), and each row is labelled with its spread as percentages of the
    prediction, ``+100 * (exp(2 std) - 1)`` and ``-100 * (1 - exp(-2 std))``; otherwise
    with ``±2 std``.

    Parameters
    ----------
    rows : DataFrame
        Columns ``row``, ``reason``, ``actual``, ``prediction``, ``prediction_std`` (a
        run's contributions table), on the model's scale.
    target_transform : None, "identity", "log" or TargetTransform
        The transform the model was trained on.
    labels : list of str, optional
        One name per row (``"Store 13, 2015-07-09"``); default ``row <row> (<reason>)``.
    """
    missing = [c for c in ("row", "reason", "actual", "prediction", "prediction_std") if c not in rows.columns]
    if missing:
        raise ValueError(f"rows are missing column(s) {missing}")
    if rows.empty:
        raise ValueError("no rows to draw")
    if labels is not None and len(labels) != len(rows):
        raise ValueError(f"labels has {len(labels)} names for {len(rows)} rows")
    transform = transform_of(target_transform)
    centre = rows["prediction"].to_numpy(dtype=np.float64)
    spread = 2 * rows["prediction_std"].to_numpy(dtype=np.float64)
    shown = transform.inverse(centre)
    low, high = transform.inverse(centre - spread), transform.inverse(centre + spread)
    if transform.name == "log":
        notes = [f"+{sig(100 * np.expm1(s), trim=False)}% / -{sig(-100 * np.expm1(-s), trim=False)}%" for s in spread]
    else:
        notes = [f"±{sig(s, trim=False)}" for s in spread]
    fig, ax = target_axes(ax, figsize, (WIDTH, 0.38 * len(rows) + 1.4))
    y = np.arange(len(rows))
    ax.errorbar(
        shown,
        y,
        xerr=[shown - low, high - shown],
        fmt="o",
        color=ACCENT,
        capsize=3,
        label="prediction, 2 std of the trees",
    )
    ax.scatter(
        transform.inverse(rows["actual"].to_numpy(dtype=np.float64)),
        y,
        marker="x",
        color=FALL,
        zorder=3,
        label="actual",
    )
    column = ax.get_yaxis_transform()  # x in axes units, y in data: a column of notes at the right
    for i, note in enumerate(notes):
        ax.text(0.99, y[i], note, transform=column, ha="right", va="center", fontsize=SMALL_FONT, color=ACTUAL)
    ax.set_yticks(
        y,
        list(labels)
        if labels is not None
        else [f"row {r} ({reason})" for r, reason in zip(rows["row"], rows["reason"])],
    )
    ax.invert_yaxis()
    actual = transform.inverse(rows["actual"].to_numpy(dtype=np.float64))
    left, right = float(np.nanmin([low.min(), actual.min()])), float(np.nanmax([high.max(), actual.max()]))
    span = right - left if right > left else max(abs(right), 1.0)
    ax.set_xlim(left - 0.05 * span, right + 0.45 * span)  # room for the notes right of every mark
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: sig(v)))
    ax.set_xlabel("prediction")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, frameon=False, borderaxespad=0.1)
    finish(ax)
    return fig
