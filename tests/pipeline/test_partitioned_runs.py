"""Runs on partitioned data (``[data] format = "parquet"``) on a real Dask cluster of worker
processes on 127.0.0.1: the steps read the training rows one partition at a time, and give
what a run on the same rows loaded whole gives (the split, the baseline, LightGBM on one
worker); the net trains from memory-mapped arrays; what such a spec cannot do is refused
before any work."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pipeline_helpers import read_json

from tabkit.datasets import make_rossmann, write_rossmann
from tabkit.datasets.partitioned import partition_rossmann
from tabkit.pipeline.keys import SpecError
from tabkit.pipeline.runner import run_pipeline
from tabkit.pipeline.spec import validate
from tabkit.runs import RunReader

pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed", reason="the [distributed] extra is not installed")

LIGHTGBM = {"n_estimators": 40, "num_leaves": 15, "learning_rate": 0.1, "n_jobs": 1}
NET = {"layers": [32, 16], "epochs": 2, "lr": 0.01, "batch_size": 128, "y_range": "auto", "verbose": 0}
FOREST = {"n_estimators": 8, "max_features": 0.5, "min_samples_leaf": 3, "n_jobs": 1}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A small synthetic Rossmann data set as Kaggle's CSV files and as 3 partitions."""
    root = tmp_path_factory.mktemp("partitioned")
    write_rossmann(make_rossmann(9, seed=3), root / "csv")
    partition_rossmann(root / "csv", root / "parquet", 3)
    return root


def spec(folders, data_format: str, models: list[dict], **changes) -> dict:
    path = folders / ("parquet" if data_format == "parquet" else "csv")
    raw = {
        "name": f"part-{data_format}",
        "metric": "exp_rmspe",
        "seed": 7,
        "data": {"source": "rossmann", "path": str(path), "format": data_format},
        "features": {"builder": "rossmann", "log_target": True, "cache": False},
        "split": {"by": "test"},
        "baseline": {"by": ["Store", "DayOfWeek"]},
        "model": models,
        "output": {"report": False, "importance": False, "explain_worst": 1, "explain_random": 1},
        "compute": {"cluster": "local:1", "threads": 1},
    }
    raw.update(changes)
    return raw


def test_a_partitioned_run_gives_what_the_whole_rows_give(folders, tmp_path):
    """One worker: the same validation rows, the same baseline, LightGBM to 1e-9; the
    forest (fitted on a sample of every row here: sample_rows above the row count) the
    same too."""
    models = [
        {"name": "lightgbm", "kind": "lightgbm", "params": LIGHTGBM},
        {"name": "forest", "kind": "forest", "params": FOREST},
    ]
    whole = run_pipeline(spec(folders, "csv", models), out_dir=tmp_path / "whole", verbose=False)
    parts = run_pipeline(spec(folders, "parquet", models), out_dir=tmp_path / "parts", verbose=False)
    assert whole.status == parts.status == "complete"
    facts_whole = read_json(whole.run_dir / "metrics.json")["data"]
    facts_parts = read_json(parts.run_dir / "metrics.json")["data"]
    for key in ("n_train", "n_valid", "n_test", "valid_dates", "train_dates", "cat_names", "cont_names"):
        assert facts_parts[key] == facts_whole[key], key
    assert facts_parts["partitions"] == 3
    assert parts.scores["baseline"] == pytest.approx(whole.scores["baseline"], rel=1e-12)
    assert parts.scores["lightgbm"] == pytest.approx(whole.scores["lightgbm"], rel=1e-9)
    assert parts.scores["forest"] == pytest.approx(whole.scores["forest"], rel=0.05)
    # the submissions name the same rows; LightGBM's predictions agree
    mine = pd.read_csv(parts.run_dir / "submission.csv").sort_values("Id").reset_index(drop=True)
    theirs = pd.read_csv(whole.run_dir / "submission.csv").sort_values("Id").reset_index(drop=True)
    assert mine["Id"].tolist() == theirs["Id"].tolist()


