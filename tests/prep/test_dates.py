import pandas as pd
import pytest

import tabkit as tk
from tabkit.prep.dates import DATE_PARTS
from tabkit.prep.lineage import lineage_of


@pytest.fixture
def dates():
    return pd.DataFrame(
        {
            "Date": pd.to_datetime(["2015-07-31", "2014-12-31", "2013-01-01", "2015-03-29"]),
            "Sales": [1, 2, 3, 4],
        }
    )


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


@pytest.mark.parametrize(
    "column,prefix,expected",
    [
        ("saledate", None, "saleYear"),
        ("Date", None, "Year"),
        ("when", None, "whenYear"),
        ("Date", "d_", "d_Year"),
    ],
)
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


@pytest.mark.parametrize(
    "frame,message",
    [
        (pd.DataFrame({"x": [1]}), "'Date' is not in the frame"),
        (pd.DataFrame({"Date": ["2020-01-01", "not a date"]}), "not a date"),
    ],
)
def test_bad_input(frame, message):
    with pytest.raises(ValueError, match=message):
        tk.add_datepart(frame, "Date")


def test_time_zones_keep_the_local_wall_clock_everywhere():
    naive = pd.Series(pd.date_range("2015-03-28 20:00", periods=6, freq="7h"))  # across summer time
    aware = naive.dt.tz_localize("Europe/Berlin")
    frame = pd.DataFrame({"when": aware, "Promo": [1, 0, 0, 1, 0, 0], "Store": 1})
    expected = tk.add_datepart(pd.DataFrame({"when": naive}), "when", time=True)
    got = tk.add_datepart(frame[["when"]], "when", time=True)
    pd.testing.assert_frame_equal(got, expected)
    as_text = frame.assign(when=aware.astype(str))  # strings with +01:00 / +02:00 offsets
    pd.testing.assert_frame_equal(tk.add_datepart(as_text[["when"]], "when", time=True), expected)
    elapsed = tk.add_elapsed(frame, ["Promo"], date="when", by="Store")
    same = tk.add_elapsed(frame.assign(when=naive), ["Promo"], date="when", by="Store")
    pd.testing.assert_frame_equal(elapsed.drop(columns="when"), same.drop(columns="when"))
    train, valid = tk.time_split(frame, date="when", valid_size=2)
    assert valid.tolist() == [4, 5] and train.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("helper", ["add_datepart", "add_elapsed"])
def test_numbers_are_not_read_as_nanoseconds(helper):
    frame = pd.DataFrame({"day": [20150731, 20150801], "Promo": [1, 0], "Store": [1, 1]})
    with pytest.raises(ValueError, match=f"{helper}: column 'day' holds numbers \\(e.g. 20150731\\), not dates"):
        if helper == "add_datepart":
            tk.add_datepart(frame, "day")
        else:
            tk.add_elapsed(frame, ["Promo"], date="day", by="Store")
