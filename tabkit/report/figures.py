"""Matplotlib figures as self-contained data URIs for the HTML report."""
from __future__ import annotations

import base64
import io

import matplotlib
from matplotlib.figure import Figure

_SVG_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "tabkit-report"}


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
