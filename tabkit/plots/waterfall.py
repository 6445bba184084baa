"""Waterfall chart of one row's attribution: from the bias, one bar per feature, to the
prediction, in the target's units."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from tabkit.explanation import Explanation
from tabkit.plots.style import ACTUAL, FALL, RISE, SMALL_FONT, TOTAL, WIDTH, finish, target_axes
from tabkit.plots.units import percent, sig, signed, transform_of

THIN = {True: 0.12, False: 0.2}
"""Bars shorter than this share of the axis (horizontal, vertical) get their label outside."""


def plot_waterfall(
    explanation: Explanation,
    row: int = 0,
    *,
    top_k: int = 10,
    target_transform=None,
    actual: float | None = None,
    title: str | None = None,
    id_columns: Sequence[str] | None = None,
    label=None,
    horizontal: bool = True,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Waterfall chart of one row's attribution: from the bias to the prediction.

    One floating bar per contribution, largest first, the others summed into one
    ``N other features`` bar (its count is shown: nothing is hidden); rising bars green,
    falling bars red, each named with the feature's value in the row (``Promo = 1``).
    Every number has three significant digits.

    With a log target (``target_transform="log"``) the chart is in the target's units:
    the bias and prediction are ``exp`` of the model's values, the value axis is
    logarithmic (so each bar's length is still its contribution), and each contribution
    is labelled with the relative change it makes, ``100 * (exp(c) - 1)`` percent.

    Parameters
    ----------
    explanation : Explanation
        From :func:`tabkit.contributions` (or rebuilt from a run's contributions table),
        on the model's scale.
    row : int, default 0
        Position of the row in the explanation.
    top_k : int, default 10
        Contributions drawn one by one.
    target_transform : None, "identity", "log" or TargetTransform
        The transform the model was trained on.
    actual : float, optional
        The row's true value, in the target's units: drawn as a dashed line.
    title : str, optional
        The chart's title; by default it names the row by ``id_columns`` (``"Store 262,
        2015-07-31"``) or by its index label.
    id_columns : list of str, optional
        Columns of ``explanation.data`` that identify a row.
    label : optional
        For a classifier, the class whose probability is explained (default: the row's
        most probable class).
    horizontal : bool, default True
        Bars along the x axis, features listed top to bottom.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    figsize : (float, float), optional
        Size of the new figure (inches).

    Returns
    -------
    matplotlib Figure

    Raises
    ------
    ValueError
        If ``row`` is out of range, ``top_k`` is not positive, an id column is absent,
        a classifier is given a log transform, or a log chart gets ``actual <= 0``.
    """
    transform = transform_of(target_transform)
    if explanation.classes is not None:
        if not transform.is_identity:
            raise ValueError("a classifier's probabilities take no target transform")
        if label is None:
            label = explanation.prediction.iloc[row].idxmax()
        explanation = explanation.for_class(label)
    if not isinstance(top_k, (int, np.integer)) or top_k < 1:
        raise ValueError(f"top_k must be a positive integer, got {top_k!r}")
    n_rows = len(explanation.values)
    if not -n_rows <= row < n_rows:
        raise ValueError(f"row {row} is out of range for an explanation of {n_rows} rows")
    log = transform.name == "log"
    if log and actual is not None and not actual > 0:
        raise ValueError(f"actual must be > 0 on a log target's chart, got {actual!r}")

    values = explanation.values.iloc[row]
    order = values.abs().sort_values(ascending=False, kind="stable").index
    shown, rest = order[:top_k], order[top_k:]
    names = [feature_label(name, explanation.data, row) for name in shown]
    steps = np.asarray(values[shown], dtype=np.float64)
    if len(rest):
        names.append(f"{len(rest)} other features")
        steps = np.append(steps, float(values[rest].sum()))
    bias = float(explanation.bias)
    prediction = float(explanation.prediction.iloc[row])
    starts = bias + np.concatenate([[0.0], np.cumsum(steps)[:-1]])
    path = [bias, *(starts + steps), prediction]
    if actual is not None:
        path.append(float(np.log(actual)) if log else float(actual))
    low, high = min(path), max(path)
    margin = 0.15 * (high - low) if high > low else max(abs(high), 1.0) * 0.05
    low, high = low - margin, high + margin
    shown_as = np.exp if log else np.asarray

    fig, ax = target_axes(ax, figsize, (WIDTH, 0.32 * (len(steps) + 2) + 1.4) if horizontal else (WIDTH, 4.5))
    value_axis = ax.xaxis if horizontal else ax.yaxis
    if log:
        (ax.set_xscale if horizontal else ax.set_yscale)("log")
    positions = np.arange(len(steps) + 2)
    bars = ax.barh if horizontal else ax.bar
    base = "left" if horizontal else "bottom"
    floor = float(shown_as(low)) if log else 0.0
    totals = [float(shown_as(bias)), float(shown_as(prediction))]
    bars([positions[0], positions[-1]], [t - floor for t in totals], color=TOTAL, **{base: floor})
    ends = starts + steps
    bars(
        positions[1:-1],
        shown_as(ends) - shown_as(starts),
        color=[RISE if s >= 0 else FALL for s in steps],
        **{base: shown_as(starts)},
    )

    texts = [percent(s) if log else signed(s, trim=False) for s in steps]
    span = high - low
    for position, start, end, text in zip(positions[1:-1], starts, ends, texts):
        if abs(end - start) >= THIN[horizontal] * span:
            _label(ax, horizontal, position, float(shown_as((start + end) / 2)), text, "center", 0)
        else:
            _label(ax, horizontal, position, float(shown_as(end)), text, "edge", 1 if end >= start else -1)
    for position, total in zip(positions[[0, -1]], totals):
        _label(ax, horizontal, position, total, sig(total, trim=False), "edge", 1)
    if actual is not None:
        line = ax.axvline if horizontal else ax.axhline
        line(actual, color=ACTUAL, linestyle="--", linewidth=1.2, label=f"actual {sig(actual)}")
        ax.legend(loc="best", frameon=False)

    ticks = ["bias", *names, "prediction"]
    if horizontal:
        ax.set_yticks(positions, ticks)
        ax.invert_yaxis()
        ax.set_xlim(float(shown_as(low)), float(shown_as(high)))
    else:
        ax.set_xticks(positions, ticks, rotation=45, ha="right")
        ax.set_ylim(float(shown_as(low)), float(shown_as(high)))
    if log:
        value_axis.set_major_locator(FixedLocator(_linear_ticks(float(shown_as(low)), float(shown_as(high)))))
        value_axis.set_minor_locator(NullLocator())
    value_axis.set_major_formatter(FuncFormatter(lambda value, _: sig(value)))
    what = "prediction" if label is None else f"probability of {label}"
    value_axis.set_label_text(what + (" (log scale)" if log else ""))
    ax.set_title(title if title is not None else row_title(explanation, row, id_columns))
    finish(ax)
    return fig


