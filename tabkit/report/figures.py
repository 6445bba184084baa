"""Matplotlib figures as self-contained data URIs for the HTML report.

SVG keeps every text sharp and measurable; dense marks (thousands of dots) are drawn
rasterized inside it by the plots. The SVG is made compact before it is encoded: no
metadata, no unused group ids, one short font list, coordinates to 1/100 of a point. It
is written into the URI as text with only ``% # & ' \n`` percent-encoded (base64 would
add a third), for a single-quoted HTML attribute.
"""

from __future__ import annotations

import base64
import io
import re

import matplotlib
from markupsafe import Markup
from matplotlib.figure import Figure

_SVG_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "tabkit-report"}
SVG_URI_ESCAPES = str.maketrans({"%": "%25", "#": "%23", "&": "%26", "'": "%27", "\n": "%0A"})
"""What an SVG must escape to sit in a data URI inside a single-quoted HTML attribute
(the SVG is well-formed XML: text from the data is already entity-escaped in it)."""
FONTS = "'DejaVu Sans', Verdana, sans-serif"
"""The fonts a report's charts ask for: matplotlib's own (its text was laid out with it)
first."""


def compact_svg(svg: str) -> str:
    """The same drawing in fewer bytes (metadata, group ids and whitespace dropped,
    numbers in attributes cut to two decimals, the font list shortened)."""
    svg = re.sub(r"<metadata>.*?</metadata>|<!DOCTYPE[^>]*>", "", svg, flags=re.S)
    svg = re.sub(r'<g id="[^"]*"', "<g", svg)
    svg = re.sub(r' transform="rotate\(-0 [^)]*\)"', "", svg)
    svg = re.sub(r"font-family: [^;\"]*", "font-family: " + FONTS, svg)

    def attribute(match: re.Match) -> str:
        value = re.sub(r"\s*\n\s*", " ", match.group(2))
        return match.group(1) + re.sub(r"(\d\.\d\d)\d+", r"\1", value) + '"'

    svg = re.sub(r'(\s[\w:-]+=")([^"]*)"', attribute, svg)
    return re.sub(r">\s+<", "><", svg)


def to_data_uri(fig: Figure, *, fmt: str = "svg", dpi: int = 96) -> str:
    """Encode a figure as a ``data:`` URI: SVG (compacted, as escaped text, marked safe
    for a single-quoted attribute) or PNG (base64).

    SVG output is deterministic (fixed element ids, no date in the metadata); ``dpi`` sets
    the resolution of rasterized marks inside it (96: one pixel per CSS pixel at the
    figure's own size).
    """
    if fmt not in ("svg", "png"):
        raise ValueError(f"to_data_uri: fmt must be 'svg' or 'png', got {fmt!r}")
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with matplotlib.rc_context(_SVG_STYLE):
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    if fmt == "svg":
        svg = compact_svg(buffer.getvalue().decode("utf-8"))
        return Markup("data:image/svg+xml," + svg.translate(SVG_URI_ESCAPES))
    return f"data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"
