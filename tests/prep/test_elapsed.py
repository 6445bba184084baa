import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tabkit as tk
from tabkit.prep.lineage import lineage_of


def brute_force(df, col, date, by):
    """Row by row: look at every other row of the group."""
    after, before, bw, fw = [], [], [], []
    for _, row in df.iterrows():
        group = df[df[by] == row[by]]
        offsets = (group[date] - row[date]).dt.days
        events = group[col].astype(bool)
        past, future = -offsets[events & (offsets <= 0)], offsets[events & (offsets >= 0)]
        after.append(past.min() if len(past) else np.nan)
        before.append(future.min() if len(future) else np.nan)
        bw.append(int((events & (offsets <= 0) & (offsets > -7)).sum()))
        fw.append(int((events & (offsets >= 0) & (offsets < 7)).sum()))
    return after, before, bw, fw


@st.composite
def event_frames(draw):
    n = draw(st.integers(1, 40))
    return pd.DataFrame(
        {
            "g": draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)),
            "Date": pd.Timestamp("2020-01-01")
            + pd.to_timedelta(draw(st.lists(st.integers(0, 30), min_size=n, max_size=n)), unit="D"),
            "e": draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)),
        }
    )


@settings(max_examples=60, deadline=None)
@given(event_frames())
def test_matches_brute_force(df):
    out = tk.add_elapsed(df, "e", date="Date", by="g")
    after, before, bw, fw = brute_force(df, "e", "Date", "g")
    np.testing.assert_array_equal(out["Aftere"], after)
    np.testing.assert_array_equal(out["Beforee"], before)
    np.testing.assert_array_equal(out["e_bw"], bw)
    np.testing.assert_array_equal(out["e_fw"], fw)


def test_keeps_order_index_and_input():
    df = pd.DataFrame(
        {"Store": [2, 1, 2], "Date": pd.to_datetime(["2020-01-02", "2020-01-01", "2020-01-01"]), "Promo": [0, 1, 1]},
        index=[10, 20, 30],
    )
    before = df.copy()
    out = tk.add_elapsed(df, ["Promo"], date="Date", by="Store")
    pd.testing.assert_frame_equal(df, before)
    assert list(out.index) == [10, 20, 30]
    assert list(out.AfterPromo) == [1, 0, 0]
    assert lineage_of(out)["BeforePromo"] == "Promo"


def test_whole_frame_is_one_group_without_by():
    df = pd.DataFrame({"Date": pd.to_datetime(["2020-01-01", "2020-01-05"]), "e": [True, False]})
    assert list(tk.add_elapsed(df, "e", date="Date").Aftere) == [0, 4]


@pytest.mark.parametrize(
    "frame,kwargs,message",
    [
        (pd.DataFrame({"Date": ["2020-01-01"], "e": [2]}), {}, "must hold 0/1 values.*e.g. 2"),
        (pd.DataFrame({"Date": ["2020-01-01"], "e": ["a"]}), {}, "'e' must hold 0/1"),
        (pd.DataFrame({"Date": [None], "e": [1]}), {}, "missing or unparsable"),
        (pd.DataFrame({"Date": ["2020-01-01"], "e": [1]}), {"by": "Store"}, r"\['Store'\]"),
    ],
)
def test_bad_input(frame, kwargs, message):
    with pytest.raises(ValueError, match=message):
        tk.add_elapsed(frame, "e", date="Date", **kwargs)
