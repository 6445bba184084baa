"""ONNX export: onnxruntime reproduces ``tabkit predict`` on a small run of
pipelines/rossmann-synthetic.toml, the processor is in the graph, unseen and missing values
take the processor's paths, and the kinds that cannot be exported say why."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pipeline_helpers import REPO, SMALL_ROSSMANN, run_cli

from tabkit.datasets import make_rossmann
from tabkit.export import ExportError, onnx_inputs
from tabkit.pipeline.predict import load_run
from tabkit.pipeline.runner import run_pipeline
from tabkit.prep.target import TargetTransform

ort = pytest.importorskip("onnxruntime", reason="the [onnx] extra is not installed")
onnx = pytest.importorskip("onnx", reason="the [onnx] extra is not installed")

EXPORTED = ["forest", "net", "lightgbm", "blend"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The small run, its test tables and every exportable model written as ONNX."""
    root = tmp_path_factory.mktemp("onnx")
    result = run_pipeline(
        REPO / "pipelines/rossmann-synthetic.toml", overrides=SMALL_ROSSMANN, out_dir=root, verbose=False
    )
    run = load_run(result.run_dir)
    paths = {name: run.export_onnx(root / "onnx", name) for name in EXPORTED}
    return run, make_rossmann(6, seed=0), paths


def predict_onnx(path, frame: pd.DataFrame) -> np.ndarray:
    description = json.loads(path.with_suffix(".json").read_text())
    session = ort.InferenceSession(str(path))
    return session.run(None, onnx_inputs(frame, description["inputs"]))[0]


@pytest.mark.parametrize("name", EXPORTED)
def test_onnxruntime_reproduces_tabkit_predict(exported, name):
    run, tables, paths = exported
    frame = run.features(tables)
    predicted = predict_onnx(paths[name], frame)[:, 0]
    description = json.loads(paths[name].with_suffix(".json").read_text())
    closed = frame[description["closed_column"]].fillna(1).to_numpy() == 0
    ours = pd.DataFrame({"Id": frame["Id"].to_numpy(), "Sales": np.where(closed, 0.0, predicted)})
    expected = run.submission(tables, model=name)  # what `tabkit predict` writes
    ours = ours.sort_values("Id", kind="stable").reset_index(drop=True)
    np.testing.assert_array_equal(ours["Id"], expected["Id"])
    np.testing.assert_allclose(ours["Sales"], expected["Sales"], rtol=1e-5, atol=0)
    assert (~closed).sum() > 100 and closed.any()


def test_the_submission_model_matches_submission_csv(exported, tmp_path):
    run, tables, _ = exported
    path = run.export_onnx(tmp_path)  # default: the model that made submission.csv
    assert path.stem == run.default_model
    frame = run.features(tables)
    values = predict_onnx(path, frame)[:, 0] * (frame["Open"].fillna(1).to_numpy() != 0)
    ours = pd.DataFrame({"Id": frame["Id"], "Sales": values}).sort_values("Id")
    submission = pd.read_csv(run.reader.path / "submission.csv")
    np.testing.assert_allclose(ours["Sales"], submission["Sales"], rtol=1e-5)


def test_the_processor_is_inside_each_graph(exported):
    _, _, paths = exported
    ops = {name: {node.op_type for node in onnx.load(str(path)).graph.node} for name, path in paths.items()}
    for name in EXPORTED:
        assert {"LabelEncoder", "Imputer", "IsNaN"} <= ops[name], name
    assert "Scaler" in ops["net"] and "Scaler" not in ops["forest"] and "Scaler" not in ops["lightgbm"]
    assert {"TreeEnsembleRegressor", "Scaler"} <= ops["blend"]  # its members' graphs, one graph


def test_the_json_names_the_inputs(exported):
    run, _, paths = exported
    description = json.loads(paths["net"].with_suffix(".json").read_text())
    inputs = {column["name"]: column for column in description["inputs"]}
    assert list(inputs) == run.feature_names
    assert inputs["Store"]["dtype"] == "int64" and inputs["Store"]["role"] == "categorical"
    assert inputs["StoreType"]["dtype"] == "string" and inputs["CompetitionDistance"]["dtype"] == "double"
    graph_inputs = [value.name for value in onnx.load(str(paths["net"])).graph.input]
    assert graph_inputs == run.feature_names
    assert description["kind"] == "embedding_net" and description["outputs"].keys() == {"prediction"}
    with pytest.raises(ValueError, match=r"lacks the model's input column\(s\) \['Store'\]"):
        onnx_inputs(run.features(exported[1]).drop(columns="Store"), description["inputs"])


@pytest.mark.parametrize("name", ["forest", "net", "lightgbm"])
def test_unseen_missing_and_infinite_values_take_the_processors_paths(exported, name):
    run, tables, paths = exported
    frame = run.features(tables).head(40).copy()
    frame.loc[frame.index[:10], "Store"] = 999  # a store the run never saw: code 0
    frame["StoreType"] = frame["StoreType"].astype(object)
    frame.loc[frame.index[5:15], "StoreType"] = np.nan  # missing text
    frame.loc[frame.index[15:20], "StoreType"] = "zzz"  # unseen text
    frame.loc[frame.index[20:25], "StoreType"] = 3  # a number in a text column
    frame.loc[frame.index[::3], "CompetitionDistance"] = np.nan  # fill (and no _na flag for this column)
    frame.loc[frame.index[1::7], "CloudCover"] = np.inf  # infinite: missing, with its _na flag
    fitted = run.model(name)
    expected = fitted.predict(frame[run.feature_names]).values
    factor = (run.reader.model_info(name).get("correction") or {}).get("factor")
    if (run.reader.model_info(name).get("correction") or {}).get("applied"):
        expected = expected * factor
    np.testing.assert_allclose(predict_onnx(paths[name], frame)[:, 0], expected, rtol=1e-5)


def test_a_kind_that_cannot_be_exported_is_named_with_the_reason(exported, tmp_path):
    run, _, _ = exported
    with pytest.raises(ExportError, match=r"model 'embedding-forest' \(kind embedding_forest\).*embeddings"):
        run.export_onnx(tmp_path, "embedding-forest")
    with pytest.raises(ExportError, match=r"'baseline' \(kind baseline\).*group means"):
        run.export_onnx(tmp_path, "baseline")
    assert not list(tmp_path.iterdir())


def test_collaborative_filtering_is_refused(tmp_path):
    from tabkit.export import export_model
    from tabkit.nn.collab import CollabRegressor

    with pytest.raises(ExportError, match=r"model 'ratings' \(kind collab\).*collaborative-filtering"):
        export_model(
            CollabRegressor(), tmp_path, name="ratings", kind="collab", task="regression", transform=TargetTransform()
        )


@pytest.mark.slow
def test_cli_exports_every_model_it_can_and_names_the_rest(exported, tmp_path):
    run, _, _ = exported
    done = run_cli("export", str(run.reader.path), "--format", "onnx", "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{name}.{ext}" for name in EXPORTED for ext in ("onnx", "json")
    )
    assert "model 'embedding-forest' (kind embedding_forest) cannot be exported" in done.stderr
    refused = run_cli("export", str(run.reader.path), "--model", "embedding-forest", cwd=tmp_path)
    assert refused.returncode == 2 and "embeddings" in refused.stderr
    assert not (tmp_path / "onnx").exists()
