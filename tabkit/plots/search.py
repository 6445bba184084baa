"""A validation search's scores: against one parameter, or a heatmap over two, with the
leaderboard's sign (an error metric is drawn as the positive error)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from sklearn.utils.validation import check_is_fitted

from tabkit.plots.style import SMALL_FONT, WIDTH, finish, target_axes
from tabkit.plots.units import metric_direction, sig

RESULT_COLUMNS = ("score", "fit_time", "score_time", "rank", "error")


def plot_search(
    results: pd.DataFrame | Any,
    *,
    x: str | tuple[str, str],
    hue: str | None = None,
    metric: str | None = None,
    greater_is_better: bool | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Validation scores of a :class:`~tabkit.search.ValidationSearch`.

    With ``x`` a parameter name, draws the score against that parameter, one line per
    value of ``hue`` (when given). With ``x`` a pair of parameter names, draws a heatmap
    over the two, the first along the columns, each cell annotated. Candidates that share
    the plotted values but differ in other parameters are shown by their best score;
    failed candidates (NaN) leave a gap. Numeric values are placed in order; others
    (strings, None) in grid order.

    The search stores scores with larger-is-better signs (errors negated); an error
    metric is drawn as the positive error, as the leaderboard shows it.

    Parameters
    ----------
    results : DataFrame or fitted ValidationSearch
        ``ValidationSearch.results_`` (a run's ``search.csv``): the parameters, then
        ``score``, ``fit_time``, ``score_time``, ``rank``, ``error``. A fitted search is
        read for its ``results_`` and, when ``metric`` is omitted, its ``scoring`` name.
    x : str or (str, str)
        The parameter along the horizontal axis, or two parameters for a heatmap.
    hue : str, optional
        A parameter to draw one line per value of (line plot only).
    metric : str, optional
        The validation metric's name (axis label and sign).
    greater_is_better : bool, optional
        Read from tabkit's metrics when omitted.
    ax : matplotlib Axes, optional
    figsize : (float, float), optional

    Returns
    -------
    matplotlib Figure

    Raises
    ------
    ValueError
        If a name is not a searched parameter, ``hue`` is given with a heatmap, ``hue``
        repeats ``x``, or the table has no ``score`` column or no rows.
    """
    if not isinstance(results, pd.DataFrame):
        check_is_fitted(results, "results_")
        scoring = getattr(results, "scoring", None)
        metric = scoring if metric is None and isinstance(scoring, str) else metric
        results = results.results_
    if "score" not in results.columns or results.empty:
        raise ValueError("plot_search needs a results table with rows and a 'score' column")
    heatmap = not isinstance(x, str)
    names = list(x) if heatmap else [x] + ([hue] if hue is not None else [])
    if heatmap and (len(names) != 2 or hue is not None):
        raise ValueError(f"plot_search: a heatmap takes x=(param, param) and no hue, got x={x!r}, hue={hue!r}")
    parameters = [column for column in results.columns if column not in RESULT_COLUMNS]
    unknown = [name for name in names if name not in parameters]
    if unknown:
        raise ValueError(f"plot_search: {unknown} not searched; parameters are {parameters}")
    if len(set(names)) != len(names):
        raise ValueError(f"plot_search: the parameters must differ, got {names}")
    sign = 1.0 if metric is None or metric_direction(metric, greater_is_better) else -1.0
    label = "validation score" if metric is None else f"validation {metric}"
    fig, ax = target_axes(ax, figsize, (WIDTH, 4.5))
    if heatmap:
        _draw_heatmap(ax, results, names[0], names[1], sign, label)
    else:
        _draw_lines(ax, results, x, hue, sign, label)
    finish(ax)
    return fig


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _levels(values: pd.Series) -> tuple[list[str], list[Any]]:
    """Distinct values of a parameter, as hashable keys and the values themselves.

    Values may be unhashable (lists), so each is keyed by its ``repr``. Numeric values
    come sorted, others in grid order.
    """
    by_key = dict(zip(values.map(repr), values))
    keys = list(by_key)
    if all(_is_number(value) for value in by_key.values()):
        keys.sort(key=by_key.get)
    return keys, [by_key[key] for key in keys]


def _best_scores(results: pd.DataFrame, names: list[str], sign: float) -> pd.Series:
    """Best score for each combination of ``names`` over every other parameter, with
    the sign it is shown with."""
    keys = [results[name].map(repr) for name in names]
    return sign * results["score"].groupby(keys, sort=False).max()


def _draw_lines(ax: Axes, results: pd.DataFrame, x: str, hue: str | None, sign: float, label: str) -> None:
    keys, values = _levels(results[x])
    numeric = all(_is_number(value) for value in values)
    where = np.array(values, dtype=float) if numeric else np.arange(len(keys), dtype=float)
    if hue is None:
        scores = _best_scores(results, [x], sign)
        ax.plot(where, [scores.get(key, np.nan) for key in keys], marker="o")
    else:
        scores = _best_scores(results, [x, hue], sign)
        for group, value in zip(*_levels(results[hue])):
            line = [scores.get((key, group), np.nan) for key in keys]
            ax.plot(where, line, marker="o", label=str(value))
        ax.legend(title=hue, frameon=False)
    if not numeric:
        ax.set_xticks(where, [str(value) for value in values])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: sig(v)))
    ax.set_xlabel(x)
    ax.set_ylabel(label + (" (lower is better)" if sign < 0 else ""))
    ax.set_title(f"{_capital(label)} by {x}")
    ax.grid(alpha=0.3)


def _draw_heatmap(ax: Axes, results: pd.DataFrame, x: str, y: str, sign: float, label: str) -> None:
    columns, column_values = _levels(results[x])
    rows, row_values = _levels(results[y])
    scores = _best_scores(results, [x, y], sign)
    grid = np.array([[scores.get((col, row), np.nan) for col in columns] for row in rows])
    # the better cells are the brighter ones, whichever way the metric points
    image = ax.imshow(
        np.ma.masked_invalid(grid), cmap="viridis" if sign > 0 else "viridis_r", aspect="auto", origin="lower"
    )
    bar = ax.get_figure(root=True).colorbar(image, ax=ax, format=FuncFormatter(lambda v, _: sig(v)))
    bar.set_label(label, fontsize=SMALL_FONT + 1)
    bar.ax.tick_params(labelsize=SMALL_FONT)
    finite = grid[np.isfinite(grid)]
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
    for i, j in np.ndindex(grid.shape):
        if np.isfinite(grid[i, j]):
            bright = grid[i, j] > middle if sign > 0 else grid[i, j] < middle
            ax.text(
                j,
                i,
                sig(grid[i, j]),
                ha="center",
                va="center",
                color="black" if bright else "white",
                fontsize=SMALL_FONT,
            )
    ax.set_xticks(range(len(columns)), [str(value) for value in column_values])
    ax.set_yticks(range(len(rows)), [str(value) for value in row_values])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{_capital(label)} by {x} and {y}")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
