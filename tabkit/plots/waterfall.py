"""Waterfall chart of one row's attribution: from the bias, one bar per feature, to the
prediction, in the target's units."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, Locator, MaxNLocator, NullLocator

from tabkit.explanation import Explanation
from tabkit.plots.labels import BarLabel, place_bar_labels
from tabkit.plots.style import ACTUAL, FALL, RISE, TOTAL, WIDTH, finish, target_axes
from tabkit.plots.units import percent, sig, signed, transform_of


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
    features: Sequence[str] | None = None,
    value_range: tuple[float, float] | None = None,
    number: Callable[[float], str] | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Waterfall chart of one row's attribution: from the bias to the prediction.

    One floating bar per contribution, largest first, the others summed into one
    ``N other features`` bar (its count is shown: nothing is hidden); rising bars green,
    falling bars red, each named with the feature's value in the row (``Promo = 1``).
    Contributions have three significant digits; the bias, the prediction and the actual
    value are written by ``number`` (three significant digits by default). Each label sits
    inside its bar when it fits, else past its end, placed by its measured size so that it
    never crosses the actual value's line, another label or the plot's edge; the legend
    sits under the plot.

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
    features : list of str, optional
        The features drawn one by one, in this order, instead of the row's ``top_k``
        largest (charts of several models side by side share them); a feature the
        explanation lacks is drawn as 0, the others are summed.
    value_range : (float, float), optional
        The value axis's limits, in the target's units (charts side by side share them);
        widened only where a label would have no room.
    number : callable, optional
        Writes the bias, the prediction and the actual value (a report passes the
        formatter its tables use, so both say the same number).
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

    number = number or sig
    values = explanation.values.iloc[row]
    if features is None:
        order = values.abs().sort_values(ascending=False, kind="stable").index
        shown, rest = list(order[:top_k]), order[top_k:]
    else:
        shown = list(dict.fromkeys(features))
        rest = values.index.difference(shown, sort=False)
        values = values.reindex(values.index.union(shown, sort=False), fill_value=0.0)
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
    if value_range is not None:
        low, high = (float(np.log(v)) if log else float(v) for v in value_range)

    own = ax is None
    fig, ax = target_axes(ax, figsize, (WIDTH, 0.32 * (len(steps) + 2) + 1.6) if horizontal else (WIDTH, 4.8))
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
    if actual is not None:
        line = ax.axvline if horizontal else ax.axhline
        line(actual, color=ACTUAL, linestyle="--", linewidth=1.2, label=f"actual {number(actual)}")
        if own:
            fig.legend(loc="outside lower center", frameon=False)
        else:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)

    ticks = ["bias", *names, "prediction"]
    if horizontal:
        ax.set_yticks(positions, ticks)
        ax.invert_yaxis()
        ax.set_xlim(float(shown_as(low)), float(shown_as(high)))
    else:
        ax.set_xticks(positions, ticks, rotation=45, ha="right")
        ax.set_ylim(float(shown_as(low)), float(shown_as(high)))
    if log:
        value_axis.set_major_locator(LinearTicks())
        value_axis.set_minor_locator(NullLocator())
    value_axis.set_major_formatter(FuncFormatter(lambda value, _: sig(value)))
    what = "prediction" if label is None else f"probability of {label}"
    value_axis.set_label_text(what + (" (log scale)" if log else ""))
    ax.set_title(title if title is not None else row_title(explanation, row, id_columns))
    finish(ax)
    texts = [percent(s) if log else signed(s, trim=False) for s in steps]
    labels = [
        BarLabel(text, position, float(shown_as(start)), float(shown_as(end)))
        for position, start, end, text in zip(positions[1:-1], starts, ends, texts)
    ]
    labels += [
        BarLabel(number(total), position, floor, total, inside=False)
        for position, total in zip(positions[[0, -1]], totals)
    ]
    place_bar_labels(ax, labels, horizontal=horizontal, avoid=[] if actual is None else [float(actual)])
    if own:
        fig.set_layout_engine("none")  # the labels were placed on this layout: keep it
    return fig


class LinearTicks(Locator):
    """Round numbers in the view of a log axis that spans little (a waterfall's)."""

    def __call__(self) -> list[float]:
        low, high = sorted(self.axis.get_view_interval())
        return self.tick_values(low, high)

    def tick_values(self, vmin: float, vmax: float) -> list[float]:
        ticks = MaxNLocator(5).tick_values(vmin, vmax)
        return [float(t) for t in ticks if vmin <= t <= vmax and t > 0]


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
