"""The report's charts stay readable: no text under 10 px when an SVG is shown 700 px wide."""
from __future__ import annotations

import re

from report_pages import decoded_images, read_page

SHOWN_WIDTH_PX = 700


def test_every_chart_text_is_at_least_10_px_at_700_px_wide(report):
    svgs = [image.decode() for image in decoded_images(read_page(report)) if image.startswith(b"<?xml")]
    assert len(svgs) > 20
    for svg in svgs:
        width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', svg).group(1))
        sizes = [float(size) for size in re.findall(r"font-size:\s*([0-9.]+)px", svg)]
        assert sizes, "an SVG chart without text"
        smallest = min(sizes) * SHOWN_WIDTH_PX / width
        title = re.search(r"<!-- (.*?) -->", svg)
        assert smallest >= 10, f"{smallest:.1f} px text in the chart {title.group(1) if title else '?'}"
