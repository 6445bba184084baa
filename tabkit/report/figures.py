"""Matplotlib figures as self-contained data URIs for the HTML report.

Figures are made with :class:`matplotlib.figure.Figure` directly (no pyplot), so report
rendering keeps no global state, frees its memory and works in joblib worker processes.
"""
from __future__ import annotations

import base64
import io

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

_SVG_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "tabkit-report"}


def new_figure(width: float = 7.0, height: float = 4.0, *, nrows: int = 1, ncols: int = 1,
               **kwargs) -> tuple[Figure, Axes | list[Axes]]:
    """A figure with a grid of axes, laid out with the constrained layout engine."""
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    flat = [ax for row in axes for ax in row]
    return fig, flat[0] if len(flat) == 1 else flat


def figure_of(ax: Axes) -> Figure:
    """The top-level figure an Axes belongs to (plot functions may return any Axes)."""
    return ax.get_figure(root=True)


def to_data_uri(fig: Figure, *, fmt: str = "svg", dpi: int = 110) -> str:
    """Encode a figure as a ``data:`` URI: SVG for line and bar charts, PNG for dense ones.

    SVG output is deterministic (fixed element ids, no date in the metadata).
    """
    if fmt not in ("svg", "png"):
        raise ValueError(f"to_data_uri: fmt must be 'svg' or 'png', got {fmt!r}")
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with matplotlib.rc_context(_SVG_STYLE):
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"
