"""Partial dependence drawn from the frames of :mod:`tabkit.inspection`: one feature with
its rows' own curves (ICE) and decile marks, or a heatmap over two features with where
the training rows lie."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from pandas.api import types

from tabkit.inspection.dependence import AVERAGE_ROW
from tabkit.inspection.grids import KINDS
from tabkit.plots.style import ACCENT, ACTUAL, SMALL_FONT, TITLE_FONT, WIDTH, finish, target_axes
from tabkit.plots.units import sig, transform_of

ICE_ALPHA = 0.15
NOTE_WIDTH = 80
"""Characters per line of the note under a chart's x label."""
MAX_DOT_AREA = 160.0


def dependence_note(frame: pd.DataFrame) -> str | None:
    """What a partial dependence chart leaves out, for its caption: ``"20 of 59 Store
    values shown (the most frequent); 1900 left out (a missing-value fill)"``; None when
    nothing is."""
    attrs = frame.attrs
    parts = []
    shown, total = attrs.get("n_shown"), attrs.get("n_values")
    if shown is not None and total is not None and shown < total and attrs.get("kind") != "continuous":
        parts.append(f"{shown} of {total} {attrs.get('feature', 'feature')} values shown (the most frequent)")
    left_out = attrs.get("left_out") or []
    if left_out:
        values = ", ".join(_tick(v) for v in left_out)
        parts.append(f"{values} left out (a missing-value fill)")
    return "; ".join(parts) or None


def plot_partial_dependence(
    frame: pd.DataFrame,
    *,
    deciles=None,
    kind: str | None = None,
    note: str | None = None,
    ice: bool = True,
    target_transform=None,
    ylabel: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """One feature's partial dependence: the average prediction (thick) and each sampled
    row's own prediction (thin, transparent) over the feature's grid.

    A continuous feature is a line, with its deciles marked along the x axis (a rug); a
    category is a point per category, a binary feature two points (each row's two
    values joined by a thin line), the same in every model. When only some categories
    are shown, or a missing-value fill is left out, the x label says so. The legend sits
    above the axes, where a ``title`` goes on the left.

    Parameters
    ----------
    frame : DataFrame
        From :func:`tabkit.inspection.partial_dependence` (or read back from the run
        folder): the feature's column, ``row`` (-1 for the average) and ``prediction``.
    deciles : array-like, optional
        Where to draw the rug (default: ``frame.attrs["deciles"]``).
    kind : {"binary", "categorical", "continuous"}, optional
        Default: ``frame.attrs["kind"]``, else guessed (two values: binary; numbers:
        continuous; other values: categorical).
    note : str, optional
        Added under the x label (default: :func:`dependence_note`).
    ice : bool, default True
        Draw the sampled rows' curves.
    target_transform : None, "identity", "log" or TargetTransform
        The transform the frame's predictions are in (when it was computed without
        one); they are drawn in the target's units, point by point.
    ylabel, title : str, optional
    ax : matplotlib Axes, optional
    figsize : (float, float), optional

    Returns
    -------
    matplotlib Figure

    Raises
    ------
    ValueError
        If columns are missing, there is no average (``row == -1``), the kind is
        unknown, or the frame is already in the target's units and a transform is given.
    """
    feature = _grid_columns(frame, 1)[0]
    average = frame[frame["row"] == AVERAGE_ROW]
    if average.empty:
        raise ValueError(f"the frame has no average rows (row == {AVERAGE_ROW})")
    inverse = _inverse(frame, target_transform)
    kind = kind or frame.attrs.get("kind") or _guess_kind(average[feature])
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    grid = average[feature].to_numpy()
    fig, ax = target_axes(ax, figsize, (WIDTH, 3.6))
    continuous = kind == "continuous"
    where = grid.astype(np.float64) if continuous else np.arange(len(grid), dtype=np.float64)
    position = dict(zip(_keys(grid), where))
    if ice:
        for i, (_, curve) in enumerate(frame[frame["row"] != AVERAGE_ROW].groupby("row", sort=False)):
            x = np.array([position.get(key, np.nan) for key in _keys(curve[feature].to_numpy())])
            y = inverse(curve["prediction"].to_numpy())
            style = {"color": ACCENT, "alpha": ICE_ALPHA, "label": "one row" if i == 0 else None, "rasterized": True}
            if kind == "categorical":
                ax.plot(x, y, linestyle="none", marker="o", markersize=3, **style)
            else:
                ax.plot(x, y, linewidth=0.8, **style)
    n_rows = frame.attrs.get("n_rows")
    label = f"average over {n_rows:,} rows" if n_rows else "average"
    y_average = inverse(average["prediction"].to_numpy())
    if continuous:
        ax.plot(where, y_average, color=ACTUAL, linewidth=2.2, label=label)
        marks = frame.attrs.get("deciles", []) if deciles is None else deciles
        if len(marks):
            ax.vlines(
                np.asarray(marks, dtype=np.float64),
                0,
                0.04,
                transform=ax.get_xaxis_transform(),
                color=ACTUAL,
                linewidth=1.0,
            )
    else:
        ax.plot(where, y_average, linestyle="none", marker="o", markersize=7, color=ACTUAL, label=label)
        labels = [_tick(v) for v in grid]
        ax.set_xticks(
            where,
            labels,
            rotation=45 if len(labels) > 6 or max(map(len, labels)) > 8 else 0,
            ha="right" if len(labels) > 6 or max(map(len, labels)) > 8 else "center",
        )
        ax.set_xlim(-0.5, len(grid) - 0.5)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: sig(v)))
    note = dependence_note(frame) if note is None else note
    ax.set_xlabel(feature if not note else feature + "\n" + textwrap.fill(f"({note})", NOTE_WIDTH))
    ax.set_ylabel(ylabel or _prediction_label(frame))
    if title:
        ax.set_title(title, loc="left", fontsize=TITLE_FONT)
    if continuous:
        _feature_ticks(ax.xaxis, grid)
    legend = ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, frameon=False, borderaxespad=0.1)
    for handle in legend.legend_handles:
        handle.set_alpha(1.0)
    finish(ax)
    return fig


