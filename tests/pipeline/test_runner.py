"""run_pipeline: the feature cache, failed and interrupted runs, overrides, csv sources and
the split options."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

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

from tabkit import runs
from tabkit.pipeline.runner import PipelineError, run_pipeline
from tabkit.pipeline.spec import SpecError, validate
from tabkit.pipeline.steps.features import build_features
from tabkit.runs import RunReader


def test_second_run_reads_features_from_cache(tmp_path, tiny_forest_spec):
    first = run_pipeline(tiny_forest_spec, out_dir=tmp_path, verbose=False)
    second = run_pipeline(tiny_forest_spec, out_dir=tmp_path, verbose=False)
    assert not first.features_cached and second.features_cached
    assert first.run_dir != second.run_dir and second.status == "complete"
    assert "feature building skipped" in (second.run_dir / "log.txt").read_text()
    assert "features: built" in (first.run_dir / "log.txt").read_text()
    assert first.scores == second.scores
    pd.testing.assert_frame_equal(
        pd.read_parquet(first.run_dir / "valid_sample.parquet"),
        pd.read_parquet(second.run_dir / "valid_sample.parquet"),
    )
    entries = list((tmp_path / ".cache").iterdir())
    assert len(entries) == 1 and (entries[0] / "meta.json").is_file()


@pytest.mark.parametrize("override", [["data.seed=2"], ["features.drop=['Events']"], ["data.n_stores=5"]])
def test_cache_key_follows_inputs_and_options(tmp_path, tiny_forest_spec, override):
    run_pipeline(tiny_forest_spec, out_dir=tmp_path, verbose=False)
    changed = run_pipeline(tiny_forest_spec, overrides=override, out_dir=tmp_path, verbose=False)
    assert not changed.features_cached


def test_cache_key_follows_file_bytes(tmp_path, tiny_forest_spec):
    from tabkit.datasets import make_rossmann, write_rossmann

    folder = write_rossmann(make_rossmann(4, seed=0), tmp_path / "data")
    spec = dict(tiny_forest_spec, data={"source": "rossmann", "path": str(folder)})
    assert not run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False).features_cached
    assert run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False).features_cached
    store = folder / "store.csv"
    store.write_text(store.read_text().replace(",a,", ",c,", 1))
    assert not run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False).features_cached


def test_cache_off_builds_every_time(tmp_path, tiny_forest_spec):
    spec = dict(tiny_forest_spec, features={"log_target": True, "cache": False})
    run_pipeline(spec, out_dir=tmp_path, verbose=False)
    assert not run_pipeline(spec, out_dir=tmp_path, verbose=False).features_cached
    assert not (tmp_path / ".cache").exists()


def test_failing_model_marks_run_failed_and_keeps_earlier_artefacts(tmp_path, tiny_forest_spec):
    spec = dict(
        tiny_forest_spec,
        model=[
            {"name": "forest", "kind": "forest", "params": TINY_FOREST},
            {"name": "broken", "kind": "lightgbm", "params": {"n_estimators": 5, "objective": "no-such-objective"}},
            {"name": "never", "kind": "forest", "params": TINY_FOREST},
        ],
    )
    with pytest.raises(PipelineError, match="no-such-objective") as info:
        run_pipeline(spec, out_dir=tmp_path, verbose=False)
    result = info.value.result
    assert result.status == "failed" and "no-such-objective" in result.error
    run = only_run(tmp_path, "tiny")
    status = RunReader(run).status
    assert status["status"] == "failed" and status["finished"] is not None
    assert "no-such-objective" in status["error"] and "Traceback" in status["traceback"]
    assert status["steps_done"] == ["features", "split", "baseline", "model:forest"]
    metrics = read_json(run / "metrics.json")
    assert list(metrics["models"]) == ["forest"]
    assert list(pd.read_csv(run / "leaderboard.csv")["model"]) == ["forest", "baseline"]
    assert list(pd.read_parquet(run / "valid_predictions.parquet").columns)[-1] == "forest"
    assert RunReader(run).model("forest").predict(
        pd.read_parquet(run / "valid_sample.parquet").drop(columns="actual")
    ).shape == (50,)
    assert not (run / "forest" / "importance.csv").exists()  # explanations follow every fit
    assert not (run / "models" / "broken").exists() and not (run / "broken").exists()
    assert not (run / "submission.csv").exists()
    assert not list(run.rglob("*.tmp"))
    assert "run failed" in (run / "log.txt").read_text()


@pytest.mark.slow
def test_cli_reports_a_failed_run_with_exit_1(tmp_path, tiny_forest_spec):
    spec = dict(
        tiny_forest_spec,
        model=[{"name": "broken", "kind": "lightgbm", "params": {"n_estimators": 5, "objective": "no-such-objective"}}],
    )
    done = run_cli("run", str(write_spec(tmp_path / "tiny.toml", spec)), "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert done.returncode == 1 and "pipeline run failed" in done.stderr and "no-such-objective" in done.stderr
    assert RunReader(only_run(tmp_path / "runs", "tiny")).status["status"] == "failed"


@pytest.mark.slow
def test_ctrl_c_marks_run_interrupted(tmp_path, interruptible):
    net = {**TINY_NET, "epochs": 200}
    spec = spec_dict(model=[{"name": "net", "kind": "embedding_net", "params": net}], output={"report": False})
    path = write_spec(tmp_path / "tiny.toml", spec)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tabkit.cli", "run", str(path), "--out", str(tmp_path / "runs")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        runs = list((tmp_path / "runs" / "tiny").glob("*/status.json"))
        if runs and "baseline" in RunReader(runs[0].parent).status["steps_done"]:
            break
        time.sleep(0.2)
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGINT, stderr  # ends by the signal: a shell reports 130
    status = RunReader(only_run(tmp_path / "runs", "tiny")).status
    assert status["status"] == "interrupted" and status["error"] == "KeyboardInterrupt"
    assert "model:net" not in status["steps_done"] and status["finished"] is not None


class _InterruptsWhenNamed:
    def __set_name__(self, owner, name):
        raise KeyboardInterrupt  # Ctrl-C landing while a class body runs (an import, say)


class InterruptedInImport:
    """An estimator whose fit is interrupted while it defines a class: Python hands the
    interrupt on as a RuntimeError caused by it."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def get_params(self, deep=False):
        return {"random_state": self.random_state}

    def fit(self, X, y):
        type("Imported", (), {"field": _InterruptsWhenNamed()})
        return self


