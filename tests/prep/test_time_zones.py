"""Time-zone-aware dates keep each row's local wall-clock time (issue 22): no conversion
to UTC, so a date at local midnight stays on its own day."""

import pandas as pd
import pytest

import tabkit as tk

NEW_YEAR = "2020-01-01T00:00:00+01:00"  # a Wednesday, local midnight; 2019-12-31 23:00 in UTC


@pytest.mark.parametrize(
    "values",
    [
        pd.Series([NEW_YEAR]),
        pd.Series(pd.to_datetime([NEW_YEAR])),
        pd.Series(pd.to_datetime(["2020-01-01 00:00"])).dt.tz_localize("Europe/Paris"),
    ],
    ids=["string", "fixed-offset", "named-zone"],
)
def test_a_local_midnight_keeps_its_own_date_parts(values):
    row = tk.add_datepart(pd.DataFrame({"Date": values}), "Date", time=True).iloc[0]
    assert (row.Year, row.Month, row.Day, row.Dayofweek, row.Dayofyear, row.Hour) == (2020, 1, 1, 2, 1, 0)
    assert row.Is_year_start and not row.Is_year_end
    assert row.Elapsed == pd.Timestamp("2020-01-01").timestamp()


def test_mixed_offsets_in_one_text_column_keep_each_rows_wall_clock():
    text = pd.Series(["2020-03-28T23:30:00+01:00", "2020-03-29T00:30:00+01:00", "2020-06-30T23:30:00+02:00", None])
    out = tk.add_datepart(pd.DataFrame({"Date": text}), "Date", time=True)
    assert out.Day.tolist()[:3] == [28, 29, 30]
    assert out.Hour.tolist()[:3] == [23, 0, 23]
    assert out.iloc[3].isna().all()


def test_elapsed_days_follow_the_local_date():
    # 00:30 and 12:00 on the same local day fall on two UTC days.
    local = ["2020-01-01T00:30:00+01:00", "2020-01-01T12:00:00+01:00", "2020-01-08T00:30:00+01:00"]
    frame = pd.DataFrame({"Date": local, "Promo": [1, 0, 0], "Store": 1})
    out = tk.add_elapsed(frame, "Promo", date="Date", by="Store")
    assert out.AfterPromo.tolist() == [0, 0, 7]
    assert out.Promo_bw.tolist() == [1, 1, 0]


def test_time_split_orders_rows_by_their_wall_clock():
    # The night summer time ends: 02:30+02:00 is 00:30 UTC, 02:15+01:00 is 01:15 UTC.
    instants = pd.to_datetime(["2020-10-25 00:30", "2020-10-25 01:15", "2020-10-24 12:00"], utc=True)
    frame = pd.DataFrame({"Date": instants.tz_convert("Europe/Berlin")})
    train, valid = tk.time_split(frame, date="Date", valid_size=1)
    assert valid.tolist() == [0] and train.tolist() == [1, 2]


def test_time_split_reads_mixed_offsets_in_text():
    text = ["2020-01-02T00:30:00+01:00", "2020-01-01T23:45:00+00:00", "2019-12-31T12:00:00+02:00"]
    train, valid = tk.time_split(pd.DataFrame({"Date": text}), date="Date", valid_size=1)
    assert valid.tolist() == [0] and train.tolist() == [1, 2]


def test_a_strftime_format_with_offsets_keeps_the_wall_clock():
    from tabkit.prep.dates import as_dates

    text = pd.Series(["01/01/2020 00:00 +0100", "06/30/2020 23:30 +0200", "13/45/2020 00:00 +0100"])
    with pytest.raises(ValueError, match=r"1 value\(s\) that are not dates, at row position\(s\) \[2\]"):
        as_dates(text, "when", "data.date", date_format="%m/%d/%Y %H:%M %z")
    dates = as_dates(text[:2], "when", "data.date", date_format="%m/%d/%Y %H:%M %z")
    assert dates.tolist() == [pd.Timestamp("2020-01-01 00:00"), pd.Timestamp("2020-06-30 23:30")]
    same_offset = as_dates(text[:1], "when", "data.date", date_format="%m/%d/%Y %H:%M %z")
    assert same_offset.tolist() == [pd.Timestamp("2020-01-01 00:00")]


def test_mixed_offsets_with_a_repeated_index_stay_in_row_order():
    text = pd.Series(
        ["2020-01-01T00:00:00+01:00", "2020-07-01T00:00:00+02:00", "2020-01-02T00:00:00Z"], index=[4, 4, 2]
    )
    out = tk.add_datepart(pd.DataFrame({"Date": text}), "Date")
    assert list(out.index) == [4, 4, 2]
    assert (out.Month.tolist(), out.Day.tolist()) == ([1, 7, 1], [1, 1, 2])
