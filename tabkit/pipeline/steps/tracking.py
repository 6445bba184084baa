"""``[output] mlflow = true``: a finished run logged as an MLflow run.

Where: the tracking URI MLflow is given (``MLFLOW_TRACKING_URI``, or one set in the
process with ``mlflow.set_tracking_uri``), else a local store beside the runs folder:
``mlflow.db`` (SQLite, MLflow's own default store) with the artifacts in ``mlruns/``, so
``mlflow ui`` started in that folder shows it. The experiment is the spec's name, the
MLflow run is named by the run's id (a child run when the caller has a run open).

What: the spec's keys as parameters (``model.<name>.params.<key>``); each model's score and
its fit, predict and explain seconds (``<model>/score``, ...) and each per-epoch (net) or
per-round (LightGBM) history column as metrics (``<model>/<column>``, one step per epoch
or round); ``spec.toml``, ``metrics.json``, the leaderboard, the submission and the report
as artifacts; each model as a ``pyfunc`` model (:class:`~tabkit.pipeline.steps.pyfunc.RunModel`)
with the input signature of the rows it predicted. A tracking server that does not answer,
or any failure while logging, is written to the log and leaves the run complete.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Real
from pathlib import Path

import pandas as pd

from tabkit import runs

__all__ = ["track_run"]

LOCAL_STORE = "mlflow.db"
LOCAL_ARTIFACTS = "mlruns"
PROBE_SECONDS = 10
SIGNATURE_ROWS = 100  # rows predicted to read a pyfunc model's output signature (the input one reads them all)


def track_run(run) -> None:
    """Log a finished run (a :class:`~tabkit.pipeline.steps.run.RunSteps`) to MLflow when its
    spec says ``[output] mlflow = true``; a failure is logged, never raised."""
    if not run.spec.output.mlflow:
        return
    started = time.perf_counter()
    try:
        where = _log_run(run)
    except Exception as exc:
        message = f"mlflow: tracking failed ({type(exc).__name__}: {exc}); the run itself is complete"
        run.result.warnings.append(message)
        run.log(message)
        return
    run.log(f"mlflow: logged {where} in {time.perf_counter() - started:.1f}s")


def _log_run(run) -> str:
    import mlflow

    with _tracking_uri(run.root) as (uri, artifacts), _quiet():
        _check_answers(uri)
        experiment = mlflow.get_experiment_by_name(run.spec.name)
        experiment_id = (
            experiment.experiment_id
            if experiment is not None
            else mlflow.create_experiment(run.spec.name, artifact_location=artifacts)
        )
        tags = {"tabkit.run_dir": str(run.writer.path), "tabkit.spec": run.spec.name}
        nested = mlflow.active_run() is not None  # inside a caller's run: a child run of it
        with mlflow.start_run(
            experiment_id=experiment_id, run_name=run.writer.run_id, tags=tags, nested=nested
        ) as active:
            _log_values(run, active.info.run_id)
            _log_artifacts(run)
            _log_models(run)
        return f"run {active.info.run_id} of experiment {run.spec.name!r} at {uri}"


@contextmanager
def _quiet() -> Iterator[None]:
    """MLflow's warnings and notes (its database set-up, its hints about signatures and
    pickled models) kept out of the run's output; errors still show."""
    logger = logging.getLogger("mlflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


@contextmanager
def _tracking_uri(root: Path) -> Iterator[tuple[str, str | None]]:
    """The tracking URI (and, for the local store, where new experiments keep their
    artifacts), set for the logging and unset after it."""
    import mlflow
    from mlflow.tracking import is_tracking_uri_set

    if is_tracking_uri_set():
        yield mlflow.get_tracking_uri(), None
        return
    uri, artifacts = _local_store(root)
    mlflow.set_tracking_uri(uri)
    try:
        yield uri, artifacts.as_uri()
    finally:
        mlflow.set_tracking_uri(None)


def _check_answers(uri: str) -> None:
    """Refuse an HTTP tracking server that does not answer within ``PROBE_SECONDS`` (MLflow
    itself retries for minutes)."""
    if not uri.startswith(("http://", "https://")):
        return
    import requests

    try:
        requests.head(uri, timeout=PROBE_SECONDS)
    except requests.RequestException as exc:
        raise ConnectionError(f"the MLflow tracking server {uri} does not answer ({type(exc).__name__})") from None


def _log_values(run, run_id: str) -> None:
    """Parameters and metrics, in MLflow's batches."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param
    from mlflow.utils.validation import MAX_METRICS_PER_BATCH, MAX_PARAM_VAL_LENGTH, MAX_PARAMS_TAGS_PER_BATCH

    client = MlflowClient()
    params = [Param(key, str(value)[:MAX_PARAM_VAL_LENGTH]) for key, value in spec_params(run.spec.to_dict()).items()]
    for start in range(0, len(params), MAX_PARAMS_TAGS_PER_BATCH):
        client.log_batch(run_id, params=params[start : start + MAX_PARAMS_TAGS_PER_BATCH])
    now = int(time.time() * 1000)
    metrics = [Metric(key, value, now, step) for key, value, step in run_metrics(run)]
    for start in range(0, len(metrics), MAX_METRICS_PER_BATCH):
        client.log_batch(run_id, metrics=metrics[start : start + MAX_METRICS_PER_BATCH])


def spec_params(spec: dict, prefix: str = "") -> dict[str, object]:
    """A spec's keys flattened: ``output.report``, ``model.<name>.params.<key>`` (the
    ``[[model]]`` tables by name); keys without a value are left out."""
    flat: dict[str, object] = {}
    for key, value in spec.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(spec_params(value, f"{name}."))
        elif key == "model" and isinstance(value, list):
            for entry in value:
                flat.update(spec_params(entry, f"model.{entry['name']}."))
        elif value is not None:
            flat[name] = value
    return flat


def run_metrics(run) -> Iterator[tuple[str, float, int]]:
    """``(key, value, step)``: each leaderboard row's score and seconds (step 0), then each
    model's history, one step per epoch or round."""
    board = run.result.leaderboard
    for _, row in board.iterrows():
        for column in ("score", "corrected", "fit_seconds", "predict_seconds", "explain_seconds"):
            value = row.get(column)
            if isinstance(value, Real) and math.isfinite(value):
                yield f"{_mlflow_name(row['model'])}/{column}", float(value), 0
    yield "run/duration_s", float(run.result.duration_s), 0
    for name, fitted in run.models.items():
        history = getattr(fitted.estimator, "history_", None)
        if isinstance(history, pd.DataFrame):
            yield from history_metrics(name, history)