@pytest.fixture
def interrupted_kind():
    from tabkit.pipeline.kinds import KINDS, ModelKind, register

    class InterruptedKind(ModelKind):
        name = "toy_interrupted"
        estimators = {"regression": InterruptedInImport}

        def pipeline_params(self, task):
            return ()

        def pipeline_values(self, entry, ctx):
            return {}

    register(InterruptedKind())
    yield
    KINDS.pop("toy_interrupted")


def test_an_interrupt_wrapped_by_python_still_marks_the_run_interrupted(tmp_path, tiny_forest_spec, interrupted_kind):
    spec = dict(tiny_forest_spec, model=[*tiny_forest_spec["model"], {"name": "late", "kind": "toy_interrupted"}])
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    reader = RunReader(only_run(tmp_path / "runs", "tiny"))
    assert reader.status["status"] == "interrupted" and reader.status["error"] == "KeyboardInterrupt"
    assert (
        "model:forest" in reader.status["steps_done"] and (reader.path / "models" / "forest" / "object.json").is_file()
    )


def test_overrides_apply_to_the_run(tmp_path, tiny_forest_spec):
    result = run_pipeline(
        tiny_forest_spec,
        overrides=["data.n_stores=3", "model.forest.params.n_estimators=4", "output.submission='baseline'"],
        out_dir=tmp_path,
        verbose=False,
    )
    metrics = read_json(result.run_dir / "metrics.json")
    assert metrics["data"]["source"] == "synthetic Rossmann (n_stores=3, seed=1)"
    assert metrics["models"]["forest"]["params"]["n_estimators"] == 4
    assert len(RunReader(result.run_dir).model("forest").forest_.estimators_) == 4
    assert "n_estimators = 4" in (result.run_dir / "spec.toml").read_text()
    assert "submission: " in (result.run_dir / "log.txt").read_text()
    assert "from model baseline" in (result.run_dir / "log.txt").read_text()


