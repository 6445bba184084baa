"""The search on a real Dask cluster (separate worker processes) through joblib."""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest

from tabkit.forest.estimators import ForestRegressor
from tabkit.search.validation_search import ValidationSearch

pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed", reason="the [distributed] extra is not installed")

GRID = {"n_estimators": [3, 6], "min_samples_leaf": [1, 4], "max_features": [0.5, 1.0]}


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def _search(n_jobs: int) -> ValidationSearch:
    return ValidationSearch(ForestRegressor(random_state=0), GRID, scoring="rmspe", n_jobs=n_jobs)


@pytest.mark.timeout(120)
def test_dask_cluster_gives_the_local_results(client, frame_regression):
    data = frame_regression
    local = _search(n_jobs=1).fit(**data.fit_args)
    with distributed.get_task_stream(client) as stream, joblib.parallel_config(backend="dask"):
        remote = _search(n_jobs=2).fit(**data.fit_args)
    workers = {task["worker"] for task in stream.data}
    assert workers and workers <= set(client.scheduler_info()["workers"])
    timing = ["fit_time", "score_time"]
    pd.testing.assert_frame_equal(remote.results_.drop(columns=timing), local.results_.drop(columns=timing))
    assert remote.best_params_ == local.best_params_
    assert remote.n_fits_ == local.n_fits_
    assert np.array_equal(remote.predict(data.X_val), local.predict(data.X_val))
