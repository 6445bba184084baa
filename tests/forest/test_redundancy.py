"""redundant_features / spearman_linkage: near-duplicate columns by Spearman clustering."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestRegressor

from tabkit.forest.importance import permutation_importance
from tabkit.forest.redundancy import redundant_features, spearman_linkage


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.RandomState(0)
    n = 400
    year = rng.randint(2000, 2012, n)
    elapsed = (year - 2000) * 365 + rng.randint(0, 365, n)
    model = rng.choice(["x1", "x2", "y1", "y2"], n)
    return pd.DataFrame(
        {
            "saleYear": year,
            "saleElapsed": elapsed.astype(float),
            "fiModelDesc": model,
            "fiBaseModel": pd.Series(model).str[0],
            "Negated": -elapsed.astype(float),
            "Unrelated": rng.normal(size=n),
            "Flag": rng.rand(n) > 0.5,
        }
    )


def test_groups_near_duplicates(frame):
    groups = redundant_features(frame, threshold=0.85)
    assert sorted(map(sorted, groups.values())) == [
        ["Negated", "saleElapsed", "saleYear"],
        ["fiBaseModel", "fiModelDesc"],
    ]
    for name, members in groups.items():
        assert name == " + ".join(members)


def test_threshold_controls_grouping(frame):
    strict = redundant_features(frame, threshold=0.999)
    assert sorted(map(sorted, strict.values())) == [["Negated", "saleElapsed"]]
    assert redundant_features(frame[["Unrelated", "Flag"]], threshold=0.5) == {}


def test_missing_values_and_constants_are_handled(frame):
    holes = frame.copy()
    holes.loc[::7, "saleElapsed"] = np.nan
    holes["Constant"] = 1.0
    groups = redundant_features(holes, threshold=0.85)
    assert ["saleYear", "saleElapsed", "Negated"] in groups.values()
    assert not any("Constant" in members for members in groups.values())


def test_linkage_shape(frame):
    linkage, columns = spearman_linkage(frame)
    assert columns == list(frame.columns) and linkage.shape == (len(columns) - 1, 4)
    assert (linkage[:, 2] >= 0).all() and (linkage[:, 2] <= 1).all()


def test_usable_as_importance_groups(frame):
    numeric = frame.assign(
        fiModelDesc=frame["fiModelDesc"].factorize()[0], fiBaseModel=frame["fiBaseModel"].factorize()[0]
    )
    y = numeric["saleElapsed"] + numeric["Unrelated"]
    model = RandomForestRegressor(n_estimators=5, random_state=0).fit(numeric, y)
    groups = redundant_features(frame, threshold=0.85)
    result = permutation_importance(model, numeric, y, groups=groups, n_repeats=1, random_state=0)
    assert set(result["feature"]) == {*groups, "Unrelated", "Flag"}


@pytest.mark.parametrize(
    ("data", "kwargs", "error", "message"),
    [
        (pd.DataFrame({"a": [1, 2, 3]}), {}, ValueError, "at least two columns"),
        (pd.DataFrame({"a": [1], "b": [2]}), {}, ValueError, "at least two rows"),
        (pd.DataFrame({"a": [1, 2], "b": [2, 1]}), {"threshold": 0}, ValueError, "threshold must be in"),
        (np.zeros((3, 2)), {}, TypeError, "DataFrame"),
    ],
)
def test_bad_input(data, kwargs, error, message):
    with pytest.raises(error, match=message):
        redundant_features(data, **kwargs)
