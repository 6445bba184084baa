"""Plot a ValidationSearch: score against one parameter, or a heatmap over two."""
from __future__ import annotations

import numbers
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

_RESULT_COLUMNS = ("score", "fit_time", "score_time", "rank", "error")


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


def _best_scores(results: pd.DataFrame, names: list[str]) -> pd.Series:
    """Best score for each combination of ``names``, over every other parameter."""
    keys = [results[name].map(repr) for name in names]
    return results["score"].groupby(keys, sort=False).max()


def plot_search(search: Any, *, x: str | tuple[str, str], hue: str | None = None, ax: Any = None) -> Any:
    """Plot validation scores of a fitted :class:`~tabkit.search.ValidationSearch`.

    With ``x`` a parameter name, draws the score against that parameter, one line per
    value of ``hue`` (when given). With ``x`` a pair of parameter names, draws a heatmap
    of the score over the two, the first along the columns, annotated with each value.
    Candidates that share the plotted values but differ in other parameters are shown
    by their best score; failed candidates (NaN) leave a gap. Numeric values are placed
    in order; other values (strings, None) in grid order.

    Parameters
    ----------
    search : ValidationSearch
        A fitted search.
    x : str or (str, str)
        The parameter along the horizontal axis, or two parameters for a heatmap.
    hue : str, optional
        A parameter to draw one line per value of (line plot only).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    ValueError
        If a name is not a searched parameter, ``hue`` is given with a heatmap, or
        ``hue`` repeats ``x``.
    """
    check_is_fitted(search, "results_")
    results = search.results_
    heatmap = not isinstance(x, str)
    names = list(x) if heatmap else [x] + ([hue] if hue is not None else [])
    if heatmap and (len(names) != 2 or hue is not None):
        raise ValueError(f"plot_search: a heatmap takes x=(param, param) and no hue, got x={x!r}, hue={hue!r}")
    parameters = [column for column in results.columns if column not in _RESULT_COLUMNS]
    unknown = [name for name in names if name not in parameters]
    if unknown:
        raise ValueError(f"plot_search: {unknown} not searched; parameters are {parameters}")
    if len(set(names)) != len(names):
        raise ValueError(f"plot_search: the parameters must differ, got {names}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    if heatmap:
        _draw_heatmap(ax, results, names[0], names[1])
    else:
        _draw_lines(ax, results, x, hue)
    return ax


def _draw_lines(ax: Any, results: pd.DataFrame, x: str, hue: str | None) -> None:
    keys, values = _levels(results[x])
    numeric = all(_is_number(value) for value in values)
    where = np.array(values, dtype=float) if numeric else np.arange(len(keys), dtype=float)
    if hue is None:
        scores = _best_scores(results, [x])
        ax.plot(where, [scores.get(key, np.nan) for key in keys], marker="o")
    else:
        scores = _best_scores(results, [x, hue])
        for group, value in zip(*_levels(results[hue])):
            line = [scores.get((key, group), np.nan) for key in keys]
            ax.plot(where, line, marker="o", label=str(value))
        ax.legend(title=hue, fontsize="small")
    if not numeric:
        ax.set_xticks(where, [str(value) for value in values])
    ax.set_xlabel(x)
    ax.set_ylabel("validation score")
    ax.set_title(f"Validation score by {x}")
    ax.grid(alpha=0.3)


def _draw_heatmap(ax: Any, results: pd.DataFrame, x: str, y: str) -> None:
    columns, column_values = _levels(results[x])
    rows, row_values = _levels(results[y])
    scores = _best_scores(results, [x, y])
    grid = np.array([[scores.get((col, row), np.nan) for col in columns] for row in rows])
    image = ax.imshow(np.ma.masked_invalid(grid), cmap="viridis", aspect="auto", origin="lower")
    ax.figure.colorbar(image, ax=ax, label="validation score")
    finite = grid[np.isfinite(grid)]
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
    for i, j in np.ndindex(grid.shape):
        if np.isfinite(grid[i, j]):
            colour = "black" if grid[i, j] > middle else "white"
            ax.text(j, i, f"{grid[i, j]:.4g}", ha="center", va="center", color=colour, fontsize="small")
    ax.set_xticks(range(len(columns)), [str(value) for value in column_values])
    ax.set_yticks(range(len(rows)), [str(value) for value in row_values])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"Validation score by {x} and {y}")
