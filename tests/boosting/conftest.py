"""Small Rossmann-like frames and fitted LightGBM models shared by the boosting tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from boosting_data import make_frame, sales_labels

from tabkit.boosting import LightGBMClassifier, LightGBMRegressor


@pytest.fixture(scope="session")
def sales_data() -> tuple[pd.DataFrame, pd.Series]:
    return make_frame(600, seed=0)


@pytest.fixture(scope="session")
def sales_valid() -> tuple[pd.DataFrame, pd.Series]:
    return make_frame(300, seed=1)


@pytest.fixture(scope="session")
def regressor(sales_data) -> LightGBMRegressor:
    X, y = sales_data
    return LightGBMRegressor(n_estimators=60, random_state=0).fit(X, y)


@pytest.fixture(scope="session")
def classifier(sales_data) -> LightGBMClassifier:
    X, y = sales_data
    return LightGBMClassifier(n_estimators=40, random_state=0).fit(X, sales_labels(y))


@pytest.fixture(scope="session")
def binary_classifier(sales_data) -> LightGBMClassifier:
    X, y = sales_data
    return LightGBMClassifier(n_estimators=40, random_state=0).fit(X, np.where(y > 6000, "yes", "no"))
