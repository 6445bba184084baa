"""Formatting of report values."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabkit.report.blocks import facts, fmt, table_from_frame


@pytest.mark.parametrize("value, text", [
    (2015, "2015"), (844338, "844,338"), (np.int64(3063), "3063"), (6953.2, "6953"),
    (12345.6, "12,346"), (0.10541, "0.1054"), (1.5e-5, "1.500e-05"), (0.0, "0"), (np.nan, ""),
    (None, ""), (True, "True"), ("<b>", "<b>"), (pd.Timestamp("2015-07-31"), "2015-07-31T00:00:00"),
])
def test_fmt(value, text):
    assert fmt(value) == text


def test_table_from_frame_caps_rows_and_says_so():
    table = table_from_frame(pd.DataFrame({"a": range(5)}), caption="numbers", max_rows=2)
    assert table.rows == [["0"], ["1"]] and table.caption == "numbers (first 2 of 5 rows)"


def test_facts_skip_missing_values():
    assert facts({"a": 1, "b": None, "c": float("nan")}).items == [("a", "1")]
