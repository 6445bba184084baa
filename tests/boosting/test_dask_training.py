"""LightGBM trained with lightgbm.dask on a real LocalCluster, from rows a processor fitted
elsewhere encoded: on one worker it is the booster ``fit`` gives; what it cannot do is
refused before any work."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabkit.boosting.booster import processor_for
from tabkit.boosting.dask_training import fit_on_dask
from tabkit.boosting.estimators import LightGBMClassifier, LightGBMRegressor
from tabkit.prep.fit_inputs import encode

pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed", reason="the [distributed] extra is not installed")
da = pytest.importorskip("dask.array")

PARAMS = {"n_estimators": 30, "num_leaves": 15, "cat_names": ["a", "c"], "cont_names": ["b"], "random_state": 0}


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(0)
    n = 4000
    X = pd.DataFrame({"a": rng.integers(0, 10, n), "b": rng.normal(size=n), "c": rng.choice(["x", "y", "z"], n)})
    y = 2 * X["b"] + X["a"] + (X["c"] == "y") + rng.normal(scale=0.3, size=n)
    return X, y.to_numpy()


def dask_rows(processor, X, y):
    features = encode(processor, X)
    return da.from_array(features, chunks=(1000, features.shape[1])), da.from_array(y, chunks=1000)


def test_one_worker_gives_the_booster_fit_gives(client, rows):
    X, y = rows
    reference = LightGBMRegressor(**PARAMS).fit(X, y)
    processor = processor_for(LightGBMRegressor(**PARAMS)).fit(X)
    fitted = fit_on_dask(LightGBMRegressor(**PARAMS), processor, *dask_rows(processor, X, y), client)
    np.testing.assert_array_equal(fitted.predict(X), reference.predict(X))
    assert fitted.best_iteration_ == 30
    assert list(fitted.feature_names_in_) == ["a", "c", "b"]
    pd.testing.assert_series_equal(fitted.importances_by_feature_, reference.importances_by_feature_)


def test_what_it_cannot_train_is_refused(client, rows):
    X, y = rows
    processor = processor_for(LightGBMRegressor(**PARAMS)).fit(X)
    X_dask, y_dask = dask_rows(processor, X, y)
    with pytest.raises(ValueError, match="early_stopping_rounds=5"):
        fit_on_dask(LightGBMRegressor(**PARAMS, early_stopping_rounds=5), processor, X_dask, y_dask, client)
    with pytest.raises(ValueError, match="LightGBMClassifier"):
        fit_on_dask(LightGBMClassifier(**PARAMS), processor, X_dask, y_dask, client)
    with pytest.raises(ValueError, match="X has 2 columns, the processor gives 3 features"):
        fit_on_dask(LightGBMRegressor(**PARAMS), processor, X_dask[:, :2], y_dask, client)
