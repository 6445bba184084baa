"""Runs on a real Dask cluster of worker processes on 127.0.0.1: the shipped synthetic
spec (made small) gives the leaderboard of a run in one process; the search fits its
candidates as cluster tasks; a worker killed in the middle of a fit fails that model (and
the model that needs it) while the others are recorded, and the run is marked failed."""

from __future__ import annotations

import os
import signal
import threading
import time

import pandas as pd
import pytest
from pipeline_helpers import REPO, TINY_FOREST, TINY_NET, only_run, read_json, run_cli, spec_dict

from tabkit.pipeline.runner import PipelineError, run_pipeline
from tabkit.pipeline.steps.cluster_fits import FIT_KEY, ModelsFailed
from tabkit.runs import RunReader

pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed", reason="the [distributed] extra is not installed")

SPEC = REPO / "pipelines" / "rossmann-synthetic.toml"
SMALL = [
    "data.n_stores=6",
    "model.forest.params.n_estimators=8",
    "model.net.params.layers=[64, 32]",
    "model.net.params.epochs=2",
    "model.net.params.batch_size=256",
    "model.embedding-forest.params.n_estimators=8",
    "model.lightgbm.params.n_estimators=300",
    "model.lightgbm.params.learning_rate=0.1",
    "model.lightgbm.params.n_jobs=1",  # LightGBM's sums depend on its thread count
    "output.report=false",
    "output.importance_rows=200",
    "output.importance_repeats=1",
    "output.explain_worst=1",
    "output.explain_random=1",
    "output.sample_rows=50",
]
EXACT = 1e-9  # forest and LightGBM: the same numbers, up to the order of a forest's sums
NETS = 1e-6  # the net, the forest on its embeddings and the blend of it: float sums of other thread counts


