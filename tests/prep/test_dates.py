import pandas as pd
import pytest

import tabkit as tk
from tabkit.prep.dates import DATE_PARTS
from tabkit.prep.lineage import lineage_of


@pytest.fixture
def dates():
    return pd.DataFrame({
        "Date": pd.to_datetime(["2015-07-31", "2014-12-31", "2013-01-01", "2015-03-29"]),
        "Sales": [1, 2, 3, 4],
    })


def test_adds_fastai_parts_with_right_values(dates):
    out = tk.add_datepart(dates, "Date")
    assert "Date" not in out
    assert list(out.columns) == ["Sales", *DATE_PARTS, "Elapsed"]
    row = out.iloc[0]  # 2015-07-31, a Friday, end of month
    assert (row.Year, row.Month, row.Day, row.Dayofweek, row.Dayofyear) == (2015, 7, 31, 4, 212)
    assert row.Week == 31 and row.Is_month_end and not row.Is_month_start
    assert out.iloc[1].Is_year_end and out.iloc[1].Is_quarter_end
    assert out.iloc[2].Is_year_start and out.iloc[2].Is_quarter_start
    assert out.iloc[3].Week == 13  # ISO week of a Sunday belongs to the week before Monday
    assert out.Elapsed.iloc[2] == pd.Timestamp("2013-01-01").timestamp()


def test_does_not_modify_input_and_keeps_column_when_asked(dates):
    before = dates.copy()
    out = tk.add_datepart(dates, "Date", drop=False)
    pd.testing.assert_frame_equal(dates, before)
    assert "Date" in out


@pytest.mark.parametrize("column,prefix,expected", [
    ("saledate", None, "saleYear"),
    ("Date", None, "Year"),
    ("when", None, "whenYear"),
    ("Date", "d_", "d_Year"),
])
def test_prefix(column, prefix, expected):
    df = pd.DataFrame({column: pd.to_datetime(["2020-02-29"])})
    assert expected in tk.add_datepart(df, column, prefix=prefix).columns


def test_missing_dates_give_missing_parts():
    df = pd.DataFrame({"Date": pd.to_datetime(["2020-01-01", None])})
    out = tk.add_datepart(df, "Date")
    assert out.iloc[1].isna().all()
    assert out.iloc[0].Year == 2020


def test_strings_are_parsed_and_time_parts_added():
    df = pd.DataFrame({"Date": ["2020-01-01 13:45:10"]})
    out = tk.add_datepart(df, "Date", time=True)
    assert (out.Hour.iloc[0], out.Minute.iloc[0], out.Second.iloc[0]) == (13, 45, 10)


def test_records_lineage(dates):
    lineage = lineage_of(tk.add_datepart(dates, "Date"))
    assert set(lineage) == {*DATE_PARTS, "Elapsed"}
    assert set(lineage.values()) == {"Date"}


@pytest.mark.parametrize("frame,message", [
    (pd.DataFrame({"x": [1]}), "'Date' is not in the frame"),
    (pd.DataFrame({"Date": ["2020-01-01", "not a date"]}), "not a date"),
])
def test_bad_input(frame, message):
    with pytest.raises(ValueError, match=message):
        tk.add_datepart(frame, "Date")
