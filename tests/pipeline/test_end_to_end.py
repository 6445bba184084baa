"""A tiny spec end to end through ``tabkit run`` in a subprocess: every artefact, the
submission, and models that beat the naive baseline; on generated data and on a
Kaggle-layout folder written by ``tabkit data rossmann --synthetic``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pipeline_helpers import REPO, only_run, read_json, run_cli, spec_dict, synthetic_bulldozers, write_spec

from tabkit.datasets import load_rossmann
from tabkit.pipeline.spec import validate
from tabkit.runs import RunReader

pytestmark = pytest.mark.slow

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

RUN_FILES = [
    "spec.toml",
    "status.json",
    "metrics.json",
    "leaderboard.csv",
    "log.txt",
    "submission.csv",
    "valid_predictions.parquet",
    "valid_sample.parquet",
]


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("e2e")
    spec = write_spec(root / "tiny.toml", spec_dict())
    done = run_cli("run", str(spec), "--out", str(root / "runs"), cwd=root)
    return only_run(root / "runs", "tiny"), done


@pytest.fixture(scope="module")
def kaggle_run(tmp_path_factory) -> tuple[Path, object, Path]:
    root = tmp_path_factory.mktemp("kaggle")
    data = root / "rossmann"
    written = run_cli("data", "rossmann", "--synthetic", "--out", str(data), "--stores", "8", "--seed", "3", cwd=root)
    assert written.returncode == 0, written.stderr
    models = [m for m in spec_dict()["model"] if m["kind"] != "embedding_forest"]
    spec = write_spec(
        root / "kaggle.toml", spec_dict(name="kaggle", data={"source": "rossmann", "path": str(data)}, model=models)
    )
    done = run_cli("run", str(spec), "--out", str(root / "runs"), cwd=root)
    return only_run(root / "runs", "kaggle"), done, data


def check_run(run: Path, done, models: dict[str, str]) -> None:
    """Every artefact of a complete tiny Rossmann run, and its numbers."""
    assert done.returncode == 0, done.stdout + done.stderr
    for name in RUN_FILES:
        assert (run / name).is_file(), name
    assert not list(run.rglob("*.tmp")), "temporary files left behind"

    status = read_json(run / "status.json")
    assert status["status"] == "complete" and status["error"] is None and status["duration_s"] > 0
    assert status["steps_done"][:3] == ["features", "split", "baseline"]
    assert status["steps_done"][-1] == "submission"
    assert {f"model:{m}" for m in models} <= set(status["steps_done"])

    spec = validate(tomllib.loads((run / "spec.toml").read_text()))
    assert [m["name"] for m in spec.models] == list(models)

    metrics = read_json(run / "metrics.json")
    assert metrics["metric"] == "exp_rmspe" and metrics["target"] == "Sales"
    assert metrics["target_transform"] == "log" and metrics["run_id"] == run.name
    assert set(metrics["versions"]) == {"tabkit", "python", "numpy", "pandas", "sklearn", "torch", "lightgbm"}
    data = metrics["data"]
    assert data["n_train"] > 1000 and data["n_valid"] > 0 and data["n_test"] > 0
    assert data["train_dates"][1] < data["valid_dates"][0]
    baseline = metrics["baseline"]["score"]
    assert metrics["baseline"]["name"] == "mean by Store, DayOfWeek"
    assert set(metrics["models"]) == set(models)
    for name, kind in models.items():
        info = metrics["models"][name]
        assert info["kind"] == kind and info["fit_seconds"] > 0 and info["predict_seconds"] > 0
        assert info["n_train"] == data["n_train"] and info["n_valid"] == data["n_valid"]
        assert "cat_names" not in info["params"]
        assert info["score"] < baseline, f"{name} does not beat the baseline"

    board = pd.read_csv(run / "leaderboard.csv")
    assert list(board.columns) == [
        "model",
        "kind",
        "score",
        "corrected",
        "factor",
        "fit_seconds",
        "predict_seconds",
        "explain_seconds",
        "note",
    ]
    assert set(board["model"]) == {"baseline", *models}
    assert board["score"].is_monotonic_increasing
    assert board.set_index("model").loc["baseline", "kind"] == "baseline"
    assert "leaderboard (validation exp_rmspe)" in done.stdout

    predictions = pd.read_parquet(run / "valid_predictions.parquet")
    assert list(predictions.columns) == ["Date", "Store", "actual", "baseline", *models]
    assert len(predictions) == data["n_valid"]
    actual = predictions["actual"].to_numpy()
    for name in models:
        error = np.sqrt(np.mean(((actual - predictions[name]) / actual) ** 2))
        assert error == pytest.approx(metrics["models"][name]["score"])

    sample = pd.read_parquet(run / "valid_sample.parquet")
    assert len(sample) == min(50, data["n_valid"]) and sample.columns[-1] == "actual"
    assert "Store" in sample.columns and "Date" not in sample.columns

    matched = _sample_positions(predictions, sample)
    assert len(matched) >= 20
    rows_by_model = []
    for name, kind in models.items():
        model = RunReader(run).model(name)
        reloaded = model.predict(sample.drop(columns="actual").iloc[list(matched)])
        if kind != "embedding_net":  # a net takes the log target itself and predicts Sales
            reloaded = np.exp(reloaded)
        np.testing.assert_allclose(reloaded, predictions[name].to_numpy()[list(matched.values())], rtol=1e-6)
        importance = pd.read_csv(run / name / "importance.csv")
        assert {"feature", "importance", "std"} <= set(importance.columns)
        assert importance["importance"].is_monotonic_decreasing
        if kind == "embedding_net":
            history = pd.read_csv(run / name / "history.csv")
            assert list(history["epoch"]) == [1, 2, 3, 4]
            assert history["exp_rmspe"].iloc[-1] == pytest.approx(metrics["models"][name]["score"], rel=1e-4)
            assert not (run / name / "contributions.csv").exists()
            continue
        contrib = pd.read_csv(run / name / "contributions.csv")
        assert list(contrib.columns[:6]) == ["row", "reason", "actual", "prediction", "bias", "prediction_std"]
        assert list(contrib["reason"]) == ["worst"] * 5 + ["random"] * 5
        features = contrib.columns[6:]
        np.testing.assert_allclose(contrib["bias"] + contrib[features].sum(axis=1), contrib["prediction"], rtol=1e-6)
        np.testing.assert_allclose(
            np.exp(contrib["prediction"]), predictions[name].to_numpy()[contrib["row"]], rtol=1e-6
        )
        best = board["model"][board["kind"] != "baseline"].iloc[0]
        errors = np.abs(actual - predictions[best]) / actual  # every model explains the best one's worst rows
        assert errors[contrib["row"][:5]].min() >= np.delete(errors.to_numpy(), contrib["row"][:5]).max()
        rows_by_model.append(list(contrib["row"]))
        explained = pd.read_csv(run / name / "explained_rows.csv", parse_dates=["Date"])
        assert list(explained.columns[:4]) == ["Store", "Date", "row", "reason"]
        assert list(explained["row"]) == list(contrib["row"])
        assert (explained["Date"].to_numpy() == predictions["Date"].to_numpy()[contrib["row"]]).all()
        if kind == "embedding_forest":
            assert "Store" in features and not any("_emb" in f for f in features)
            search = pd.read_csv(run / name / "search.csv")
            assert list(search["max_features"]) == [0.3, 0.6]
            assert metrics["models"][name]["best_params"]["max_features"] in (0.3, 0.6)
    assert rows_by_model and all(rows == rows_by_model[0] for rows in rows_by_model)


def _sample_positions(predictions: pd.DataFrame, sample: pd.DataFrame) -> dict[int, int]:
    """Sample row -> validation row, for the rows whose (Store, actual) pair is unique."""
    keys = list(zip(predictions["Store"], predictions["actual"]))
    unique = {key: i for i, key in enumerate(keys) if keys.count(key) == 1}
    wanted = list(zip(sample["Store"], sample["actual"]))
    return {i: unique[key] for i, key in enumerate(wanted) if key in unique}


def check_submission(run: Path, test: pd.DataFrame) -> None:
    """Kaggle's format: Id,Sales, one row per test Id in order, 0 exactly for closed stores."""
    submission = pd.read_csv(run / "submission.csv")
    assert list(submission.columns) == ["Id", "Sales"]
    assert list(submission["Id"]) == sorted(test["Id"])
    merged = submission.merge(test[["Id", "Open"]], on="Id")
    closed = merged["Open"] == 0
    assert closed.any() and (merged.loc[closed, "Sales"] == 0).all()
    assert (merged.loc[~closed, "Sales"] > 0).all()