def history_metrics(name: str, history: pd.DataFrame) -> Iterator[tuple[str, float, int]]:
    """A net's per-epoch history (step: its ``epoch``) or a booster's per-round one (step:
    the ``round`` index) as metrics ``<model>/<column>``."""
    steps = history["epoch"] if "epoch" in history.columns else pd.Series(history.index, index=history.index)
    for column in history.columns:
        if column == "epoch" or not pd.api.types.is_numeric_dtype(history[column]):
            continue
        for step, value in zip(steps, history[column]):
            if math.isfinite(value):
                yield f"{_mlflow_name(name)}/{column}", float(value), int(step)


def _log_artifacts(run) -> None:
    import mlflow

    for name in (runs.SPEC, runs.METRICS, runs.LEADERBOARD, runs.SUBMISSION):
        if (run.writer.path / name).is_file():
            mlflow.log_artifact(str(run.writer.path / name))
    if run.result.report is not None:
        mlflow.log_artifacts(str(Path(run.result.report).parent), artifact_path="report")


def _log_models(run) -> None:
    """Each model as a pyfunc model, its input signature read from the rows it predicted
    (the test rows, else the validation rows: a column missing in some is optional)."""
    import mlflow
    from mlflow.models import infer_signature

    import tabkit
    from tabkit.pipeline.steps.pyfunc import RunModel

    data = run.metrics["data"]
    submission = {
        "id_column": data["id"],
        "target": run.metrics["target"],
        "closed": data.get("closed"),
        "probabilities": run.spec.output.probabilities,
        "keys": data["keys"],
    }
    rows = run.split.test if run.split.test is not None else run.split.valid
    features = [*data["cat_names"], *data["cont_names"]]
    for name, fitted in run.models.items():
        correction = run.metrics["models"][name].get("correction")
        model = RunModel(fitted, features, correction, submission)
        example = rows[[c for c in model.columns if c in rows.columns]]
        mlflow.pyfunc.log_model(
            name=_mlflow_name(name),
            python_model=model,
            signature=infer_signature(example, model.predict(None, example.head(SIGNATURE_ROWS))),
            pip_requirements=[f"tabkit=={tabkit.__version__}"],
        )


def _mlflow_name(name: str) -> str:
    """A model's name as MLflow takes it in a model's or a metric's name (letters, digits,
    ``_``, ``-`` and ``.``; anything else becomes ``_``)."""
    return "".join(c if c.isalnum() or c in "_-." else "_" for c in name)


def _local_store(root: str | Path) -> tuple[str, Path]:
    """The local store's tracking URI and artifact folder for a runs folder ``root``."""
    project = Path(root).absolute().parent
    return f"sqlite:///{project / LOCAL_STORE}", project / LOCAL_ARTIFACTS