def test_net_lightgbm_forest_and_blend_on_two_workers(folders, tmp_path):
    """Two workers, every kind a partitioned run fits: each beats the baseline; the net,
    loaded back from the run folder, scores the saved validation sample about as the run
    scored every validation row."""
    models = [
        {"name": "lightgbm", "kind": "lightgbm", "params": LIGHTGBM},
        {"name": "net", "kind": "embedding_net", "params": NET},
        {"name": "forest", "kind": "forest", "params": FOREST},
        {"name": "blend", "kind": "ensemble", "members": ["lightgbm", "net", "forest"], "weights": "validation"},
    ]
    raw = spec(folders, "parquet", models, compute={"cluster": "local:2", "threads": 1, "sample_rows": 2000})
    result = run_pipeline(raw, out_dir=tmp_path, verbose=False)
    assert result.status == "complete", result.error
    for name in ("lightgbm", "net", "forest", "blend"):
        assert result.scores[name] < result.scores["baseline"], name
    metrics = read_json(result.run_dir / "metrics.json")
    assert metrics["data"]["n_sample"] <= 2600
    assert metrics["models"]["forest"]["n_train"] == metrics["data"]["n_sample"]
    assert metrics["models"]["net"]["n_train"] == metrics["data"]["n_train"] > metrics["data"]["n_sample"]
    log = (result.run_dir / "log.txt").read_text()
    assert "stay in the partitions" in log
    assert not (tmp_path / ".work").exists() or not any((tmp_path / ".work").iterdir())
    net = RunReader(result.run_dir).model("net")
    sample = pd.read_parquet(result.run_dir / "valid_sample.parquet")
    actual = sample.pop("actual").to_numpy()
    error = np.sqrt(np.mean(((actual - net.predict(sample)) / actual) ** 2))
    assert error == pytest.approx(result.scores["net"], rel=0.5)


def test_same_seed_same_partitioned_run(folders, tmp_path):
    """On one worker a partitioned run is repeatable. On several, LightGBM trains data
    parallel: its bins and sums depend on which worker LightGBM ranks first, which
    lightgbm.dask decides at random, so two runs agree only closely."""
    models = [{"name": "lightgbm", "kind": "lightgbm", "params": LIGHTGBM}]
    raw = spec(folders, "parquet", models)
    first = run_pipeline(raw, out_dir=tmp_path / "a", verbose=False)
    second = run_pipeline(raw, out_dir=tmp_path / "b", verbose=False)
    assert first.scores == second.scores
    two = run_pipeline({**raw, "compute": {"cluster": "local:2", "threads": 1}}, out_dir=tmp_path / "c", verbose=False)
    assert two.scores["lightgbm"] == pytest.approx(first.scores["lightgbm"], rel=0.02), (two.scores, first.scores)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"compute": {}}, "compute.cluster"),
        ({"metric": "rmse", "split": {"by": "random", "fraction": 0.2}}, "split.by"),
        ({"features": {"builder": "rossmann", "target_means": ["Store"]}}, "features.target_means"),
    ],
)
def test_what_a_partitioned_spec_cannot_ask_is_refused(folders, change, message):
    raw = spec(folders, "parquet", [{"name": "lightgbm", "kind": "lightgbm", "params": LIGHTGBM}], **change)
    with pytest.raises(SpecError, match=message):
        validate(raw)


def test_lightgbm_early_stopping_and_unsupported_kinds_are_refused(folders):
    models = [
        {"name": "lightgbm", "kind": "lightgbm", "params": {**LIGHTGBM, "early_stopping_rounds": 5}},
        {"name": "net", "kind": "embedding_net", "params": NET, "seeds": 2},
    ]
    with pytest.raises(SpecError) as caught:
        validate(spec(folders, "parquet", models))
    assert "early_stopping_rounds" in str(caught.value)
    assert "seeds" in str(caught.value)


