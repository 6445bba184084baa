"""The global view of an attribution: every row's contribution of every feature, as
jittered dots coloured by the feature's value (the summary plot known from shap, drawn
from tabkit's own numbers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
CLIP = 1.0
"""Percent of the dots left beyond each end of the contribution axis (drawn at its edge)."""


def plot_contribution_summary(
    values: pd.DataFrame | Explanation,
    data: pd.DataFrame | None = None,
    *,
    top_k: int = 20,
    target_transform=None,
    label=None,
    categorical: Sequence[str] = (),
    clip: float | None = CLIP,
    random_state: int = 0,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Contributions of each feature over many rows: one horizontal strip per feature.

    Each dot is one row's contribution of that feature, jittered up and down, coloured
    from blue (the feature's low values) to red (its high values); a categorical feature
    (named in ``categorical``, or of a categorical or text dtype) and a missing value are
    grey: a category's codes have no low or high. Features are ordered by their mean
    absolute contribution; beyond ``top_k``, and a feature of one value over these rows
    (whatever it adds is the same for every row), they are summed per row into one ``sum
    of N other features`` strip (grey). The contribution axis spans the ``clip`` and
    ``100 - clip`` percentiles of the dots (and 0): a dot beyond is drawn at the edge, on
    a dashed line (see :func:`contribution_strips` for the numbers a caption needs).

    Parameters
    ----------
    values : DataFrame or Explanation
        Contributions, rows x features, on the model's scale (``Explanation.values``);
        or an explanation, whose ``data`` is then used.
    data : DataFrame, optional
        The rows' feature values (same rows, in the same order); without it every dot
        has one colour and no feature is left out as constant.
    top_k : int, default 20
    target_transform : None, "identity", "log" or TargetTransform
        With ``"log"``, contributions are drawn as the percentage change they make to
        the prediction, ``100 * (exp(c) - 1)``.
    label : optional
        For a classifier's explanation, the class whose probability is explained
        (required then).
    categorical : sequence of str, optional
        Features that are categories whatever their dtype (codes stored as numbers).
    clip : float or None, default 1.0
        Percent of the dots beyond which the axis is cut, at each end; None shows all.
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
        If there are no rows or features, ``data`` has another number of rows, ``top_k``
        is not positive, or ``clip`` is not in [0, 50).
    """
    if isinstance(values, Explanation):
        explanation = values
        if explanation.classes is not None:
            if label is None:
                classes = [c.item() if isinstance(c, np.generic) else c for c in explanation.classes]
                raise ValueError(f"a classifier's explanation needs label=, one of {classes}")
            explanation = explanation.for_class(label)
        values, data = explanation.values, explanation.data if data is None else data
    strips = contribution_strips(values, data, top_k=top_k, target_transform=target_transform, clip=clip)
    log = transform_of(target_transform).name == "log"
    rng = np.random.default_rng(random_state)
    cmap = colormaps[COLOURS]

    fig, ax = target_axes(ax, figsize, (WIDTH, 0.32 * len(strips.x) + 1.6))
    for position, (name, column) in enumerate(strips.x.items()):
        y = position + rng.uniform(-JITTER, JITTER, size=len(column))
        categories = name in set(categorical) or (data is not None and name in data and _is_category(data[name]))
        shades = value_shades(data[name]) if data is not None and name in data.columns and not categories else None
        colours = MUTED if shades is None else [cmap(s) if np.isfinite(s) else MUTED for s in shades]
        ax.scatter(
            np.clip(column, strips.low, strips.high),
            y,
            s=9,
            c=colours,
            linewidths=0,
            antialiased=False,
            rasterized=True,
        )
    ax.set_yticks(np.arange(len(strips.x)), list(strips.x))
    ax.invert_yaxis()
    ax.axvline(0.0, color="black", linewidth=0.8)
    if strips.clipped:
        pad = 0.03 * (strips.high - strips.low)
        ax.set_xlim(strips.low - pad, strips.high + pad)
        for edge in (strips.low, strips.high):
            ax.axvline(edge, color=MUTED, linestyle="--", linewidth=0.8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: sig(v) + ("%" if log else "")))
    ax.set_xlabel("change in the prediction (%)" if log else "contribution to the prediction")
    if data is not None:
        bar = fig.colorbar(ScalarMappable(norm=Normalize(0, 1), cmap=cmap), ax=ax, ticks=[0, 1], aspect=40, pad=0.01)
        bar.ax.set_yticklabels(["low", "high"], fontsize=SMALL_FONT)
        bar.set_label("feature value (grey: a category)", fontsize=SMALL_FONT)
    ax.set_title(f"Contributions over {len(values):,} rows")
    finish(ax)
    return fig


@dataclass
class Strips:
    """What a contribution summary draws: the strips (name -> each row's value as drawn,
    a percentage for a log target), the features left out for having one value, and the
    axis's span with the number of dots beyond it (drawn at the edge)."""

    x: dict[str, np.ndarray]
    constant: list[str]
    low: float
    high: float
    clipped: int


def contribution_strips(
    values: pd.DataFrame, data: pd.DataFrame | None = None, *, top_k: int = 20, target_transform=None, clip=CLIP
) -> Strips:
    """The strips :func:`plot_contribution_summary` draws, and its axis's span.

    Parameters are those of :func:`plot_contribution_summary`.

    Returns
    -------
    Strips
    """
    if not isinstance(values, pd.DataFrame) or values.empty or values.shape[1] == 0:
        raise ValueError("plot_contribution_summary needs a non-empty DataFrame of contributions (rows x features)")
    if data is not None and len(data) != len(values):
        raise ValueError(f"data has {len(data)} rows but the contributions have {len(values)}")
    if not isinstance(top_k, (int, np.integer)) or top_k < 1:
        raise ValueError(f"top_k must be a positive integer, got {top_k!r}")
    if clip is not None and not 0 <= clip < 50:
        raise ValueError(f"clip must be a percentage in [0, 50), got {clip!r}")
    contributions = values.astype(np.float64)
    constant = [] if data is None else [f for f in contributions.columns if f in data and data[f].nunique() <= 1]
    order = contributions.drop(columns=constant).abs().mean().sort_values(ascending=False, kind="stable").index
    shown, rest = list(order[:top_k]), [*order[top_k:], *constant]
    raw = {str(f): contributions[f].to_numpy() for f in shown}
    if rest:
        raw[f"sum of {len(rest)} other features"] = contributions[rest].sum(axis=1).to_numpy()
    log = transform_of(target_transform).name == "log"
    x = {name: percent_effect(column) if log else column for name, column in raw.items()}
    every = np.concatenate([*x.values(), [0.0]])
    every = every[np.isfinite(every)]
    low, high = (float(every.min()), float(every.max())) if len(every) else (0.0, 0.0)
    if clip:
        cut_low, cut_high = np.percentile(every, [clip, 100 - clip])
        low, high = min(float(cut_low), 0.0), max(float(cut_high), 0.0)
    clipped = int(sum(((c < low) | (c > high)).sum() for c in x.values()))
    return Strips(x, [str(f) for f in constant], low, high, clipped)


def _is_category(column: pd.Series) -> bool:
    return isinstance(column.dtype, pd.CategoricalDtype) or not (
        types.is_bool_dtype(column) or types.is_numeric_dtype(column) or types.is_datetime64_any_dtype(column)
    )


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