def plot_partial_dependence_2d(
    frame: pd.DataFrame,
    density: pd.DataFrame | None = None,
    *,
    target_transform=None,
    density_style: str = "dots",
    label: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """A heatmap of the average prediction over two features, with where the training
    rows lie: dots sized by the share of rows in each cell (or contour lines).

    Parameters
    ----------
    frame : DataFrame
        From :func:`tabkit.inspection.partial_dependence_2d`: the two features' columns
        and ``prediction``.
    density : DataFrame, optional
        From :func:`tabkit.inspection.training_density`: the two features' columns and
        ``share``.
    target_transform : None, "identity", "log" or TargetTransform
        The transform the frame's predictions are in (when computed without one).
    density_style : {"dots", "contour"}, default "dots"
        Contours need two continuous features.
    label : str, optional
        The colour bar's label (default ``prediction``, or the probability of the class).
    title : str, optional
    ax : matplotlib Axes, optional
    figsize : (float, float), optional

    Returns
    -------
    matplotlib Figure

    Raises
    ------
    ValueError
        If columns are missing, the frame is empty or not a full grid, or the density is
        on another grid.
    """
    if density_style not in ("dots", "contour"):
        raise ValueError(f"density_style must be 'dots' or 'contour', got {density_style!r}")
    feature_x, feature_y = _grid_columns(frame, 2)
    inverse = _inverse(frame, target_transform)
    kinds = frame.attrs.get("kinds") or {}
    axes_x = _axis(frame[feature_x], kinds.get(feature_x))
    axes_y = _axis(frame[feature_y], kinds.get(feature_y))
    cells = _cells(frame, feature_x, feature_y, axes_x, axes_y, "prediction")
    fig, ax = target_axes(ax, figsize, (WIDTH, 5.0))
    mesh = ax.pcolormesh(axes_x["edges"], axes_y["edges"], inverse(cells), cmap="viridis", shading="flat")
    bar = fig.colorbar(mesh, ax=ax, format=FuncFormatter(lambda v, _: sig(v)))
    bar.set_label(label or _prediction_label(frame), fontsize=SMALL_FONT + 1)
    bar.ax.tick_params(labelsize=SMALL_FONT)
    if density is not None:
        missing = [c for c in (feature_x, feature_y, "share") if c not in density.columns]
        if missing:
            raise ValueError(f"density is missing column(s) {missing}")
        shares = _cells(density, feature_x, feature_y, axes_x, axes_y, "share")
        centres_x, centres_y = np.meshgrid(axes_x["centres"], axes_y["centres"])
        if density_style == "contour":
            if axes_x["categorical"] or axes_y["categorical"]:
                raise ValueError("contour lines need two continuous features; use density_style='dots'")
            ax.contour(centres_x, centres_y, shares, levels=4, colors="white", linewidths=0.9)
        else:
            top = np.nanmax(shares) if np.isfinite(shares).any() and np.nanmax(shares) > 0 else 1.0
            ax.scatter(
                centres_x.ravel(),
                centres_y.ravel(),
                s=MAX_DOT_AREA * np.nan_to_num(shares).ravel() / top,
                facecolors="white",
                edgecolors=ACTUAL,
                linewidths=0.5,
                alpha=0.85,
            )
    for axis, feature, spec in ((ax.xaxis, feature_x, axes_x), (ax.yaxis, feature_y, axes_y)):
        axis.set_label_text(feature)
        if spec["categorical"]:
            axis.set_ticks(spec["centres"], [_tick(v) for v in spec["values"]])
        else:
            _feature_ticks(axis, spec["values"])
    if axes_x["categorical"] and len(axes_x["values"]) > 6:
        ax.tick_params(axis="x", labelrotation=45)
    ax.set_title(
        title
        if title is not None
        else f"Average prediction by {feature_x} and {feature_y}"
        + ("" if density is None else "\n(dots: share of the rows in each cell)")
    )
    finish(ax)
    return fig


def _grid_columns(frame: pd.DataFrame, n: int) -> list[str]:
    """The ``n`` feature columns of a partial dependence frame (the attrs' order first)."""
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise ValueError("a partial dependence frame with rows is needed")
    value_columns = ("row", "prediction") if n == 1 else ("prediction",)
    missing = [c for c in value_columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the partial dependence frame is missing column(s) {missing}")
    named = [frame.attrs["feature"]] if n == 1 and "feature" in frame.attrs else frame.attrs.get("features")
    features = list(named) if named else [c for c in frame.columns if c not in value_columns]
    if len(features) != n or any(f not in frame.columns for f in features):
        raise ValueError(
            f"expected {n} feature column(s) besides {list(value_columns)}, got columns {list(frame.columns)}"
        )
    return features


def _inverse(frame: pd.DataFrame, target_transform):
    transform = transform_of(target_transform)
    done = frame.attrs.get("target_transform")
    if done and not transform.is_identity:
        raise ValueError(
            f"the frame is already in the target's units (computed with target_transform={done!r}); "
            "draw it without a target_transform"
        )
    return lambda values: transform.inverse(np.asarray(values, dtype=np.float64))


def _guess_kind(values: pd.Series) -> str:
    if values.nunique() == 2:
        return "binary"
    if types.is_numeric_dtype(values) and not types.is_bool_dtype(values):
        return "continuous"
    return "categorical"


def _axis(values: pd.Series, kind: str | None) -> dict:
    """Where a feature's grid values sit on a heatmap axis: cell centres and edges."""
    kind = kind or _guess_kind(values)
    grid = pd.unique(values)
    if kind == "continuous":
        grid = np.sort(grid.astype(np.float64))
        centres = grid
        if len(grid) == 1:
            edges = np.array([grid[0] - 0.5, grid[0] + 0.5])
        else:
            middles = (grid[1:] + grid[:-1]) / 2
            edges = np.concatenate([[2 * grid[0] - middles[0]], middles, [2 * grid[-1] - middles[-1]]])
        return {"values": grid, "centres": centres, "edges": edges, "categorical": False}
    centres = np.arange(len(grid), dtype=np.float64)
    return {"values": grid, "centres": centres, "edges": np.arange(len(grid) + 1) - 0.5, "categorical": True}


def _cells(frame: pd.DataFrame, feature_x: str, feature_y: str, axis_x: dict, axis_y: dict, column: str) -> np.ndarray:
    """``frame[column]`` laid out on the grid, rows along y; refuses a frame that does not
    fill the grid exactly."""
    index_x = {key: i for i, key in enumerate(_keys(axis_x["values"]))}
    index_y = {key: i for i, key in enumerate(_keys(axis_y["values"]))}
    out = np.full((len(index_y), len(index_x)), np.nan)
    xs = [index_x.get(k) for k in _keys(frame[feature_x].to_numpy())]
    ys = [index_y.get(k) for k in _keys(frame[feature_y].to_numpy())]
    if any(i is None for i in xs + ys) or len(set(zip(xs, ys))) != len(frame):
        raise ValueError(f"the {column!r} table is not one row per cell of the {feature_x} x {feature_y} grid")
    out[ys, xs] = frame[column].to_numpy(dtype=np.float64)
    return out


def _keys(values) -> list:
    """Hashable keys of grid values (numbers as floats, so 1 and 1.0 match)."""
    return [
        float(v) if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) else v
        for v in values
    ]


def _feature_ticks(axis, grid) -> None:
    """A feature's axis: whole-number ticks for a whole-number grid (years), no thousands
    separator on whole numbers."""
    if all(float(v).is_integer() for v in grid):
        axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v)))


def _tick(value) -> str:
    if isinstance(value, (float, np.floating)) and not float(value).is_integer():
        return sig(value)
    if isinstance(value, (float, np.floating, int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return str(int(value))
    return str(value)


def _prediction_label(frame: pd.DataFrame) -> str:
    target = frame.attrs.get("target_class")
    return "prediction" if target is None else f"probability of {target}"
