"""The report's own charts: leaderboard bars, predictions over time, tree-variance
confidence and partial dependence. (Model plots live in forest_plots, search_plots and
nn_plots.)"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes


def plot_leaderboard(board: pd.DataFrame, metric: str, ax: Axes) -> Axes:
    """Horizontal bars of each model's validation score, best on top; the baseline grey."""
    board = board.iloc[::-1]
    colours = ["#9e9e9e" if k == "baseline" else "#3b75af" for k in board.get("kind", [""] * len(board))]
    bars = ax.barh([str(m) for m in board["model"]], board["score"], color=colours)
    ax.bar_label(bars, labels=[f"{s:.4g}" for s in board["score"]], padding=3, fontsize=8)
    ax.set_xlabel(f"validation {metric}")
    ax.margins(x=0.15)
    return ax


def plot_series(frame: pd.DataFrame, date: str, models: list[str], ax: Axes, title: str) -> Axes:
    """Actual values (black) and each model's predictions (coloured) against the date."""
    frame = frame.sort_values(date)
    ax.plot(frame[date], frame["actual"], color="black", lw=1.6, label="actual")
    for model in models:
        ax.plot(frame[date], frame[model], lw=1.0, alpha=0.85, label=model)
    ax.set_title(title, fontsize=10)
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    return ax


def plot_confidence(rows: pd.DataFrame, ax: Axes) -> Axes:
    """Predictions with +-2 tree standard deviations, next to the actual values."""
    labels = [f"row {r} ({reason})" for r, reason in zip(rows["row"], rows["reason"])]
    y = np.arange(len(rows))[::-1]
    ax.errorbar(rows["prediction"], y, xerr=2 * rows["prediction_std"].astype(float), fmt="o",
                color="#3b75af", capsize=3, label="prediction +- 2 std of trees")
    ax.scatter(rows["actual"], y, marker="x", color="#c0392b", zorder=3, label="actual")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("target")
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_learning_rate(history: pd.DataFrame, ax: Axes) -> Axes:
    """The learning rate of each epoch (a one-cycle schedule rises then falls)."""
    ax.plot(history["epoch"], history["lr"], marker="o", color="#7b4ea3")
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 3))
    return ax


def plot_partial_dependence(grid: np.ndarray, average: np.ndarray, feature: str,
                            categorical: bool, ax: Axes) -> Axes:
    """One feature's average prediction over its grid: a line, or bars for a category."""
    if categorical:
        ax.bar([str(g) for g in grid], average, color="#3b75af")
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
        low, high = float(np.min(average)), float(np.max(average))
        pad = (high - low) * 0.1 or abs(high) * 0.05 or 1.0
        ax.set_ylim(low - pad, high + pad)
    else:
        ax.plot(grid, average, color="#3b75af", lw=1.6)
    ax.set_xlabel(feature)
    ax.set_ylabel("average prediction")
    return ax
