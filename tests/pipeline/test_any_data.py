"""Pipelines on data that is not Rossmann: csv regression and classification end to end,
scoring new data with a finished run, the spec checks that catch mistakes before any work,
the model-kind registry, signals and the spec reference."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pipeline_helpers import (
    REPO,
    TINY_FOREST,
    TINY_NET,
    only_run,
    read_json,
    run_cli,
    spec_dict,
    synthetic_bulldozers,
    write_spec,
)

from tabkit.pipeline.kinds import KINDS, ModelKind, register
from tabkit.pipeline.predict import load_run
from tabkit.pipeline.runner import PipelineError, run_pipeline
from tabkit.pipeline.spec import SpecError, validate
from tabkit.pipeline.spec.reference import spec_reference
from tabkit.runs import RunReader

TINY_GBM = {"n_estimators": 60, "learning_rate": 0.1, "num_leaves": 15, "early_stopping_rounds": 10}


def csv_spec(train: Path, test: Path | None, **changes) -> dict:
    """A bulldozers regression spec on the given files."""
    data = {"source": "csv", "train": str(train), "target": "SalePrice", "date": "saledate"}
    if test is not None:
        data.update(test=str(test), id="SalesID")
    spec = spec_dict(
        name="dozers",
        metric="rmsle",
        data=data,
        features={"log_target": True},
        split={"by": "fraction", "fraction": 0.2},
        baseline={"by": ["ModelID"]},
        model=[{"name": "forest", "kind": "forest", "params": TINY_FOREST}],
        output={
            "report": False,
            "importance_repeats": 1,
            "importance_rows": 200,
            "sample_rows": 50,
            "explain_worst": 2,
            "explain_random": 2,
        },
    )
    spec.update(changes)
    return spec


def labelled_csv(folder: Path, n_train: int = 1500, n_test: int = 200) -> tuple[Path, Path]:
    """The bulldozers files with a three-class label (price band) instead of the price."""
    train, test = synthetic_bulldozers(folder, n_train=n_train, n_test=n_test)
    for path in (train, test):
        frame = pd.read_csv(path)
        band = np.select([frame["YearMade"] > 1998, frame["YearMade"] > 1986], ["new", "mid"], "old")
        frame = frame.drop(columns="SalePrice", errors="ignore")
        if path == train:
            frame["Band"] = band
        frame.to_csv(path, index=False)
    return train, test


@pytest.fixture(scope="module")
def csv_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    train, test = synthetic_bulldozers(folder / "data", n_train=2000, n_test=300)
    spec = csv_spec(
        train,
        test,
        model=[
            {"name": "forest", "kind": "forest", "params": TINY_FOREST},
            {"name": "net", "kind": "embedding_net", "params": {**TINY_NET, "verbose": 1}},
            {"name": "gbm", "kind": "lightgbm", "params": TINY_GBM},
        ],
    )
    path = write_spec(folder / "dozers.toml", spec)
    done = run_cli("run", str(path), "--out", str(folder / "runs"), cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    return only_run(folder / "runs", "dozers"), test, done


@pytest.mark.slow
def test_predict_reproduces_the_csv_runs_submission_through_the_cli(csv_run, tmp_path):
    run, test, _ = csv_run
    done = run_cli("predict", str(run), "--data", str(test), "-o", str(tmp_path / "p.csv"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected, got = pd.read_csv(run / "submission.csv"), pd.read_csv(tmp_path / "p.csv")
    assert list(got.columns) == ["SalesID", "SalePrice"]
    np.testing.assert_array_equal(got["SalesID"], expected["SalesID"])
    np.testing.assert_allclose(got["SalePrice"], expected["SalePrice"], rtol=1e-9)
    for model in ("forest", "net", "gbm", "baseline"):
        frame = load_run(run).predict(pd.read_csv(test), model=model)
        assert len(frame) == 300 and (frame["SalePrice"] > 0).all()


@pytest.mark.slow
def test_predict_reproduces_the_synthetic_rossmann_submission(tmp_path, tiny_forest_spec):
    spec = dict(
        tiny_forest_spec,
        model=[
            {"name": "forest", "kind": "forest", "params": TINY_FOREST},
            {"name": "net", "kind": "embedding_net", "params": TINY_NET},
        ],
        output={**tiny_forest_spec["output"], "submission": "net"},
    )
    path = write_spec(tmp_path / "tiny.toml", spec)
    assert run_cli("run", str(path), "--out", str(tmp_path / "runs"), "--quiet", cwd=tmp_path).returncode == 0
    run = only_run(tmp_path / "runs", "tiny")
    data = spec["data"]
    written = run_cli(
        "data",
        "rossmann",
        "--synthetic",
        "--stores",
        str(data["n_stores"]),
        "--seed",
        str(data["seed"]),
        "--out",
        str(tmp_path / "rossmann"),
        cwd=tmp_path,
    )
    assert written.returncode == 0, written.stderr
    done = run_cli(
        "predict", str(run), "--data", str(tmp_path / "rossmann"), "-o", str(tmp_path / "p.csv"), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "of model net" in done.stdout
    expected, got = pd.read_csv(run / "submission.csv"), pd.read_csv(tmp_path / "p.csv")
    np.testing.assert_array_equal(got["Id"], expected["Id"])
    np.testing.assert_allclose(got["Sales"], expected["Sales"], rtol=1e-9)
    assert (got["Sales"] == 0).any()  # closed days predicted 0, as in the submission


@pytest.mark.slow
def test_predict_errors_name_what_is_wrong(csv_run, tmp_path):
    run, test, _ = csv_run
    done = run_cli("predict", str(run), "--data", str(test), "--model", "nett", cwd=tmp_path)
    assert done.returncode == 2 and "no model 'nett' (did you mean 'net'?); models: " in done.stderr
    lacking = tmp_path / "lacking.csv"
    pd.read_csv(test).drop(columns=["YearMade"]).to_csv(lacking, index=False)
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['YearMade'\]"):
        load_run(run).predict(lacking)
    unfinished = tmp_path / "runs" / "x" / "1"
    unfinished.mkdir(parents=True)
    (unfinished / "status.json").write_text('{"status": "running"}')
    done = run_cli("predict", str(unfinished), "--data", str(test), cwd=tmp_path)
    assert done.returncode == 2 and "is not complete (status: running)" in done.stderr
    assert "load only runs you trust" in run_cli("predict", "--help", cwd=tmp_path).stdout


@pytest.mark.slow
def test_predict_refuses_a_model_file_that_changed(csv_run, tmp_path):
    import shutil

    run, test, _ = csv_run
    copy = tmp_path / "copy" / "dozers" / run.name
    shutil.copytree(run, copy)
    model = copy / "models" / "forest" / "state.skops"
    model.write_bytes(model.read_bytes() + b"\0")
    with pytest.raises(ValueError, match="has changed since the run wrote it"):
        load_run(copy).predict(test, model="forest")


@pytest.mark.slow
def test_run_log_has_no_library_warnings_and_one_line_per_epoch(csv_run):
    run, _, done = csv_run
    assert "Could not infer format" not in done.stdout + done.stderr
    assert "Warning" not in done.stderr
    assert "\r" not in done.stdout + done.stderr and "\r" not in (run / "log.txt").read_text()
    epochs = [line for line in done.stderr.splitlines() if line.startswith("epoch ")]
    assert [line.split(":")[0] for line in epochs] == [f"epoch {i}/4" for i in range(1, 5)]
    assert all("valid_loss" in line and "rmsle" in line for line in epochs)


@pytest.mark.slow
def test_classification_with_every_kind_and_probabilities(tmp_path):
    train, test = labelled_csv(tmp_path / "data")
    models = [
        {"name": "forest", "kind": "forest", "params": TINY_FOREST},
        {
            "name": "net",
            "kind": "embedding_net",
            "params": {k: v for k, v in TINY_NET.items() if k != "y_range"} | {"epochs": 6},
        },
        {"name": "emb-forest", "kind": "embedding_forest", "net": "net", "params": TINY_FOREST},
    ]
    models.append({"name": "gbm", "kind": "lightgbm", "params": TINY_GBM})
    spec = csv_spec(
        train,
        test,
        metric="logloss",
        data={
            "source": "csv",
            "train": str(train),
            "test": str(test),
            "target": "Band",
            "id": "SalesID",
            "date": "saledate",
        },
        features={},
        baseline={},
        model=models,
        output={
            "report": False,
            "probabilities": True,
            "importance_repeats": 1,
            "importance_rows": 200,
            "explain_worst": 2,
            "explain_random": 2,
        },
    )
    path = write_spec(tmp_path / "bands.toml", spec)
    done = run_cli("run", str(path), "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    run = only_run(tmp_path / "runs", "dozers")
    metrics = read_json(run / "metrics.json")
    assert metrics["task"] == "classification" and metrics["data"]["classes"] == ["mid", "new", "old"]
    for model in models:
        assert metrics["models"][model["name"]]["score"] < metrics["baseline"]["score"], model["name"]
    submission = pd.read_csv(run / "submission.csv")
    assert list(submission.columns) == ["SalesID", "mid", "new", "old"]
    np.testing.assert_allclose(submission[["mid", "new", "old"]].sum(axis=1), 1.0, rtol=1e-6)
    probabilities = pd.read_parquet(run / "valid_probabilities.parquet")
    assert {"forest:mid", "net:old", "baseline:new"} <= set(probabilities.columns)
    for name in ("forest", "emb-forest", "gbm"):
        contrib = pd.read_csv(run / name / "contributions.csv")
        assert set(contrib["class"]) == {"mid", "new", "old"}
    predicted = load_run(run).predict(test, probabilities=False)
    assert set(predicted["Band"]) <= {"mid", "new", "old"}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"features": {"log_target": True}}, "features.log_target: applies to a regression"),
        ({"output": {"probabilities": True, "report": False}}, None),
        (
            {"model": [{"name": "net", "kind": "embedding_net", "params": {"y_range": "auto", "log_target": True}}]},
            "params.log_target: not a parameter of embedding_net for a classification",
        ),
    ],
)
def test_classification_spec_checks(tmp_path, change, message):
    train, test = labelled_csv(tmp_path, n_train=300, n_test=20)
    spec = csv_spec(
        train,
        test,
        metric="accuracy",
        features={},
        baseline={},
        data={
            "source": "csv",
            "train": str(train),
            "test": str(test),
            "target": "Band",
            "id": "SalesID",
            "date": "saledate",
        },
    )
    spec.update(change)
    if message is None:
        validate(spec)
        return
    with pytest.raises(SpecError, match=re.escape(message)):
        validate(spec)


def _bulldozers(tmp_path, **columns) -> tuple[Path, pd.DataFrame]:
    train, _ = synthetic_bulldozers(tmp_path, n_train=400, n_test=10)
    frame = pd.read_csv(train)
    for name, values in columns.items():
        frame[name] = values(frame)
    frame.to_csv(train, index=False)
    return train, frame


def test_a_numeric_date_is_refused_unless_a_format_reads_it(tmp_path):
    train, frame = _bulldozers(
        tmp_path, saledate=lambda f: pd.to_datetime(f["saledate"]).dt.strftime("%Y%m%d").astype(int)
    )
    with pytest.raises(SpecError, match=r"data.date: column 'saledate' holds numbers \(e.g. \d+\); say how to read"):
        validate(csv_spec(train, None))
    spec = csv_spec(train, None, data={**csv_spec(train, None)["data"], "date_format": "%Y%m%d"})
    result = run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    dates = read_json(result.run_dir / "metrics.json")["data"]["train_dates"]
    assert dates[0] >= "2000-01-01"
    unix = csv_spec(train, None, data={**csv_spec(train, None)["data"], "date_format": "unix_s"})
    seconds = (pd.to_datetime(frame["saledate"].astype(str)) - pd.Timestamp("1970-01-01")) // pd.Timedelta("1s")
    frame.assign(saledate=seconds).to_csv(train, index=False)
    result = run_pipeline(unix, out_dir=tmp_path / "runs", verbose=False)
    assert read_json(result.run_dir / "metrics.json")["data"]["train_dates"] == dates


@pytest.mark.parametrize("date_format", [None, "%Y-%m-%d %H:%M:%S%z"])
def test_time_zone_aware_dates_keep_their_local_wall_clock(tmp_path, date_format):
    def aware(frame):  # local midnights, an hour or more behind UTC in winter and summer
        return pd.to_datetime(frame["saledate"]).dt.tz_localize("America/Chicago").astype(str)

    train, _ = _bulldozers(tmp_path, saledate=aware)
    features = {"log_target": True, "date_time": True}
    data = {"date_format": date_format} if date_format else {}
    spec = csv_spec(train, None, features=features)
    spec["data"].update(data)
    result = run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    sample = pd.read_parquet(result.run_dir / "valid_sample.parquet")
    assert (sample["saleHour"] == 0).all()


@pytest.mark.parametrize(
    "drop, message",
    [
        (
            ["saledate"],
            "features.drop: 'saledate' is the date column (data.date), not a feature; drop its parts instead",
        ),
        (["YearMaid"], "features.drop: 'YearMaid' is not a column of the data; did you mean 'YearMade'?"),
        (["SalePrice"], "features.drop: 'SalePrice' is the target (data.target), not a feature"),
    ],
)
def test_features_drop_is_checked_against_the_data(tmp_path, drop, message):
    train, _ = synthetic_bulldozers(tmp_path, n_train=100, n_test=10)
    with pytest.raises(SpecError, match=re.escape(message)):
        validate(csv_spec(train, None, features={"drop": drop}))
    validate(csv_spec(train, None, features={"drop": ["MachineID", "saleElapsed"]}))


def test_missing_targets_are_reported_after_loading_or_dropped(tmp_path):
    train, frame = _bulldozers(tmp_path, SalePrice=lambda f: f["SalePrice"].where(f.index % 50 != 0))
    with pytest.raises(
        Exception, match=r"Train.csv: the target column 'SalePrice' is missing in 8 of 400 row\(s\)"
    ) as info:
        run_pipeline(csv_spec(train, None), out_dir=tmp_path / "runs", verbose=False)
    assert RunReader(info.value.result.run_dir).status["steps_done"] == []
    spec = csv_spec(train, None, data={**csv_spec(train, None)["data"], "drop_missing_target": True})
    result = run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    facts = read_json(result.run_dir / "metrics.json")["data"]
    assert facts["n_train"] + facts["n_valid"] == 392


def test_relative_paths_are_shown_resolved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = csv_spec(Path("data/Train.csv"), None)
    with pytest.raises(
        SpecError, match=re.escape(f"file not found: data/Train.csv (resolved: {tmp_path}/data/Train.csv)")
    ):
        validate(spec)


def test_a_model_worse_than_the_baseline_is_warned_about(tmp_path, tiny_forest_spec):
    spec = dict(
        tiny_forest_spec,
        model=[{"name": "stump", "kind": "forest", "params": {"n_estimators": 2, "min_samples_leaf": 100000}}],
    )
    result = run_pipeline(spec, out_dir=tmp_path, verbose=False)
    assert result.scores["stump"] > result.scores["baseline"]
    assert any("model stump scores worse than the baseline" in w for w in result.warnings)
    assert "warning: model stump scores worse than the baseline" in (result.run_dir / "log.txt").read_text()


class MedianRegressor:
    """A toy estimator: the training median, whatever the inputs."""

    def __init__(self, shift: float = 0.0, random_state=None):
        self.shift, self.random_state = shift, random_state

    def get_params(self, deep=False):
        return {"shift": self.shift, "random_state": self.random_state}

    def fit(self, X, y):
        self.median_ = float(np.median(y)) + self.shift
        return self

    def predict(self, X):
        return np.full(len(X), self.median_)


class MedianKind(ModelKind):
    name = "toy_median"
    estimators = {"regression": MedianRegressor}

    def pipeline_params(self, task):
        return ()

    def pipeline_values(self, entry, ctx):
        return {}


@pytest.fixture
def toy_kind():
    register(MedianKind())
    yield
    KINDS.pop("toy_median")


def test_a_kind_registered_from_a_test_module_runs_through_a_spec(tmp_path, tiny_forest_spec, toy_kind):
    spec = dict(tiny_forest_spec, model=[{"name": "median", "kind": "toy_median", "params": {"shift": 0.5}}])
    result = run_pipeline(spec, out_dir=tmp_path, verbose=False)
    info = read_json(result.run_dir / "metrics.json")["models"]["median"]
    assert info["kind"] == "toy_median" and info["params"]["shift"] == 0.5
    assert (result.run_dir / "median" / "importance.csv").is_file()
    assert not (result.run_dir / "median" / "contributions.csv").exists()
    with pytest.raises(
        SpecError, match="params.shfit: not a parameter of toy_median for a regression; did you mean 'shift'"
    ):
        validate(dict(spec, model=[{"name": "m", "kind": "toy_median", "params": {"shfit": 1}}]))


@pytest.mark.slow
def test_kind_names_are_compared_only_where_a_kind_is_declared():
    found = subprocess.run(
        ["grep", "-rln", "--include=*.py", '"embedding_net"', "tabkit/"], cwd=REPO, capture_output=True, text=True
    )
    assert found.stdout.split() == ["tabkit/pipeline/kinds/embedding_net.py"]


@pytest.mark.slow
def test_source_names_are_compared_nowhere():
    names = "|".join(["csv", "rossmann", "synthetic", "movielens", "synthetic_ratings"])
    pattern = rf'(==|!=|in \(|in \[)\s*"({names})"'
    found = subprocess.run(
        ["grep", "-rlnE", "--include=*.py", pattern, "tabkit/pipeline/"], cwd=REPO, capture_output=True, text=True
    )
    assert found.stdout.split() == []


def test_unknown_kind_gets_a_did_you_mean(tiny_forest_spec):
    spec = dict(tiny_forest_spec, model=[{"name": "f", "kind": "forrest"}])
    with pytest.raises(SpecError, match="'forrest' is not a model kind .*did you mean 'forest'"):
        validate(spec)


@pytest.mark.slow
def test_sigterm_marks_the_run_interrupted(tmp_path):
    spec = spec_dict(
        model=[{"name": "net", "kind": "embedding_net", "params": {**TINY_NET, "epochs": 200}}],
        output={"report": False},
    )
    path = write_spec(tmp_path / "tiny.toml", spec)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tabkit.cli", "run", str(path), "--out", str(tmp_path / "runs")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = list((tmp_path / "runs" / "tiny").glob("*/status.json"))
        if found and "baseline" in RunReader(found[0].parent).status["steps_done"]:
            break
        time.sleep(0.2)
    time.sleep(1.0)
    process.terminate()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGTERM, stderr  # a shell reports 143
    assert stderr.strip().splitlines()[-1] == "tabkit run: terminated; the run folder is marked interrupted"
    status = RunReader(only_run(tmp_path / "runs", "tiny")).status
    assert status["status"] == "interrupted" and status["error"].startswith("Terminated: terminated by signal SIGTERM")


def test_spec_reference_page_is_up_to_date():
    page = (REPO / "docs" / "spec.md").read_text(encoding="utf-8")
    assert page == spec_reference(), "regenerate it: python -m tabkit.pipeline.spec.reference docs/spec.md"


def test_data_without_dates_is_split_at_random(tmp_path):
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame["target"] = np.where(frame["target"] == 1, "benign", "malignant")
    frame.to_csv(tmp_path / "cancer.csv", index=False)
    spec = {
        "metric": "roc_auc",
        "seed": 3,
        "data": {"source": "csv", "train": str(tmp_path / "cancer.csv"), "target": "target"},
        "split": {"by": "random", "fraction": 0.25},
        "model": [{"name": "forest", "kind": "forest", "params": {"n_estimators": 20}}],
        "output": {"report": False, "importance_repeats": 1},
    }
    first = run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    again = run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    assert first.scores == again.scores and first.scores["forest"] > 0.95 > first.scores["baseline"]
    facts = read_json(first.run_dir / "metrics.json")["data"]
    assert facts["date"] is None and facts["train_dates"] is None
    assert 0.2 < facts["n_valid"] / (facts["n_train"] + facts["n_valid"]) < 0.3
    with pytest.raises(SpecError, match="'fraction' holds out the latest dates and needs data.date"):
        validate(dict(spec, split={"by": "fraction", "fraction": 0.2}))
    defaulted = validate(dict(spec, split={"by": "random"}))
    assert defaulted.split.fraction == 0.2  # recorded in the run's spec.toml too


def test_a_classification_metric_on_a_measured_target_is_refused_before_any_model(tmp_path):
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True, scaled=False).frame
    frame.to_csv(tmp_path / "diabetes.csv", index=False)
    spec = {
        "metric": "accuracy",
        "data": {"source": "csv", "train": str(tmp_path / "diabetes.csv"), "target": "target"},
        "split": {"by": "random"},
        "model": [{"name": "forest", "kind": "forest", "params": {"n_estimators": 5}}],
        "output": {"report": False},
    }
    with pytest.raises(
        PipelineError,
        match=r"metric 'accuracy' makes this a classification, but the target 'target' "
        r"is numeric with \d+ distinct values in \d+ training rows",
    ) as info:
        run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    assert "model:forest" not in read_json(info.value.result.run_dir / "status.json")["steps_done"]


def test_validation_classes_unseen_in_training_are_named(tmp_path):
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame({"x": rng.normal(size=n), "when": pd.date_range("2020-01-01", periods=n, freq="D")})
    frame["band"] = np.where(frame["x"] > 0, "high", "low")
    frame.loc[n - 3 :, "band"] = "new"  # only in the latest rows: the validation rows
    frame.to_csv(tmp_path / "bands.csv", index=False)
    spec = {
        "metric": "accuracy",
        "data": {"source": "csv", "train": str(tmp_path / "bands.csv"), "target": "band", "date": "when"},
        "split": {"by": "fraction"},
        "model": [{"name": "forest", "kind": "forest", "params": {"n_estimators": 5}}],
        "output": {"report": False},
    }
    with pytest.raises(
        PipelineError,
        match=r"validation rows hold class\(es\) of 'band' that no training row has: "
        r"\['new'\]",
    ):
        run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
