"""The look every tabkit chart shares: figure sizes, font sizes, colours, and the Axes or
Figure a plot function draws on.

Charts are made with :class:`matplotlib.figure.Figure` directly (no pyplot), so drawing
keeps no global state and works in worker processes; a returned Figure shows inline in
Jupyter. Sizes are chosen for the HTML report, which shows figures at most ~700 px wide:
a 7-inch figure whose smallest text is 8 pt keeps every label above 10 px there.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

WIDTH = 7.0
"""Default figure width in inches."""
FONT = 9.0
"""Tick labels, legends and bar labels (points)."""
SMALL_FONT = 8.0
"""The smallest text drawn (points): notes and dense annotations."""
TITLE_FONT = 10.0
"""Titles and axis labels (points)."""

ACCENT = "#3b75af"
RISE = "#2ca02c"
FALL = "#d62728"
TOTAL = "#7f7f7f"
MUTED = "#9e9e9e"
ACTUAL = "#1f2933"


def new_figure(
    width: float = WIDTH, height: float = 4.0, *, nrows: int = 1, ncols: int = 1, **kwargs
) -> tuple[Figure, Axes | list[Axes]]:
    """A figure with a grid of axes, laid out by the constrained layout engine.

    Returns
    -------
    (Figure, Axes or list of Axes)
        One Axes, or a flat list of them when the grid has more than one.
    """
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    flat = [ax for row in axes for ax in row]
    return fig, flat[0] if len(flat) == 1 else flat


def figure_of(ax: Axes) -> Figure:
    """The top-level figure an Axes belongs to."""
    return ax.get_figure(root=True)


def target_axes(
    ax: Axes | None, figsize: tuple[float, float] | None, default: tuple[float, float]
) -> tuple[Figure, Axes]:
    """The Axes to draw on and its figure: ``ax`` itself, or a new figure's only Axes of
    size ``figsize`` (``default`` when None)."""
    if ax is not None:
        return figure_of(ax), ax
    fig, new = new_figure(*(figsize or default))
    return fig, new


def finish(ax: Axes) -> None:
    """Give an Axes the shared font sizes (ticks, axis labels, title, legend)."""
    ax.tick_params(which="both", labelsize=FONT)
    ax.xaxis.label.set_fontsize(TITLE_FONT)
    ax.yaxis.label.set_fontsize(TITLE_FONT)
    ax.title.set_fontsize(TITLE_FONT)
    legend = ax.get_legend()
    if legend is not None:
        for text in legend.get_texts():
            text.set_fontsize(FONT)
        legend.get_title().set_fontsize(FONT)


def smallest_text_px(fig: Figure, shown_width_px: float = 700.0) -> float:
    """The smallest text a figure draws, in pixels, when it is shown ``shown_width_px``
    wide (the report scales its SVGs to the content width).

    Only texts that are visible, non-empty and inside the figure count (matplotlib keeps
    tick labels outside the view, undrawn).
    """
    fig.draw_without_rendering()
    scale = shown_width_px / (fig.get_figwidth() * 72.0)
    sizes = [text.get_fontsize() for text in fig.findobj(Text) if _drawn(text, fig)]
    return min(sizes) * scale if sizes else float("inf")


def _drawn(text: Text, fig: Figure) -> bool:
    if not text.get_visible() or not text.get_text().strip():
        return False
    box = text.get_window_extent()
    return box.width > 0 and box.x1 > 0 and box.y1 > 0 and box.x0 < fig.bbox.width and box.y0 < fig.bbox.height
