"""``[output] mlflow = true`` against a real local MLflow store (SQLite beside the runs
folder): parameters, scores, seconds, histories, artifacts and pyfunc models that reproduce
submission.csv; a tracking server that does not answer; MLflow missing."""

from __future__ import annotations

import os
import socket
import sys

import numpy as np
import pandas as pd
import pytest
from pipeline_helpers import REPO, SMALL_ROSSMANN, read_json

from tabkit.datasets import make_rossmann
from tabkit.pipeline.predict import load_run
from tabkit.pipeline.runner import run_pipeline
from tabkit.pipeline.spec import SpecError, validate

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")  # read when mlflow is imported: the suite sends no usage data
mlflow = pytest.importorskip("mlflow", reason="the [mlflow] extra is not installed")


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    """The small Rossmann run logged to the local store; its MLflow run."""
    root = tmp_path_factory.mktemp("tracked")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        result = run_pipeline(
            REPO / "pipelines/rossmann-synthetic.toml",
            overrides=[
                *SMALL_ROSSMANN,
                "output.mlflow=true",
                "output.report=true",
                f"output.reports='{root / 'reports'}'",
            ],
            out_dir=root / "runs",
            verbose=False,
        )
    assert not mlflow.tracking.is_tracking_uri_set()  # the run left no tracking URI behind
    client = mlflow.MlflowClient(f"sqlite:///{root / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("rossmann-synthetic")
    (logged,) = client.search_runs([experiment.experiment_id])
    return result, client, logged


@pytest.fixture
def tracking_uri(tracked):
    """The local store as MLflow's tracking URI (what a user sets to load its models)."""
    mlflow.set_tracking_uri(tracked[1].tracking_uri)
    yield
    mlflow.set_tracking_uri(None)


@pytest.mark.slow
def test_the_run_is_an_mlflow_run_in_the_local_store(tracked):
    result, client, logged = tracked
    assert logged.info.run_name == result.run_dir.name and logged.info.status == "FINISHED"
    assert logged.data.tags["tabkit.run_dir"] == str(result.run_dir)
    params = logged.data.params
    assert params["data.n_stores"] == "6" and params["metric"] == "exp_rmspe"
    assert params["model.forest.params.n_estimators"] == "8" and params["model.blend.weights"] == "validation"
    assert "mlflow: logged run" in (result.run_dir / "log.txt").read_text()
    assert (result.run_dir.parents[2] / "mlruns").is_dir()  # the artifacts beside the database


@pytest.mark.slow
def test_scores_seconds_and_histories_are_metrics(tracked):
    result, client, logged = tracked
    metrics = logged.data.metrics
    board = pd.read_csv(result.run_dir / "leaderboard.csv")
    for _, row in board.iterrows():
        assert metrics[f"{row['model']}/score"] == pytest.approx(row["score"], rel=1e-12)
        assert metrics[f"{row['model']}/fit_seconds"] == pytest.approx(row["fit_seconds"], rel=1e-12)
    net = pd.read_csv(result.run_dir / "net" / "history.csv")
    logged_loss = client.get_metric_history(logged.info.run_id, "net/valid_loss")
    assert [m.step for m in logged_loss] == net["epoch"].tolist()
    np.testing.assert_allclose([m.value for m in logged_loss], net["valid_loss"], rtol=1e-12)
    rounds = pd.read_csv(result.run_dir / "lightgbm" / "history.csv")
    logged_rounds = client.get_metric_history(logged.info.run_id, "lightgbm/valid_l2")
    assert [m.step for m in logged_rounds] == rounds["round"].tolist()


@pytest.mark.slow
def test_leaderboard_submission_report_and_spec_are_artifacts(tracked):
    result, client, logged = tracked
    names = {item.path for item in client.list_artifacts(logged.info.run_id)}
    assert {"leaderboard.csv", "submission.csv", "spec.toml", "metrics.json", "report"} <= names
    report = {item.path for item in client.list_artifacts(logged.info.run_id, "report")}
    assert "report/index.html" in report and result.report.name == "index.html"


@pytest.mark.slow
def test_each_model_is_a_pyfunc_model_that_reproduces_the_submission(tracked, tracking_uri):
    result, client, logged = tracked
    models = {m.name: m for m in client.search_logged_models([logged.info.experiment_id])}
    assert {"forest", "net", "embedding-forest", "lightgbm", "blend"} <= set(models)
    chosen = read_json(result.run_dir / "metrics.json")["submission"]["model"]
    assert all(m.source_run_id == logged.info.run_id for m in models.values())
    model = mlflow.pyfunc.load_model(models[chosen].model_uri)
    inputs = model.metadata.get_input_schema().input_names()
    assert {"Id", "Open", "Store", "CompetitionDistance"} <= set(inputs)
    test_frame = load_run(result.run_dir).features(make_rossmann(6, seed=0))  # the run's test rows
    predicted = model.predict(test_frame)
    submission = pd.read_csv(result.run_dir / "submission.csv")
    np.testing.assert_array_equal(predicted["Id"], submission["Id"])
    np.testing.assert_allclose(predicted["Sales"], submission["Sales"], rtol=1e-9)


@pytest.fixture
def small_forest(tiny_forest_spec) -> dict:
    return dict(tiny_forest_spec, data={"source": "synthetic", "n_stores": 3, "seed": 1})


def test_a_tracking_server_that_does_not_answer_leaves_the_run_complete(tmp_path, small_forest, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{port}")
    spec = dict(small_forest, output={**small_forest["output"], "mlflow": True})
    result = run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    assert result.status == "complete" and read_json(result.run_dir / "status.json")["status"] == "complete"
    log = (result.run_dir / "log.txt").read_text()
    assert f"mlflow: tracking failed (ConnectionError: the MLflow tracking server http://127.0.0.1:{port}" in log
    assert "does not answer" in log and any("tracking failed" in w for w in result.warnings)


def test_mlflow_missing_is_a_spec_error_and_changes_nothing_else(tmp_path, small_forest, monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # the import system's "not importable"
    spec = dict(small_forest, output={**small_forest["output"], "mlflow": True})
    with pytest.raises(SpecError, match=r"output\.mlflow: needs MLflow.*pip install 'tabkit\[mlflow\]'"):
        validate(spec)
    result = run_pipeline(small_forest, out_dir=tmp_path / "runs", verbose=False)  # mlflow off: never imported
    assert result.status == "complete" and "mlflow:" not in (result.run_dir / "log.txt").read_text()
    assert not (tmp_path / "mlflow.db").exists()
