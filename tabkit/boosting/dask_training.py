"""LightGBM trained on a Dask cluster (``lightgbm.dask``), from rows a processor fitted
elsewhere has already encoded, as an ordinary :class:`~tabkit.LightGBMRegressor`: the rows
stay spread over the workers; what comes back is the booster, which predicts, explains and
saves as after :meth:`~tabkit.LightGBMRegressor.fit`."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tabkit.boosting.booster import booster_feature_names
from tabkit.prep.processor import TabularProcessor

__all__ = ["fit_on_dask"]


def fit_on_dask(estimator, processor: TabularProcessor, X: Any, y: Any, client: Any):
    """Train a :class:`~tabkit.LightGBMRegressor`'s booster with ``lightgbm.dask``.

    Parameters
    ----------
    estimator : LightGBMRegressor
        Unfitted; its parameters are the booster's (each worker trains with its own
        threads, whatever ``n_jobs`` says).
    processor : TabularProcessor
        Fitted (e.g. partition by partition); ``X`` holds its raw output.
    X : dask.array.Array of float32, shape (n_rows, n_features)
        The encoded training rows, chunked by row.
    y : dask.array.Array, shape (n_rows,)
        Their targets, chunked as ``X``.
    client : distributed.Client

    Returns
    -------
    estimator
        Fitted: ``processor_``, ``model_`` (a local ``lightgbm.LGBMRegressor``),
        ``best_iteration_``, ``feature_names_in_``.

    Raises
    ------
    ValueError
        For a classifier, ``early_stopping_rounds`` (rounds are fixed here), or ``X``
        whose columns are not the processor's features.
    """
    import lightgbm

    if not hasattr(estimator, "_model_class") or estimator._model_class is not lightgbm.LGBMRegressor:
        raise ValueError(f"fit_on_dask trains a LightGBMRegressor, not a {type(estimator).__name__}")
    estimator._validate_params()
    if estimator.early_stopping_rounds is not None:
        raise ValueError(
            f"fit_on_dask: early_stopping_rounds={estimator.early_stopping_rounds} is not supported on a cluster; "
            "give a fixed n_estimators"
        )
    names = processor.get_feature_names_out()
    if X.shape[1] != len(names):
        raise ValueError(f"fit_on_dask: X has {X.shape[1]} columns, the processor gives {len(names)} features")
    params = {key: value for key, value in estimator._lightgbm_params().items() if key != "n_jobs"}
    model = lightgbm.DaskLGBMRegressor(client=client, **params)
    with client.as_current(), warnings.catch_warnings():  # a client that is not the process's default
        # each worker trains with its own threads; lightgbm.dask says it ignores n_jobs
        warnings.filterwarnings("ignore", message="Parameter n_jobs will be ignored", category=UserWarning)
        model.fit(
            X,
            y,
            feature_name=booster_feature_names(names),
            categorical_feature=list(range(len(processor.cat_features_))),
        )
    estimator.__dict__.pop("history_", None)  # from an earlier fit
    estimator.processor_ = processor
    estimator.model_ = model.to_local()
    estimator._fitted_on_array = False
    estimator.feature_names_in_ = np.asarray(processor.feature_names_in_, dtype=object)
    estimator.n_features_in_ = len(estimator.feature_names_in_)
    estimator.best_iteration_ = estimator.model_.booster_.current_iteration()
    return estimator