def _label(ax: Axes, horizontal: bool, position: float, value: float, text: str, where: str, side: int) -> None:
    """A bar's label: centred on it, or just past its end (``side`` +1 or -1); upright
    beside horizontal bars, turned along vertical ones."""
    xy = (value, position) if horizontal else (position, value)
    style = {"fontsize": SMALL_FONT, "rotation": 0 if horizontal else 90}
    if where == "center":
        ax.annotate(text, xy, ha="center", va="center", **style)
    elif horizontal:
        ax.annotate(
            text,
            xy,
            xytext=(3 * side, 0),
            textcoords="offset points",
            va="center",
            ha="left" if side > 0 else "right",
            **style,
        )
    else:
        ax.annotate(
            text,
            xy,
            xytext=(0, 3 * side),
            textcoords="offset points",
            ha="center",
            va="bottom" if side > 0 else "top",
            **style,
        )


def _linear_ticks(low: float, high: float) -> list[float]:
    """Round numbers between ``low`` and ``high`` for a log axis that spans little."""
    ticks = MaxNLocator(5).tick_values(low, high)
    return [t for t in ticks if low <= t <= high and t > 0]


def feature_label(name: str, data: pd.DataFrame, row: int) -> str:
    """``"Promo = 1"``: a feature with its value in the row (``"PromoInterval missing"``
    for a missing value; the name alone when the data lack the column)."""
    if name not in data.columns:
        return str(name)
    value = data[name].iloc[row]
    if pd.isna(value):
        return f"{name} missing"
    return f"{name} = {_value_text(value)}"


def row_title(explanation: Explanation, row: int, id_columns: Sequence[str] | None) -> str:
    """A row's name from its id columns (``"Store 262, 2015-07-31"``: a date shows
    alone), or ``Contributions to row <index label>``."""
    if not id_columns:
        return f"Contributions to row {explanation.values.index[row]!r}"
    missing = [c for c in id_columns if c not in explanation.data.columns]
    if missing:
        raise ValueError(
            f"id column(s) {missing} are not in the explanation's data; columns are {list(explanation.data.columns)}"
        )
    parts = []
    for column in id_columns:
        value = explanation.data[column].iloc[row]
        parts.append(_value_text(value) if isinstance(value, pd.Timestamp) else f"{column} {_value_text(value)}")
    return ", ".join(parts)


def _value_text(value) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (float, np.floating, int, np.integer)):
        return sig(value) if not float(value).is_integer() else str(int(value))
    return str(value)
