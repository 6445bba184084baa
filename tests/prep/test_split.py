import numpy as np
import pandas as pd
import pytest

import tabkit as tk


@pytest.fixture
def daily():
    # Dates 1..5 with 1, 2, 3, 4, 5 rows, shuffled.
    dates = np.repeat(pd.date_range("2020-01-01", periods=5).values, [1, 2, 3, 4, 5])
    return pd.DataFrame({"Date": dates}).sample(frac=1, random_state=0).reset_index(drop=True)


@pytest.mark.parametrize("valid_size,n_valid", [(5, 5), (6, 9), (9, 9), (1, 5), (0.5, 9), (14, 14)])
def test_latest_whole_dates_go_to_validation(daily, valid_size, n_valid):
    train, valid = tk.time_split(daily, date="Date", valid_size=valid_size)
    assert len(valid) == n_valid and len(train) == 15 - n_valid
    assert np.array_equal(np.sort(np.concatenate([train, valid])), np.arange(15))
    assert daily.Date.iloc[train].max() < daily.Date.iloc[valid].min()


@pytest.mark.parametrize(
    "valid_size,message",
    [
        (0, "between 1 and 14"),
        (15, "between 1 and 14"),
        (1.5, r"in \(0, 1\)"),
        (0.0, r"in \(0, 1\)"),
        ("10", "must be a number"),
        (15 - 1 + 0.0, r"in \(0, 1\)"),
    ],
)
def test_bad_sizes(daily, valid_size, message):
    with pytest.raises(ValueError, match=message):
        tk.time_split(daily, date="Date", valid_size=valid_size)


def test_no_train_rows_left():
    df = pd.DataFrame({"Date": ["2020-01-01"] * 3})
    with pytest.raises(ValueError, match="leave no training rows"):
        tk.time_split(df, date="Date", valid_size=1)


def test_missing_column_and_dates():
    with pytest.raises(ValueError, match="'Date' is not in the frame"):
        tk.time_split(pd.DataFrame({"x": [1, 2]}), date="Date", valid_size=1)
    with pytest.raises(ValueError, match="1 missing value"):
        tk.time_split(pd.DataFrame({"Date": ["2020-01-01", None]}), date="Date", valid_size=1)


def test_unparseable_dates_are_refused_with_their_positions_and_values():
    frame = pd.DataFrame({"Date": ["2020-01-01", "not a date", "2020-01-02", "2020-13-45", "", "2020-01-03"]})
    message = (
        r"time_split: column 'Date' has 3 value\(s\) that are not dates, at row position\(s\) \[1, 3, 4\]: "
        r"'not a date', '2020-13-45', ''"
    )
    with pytest.raises(ValueError, match=message):
        tk.time_split(frame, date="Date", valid_size=1)


def test_date_strings_are_ordered_as_dates_not_as_text():
    frame = pd.DataFrame({"Date": ["12/31/2019", "1/2/2020", "6/15/2019", "1/1/2020"]})
    train, valid = tk.time_split(frame, date="Date", valid_size=2)
    assert valid.tolist() == [1, 3] and train.tolist() == [0, 2]


def test_numbers_are_ordered_as_numbers():
    frame = pd.DataFrame({"Date": [2019, 2021, 2020, 2021]})
    train, valid = tk.time_split(frame, date="Date", valid_size=1)
    assert valid.tolist() == [1, 3] and train.tolist() == [0, 2]
    train, valid = tk.time_split(frame.assign(Date=[20191231, 20200102, 20200101, 20200102]), date="Date", valid_size=2)
    assert valid.tolist() == [1, 3] and train.tolist() == [0, 2]
    as_objects = frame.assign(Date=pd.Series([2019, 2021, 2020, 2021], dtype=object))
    train, valid = tk.time_split(as_objects, date="Date", valid_size=1)
    assert valid.tolist() == [1, 3] and train.tolist() == [0, 2]
