"""The TabularProcessor's handling of infinite values and duplicated column names (issue 22)."""

import numpy as np
import pandas as pd
import pytest

import tabkit as tk


@pytest.fixture
def train():
    return pd.DataFrame(
        {
            "price": [1.0, np.inf, 3.0, 4.0, -np.inf, 6.0, np.nan],
            "size": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            "shop": ["a", "b", "a", "b", "a", "b", "a"],
        }
    )


def test_infinite_values_are_filled_flagged_and_counted(train):
    proc = tk.TabularProcessor(cont_names=["price", "size"]).fit(train)
    assert proc.n_infinite_ == {"price": 2}
    assert proc.fill_values_["price"] == 3.5  # the median of 1, 3, 4, 6
    assert proc.na_names_ == ["price_na"]
    out = proc.transform(train, normalize=True)
    assert np.isfinite(out["price"]).all()
    assert out["price_na"].tolist() == [1, 2, 1, 1, 2, 1, 2]
    assert np.isfinite([proc.means_["price"], proc.stds_["price"]]).all()
    raw = proc.transform(train)
    assert raw["price"].tolist() == [1.0, 3.5, 3.0, 4.0, 3.5, 6.0, 3.5]


def test_infinite_values_alone_make_a_missing_flag(train):
    proc = tk.TabularProcessor(cont_names=["price", "size"]).fit(train.assign(price=train["price"].fillna(2.0)))
    assert proc.na_names_ == ["price_na"] and proc.n_infinite_ == {"price": 2}
    none = tk.TabularProcessor(cont_names=["size"]).fit(train)
    assert none.n_infinite_ == {}


def test_infinite_values_at_transform_get_the_fill_value(train):
    proc = tk.TabularProcessor(cont_names=["price", "size"]).fit(train)
    later = proc.transform(train.assign(size=[np.inf, 1.0, 1.0, 1.0, 1.0, 1.0, -np.inf]), normalize=True)
    assert np.isfinite(later.to_numpy(np.float64)).all()
    assert later["size"].iloc[0] == later["size"].iloc[6] == pytest.approx(0.0)  # the median, standardised


@pytest.mark.parametrize("step", ["fit", "transform"])
def test_duplicated_column_names_are_refused(train, step):
    twice = pd.concat([train, train[["price"]]], axis=1)
    proc = tk.TabularProcessor(cont_names=["price", "size"])
    if step == "transform":
        proc.fit(train)
    message = rf"TabularProcessor\.{step}: X has 1 duplicated column name\(s\) \['price'\]"
    with pytest.raises(ValueError, match=message):
        getattr(proc, step)(twice)
