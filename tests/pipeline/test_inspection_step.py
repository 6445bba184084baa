"""The explain step's inspection artefacts (tabkit.pipeline.steps.inspection): partial dependence,
2-d maps, embedding maps and the contribution sample, checked against brute-force
predictions of the fitted models in the target's units; and that a run explains the same
rows in every model."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pipeline_helpers import TINY_FOREST

from tabkit import runs
from tabkit.forest.attribution import contributions
from tabkit.forest.estimators import ForestClassifier, ForestRegressor
from tabkit.inspection import embedding_map, training_density
from tabkit.inspection.dependence import AVERAGE_ROW
from tabkit.pipeline.kinds import get_kind
from tabkit.pipeline.runner import run_pipeline
from tabkit.pipeline.sections import Output
from tabkit.pipeline.steps import explain
from tabkit.pipeline.steps.fitted import FittedModel
from tabkit.pipeline.steps.inspection import write_inspection
from tabkit.pipeline.steps.splitting import SplitData
from tabkit.prep.target import TargetTransform
from tabkit.runs import RunReader, RunWriter

CAT, CONT = ["Store", "Kind"], ["Promo", "Distance"]
LOG = TargetTransform("log")


def _frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "Store": rng.integers(1, 31, n),
            "Kind": rng.choice(["a", "b", "c"], n),
            "Promo": rng.integers(0, 2, n),
            "Distance": rng.gamma(2.0, 800.0, n).round(),
        }
    )
    log_sales = (
        8.5
        + 0.3 * X["Promo"]
        + 0.02 * (X["Store"] % 7)
        + X["Kind"].map({"a": 0.0, "b": 0.2, "c": -0.1})
        - 0.00005 * X["Distance"]
        + rng.normal(0, 0.05, n)
    )
    return X, np.exp(log_sales.to_numpy())


@pytest.fixture(scope="module")
def split() -> SplitData:
    X_train, y_train = _frame(600, 0)
    X_valid, y_valid = _frame(150, 1)
    return SplitData(
        train=X_train, valid=X_valid, test=None, cat_names=CAT, cont_names=CONT, y_train=y_train, y_valid=y_valid
    )


def _writer(tmp_path, split: SplitData, model: FittedModel, metric: str) -> RunWriter:
    """A run folder holding what the explain step has written before the inspection."""
    writer = RunWriter(tmp_path, "inspect")
    sample = split.X_valid.head(100).assign(actual=split.y_valid[:100])
    writer.write_parquet(runs.VALID_SAMPLE, sample)
    table = explain.importance(model, split.X_valid, split.y_valid, metric, n_repeats=1, max_rows=150, seed=0)
    writer.write_csv(runs.model_artifact(model.name, runs.IMPORTANCE), table)
    return writer


@pytest.fixture(scope="module")
def forest(split) -> FittedModel:
    estimator = ForestRegressor(20, min_samples_leaf=3, random_state=0, cat_names=CAT, cont_names=CONT)
    estimator.fit(split.X_train, LOG.forward(split.y_train))
    return FittedModel("forest", get_kind("forest"), estimator, "regression", LOG, LOG)


@pytest.fixture(scope="module")
def inspected(split, forest, tmp_path_factory):
    writer = _writer(tmp_path_factory.mktemp("runs"), split, forest, "exp_rmspe")
    index = write_inspection(writer, forest, split, Output(), seed=0)
    return RunReader(writer.path), index


def _sales(model: FittedModel, X: pd.DataFrame) -> np.ndarray:
    """The model's predictions in the target's units, as the pipeline makes them."""
    return model.predict(X).values


def test_index_lists_every_artefact_and_is_saved(inspected):
    run, index = inspected
    assert json.loads(run.text("forest/inspection.json")) == json.loads(json.dumps(index))
    ranked = run.model_csv("forest", runs.IMPORTANCE).sort_values("importance", ascending=False)["feature"].tolist()
    assert [e["feature"] for e in index["dependence"]] == ranked
    assert index["dependence_2d"][0]["features"] == ranked[:2]
    assert index["errors"] == {} and index["target_class"] is None and index["embedding_maps"] == []
    files = [e["file"] for e in index["dependence"]] + [
        index["dependence_2d"][0]["file"],
        index["dependence_2d"][0]["density"],
        index["contribution_sample"]["file"],
    ]
    assert all(run.has(f) for f in files)


def test_partial_dependence_is_the_mean_prediction_in_sales(inspected, split, forest):
    run, index = inspected
    for entry in index["dependence"]:
        frame, feature = run.parquet(entry["file"]), entry["feature"]
        assert frame.attrs["target_transform"] == "log" and frame.attrs["n_rows"] == len(split.X_valid)
        average = frame[frame["row"] == AVERAGE_ROW]
        for value, prediction in zip(average[feature], average["prediction"]):
            rows = split.X_valid.assign(**{feature: value}).astype(split.X_valid.dtypes)
            assert prediction == pytest.approx(_sales(forest, rows).mean(), rel=1e-10)
        assert average["prediction"].between(1000, 20000).all()  # Sales, not log Sales


def test_ice_curves_are_single_rows_in_sales(inspected, split, forest):
    run, index = inspected
    frame = run.parquet(index["dependence"][0]["file"])
    ice = frame[frame["row"] != AVERAGE_ROW]
    assert ice["row"].nunique() == 30
    for row, curve in list(ice.groupby("row"))[:5]:
        rows = split.X_valid.iloc[[row] * len(curve)].assign(Promo=curve["Promo"].to_numpy())
        np.testing.assert_allclose(curve["prediction"], _sales(forest, rows), rtol=1e-10)


def test_categorical_columns_are_categories_and_the_note_says_what_is_left_out(inspected, split):
    run, index = inspected
    store = run.parquet(next(e["file"] for e in index["dependence"] if e["feature"] == "Store"))
    promo = run.parquet(index["dependence"][0]["file"])
    distance = run.parquet(next(e["file"] for e in index["dependence"] if e["feature"] == "Distance"))
    assert store.attrs["kind"] == "categorical" and promo.attrs["kind"] == "binary"
    assert distance.attrs["kind"] == "continuous" and len(distance.attrs["deciles"]) == 9
    assert (store.attrs["n_shown"], store.attrs["n_values"]) == (20, split.X_valid["Store"].nunique())


def test_two_feature_map_equals_a_brute_force_grid_of_predict(inspected, split, forest):
    run, index = inspected
    entry = index["dependence_2d"][0]
    frame, density = run.parquet(entry["file"]), run.parquet(entry["density"])
    assert len(frame) == 2 * 3  # Promo 0/1 x Kind a/b/c
    for promo, kind, prediction in frame[["Promo", "Kind", "prediction"]].itertuples(index=False):
        rows = split.X_valid.assign(Promo=promo, Kind=kind)
        assert prediction == pytest.approx(_sales(forest, rows).mean(), rel=1e-10)
    pd.testing.assert_frame_equal(density, training_density(split.X_train, frame))
    assert density["share"].sum() == pytest.approx(1.0)


def test_contribution_sample_explains_the_first_sample_rows(inspected, split, forest):
    run, index = inspected
    values = run.parquet(index["contribution_sample"]["file"])
    sample = run.parquet(runs.VALID_SAMPLE).drop(columns="actual")
    assert len(values) == index["contribution_sample"]["rows"] == 100  # every row of a small sample
    assert index["contribution_sample"]["positions"] == list(range(100))
    expected = contributions(forest.estimator, sample).values
    np.testing.assert_allclose(values.to_numpy(), expected.to_numpy())
    bias = contributions(forest.estimator, sample).bias
    np.testing.assert_allclose(np.exp(bias + values.sum(axis=1)), _sales(forest, sample), rtol=1e-9)


def test_contribution_sample_rows_spread_over_a_large_sample(split, forest, tmp_path, monkeypatch):
    monkeypatch.setattr("tabkit.pipeline.steps.inspection.SAMPLE_ROWS", 10)
    writer = _writer(tmp_path, split, forest, "exp_rmspe")
    index = write_inspection(writer, forest, split, Output(), seed=0)
    positions = index["contribution_sample"]["positions"]
    assert positions == [0, 11, 22, 33, 44, 55, 66, 77, 88, 99]
    sample = RunReader(writer.path).parquet(runs.VALID_SAMPLE).drop(columns="actual").iloc[positions]
    values = RunReader(writer.path).parquet(index["contribution_sample"]["file"])
    np.testing.assert_allclose(values.to_numpy(), contributions(forest.estimator, sample).values.to_numpy())


def test_a_classifier_shows_the_probability_of_its_last_class(split, tmp_path):
    labels = np.where(split.y_train > np.median(split.y_train), "high", "low")
    estimator = ForestClassifier(10, random_state=0, cat_names=CAT, cont_names=CONT).fit(split.X_train, labels)
    model = FittedModel("forest", get_kind("forest"), estimator, "classification", TargetTransform(), TargetTransform())
    valid = SplitData(
        train=split.train,
        valid=split.valid,
        test=None,
        cat_names=CAT,
        cont_names=CONT,
        y_train=labels,
        y_valid=np.where(split.y_valid > np.median(split.y_train), "high", "low"),
    )
    writer = _writer(tmp_path, valid, model, "logloss")
    index = write_inspection(writer, model, valid, Output(), seed=0)
    assert index["target_class"] == "low" and not index["errors"]
    run = RunReader(writer.path)
    frame = run.parquet(index["dependence"][0]["file"])
    feature = index["dependence"][0]["feature"]
    average = frame[frame["row"] == AVERAGE_ROW]
    value = average[feature].iloc[0]
    rows = valid.X_valid.assign(**{feature: value}).astype(valid.X_valid.dtypes)
    assert average["prediction"].iloc[0] == pytest.approx(estimator.predict_proba(rows)[:, 1].mean())
    values = run.parquet(index["contribution_sample"]["file"])
    sample = run.parquet(runs.VALID_SAMPLE).drop(columns="actual")
    np.testing.assert_allclose(values.to_numpy(), contributions(estimator, sample).values["low"].to_numpy())


def test_a_failing_part_is_recorded_and_the_others_are_written(split, forest, tmp_path):
    writer = _writer(tmp_path, split, forest, "exp_rmspe")
    lines = []
    index = write_inspection(
        writer, forest, split, Output(dependence_pairs=[["Promo", "Absent"]]), seed=0, log=lines.append
    )
    assert "Absent" in index["errors"]["dependence_2d"] and index["dependence_2d"] == []
    assert len(index["dependence"]) == 4 and index["contribution_sample"] is not None
    assert any("dependence_2d not written" in line for line in lines)
    assert any(line.startswith("model forest: inspection in") for line in lines)


def test_spec_pairs_replace_the_top_pair(split, forest, tmp_path):
    writer = _writer(tmp_path, split, forest, "exp_rmspe")
    index = write_inspection(writer, forest, split, Output(dependence_pairs=[["Distance", "Store"]]), seed=0)
    assert [e["features"] for e in index["dependence_2d"]] == [["Distance", "Store"]]


def test_embedding_maps_of_a_net_leave_out_the_unknown_slot(split, tmp_path):
    from tabkit.nn.estimators import EmbeddingNetRegressor

    net = EmbeddingNetRegressor(
        (8,),
        dropout=0.0,
        epochs=1,
        batch_size=128,
        log_target=True,
        random_state=0,
        verbose=0,
        cat_names=CAT,
        cont_names=CONT,
    ).fit(split.X_train, split.y_train)
    model = FittedModel("net", get_kind("embedding_net"), net, "regression", TargetTransform(), LOG)
    writer = _writer(tmp_path, split, model, "exp_rmspe")
    index = write_inspection(writer, model, split, Output(), seed=0)
    assert not index["errors"] and index["contribution_sample"] is None  # a net explains no rows
    run = RunReader(writer.path)
    assert [e["column"] for e in index["embedding_maps"]] == CAT
    for entry in index["embedding_maps"]:
        coords = run.parquet(entry["file"])
        expected, variance = embedding_map(net.embeddings_[entry["column"]])
        assert "#na#" not in set(coords["label"]) and entry["categories"] == len(coords)
        np.testing.assert_allclose(coords[["pc1", "pc2"]], expected[["pc1", "pc2"]])
        assert entry["variance_explained"] == pytest.approx(variance[:2].tolist())
    frame = run.parquet(index["dependence"][0]["file"])
    feature = index["dependence"][0]["feature"]
    average = frame[frame["row"] == AVERAGE_ROW]
    rows = split.X_valid.assign(**{feature: average[feature].iloc[-1]}).astype(split.X_valid.dtypes)
    assert average["prediction"].iloc[-1] == pytest.approx(model.predict(rows).values.mean(), rel=1e-6)


def test_a_run_explains_the_same_rows_in_every_model_and_inspects_each(tmp_path, tiny_forest_spec):
    spec = dict(
        tiny_forest_spec,
        model=[
            {"name": "forest", "kind": "forest", "params": TINY_FOREST},
            {"name": "forest-leafy", "kind": "forest", "params": {**TINY_FOREST, "min_samples_leaf": 10}},
        ],
    )
    result = run_pipeline(spec, out_dir=tmp_path, verbose=False)
    run = RunReader(result.run_dir)
    first, second = (run.model_csv(name, runs.CONTRIBUTIONS) for name in ("forest", "forest-leafy"))
    pd.testing.assert_frame_equal(first[["row", "reason", "actual"]], second[["row", "reason", "actual"]])
    pd.testing.assert_frame_equal(
        run.model_csv("forest", runs.EXPLAINED_ROWS), run.model_csv("forest-leafy", runs.EXPLAINED_ROWS)
    )
    assert not first["prediction"].equals(second["prediction"])
    for name in ("forest", "forest-leafy"):
        index = json.loads(run.text(runs.model_artifact(name, runs.INSPECTION)))
        assert index["dependence"] and index["dependence_2d"] and not index["errors"]
        assert all(run.has(e["file"]) for e in index["dependence"])
    assert (run.path / "log.txt").read_text().count(": inspection in") == 2
