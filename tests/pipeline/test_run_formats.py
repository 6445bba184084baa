"""A run of the synthetic Rossmann spec saved in formats that load without running code:
every model reloads and predicts as the run did, ``tk.load_run`` reproduces the
submission, a run written the old way (joblib pickles) still loads after a warning, and a
pickle slipped into a run is never unpickled."""

from __future__ import annotations

import copyreg
import json
import pickle
import shutil
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from pipeline_helpers import REPO

from tabkit import runs
from tabkit.datasets import make_rossmann
from tabkit.pipeline.kinds import get_kind
from tabkit.pipeline.predict import load_run
from tabkit.pipeline.runner import run_pipeline

# pipelines/rossmann-synthetic.toml, every kind of it, with history features, target means and
# a seed average, made small: a few seconds on one core
OVERRIDES = [
    "data.n_stores=5",
    'features.history=[{group = "Store", windows = [28]}]',
    'features.target_means=[["Store"]]',
    "model.forest.params.n_estimators=5",
    "model.forest.params.n_jobs=1",
    "model.forest.search={}",
    "model.forest.seeds=[1, 2]",
    "model.net.params.epochs=1",
    "model.net.params.layers=[32, 16]",
    "model.embedding-forest.params.n_estimators=5",
    "model.embedding-forest.params.n_jobs=1",
    "model.lightgbm.params.n_estimators=40",
    "model.lightgbm.params.num_leaves=15",
    "model.lightgbm.params.early_stopping_rounds=5",
    "model.lightgbm.params.n_jobs=1",
    "output.report=false",
    "output.importance=false",
    "output.explain_worst=0",
    "output.explain_random=0",
]


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    spec = REPO / "pipelines" / "rossmann-synthetic.toml"
    result = run_pipeline(spec, overrides=OVERRIDES, out_dir=folder / "runs", verbose=False)
    assert result.status == "complete", result.error
    return result


@pytest.fixture(scope="module")
def new_data():
    """The synthetic data's files again: what ``tabkit data rossmann --synthetic`` writes."""
    return make_rossmann(5, seed=0)


def test_every_model_reloads_and_predicts_as_the_run_did(synthetic_run):
    run = load_run(synthetic_run.run_dir)
    reader = run.reader
    assert {path.split("/")[0] for path in reader.manifest["files"]} == {"models", "features"}
    assert {f["format"] for f in reader.manifest["files"].values()} == {"json", "skops", "safetensors", "lightgbm"}
    sample = reader.parquet(runs.VALID_SAMPLE)
    # the run's validation predictions of the rows it sampled into valid_sample.parquet
    rows = np.sort(np.random.default_rng(run.spec.seed).choice(reader.metrics["data"]["n_valid"], len(sample), False))
    expected = reader.parquet(runs.VALID_PREDICTIONS).iloc[rows]
    assert set(run.models) == {"forest", "net", "embedding-forest", "lightgbm", "blend", "baseline"}
    for name in run.models:
        model = run.model(name)
        got = model.predict(sample if name == runs.BASELINE else sample[run.feature_names]).values
        if name in ("net", "blend"):
            # a net's float32 output depends on how many rows share a batch (the BLAS kernel):
            # the run predicted every validation row at once; tests/test_model_files.py shows a
            # reloaded net is exact on the same rows
            np.testing.assert_allclose(got, expected[name], rtol=1e-6, err_msg=name)
        else:
            np.testing.assert_array_equal(got, expected[name], err_msg=name)


def test_load_run_reproduces_the_submission(synthetic_run, new_data):
    submission = pd.read_csv(synthetic_run.submission)
    again = load_run(synthetic_run.run_dir).submission(new_data)
    np.testing.assert_allclose(again["Sales"], submission["Sales"], rtol=1e-9)


def write_the_old_way(run_dir, folder):
    """A copy of a run as tabkit wrote it up to layout 2: each object a joblib pickle, an
    ensemble's members pickled as references to the run's files."""
    old = folder / run_dir.parent.name / run_dir.name
    shutil.copytree(run_dir, old, ignore=shutil.ignore_patterns("models", "features", runs.MANIFEST))
    loaded = load_run(run_dir)
    entries = {entry["name"]: entry for entry in loaded.spec.models}
    objects = {f"models/{runs.BASELINE}.joblib": loaded.reader.model(runs.BASELINE)}
    for name in loaded.models[:-1]:
        kind = get_kind(loaded.reader.model_info(name)["kind"])
        objects[f"models/{name}.joblib"] = kind.stored(loaded.reader.model(name), entries[name])
    objects["history.csv"] = loaded.reader.load(runs.HISTORY_FEATURES)  # where layout 2 kept them
    objects["target_means.joblib"] = loaded.reader.load(runs.TARGET_MEANS)
    files = {}
    (old / runs.MODELS).mkdir()
    copyreg.pickle(runs.ModelReference, lambda ref: (runs._referenced_model, (ref.name,)))
    try:
        for relative, obj in objects.items():
            joblib.dump(obj, old / relative)
            files[relative] = {"sha256": runs.file_digest(old / relative), "bytes": (old / relative).stat().st_size}
    finally:
        del copyreg.dispatch_table[runs.ModelReference]
    (old / runs.MANIFEST).write_text(json.dumps({"layout": 2, "files": files}))
    return old


def test_a_run_written_the_old_way_loads_after_a_warning(synthetic_run, new_data, tmp_path):
    old = write_the_old_way(synthetic_run.run_dir, tmp_path)
    run = load_run(old)
    with pytest.warns(runs.PickleWarning, match=r"as a pickle: loading it unpickles it, which runs code"):
        again = run.submission(new_data)
    np.testing.assert_allclose(again["Sales"], pd.read_csv(synthetic_run.submission)["Sales"], rtol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", runs.PickleWarning)  # warned once per file above or here
        blend = run.reader.model("blend")
        assert blend.named_estimators_["lightgbm"] is run.reader.model("lightgbm")


class WritesMarker:
    """Writes a marker file when unpickled."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")


def test_a_pickle_slipped_into_the_run_is_never_unpickled(synthetic_run, new_data, tmp_path):
    copy = tmp_path / "copy" / synthetic_run.run_dir.name
    shutil.copytree(synthetic_run.run_dir, copy)
    marker, evil = tmp_path / "marker", pickle.dumps(WritesMarker(tmp_path / "marker"))
    manifest = json.loads((copy / runs.MANIFEST).read_text())

    def slip(relative: str, format: str) -> None:  # as whoever hands over the folder can
        (copy / relative).write_bytes(evil)
        manifest["files"][relative] = {
            "sha256": runs.file_digest(copy / relative),
            "bytes": len(evil),
            "format": format,
        }
        (copy / runs.MANIFEST).write_text(json.dumps(manifest))

    slip("models/lightgbm/state.skops", "skops")
    with pytest.raises(runs.UntrustedFileError, match=r"models/lightgbm/state.skops is not a skops file"):
        load_run(copy).predict(new_data, model="lightgbm")
    shutil.rmtree(copy / "models" / "net")
    slip("models/net.joblib", "joblib")
    with pytest.raises(FileNotFoundError, match=r"models/net/object.json does not exist"):
        load_run(copy).predict(new_data, model="net")
    assert not marker.exists()
