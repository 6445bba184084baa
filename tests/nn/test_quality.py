"""The net against a per-store / day-of-week mean and the default forest, on synthetic
Rossmann data: 300 stores, March to July 2015, the latest 10 % of the rows as validation."""

import numpy as np
import pandas as pd
import pytest

import tabkit as tk
from tabkit.datasets.features import ROSSMANN_CAT, ROSSMANN_CONT, rossmann_features
from tabkit.metrics import rmspe

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rossmann():
    tables = tk.datasets.make_rossmann(n_stores=300, start="2015-03-01", seed=0)
    train, _ = rossmann_features(tables)
    train_rows, valid_rows = tk.time_split(train, date="Date", valid_size=0.1)
    X, y = train[ROSSMANN_CAT + ROSSMANN_CONT], train["Sales"].to_numpy(np.float64)
    return X.iloc[train_rows], y[train_rows], X.iloc[valid_rows], y[valid_rows]


@pytest.fixture(scope="module")
def net_score(rossmann):
    X, y, X_val, y_val = rossmann
    net = tk.EmbeddingNetRegressor(
        (200, 100),
        epochs=8,
        batch_size=256,
        lr=1e-2,
        log_target=True,
        cat_names=ROSSMANN_CAT,
        cont_names=ROSSMANN_CONT,
        device="cpu",
        random_state=0,
        verbose=0,
    )
    net.fit(X, y, X_val=X_val, y_val=y_val, metric="rmspe")
    return rmspe(y_val, net.predict(X_val))


def test_net_beats_store_day_of_week_mean(rossmann, net_score):
    X, y, X_val, y_val = rossmann
    means = pd.Series(np.log(y)).groupby([X["Store"].to_numpy(), X["DayOfWeek"].to_numpy()]).mean()
    baseline = np.exp(means.reindex(pd.MultiIndex.from_frame(X_val[["Store", "DayOfWeek"]])).to_numpy())
    assert net_score < 0.7 * rmspe(y_val, baseline)


def test_net_beats_default_forest(rossmann, net_score):
    X, y, X_val, y_val = rossmann
    forest = tk.ForestRegressor(random_state=0, cat_names=ROSSMANN_CAT, cont_names=ROSSMANN_CONT)
    forest.fit(X, np.log(y))
    assert net_score < rmspe(y_val, np.exp(forest.predict(X_val)))
