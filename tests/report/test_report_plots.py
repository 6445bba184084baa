"""The report's charts stay readable: no text under 10 px at the width they are shown,
their own width (7-inch figures: 672 px) or the 800-px layout's column, whichever is
smaller. The browser test measures the same on the displayed page."""

from __future__ import annotations

import re

from report_pages import read_page, svg_of

NARROWEST_COLUMN_PX = 740
"""The content column of the report at an 800-px viewport (the menu collapsed)."""


def test_every_chart_text_is_at_least_10_px_where_it_is_shown(report):
    images = [image for part in read_page(report).sections.values() for image in part.images]
    assert len(images) > 20
    for image in {image["src"]: image for image in images}.values():
        svg = svg_of(image)
        width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', svg).group(1))
        shown = min(width * 96 / 72, NARROWEST_COLUMN_PX)
        sizes = [float(size) for size in re.findall(r"font-size:\s*([0-9.]+)px", svg)]
        assert sizes, f"an SVG chart without text: {image['alt']}"
        smallest = min(sizes) * shown / width
        assert smallest >= 10, f"{smallest:.1f} px text in the chart {image['alt']}"
