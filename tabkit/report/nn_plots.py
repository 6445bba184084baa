"""Plots for entity-embedding nets: 2-D maps of learned embeddings and training curves.

Every function draws on the Axes it is given (or a new figure's) and returns it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.utils.validation import check_is_fitted

NON_CURVE_COLUMNS = ("epoch", "train_loss", "valid_loss", "lr", "seconds")


def _axes(ax: Axes | None) -> Axes:
    return Figure(figsize=(7, 5)).add_subplot() if ax is None else ax


def embedding_pca(table: pd.DataFrame) -> np.ndarray:
    """Project an embedding table onto its first two principal components.

    Returns an array of shape (n_categories, 2); a 1-dimensional embedding gets a
    second column of zeros.
    """
    values = table.to_numpy(dtype=np.float64)
    centred = values - values.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ components[:2].T
    if coords.shape[1] < 2:
        coords = np.column_stack([coords, np.zeros(len(coords))])
    return coords


def plot_embeddings(model, column: str, *, ax: Axes | None = None) -> Axes:
    """2-D PCA map of one categorical column's learned embedding, each point labelled
    with its category (``#na#`` is the unknown slot).

    Parameters
    ----------
    model : EmbeddingNetRegressor or EmbeddingNetClassifier
        A fitted net.
    column : str
        A categorical feature of the model (a key of ``model.embeddings_``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    ValueError
        If ``column`` has no embedding.
    """
    check_is_fitted(model, "module_")
    tables = model.embeddings_
    if column not in tables:
        raise ValueError(f"column {column!r} has no embedding; categorical columns: {list(tables)}")
    table = tables[column]
    coords = embedding_pca(table)
    ax = _axes(ax)
    ax.scatter(coords[:, 0], coords[:, 1], s=14, color="tab:blue")
    for (x, y), label in zip(coords, table.index):
        ax.annotate(str(label), (x, y), fontsize=8, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.set_title(f"{column} embedding ({table.shape[1]} dims, PCA)")
    return ax


def plot_history(model_or_history, *, ax: Axes | None = None) -> Axes:
    """Training curves: train and validation loss per epoch, and the metric (if any) on
    a second y axis.

    Parameters
    ----------
    model_or_history : fitted net or DataFrame
        A net with ``history_``, or such a history frame.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib Axes
        The loss axes (the metric's twin axes is ``ax.right_ax`` when drawn).
    """
    if isinstance(model_or_history, pd.DataFrame):
        history = model_or_history
    else:
        check_is_fitted(model_or_history, "history_")
        history = model_or_history.history_
    missing = [col for col in ("epoch", "train_loss") if col not in history.columns]
    if missing:
        raise ValueError(f"history has no column(s) {missing}")
    ax = _axes(ax)
    ax.plot(history["epoch"], history["train_loss"], marker="o", label="train loss")
    if "valid_loss" in history:
        ax.plot(history["epoch"], history["valid_loss"], marker="o", label="valid loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    handles, labels = ax.get_legend_handles_labels()
    metrics = [col for col in history.columns if col not in NON_CURVE_COLUMNS]
    if metrics:
        right = ax.twinx()
        for col in metrics:
            right.plot(history["epoch"], history[col], marker="s", linestyle="--", color="tab:green", label=col)
        right.set_ylabel(", ".join(metrics))
        extra_handles, extra_labels = right.get_legend_handles_labels()
        handles, labels = handles + extra_handles, labels + extra_labels
        ax.right_ax = right
    ax.legend(handles, labels, loc="upper right")
    ax.set_title("training history")
    return ax