@pytest.fixture(scope="module")
def client():
    """A cluster the test can watch: two single-thread worker processes, restarted by
    their nannies when killed."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    client = distributed.Client(cluster, set_as_default=False)
    client.wait_for_workers(2)
    yield client
    client.close()
    cluster.close()


@pytest.mark.timeout(400)
def test_a_run_on_a_local_cluster_gives_the_leaderboard_of_one_process(tmp_path):
    here = run_pipeline(SPEC, overrides=SMALL, out_dir=tmp_path / "here", verbose=False)
    sets = [arg for change in SMALL for arg in ("--set", change)]
    done = run_cli("run", str(SPEC), *sets, "--cluster", "local:2", "--out", str(tmp_path / "cluster"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    there = only_run(tmp_path / "cluster", "rossmann-synthetic")

    columns = ["model", "kind", "score", "corrected", "factor"]
    local = here.leaderboard[columns].set_index("model")
    remote = pd.read_csv(there / "leaderboard.csv")[columns].set_index("model").loc[local.index]
    assert set(local.index) == {"baseline", "blend", "embedding-forest", "forest", "lightgbm", "net"}
    assert (remote["kind"] == local["kind"]).all()
    for model in local.index:
        tolerance = EXACT if model in ("baseline", "forest", "lightgbm") else NETS
        for column in ("score", "corrected", "factor"):
            assert remote.at[model, column] == pytest.approx(local.at[model, column], rel=tolerance, nan_ok=True), (
                model,
                column,
            )

    # the same run folder, written by the client
    files = lambda root: sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files(there) == files(here.run_dir)
    assert read_json(there / "status.json")["status"] == "complete"
    log = (there / "log.txt").read_text(encoding="utf-8")
    assert "cluster: a LocalCluster at tcp://127.0.0.1:" in log and "2 worker(s)" in log
    for model in local.index.drop("baseline"):
        assert f"model {model}: fitting on the Dask worker tcp://127.0.0.1:" in log
    spec = (there / "spec.toml").read_text(encoding="utf-8")
    assert '[compute]\ncluster = "local:2"' in spec


@pytest.mark.timeout(300)
def test_the_search_fits_its_candidates_as_cluster_tasks(client, tmp_path):
    model = {"name": "forest", "kind": "forest", "params": TINY_FOREST, "search": {"min_samples_leaf": [1, 3, 9]}}
    spec = spec_dict(model=[model], output={"report": False, "explain_worst": 0, "explain_random": 0})
    here = run_pipeline(spec, out_dir=tmp_path / "here", verbose=False)
    spec["compute"] = {"cluster": client.scheduler.address}
    with distributed.get_task_stream(client) as stream:
        there = run_pipeline(spec, out_dir=tmp_path / "there", verbose=False)
    keys = [str(task["key"]) for task in stream.data]
    assert any(key.startswith(f"{FIT_KEY}-forest-") for key in keys)
    assert any("run_fit" in key for key in keys), keys  # joblib's batches of candidates
    timing = ["fit_time", "score_time"]
    searched = [RunReader(run.run_dir).model_csv("forest", "search.csv").drop(columns=timing) for run in (here, there)]
    pd.testing.assert_frame_equal(searched[1], searched[0])
    assert there.scores["forest"] == pytest.approx(here.scores["forest"], rel=EXACT)
    threads = client.run(lambda: os.environ.get("LOKY_MAX_CPU_COUNT"))
    assert "1" in threads.values()  # joblib's n_jobs=-1 on a worker means its one thread


@pytest.mark.timeout(300)
def test_a_worker_killed_mid_fit_fails_its_model_and_the_others_finish(client, tmp_path):
    slow_net = {**TINY_NET, "epochs": 200}
    models = [
        {"name": "forest", "kind": "forest", "params": {**TINY_FOREST, "n_jobs": 1}},
        {"name": "net", "kind": "embedding_net", "params": slow_net},
        {"name": "emb-forest", "kind": "embedding_forest", "net": "net", "params": TINY_FOREST},
        {"name": "lgb", "kind": "lightgbm", "params": {"n_estimators": 30, "n_jobs": 1}},
        {"name": "blend", "kind": "ensemble", "members": ["forest", "lgb"]},
    ]
    spec = spec_dict(
        model=models,
        output={"report": False, "explain_worst": 0, "explain_random": 0},
        compute={"cluster": client.scheduler.address},
    )
    outcome: dict = {}
    runner = threading.Thread(target=_run_into, args=(spec, tmp_path / "runs", outcome))
    runner.start()
    worker = _worker_fitting(client, "net", deadline=time.monotonic() + 120)
    time.sleep(1.0)  # well into its epochs
    pid = client.run(os.getpid, workers=[worker])[worker]
    os.kill(pid, signal.SIGKILL)
    runner.join(timeout=240)
    assert not runner.is_alive()

    run_dir = only_run(tmp_path / "runs", "tiny")
    log = (run_dir / "log.txt").read_text(encoding="utf-8")
    error = outcome.get("error")
    assert isinstance(error, PipelineError) and isinstance(error.__cause__, ModelsFailed), (outcome, log)
    assert set(error.__cause__.failed) == {"net", "emb-forest"}, log
    assert f"the Dask worker {worker} fitting it died" in error.__cause__.failed["net"]
    assert error.__cause__.failed["emb-forest"] == "not fitted: it needs net, which failed"

    reader = RunReader(run_dir)
    assert reader.status["status"] == "failed"
    assert "2 model(s) failed on the cluster" in reader.status["error"]
    assert set(pd.read_csv(run_dir / "leaderboard.csv")["model"]) == {"baseline", "forest", "lgb", "blend"}
    assert set(reader.model_names) >= {"forest", "lgb", "blend"}
    assert not {"net", "emb-forest"} & set(reader.model_names)
    assert f"model net: failed: the Dask worker {worker} fitting it died (killed, or over its memory limit)" in log
    assert "model emb-forest: failed: not fitted: it needs net, which failed" in log


def _worker_fitting(client, model: str, deadline: float) -> str:
    """The worker whose running task fits ``model``."""
    while time.monotonic() < deadline:
        for worker, keys in client.processing().items():
            if any(str(key).startswith(f"{FIT_KEY}-{model}-") for key in keys):
                return worker
        time.sleep(0.1)
    raise AssertionError(f"no worker started fitting {model}")


@pytest.mark.timeout(300)
def test_a_cluster_whose_only_worker_dies_fits_the_models_after_it_on_the_restarted_worker(tmp_path):
    models = [
        {"name": "net", "kind": "embedding_net", "params": {**TINY_NET, "epochs": 200}},
        {"name": "forest", "kind": "forest", "params": {**TINY_FOREST, "n_jobs": 1}},
    ]
    spec = spec_dict(model=models, output={"report": False, "explain_worst": 0, "explain_random": 0})
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        spec["compute"] = {"cluster": cluster.scheduler_address, "timeout": 60}
        outcome: dict = {}
        runner = threading.Thread(target=_run_into, args=(spec, tmp_path / "runs", outcome))
        runner.start()
        worker = _worker_fitting(client, "net", deadline=time.monotonic() + 120)
        time.sleep(1.0)
        os.kill(client.run(os.getpid, workers=[worker])[worker], signal.SIGKILL)
        runner.join(timeout=240)
    assert not runner.is_alive()
    assert set(outcome["error"].__cause__.failed) == {"net"}
    log = (only_run(tmp_path / "runs", "tiny") / "log.txt").read_text(encoding="utf-8")
    assert "model forest: fitting on the Dask worker tcp://127.0.0.1:" in log  # the inputs sent again
    assert set(pd.read_csv(only_run(tmp_path / "runs", "tiny") / "leaderboard.csv")["model"]) == {"baseline", "forest"}


def _run_into(spec: dict, out_dir, outcome: dict) -> None:
    """Run ``spec``; its result or error lands in ``outcome``."""
    try:
        outcome["result"] = run_pipeline(spec, out_dir=out_dir, verbose=False)
    except BaseException as exc:
        outcome["error"] = exc


@pytest.mark.timeout(300)
def test_a_fit_that_raises_on_a_worker_fails_its_model_with_the_workers_traceback(client, tmp_path):
    models = [
        {"name": "cf", "kind": "collab", "params": {"user_col": "NoSuchColumn", "item_col": "Store", "epochs": 1}},
        {"name": "lgb", "kind": "lightgbm", "params": {"n_estimators": 30, "n_jobs": 1}},
    ]
    spec = spec_dict(
        model=models,
        output={"report": False, "explain_worst": 0, "explain_random": 0},
        compute={"cluster": client.scheduler.address},
    )
    with pytest.raises(PipelineError) as info:
        run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    failed = info.value.__cause__.failed
    assert set(failed) == {"cf"} and failed["cf"].startswith("ValueError: X has no column 'NoSuchColumn' (user_col)")
    run_dir = only_run(tmp_path / "runs", "tiny")
    assert set(pd.read_csv(run_dir / "leaderboard.csv")["model"]) == {"baseline", "lgb"}
    log = (run_dir / "log.txt").read_text(encoding="utf-8")
    assert "model cf: failed: ValueError: X has no column 'NoSuchColumn'" in log
    assert "Traceback (most recent call last)" in log and "fit_on_worker" in log  # raised there
