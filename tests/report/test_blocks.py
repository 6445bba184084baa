"""Formatting of report values and tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabkit.report.blocks import Table, amount, facts, fmt, seconds, table_from_frame, when


@pytest.mark.parametrize(
    "value, text",
    [
        (2015, "2015"),
        (844338, "844,338"),
        (np.int64(3063), "3063"),
        (6953.2, "6953"),
        (12345.6, "12,346"),
        (0.10541, "0.1054"),
        (1.5e-5, "1.500e-05"),
        (0.0, "0"),
        (np.nan, ""),
        (None, ""),
        (True, "True"),
        ("<b>", "<b>"),
        (pd.Timestamp("2015-07-31"), "2015-07-31"),
        (pd.Timestamp("2015-07-31 12:30:05"), "2015-07-31 12:30:05"),
    ],
)
def test_fmt(value, text):
    assert fmt(value) == text


@pytest.mark.parametrize(
    "value, text", [(12.345, "12.3"), (0.0512, "0.05"), (1234.5, "1,234.5"), (None, ""), (float("nan"), "")]
)
def test_seconds(value, text):
    assert seconds(value) == text


@pytest.mark.parametrize(
    "value, text",
    [(4547.2, "4,547"), (12150.0, "12,150"), (0.105, "0.105"), (2015, "2,015"), (None, ""), (float("nan"), "")],
)
def test_amount_separates_thousands(value, text):
    assert amount(value) == text


@pytest.mark.parametrize(
    "iso, text",
    [
        ("2026-11-29T21:24:49.312038+00:00", "2026-11-29 21:24:49 UTC"),
        ("2026-11-29T22:24:49.9+01:00", "2026-11-29 21:24:49 UTC"),
        ("2026-11-29T21:24:49", "2026-11-29 21:24:49"),
        (None, None),
        ("", None),
    ],
)
def test_when_drops_microseconds(iso, text):
    assert when(iso) == text


def test_table_from_frame_folds_the_rows_beyond_max_rows():
    table = table_from_frame(pd.DataFrame({"a": range(5)}), caption="numbers", max_rows=2)
    assert table.rows == [["0"], ["1"]] and table.more == [["2"], ["3"], ["4"]] and table.caption == "numbers"


def test_numeric_columns_are_found_for_alignment_and_sorting():
    table = Table(
        ["name", "score", "change", "when"],
        [
            ["a", "0.1054", "+4.2%", "2015-07-31"],
            ["b", "12,346", "", "2015-08-01"],
            ["c", "1.500e-05", "-0.5%", "2015-08-02"],
        ],
    )
    assert table.numeric == [False, True, True, False]


def test_facts_skip_missing_values():
    assert facts({"a": 1, "b": None, "c": float("nan")}).items == [("a", "1")]


def test_an_svg_chart_travels_as_escaped_text_in_a_single_quoted_attribute():
    import re
    import urllib.parse
    from html.parser import HTMLParser

    from matplotlib.figure import Figure as Chart

    from tabkit.report.blocks import Figure
    from tabkit.report.figures import compact_svg, to_data_uri
    from tabkit.report.rendering import environment

    chart = Chart()
    chart.add_subplot().set_title("50% of #1 & 'two' <script>")
    uri = to_data_uri(chart)
    header, payload = uri.split(",", 1)
    assert header == "data:image/svg+xml"
    assert not {"'", "&", "#", "\n"} & set(payload) and not re.search(r"%(?![0-9A-F]{2})", payload)
    svg = urllib.parse.unquote(payload)
    assert svg == compact_svg(svg) and "50% of #1 &amp; 'two' &lt;script&gt;" in svg

    html = environment().from_string('{% from "macros.html" import block %}{{ block(b) }}').render(b=Figure(uri, "a"))
    sources = []
    parser = HTMLParser()
    parser.handle_starttag = lambda tag, attrs: sources.extend([dict(attrs)["src"]] if tag == "img" else [])
    parser.feed(html)
    assert sources == [uri]
