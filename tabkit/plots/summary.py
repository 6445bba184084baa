"""The global view of an attribution: every row's contribution of every feature, as
jittered dots coloured by the feature's value (the summary plot known from shap, drawn
from tabkit's own numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from pandas.api import types

from tabkit.explanation import Explanation
from tabkit.inspection.grids import real_mask
from tabkit.plots.style import MUTED, SMALL_FONT, WIDTH, finish, target_axes
from tabkit.plots.units import percent_effect, sig, transform_of

COLOURS = "coolwarm"
JITTER = 0.32


def plot_contribution_summary(
    values: pd.DataFrame | Explanation,
    data: pd.DataFrame | None = None,
    *,
    top_k: int = 20,
    target_transform=None,
    label=None,
    random_state: int = 0,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Contributions of each feature over many rows: one horizontal strip per feature.

    Each dot is one row's contribution of that feature, jittered up and down, coloured
    from blue (the feature's low values) to red (its high values); a category is
    coloured by its position in the category order (sorted labels when the column is not
    categorical), a missing value grey. Features are ordered by their mean absolute
    contribution; beyond ``top_k`` they are summed per row into one ``sum of N other
    features`` strip (grey).

    Parameters
    ----------
    values : DataFrame or Explanation
        Contributions, rows x features, on the model's scale (``Explanation.values``);
        or an explanation, whose ``data`` is then used.
    data : DataFrame, optional
        The rows' feature values (same rows, in the same order); without it every dot
        has one colour.
    top_k : int, default 20
    target_transform : None, "identity", "log" or TargetTransform
        With ``"log"``, contributions are drawn as the percentage change they make to
        the prediction, ``100 * (exp(c) - 1)``.
    label : optional
        For a classifier's explanation, the class whose probability is explained
        (required then).
    random_state : int, default 0
        Seeds the jitter.
    ax : matplotlib Axes, optional
    figsize : (float, float), optional

    Returns
    -------
    matplotlib Figure

    Raises
    ------
    ValueError
        If there are no rows or features, ``data`` has another number of rows, or
        ``top_k`` is not positive.
    """
    if isinstance(values, Explanation):
        explanation = values
        if explanation.classes is not None:
            if label is None:
                classes = [c.item() if isinstance(c, np.generic) else c for c in explanation.classes]
                raise ValueError(f"a classifier's explanation needs label=, one of {classes}")
            explanation = explanation.for_class(label)
        values, data = explanation.values, explanation.data if data is None else data
    if not isinstance(values, pd.DataFrame) or values.empty or values.shape[1] == 0:
        raise ValueError("plot_contribution_summary needs a non-empty DataFrame of contributions (rows x features)")
    if data is not None and len(data) != len(values):
        raise ValueError(f"data has {len(data)} rows but the contributions have {len(values)}")
    if not isinstance(top_k, (int, np.integer)) or top_k < 1:
        raise ValueError(f"top_k must be a positive integer, got {top_k!r}")
    log = transform_of(target_transform).name == "log"

    contributions = values.astype(np.float64)
    order = contributions.abs().mean().sort_values(ascending=False, kind="stable").index
    shown, rest = list(order[:top_k]), list(order[top_k:])
    strips = {str(f): contributions[f].to_numpy() for f in shown}
    if rest:
        strips[f"sum of {len(rest)} other features"] = contributions[rest].sum(axis=1).to_numpy()
    rng = np.random.default_rng(random_state)
    cmap = colormaps[COLOURS]

    fig, ax = target_axes(ax, figsize, (WIDTH, 0.32 * len(strips) + 1.6))
    for position, (name, column) in enumerate(strips.items()):
        x = percent_effect(column) if log else column
        y = position + rng.uniform(-JITTER, JITTER, size=len(x))
        shades = value_shades(data[name]) if data is not None and name in data.columns else None
        colours = MUTED if shades is None else [cmap(s) if np.isfinite(s) else MUTED for s in shades]
        ax.scatter(x, y, s=9, c=colours, linewidths=0, antialiased=False, rasterized=True)
    ax.set_yticks(np.arange(len(strips)), list(strips))
    ax.invert_yaxis()
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: sig(v) + ("%" if log else "")))
    ax.set_xlabel("change in the prediction (%)" if log else "contribution to the prediction")
    if data is not None:
        bar = fig.colorbar(ScalarMappable(norm=Normalize(0, 1), cmap=cmap), ax=ax, ticks=[0, 1], aspect=40, pad=0.01)
        bar.ax.set_yticklabels(["low", "high"], fontsize=SMALL_FONT)
        bar.set_label("feature value", fontsize=SMALL_FONT)
    ax.set_title(f"Contributions over {len(values):,} rows")
    finish(ax)
    return fig


def value_shades(column: pd.Series) -> np.ndarray:
    """Each value's place between the column's low (0) and high (1) values (its 5th and
    95th percentiles, so a few outliers do not wash the colours out; its minimum and
    maximum when those percentiles are equal, as for a rarely set flag); a category by its
    code (category order, or sorted labels); NaN where missing or a missing-value fill
    (see :func:`tabkit.inspection.missing_fills`)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy(dtype=np.float64)
        codes[codes < 0] = np.nan
        top = max(len(column.cat.categories) - 1, 1)
        return codes / top
    if types.is_bool_dtype(column) or types.is_numeric_dtype(column):
        numbers = np.where(real_mask(column), column.to_numpy(dtype=np.float64, na_value=np.nan), np.nan)
        if not np.isfinite(numbers).any():
            return numbers
        low, high = np.nanpercentile(numbers, [5, 95])
        if high <= low:  # a rare value (a binary flag set on 4% of the rows): the extremes then
            low, high = np.nanmin(numbers), np.nanmax(numbers)
        if high <= low:
            return np.where(np.isfinite(numbers), 0.5, np.nan)
        return np.clip((numbers - low) / (high - low), 0.0, 1.0)
    present = column.dropna()
    labels = sorted(present.astype(str).unique())
    lookup = {value: i / max(len(labels) - 1, 1) for i, value in enumerate(labels)}
    return column.astype(str).map(lookup).where(column.notna()).to_numpy(dtype=np.float64, na_value=np.nan)