def test_synthetic_run_writes_every_artefact(synthetic_run):
    run, done = synthetic_run
    check_run(run, done, {"forest": "forest", "net": "embedding_net", "emb-forest": "embedding_forest"})


def test_synthetic_run_submission_is_in_kaggle_format(synthetic_run):
    from tabkit.datasets import make_rossmann

    run, _ = synthetic_run
    check_submission(run, make_rossmann(8, seed=1)["test"])


def test_synthetic_run_prints_progress_and_leaderboard(synthetic_run):
    run, done = synthetic_run
    log = (run / "log.txt").read_text()
    for text in (
        "features: built",
        "split (test):",
        "baseline (mean by Store, DayOfWeek)",
        "model forest: exp_rmspe",
        "submission:",
        "run complete",
    ):
        assert text in log and text in done.stdout
    board = done.stdout.split("leaderboard (validation exp_rmspe):")[1]
    assert board.index("baseline") > board.index("forest")


def test_kaggle_layout_run(kaggle_run):
    run, done, data = kaggle_run
    check_run(run, done, {"forest": "forest", "net": "embedding_net"})
    check_submission(run, load_rossmann(data)["test"])
    assert read_json(run / "metrics.json")["data"]["source"] == f"Kaggle Rossmann files in {data}"


def test_shipped_specs_are_valid(tmp_path):
    from tabkit.datasets import make_rossmann, write_rossmann
    from tabkit.pipeline.spec import load_spec

    synthetic = load_spec(REPO / "pipelines" / "rossmann-synthetic.toml")
    assert synthetic.data["source"] == "synthetic"
    assert [m["kind"] for m in synthetic.models] == [
        "forest",
        "embedding_net",
        "embedding_forest",
        "lightgbm",
        "ensemble",
    ]
    folder = write_rossmann(make_rossmann(3, seed=0), tmp_path / "rossmann")
    real = load_spec(REPO / "pipelines" / "rossmann.toml", [f"data.path={folder}"])
    assert [m["kind"] for m in real.models] == [
        "forest",
        "embedding_net",
        "embedding_forest",
        "lightgbm",
        "ensemble",
    ]
    assert real.model("blend")["members"] == ["net", "lightgbm", "forest", "embedding-forest"]
    net = real.model("net")["params"]
    assert net["layers"] == [1000, 500] and net["dropout"] == [0.001, 0.01] and net["emb_dropout"] == 0.04
    assert (net["epochs"], net["lr"], net["weight_decay"], net["batch_size"]) == (8, 3e-3, 0.2, 512)
    train, test = synthetic_bulldozers(tmp_path / "bulldozers", n_train=50, n_test=10)
    bulldozers = load_spec(REPO / "pipelines" / "bulldozers.toml", [f"data.train={train}", f"data.test={test}"])
    assert (bulldozers.metric, bulldozers.data["target"], bulldozers.data["date"]) == ("rmsle", "SalePrice", "saledate")