@pytest.mark.slow
def test_cli_set_overrides(tmp_path, tiny_forest_spec):
    path = write_spec(tmp_path / "tiny.toml", tiny_forest_spec)
    done = run_cli(
        "run",
        str(path),
        "--set",
        "data.n_stores=3",
        "--set",
        "model.0.params.n_estimators=2",
        "--set",
        "name=renamed",
        "--out",
        str(tmp_path / "runs"),
        "--quiet",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "features:" not in done.stdout and "run complete: " in done.stdout
    header = ["rank", "model", "kind", "exp_rmspe", "fit", "s", "predict", "s", "explain", "s"]
    assert done.stdout.splitlines()[0].split() == header
    run = only_run(tmp_path / "runs", "renamed")
    metrics = read_json(run / "metrics.json")
    assert metrics["spec_name"] == "renamed" and metrics["data"]["source"].endswith("(n_stores=3, seed=1)")
    assert metrics["models"]["forest"]["params"]["n_estimators"] == 2
    assert "with data.n_stores=3" in (run / "log.txt").read_text()


@pytest.mark.parametrize("split", [{"by": "days", "days": 10}, {"by": "fraction", "fraction": 0.2}])
def test_split_options(tmp_path, tiny_forest_spec, split):
    result = run_pipeline(dict(tiny_forest_spec, split=split), out_dir=tmp_path, verbose=False)
    valid = pd.read_parquet(result.run_dir / "valid_predictions.parquet")
    data = read_json(result.run_dir / "metrics.json")["data"]
    if split["by"] == "days":
        assert valid["Date"].nunique() == 10
        assert valid["Date"].max() - valid["Date"].min() == pd.Timedelta(days=9)
    else:
        assert 0.2 <= data["n_valid"] / (data["n_train"] + data["n_valid"]) < 0.21
    assert data["train_dates"][1] < data["valid_dates"][0]


@pytest.mark.slow
def test_bulldozers_spec_on_a_blue_book_csv(tmp_path):
    train, test = synthetic_bulldozers(tmp_path / "bulldozers")
    overrides = [
        f"data.train={train}",
        f"data.test={test}",
        "output.report=false",
        "model.forest.params={n_estimators = 10, min_samples_leaf = 3, max_features = 0.5}",
        "model.net.params={layers = [64, 32], epochs = 4, lr = 0.02, batch_size = 64, y_range = 'auto', verbose = 0}",
        "output.importance_rows=300",
        "output.importance_repeats=1",
    ]
    done = run_cli(
        "run",
        str(REPO / "pipelines" / "bulldozers.toml"),
        *sum((["--set", o] for o in overrides), []),
        "--out",
        str(tmp_path / "runs"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run = only_run(tmp_path / "runs", "bulldozers")
    metrics = read_json(run / "metrics.json")
    assert metrics["metric"] == "rmsle" and metrics["target"] == "SalePrice"
    assert 400 <= metrics["data"]["n_valid"] < 420 and metrics["baseline"]["name"] == "mean by ModelID"
    assert metrics["models"]["forest"]["score"] < metrics["baseline"]["score"]
    sample = pd.read_parquet(run / "valid_sample.parquet")
    assert {"saleYear", "saleMonth", "saleDayofweek", "saleElapsed", "ProductSize", "YearMade"} <= set(sample.columns)
    assert "SalesID" not in sample.columns and "saledate" not in sample.columns
    predictions = pd.read_parquet(run / "valid_predictions.parquet")
    assert list(predictions.columns[:2]) == ["saledate", "actual"]
    submission = pd.read_csv(run / "submission.csv")
    assert list(submission.columns) == ["SalesID", "SalePrice"]
    assert list(submission["SalesID"]) == list(pd.read_csv(test)["SalesID"])
    assert (submission["SalePrice"] > 0).all()


def test_csv_source_reports_missing_columns(tmp_path):
    train, test = synthetic_bulldozers(tmp_path / "b", n_train=200, n_test=20)
    spec = spec_dict(
        metric="rmsle",
        data={
            "source": "csv",
            "train": str(train),
            "test": str(test),
            "target": "Price",
            "id": "SalesID",
            "date": "saledate",
        },
        features={},
        model=[{"name": "forest", "kind": "forest", "params": TINY_FOREST}],
        output={"report": False},
    )
    with pytest.raises(SpecError, match=r"Train.csv has no column 'Price'; did you mean 'SalePrice'\?"):
        run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    assert not (tmp_path / "runs").exists()


def test_classification_with_accuracy(tmp_path):
    train, test = synthetic_bulldozers(tmp_path / "b", n_train=1500, n_test=200)
    for path in (train, test):
        frame = pd.read_csv(path)
        frame["Expensive"] = np.where(frame["YearMade"] > 1995, "yes", "no")
        if path == test:
            frame = frame.drop(columns="Expensive")
        frame.drop(columns="SalePrice", errors="ignore").to_csv(path, index=False)
    spec = spec_dict(
        metric="accuracy",
        data={
            "source": "csv",
            "train": str(train),
            "test": str(test),
            "target": "Expensive",
            "id": "SalesID",
            "date": "saledate",
        },
        features={},
        split={"by": "fraction", "fraction": 0.2},
        model=[{"name": "forest", "kind": "forest", "params": TINY_FOREST}],
        output={"report": False, "importance_repeats": 1},
    )
    result = run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    assert result.scores["forest"] > 0.95 > result.scores["baseline"]
    assert list(result.leaderboard["model"]) == ["forest", "baseline"]
    assert set(pd.read_csv(result.run_dir / "submission.csv")["Expensive"]) <= {"yes", "no"}
    contrib = pd.read_csv(result.run_dir / "forest" / "contributions.csv")
    assert set(contrib["class"]) == {"no", "yes"} and len(contrib) == 2 * contrib["row"].nunique()
    features = contrib.columns[contrib.columns.get_loc("prediction_std") + 1 :]
    np.testing.assert_allclose(contrib["bias"] + contrib[features].sum(axis=1), contrib["prediction"], atol=1e-9)


def test_target_means_come_from_training_rows_only(tmp_path, tiny_forest_spec):
    spec = dict(tiny_forest_spec, features={"log_target": True, "target_means": [["Store"], ["Store", "DayOfWeek"]]})
    result = run_pipeline(spec, out_dir=tmp_path, verbose=False)
    reader = RunReader(result.run_dir)
    means = reader.load(runs.TARGET_MEANS)
    assert means.names_ == ["Store_mean", "Store_DayOfWeek_mean"]
    forest = reader.model("forest")
    assert forest.processor_.cont_names_[-2:] == ["Store_mean", "Store_DayOfWeek_mean"]
    first_valid_date = pd.Timestamp(read_json(result.run_dir / "metrics.json")["data"]["valid_dates"][0])
    validated = validate(spec)
    features = build_features(validated.data, validated.features).train
    train = features.loc[features["Date"] < first_valid_date]
    store = train["Store"].iloc[0]
    log_sales = np.log(train.loc[train["Store"] == store, "Sales"])
    overall = np.log(train["Sales"]).mean()
    assert means.overall_mean_ == pytest.approx(overall)
    assert means.means_["Store_mean"][store] == pytest.approx((log_sales.sum() + 10 * overall) / (len(log_sales) + 10))
    sample = pd.read_parquet(result.run_dir / "valid_sample.parquet")
    assert {"Store_mean", "Store_DayOfWeek_mean"} <= set(sample.columns)
    assert "target means: added Store_mean, Store_DayOfWeek_mean" in (result.run_dir / "log.txt").read_text()
    assert len(pd.read_csv(result.run_dir / "submission.csv")) > 0


def test_target_means_need_a_regression(tmp_path):
    spec = spec_dict(metric="accuracy", features={"target_means": [["Store"]]})
    with pytest.raises(SpecError, match="features.target_means: needs a regression target"):
        run_pipeline(spec, out_dir=tmp_path, verbose=False)


def test_embedding_forest_on_principal_components_and_codes(tmp_path, tiny_forest_spec):
    spec = dict(
        tiny_forest_spec,
        model=[
            {"name": "net", "kind": "embedding_net", "params": TINY_NET},
            {
                "name": "pcs",
                "kind": "embedding_forest",
                "net": "net",
                "components": 2,
                "codes": True,
                "params": TINY_FOREST,
            },
        ],
    )
    result = run_pipeline(spec, out_dir=tmp_path, verbose=False)
    info = read_json(result.run_dir / "metrics.json")["models"]["pcs"]
    assert info["components"] == 2 and info["codes"] is True
    model = RunReader(result.run_dir).model("pcs")
    assert "Store_pc1" in model.forest_.feature_names_in_ and "Store" in model.forest_.feature_names_in_
    importance = pd.read_csv(result.run_dir / "pcs" / "importance.csv")
    assert "Store" in set(importance["feature"]) and not importance["feature"].str.contains("_pc").any()


def test_a_net_reports_the_same_metric_fitted_directly_or_through_a_spec(tmp_path, tiny_forest_spec):
    import tabkit as tk
    from tabkit.pipeline.steps.splitting import split_rows
    from tabkit.prep.target import target_transform

    params = {**TINY_NET, "y_range": None}
    spec = dict(tiny_forest_spec, model=[{"name": "net", "kind": "embedding_net", "params": params}])
    result = run_pipeline(spec, out_dir=tmp_path, verbose=False)
    through_spec = pd.read_csv(result.run_dir / "net" / "history.csv")
    validated = validate(spec)
    split = split_rows(
        build_features(validated.data, validated.features), validated.split, target_transform("log"), [], validated.seed
    )
    direct = tk.EmbeddingNetRegressor(
        **params, log_target=True, random_state=validated.seed, cat_names=split.cat_names, cont_names=split.cont_names
    )
    direct.fit(split.X_train, split.y_train, X_val=split.X_valid, y_val=split.y_valid, metric="exp_rmspe")
    np.testing.assert_allclose(direct.history_["exp_rmspe"], through_spec["exp_rmspe"], rtol=1e-9)
    np.testing.assert_allclose(direct.history_["valid_loss"], through_spec["valid_loss"], rtol=1e-9)