def test_a_partition_file_with_another_schema_is_named(folders, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(folders / "parquet", broken)
    victim = sorted((broken / "train").glob("*.parquet"))[1]
    frame = pd.read_parquet(victim).drop(columns=["Customers"])
    frame.to_parquet(victim, index=False)
    raw = spec(folders, "parquet", [{"name": "lightgbm", "kind": "lightgbm", "params": LIGHTGBM}])
    raw["data"]["path"] = str(broken)
    with pytest.raises(SpecError, match=victim.name):
        validate(raw)


def test_the_split_rule_is_the_whole_tables_rule():
    from tabkit.prep.split import first_valid_date, time_split

    rng = np.random.default_rng(0)
    dates = pd.Series(pd.to_datetime("2015-01-01") + pd.to_timedelta(rng.integers(0, 30, 500), unit="D"))
    frame = pd.DataFrame({"Date": dates})
    for n_valid in (1, 17, 200, 450):
        _, valid = time_split(frame, date="Date", valid_size=n_valid)
        first = first_valid_date(dates.value_counts(), n_valid)
        assert valid.tolist() == np.flatnonzero(dates >= first).tolist()


def test_a_memory_limit_too_small_for_a_partition_names_the_step(folders, tmp_path):
    """Workers of 250 MB cannot build a partition's features: the run fails in the
    features step, naming the partition's file, the limit and what to change."""
    from tabkit.pipeline.runner import PipelineError

    models = [{"name": "lightgbm", "kind": "lightgbm", "params": LIGHTGBM}]
    raw = spec(folders, "parquet", models, compute={"cluster": "local:1", "threads": 1, "memory_limit": "250MB"})
    with pytest.raises(PipelineError) as caught:
        run_pipeline(raw, out_dir=tmp_path, verbose=False)
    message = str(caught.value.__cause__)
    assert message.startswith("features: ")
    assert "train/part-0000" in message
    assert "0.2 GB" in message or "0.3 GB" in message, message
    assert "memory_limit" in message and "--partitions" in message
    assert caught.value.result.status == "failed"


def test_the_shipped_partitioned_spec_runs_from_the_command_line(folders, tmp_path):
    """pipelines/rossmann-partitioned.toml, made small, through ``tabkit run``."""
    from pipeline_helpers import REPO, run_cli

    overrides = [
        f"data.path={json.dumps(str(folders / 'parquet'))}",
        "compute.cluster='local:1'",
        "model.forest.params.n_estimators=4",
        "model.forest.params.n_jobs=1",
        "model.net.params.layers=[16, 8]",
        "model.net.params.batch_size=256",
        "model.lightgbm.params.n_estimators=20",
        "output.report=false",
        "output.importance=false",
    ]
    args = ["run", str(REPO / "pipelines" / "rossmann-partitioned.toml"), "--out", str(tmp_path), "--quiet"]
    for override in overrides:
        args += ["--set", override]
    done = run_cli(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    (run_dir,) = (tmp_path / "rossmann-partitioned").iterdir()
    board = pd.read_csv(run_dir / "leaderboard.csv")
    assert set(board["model"]) >= {"forest", "net", "lightgbm", "blend", "baseline"}
    # tabkit predict scores Kaggle's files of the same stores as the run scored its partitions
    best = json.loads((run_dir / "metrics.json").read_text())["submission"]["model"]
    out = tmp_path / "predicted.csv"
    predict = ["predict", str(run_dir), "--data", str(folders / "csv"), "--model", best, "-o", str(out)]
    done = run_cli(*predict, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    predicted, submitted = pd.read_csv(out), pd.read_csv(run_dir / "submission.csv")
    assert predicted["Id"].tolist() == submitted["Id"].tolist()
    np.testing.assert_allclose(predicted["Sales"], submitted["Sales"], rtol=1e-6)


def test_a_folder_of_the_other_format_says_which_to_set(folders):
    models = [{"name": "lightgbm", "kind": "lightgbm", "params": LIGHTGBM}]
    partitioned_as_csv = spec(folders, "csv", models)
    partitioned_as_csv["data"]["path"] = str(folders / "parquet")
    with pytest.raises(SpecError, match='it holds Parquet partitions: set data.format = "parquet"'):
        validate(partitioned_as_csv)
    csv_as_partitioned = spec(folders, "parquet", models)
    csv_as_partitioned["data"]["path"] = str(folders / "csv")
    with pytest.raises(SpecError, match="no partition files .* the folder `tabkit data partition`"):
        validate(csv_as_partitioned)


def test_a_kind_without_a_partitioned_fit_is_refused(folders):
    with pytest.raises(SpecError) as caught:
        validate(spec(folders, "parquet", [{"name": "cf", "kind": "collab", "params": {}}]))
    message = str(caught.value)
    assert "'collab' is not fitted on partitioned data" in message
    assert "embedding_forest, embedding_net, ensemble, forest, lightgbm" in message
