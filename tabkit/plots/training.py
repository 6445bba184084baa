"""Training curves: a net's losses per epoch on a log axis, the metric beside them, and
the learning rate; a booster's metrics per round."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from sklearn.utils.validation import check_is_fitted

from tabkit.plots.style import WIDTH, finish, target_axes
from tabkit.plots.units import sig

NON_CURVE_COLUMNS = ("epoch", "train_loss", "valid_loss", "lr", "seconds", "trained")


def plot_history(history, *, ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Figure:
    """Training curves: train and validation loss per epoch (a log axis when every loss is
    positive), and the metric (if any) on a second y axis; whole-number epoch ticks.

    Parameters
    ----------
    history : DataFrame or fitted model
        A net's ``history_`` (a run's ``history.csv``): ``epoch``, ``train_loss`` and
        optionally ``valid_loss``, metric columns, ``lr``, ``seconds``; or a LightGBM
        model's, one row per boosting round (``round`` as the index or a column) and a
        column per data set and metric, drawn as lines over the rounds; or the model.
    ax : matplotlib Axes, optional
        The loss axes; the metric's twin axes is added beside it.
    figsize : (float, float), optional

    Returns
    -------
    matplotlib Figure

    Raises
    ------
    ValueError
        If the history is neither a net's (``epoch``, ``train_loss``) nor a booster's
        (``round``), or has no rows.
    """
    history = _frame(history)
    if "epoch" not in history:
        return _plot_rounds(history, ax, figsize)
    fig, ax = target_axes(ax, figsize, (WIDTH, 3.8))
    losses = [c for c in ("train_loss", "valid_loss") if c in history]
    for column in losses:
        ax.plot(history["epoch"], history[column], marker="o", label=column.replace("_", " "))
    _curve_axes(ax, history[losses], "epoch", "loss")
    handles, labels = ax.get_legend_handles_labels()
    metrics = [col for col in history.columns if col not in NON_CURVE_COLUMNS]
    if metrics:
        right = ax.twinx()
        for col in metrics:
            right.plot(history["epoch"], history[col], marker="s", linestyle="--", color="tab:green", label=col)
        right.set_ylabel(", ".join(metrics))
        right.yaxis.set_major_formatter(FuncFormatter(lambda v, _: sig(v)))
        more_handles, more_labels = right.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
        finish(right)
    ax.legend(handles, labels, loc="upper right", frameon=False)
    ax.set_title("Training history")
    finish(ax)
    return fig


def _plot_rounds(history: pd.DataFrame, ax: Axes | None, figsize) -> Figure:
    """A booster's metrics per round, one line per data set and metric."""
    fig, ax = target_axes(ax, figsize, (WIDTH, 3.8))
    curves = [col for col in history.columns if col != "round"]
    for column in curves:
        ax.plot(history["round"], history[column], label=column.replace("_", " "))
    _curve_axes(ax, history[curves], "boosting round", "metric")
    ax.legend(loc="upper right", frameon=False)
    ax.set_title("Training history")
    finish(ax)
    return fig


def plot_learning_rate(history, *, ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Figure:
    """The learning rate of each epoch (a one-cycle schedule rises then falls).

    Raises
    ------
    ValueError
        If the history has no ``lr`` column.
    """
    history = _frame(history)
    if "lr" not in history:
        raise ValueError(f"history has no column 'lr'; columns are {list(history.columns)}")
    fig, ax = target_axes(ax, figsize, (WIDTH, 3.2))
    ax.plot(history["epoch"], history["lr"], marker="o", color="#7b4ea3")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: sig(v)))
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    finish(ax)
    return fig


def _curve_axes(ax: Axes, curves: pd.DataFrame, xlabel: str, ylabel: str) -> None:
    """A log y axis when every value drawn is positive, numbers with 3 significant digits,
    whole-number x ticks."""
    if (curves > 0).all().all():
        ax.set_yscale("log")
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: _minor_label(ax, v)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: sig(v)))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def _minor_label(ax: Axes, value: float) -> str:
    """A log axis' minor tick label: every one within a decade, 2s and 5s within three
    decades, none beyond (the decades are labelled)."""
    low, high = ax.get_ylim()
    decades = np.log10(high / low) if low > 0 and high > low else np.inf
    leading = round(value / 10 ** np.floor(np.log10(value) + 1e-9))
    if decades <= 1 or (decades <= 3 and leading in (2, 5)):
        return sig(value)
    return ""


def _frame(history) -> pd.DataFrame:
    if not isinstance(history, pd.DataFrame):
        check_is_fitted(history, "history_")
        history = history.history_
    if history.index.name == "round":
        history = history.reset_index()
    missing = [col for col in ("epoch", "train_loss") if col not in history.columns]
    if missing and "round" not in history.columns:
        raise ValueError(f"history has no column(s) {missing} (a net's) nor 'round' (a booster's)")
    if history.empty:
        raise ValueError("history has no rows")
    return history
