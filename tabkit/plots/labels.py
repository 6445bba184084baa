"""Bar labels placed by their measured extent: inside the bar when the text fits there,
else just past one of its ends, and never across a marked line (an actual value), another
label or the edge of the plot; the value axis widens when a label has no room.

The figure is laid out first (its final axes size), each label's text is measured as it
will be drawn, and the placed labels are left out of later layouts, so the layout cannot
move the axes under them. The value axis's tick labels are thinned the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.text import Annotation
from matplotlib.ticker import FixedLocator

from tabkit.plots.style import SMALL_FONT, figure_of

PAD = 3.0
"""Pixels between a label and what it must not touch."""
ROUNDS = 3
"""Layouts tried: each widens the value axis for the labels that found no room."""


@dataclass
class BarLabel:
    """A label of one bar: its text, the bar's place on the category axis and its ends on
    the value axis (data units, as drawn), and whether the text may sit inside it."""

    text: str
    position: float
    start: float
    end: float
    inside: bool = True


def place_bar_labels(
    ax: Axes, labels: Sequence[BarLabel], *, horizontal: bool = True, avoid: Sequence[float] = (), thin: bool = True
) -> list[Annotation]:
    """Draw each label where it collides with nothing.

    Each label goes to the first free place of: centred inside its bar (when it fits),
    past the bar's far end (the end the bar grows to), past its near end, then on either
    side of a line it would cross. A place is free when the text stays inside the plot,
    off every ``avoid`` line and off the labels placed before it. When none is free the
    value axis is widened by what the label lacks and every label placed again.

    Parameters
    ----------
    ax : Axes
        Where the bars are drawn (limits set).
    labels : sequence of BarLabel
    horizontal : bool, default True
        Bars along x (labels upright) or along y (labels turned along the bars).
    avoid : sequence of float
        Values on the value axis where a line crosses the whole plot (the actual value).
    thin : bool, default True
        Then keep only the value axis's ticks whose labels stand apart (:func:`thin_ticks`,
        on the layout the labels were placed on).

    Returns
    -------
    list of Annotation
        The labels, in the order given.
    """
    for attempt in range(ROUNDS + 1):
        figure_of(ax).draw_without_rendering()
        placed, lacking = _place_all(ax, labels, horizontal, avoid)
        if not any(lacking) or attempt == ROUNDS:
            break
        for annotation in placed:
            annotation.remove()
        _widen(ax, horizontal, *lacking)
    if thin:
        thin_ticks(ax, horizontal, drawn=True)
    return placed


def _place_all(ax: Axes, labels, horizontal: bool, avoid) -> tuple[list[Annotation], tuple[float, float]]:
    """Place every label; the pixels the value axis lacks below and above for the ones
    that found no free place."""
    plot = ax.get_window_extent()
    low, high = (plot.x0, plot.x1) if horizontal else (plot.y0, plot.y1)
    lines = [_pixel(ax, value, 0.0, horizontal)[0] for value in avoid]
    taken: list[tuple[float, float, float, float]] = []
    placed, lack_low, lack_high = [], 0.0, 0.0
    for label in labels:
        annotation = ax.annotate(
            label.text,
            (label.end, label.position) if horizontal else (label.position, label.end),
            fontsize=SMALL_FONT,
            rotation=0 if horizontal else 90,
            ha="left" if horizontal else "center",
            va="center" if horizontal else "bottom",
            annotation_clip=False,
        )
        annotation.set_in_layout(False)
        box = annotation.get_window_extent()
        length, thickness = (box.width, box.height) if horizontal else (box.height, box.width)
        a, cross = _pixel(ax, label.start, label.position, horizontal)
        b, _ = _pixel(ax, label.end, label.position, horizontal)
        across = (cross - thickness / 2, cross + thickness / 2)
        places = _places(label, min(a, b), max(a, b), b >= a, length, lines)

        chosen = next((at for at in places if _free(at, length, across, (low, high), lines, taken)), None)
        if chosen is None:
            chosen = next((at for at in places if _free(at, length, across, None, lines, taken)), places[-1])
            lack_low = max(lack_low, low + 1 + PAD - chosen)
            lack_high = max(lack_high, chosen + length + PAD - (high - 1))
        taken.append((chosen, chosen + length, *across))
        point = (chosen, cross) if horizontal else (cross, chosen)
        annotation.xy = annotation.xyann = tuple(ax.transData.inverted().transform(point))
        placed.append(annotation)
    return placed, (max(lack_low, 0.0), max(lack_high, 0.0))


def _places(label: BarLabel, a: float, b: float, grows_up: bool, length: float, lines: list[float]) -> list[float]:
    """Where the label may start on the value axis (pixels), best first."""
    places = []
    if label.inside and b - a >= length + 2 * PAD:
        places.append((a + b) / 2 - length / 2)
    after, before = b + PAD, a - PAD - length
    places += [after, before] if grows_up else [before, after]
    for line in lines:
        beyond, short = max(b, line) + PAD, min(a, line) - PAD - length
        places += [beyond, short] if grows_up else [short, beyond]
    return places


def _free(at: float, length: float, across, bounds, lines: list[float], taken: list) -> bool:
    """Whether a label starting at ``at`` stays inside ``bounds`` (None: anywhere), off the
    lines and off the labels already placed."""
    span = (at, at + length)
    if bounds is not None and (span[0] < bounds[0] + 1 or span[1] > bounds[1] - 1):
        return False
    if any(span[0] - PAD < line < span[1] + PAD for line in lines):
        return False
    return not any(_overlap(span, across, box) for box in taken)


def _overlap(span: tuple[float, float], across: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    return span[0] < box[1] + PAD and box[0] < span[1] + PAD and across[0] < box[3] and box[2] < across[1]


def _pixel(ax: Axes, value: float, position: float, horizontal: bool) -> tuple[float, float]:
    """(value-axis pixel, category-axis pixel) of a point."""
    point = (value, position) if horizontal else (position, value)
    x, y = ax.transData.transform(point)
    return (x, y) if horizontal else (y, x)


def _widen(ax: Axes, horizontal: bool, lack_low: float, lack_high: float) -> None:
    """Move the value axis's limits out so that, once the plot is scaled to the new range,
    it has the given pixels more on each side."""
    plot = ax.get_window_extent()
    low, high = (plot.x0, plot.x1) if horizontal else (plot.y0, plot.y1)
    width = high - low
    scale = width / max(width - lack_low - lack_high, 0.25 * width)
    ends = []
    for pixel in (low - lack_low * scale, high + lack_high * scale):
        point = (pixel, 0.0) if horizontal else (0.0, pixel)
        ends.append(float(ax.transData.inverted().transform(point)[0 if horizontal else 1]))
    if not np.all(np.isfinite(ends)) or ends[0] >= ends[1]:
        raise ValueError(f"cannot widen the value axis to {ends}")
    (ax.set_xlim if horizontal else ax.set_ylim)(*ends)


def thin_ticks(ax: Axes, horizontal: bool = True, *, drawn: bool = False) -> None:
    """Keep only the value axis's ticks whose labels stand apart (a log axis spanning
    little crowds its round numbers at one end): from the lowest, each label kept must
    start at least a few pixels past the last one kept. ``drawn``: the figure was laid out
    with its present limits (no need to draw it again)."""
    axis = ax.xaxis if horizontal else ax.yaxis
    if not drawn:
        figure_of(ax).draw_without_rendering()
    low, high = sorted(ax.get_xlim() if horizontal else ax.get_ylim())
    kept, last = [], -np.inf
    for tick in sorted(axis.get_major_ticks(), key=lambda t: t.get_loc()):
        label = tick.label1
        if not (low <= tick.get_loc() <= high) or not label.get_visible() or not label.get_text():
            continue
        box = label.get_window_extent()
        start, end = (box.x0, box.x1) if horizontal else (box.y0, box.y1)
        if start >= last + 2 * PAD:
            kept.append(tick.get_loc())
            last = end
    axis.set_major_locator(FixedLocator(kept))
