"""Ensembles in runs: blends of earlier models (equal or validation weights, scored on split
halves), seeds averaged into one model, and predicting new data with them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pipeline_helpers import TINY_FOREST, TINY_NET, read_json, spec_dict

from tabkit.pipeline.predict import load_run
from tabkit.pipeline.runner import run_pipeline
from tabkit.pipeline.spec import SpecError, validate

GBM = {"n_estimators": 80, "num_leaves": 15}
MEMBERS = [
    {"name": "forest", "kind": "forest", "params": TINY_FOREST},
    {"name": "net", "kind": "embedding_net", "params": TINY_NET},
    {"name": "gbm", "kind": "lightgbm", "params": GBM},
]


@pytest.fixture(scope="module")
def blended(tmp_path_factory):
    spec = spec_dict(
        model=[
            *MEMBERS,
            {"name": "equal", "kind": "ensemble", "members": ["forest", "net", "gbm"]},
            {"name": "fitted", "kind": "ensemble", "members": ["forest", "net", "gbm"], "weights": "validation"},
        ],
        output={"report": False, "importance": False, "explain_worst": 0, "explain_random": 0},
    )
    return run_pipeline(spec, out_dir=tmp_path_factory.mktemp("runs"), verbose=False)


def test_the_blends_beat_their_best_member(blended):
    best_member = min(blended.scores[m] for m in ("forest", "net", "gbm"))
    assert blended.scores["equal"] < best_member and blended.scores["fitted"] < best_member


def test_equal_blend_is_the_mean_of_the_members_logs(blended):
    frame = pd.read_parquet(blended.run_dir / "valid_predictions.parquet")
    logs = np.log(frame[["forest", "net", "gbm"]].to_numpy())
    np.testing.assert_allclose(frame["equal"], np.exp(logs.mean(axis=1)), rtol=1e-9)
    assert not np.allclose(frame["equal"], frame[["forest", "net", "gbm"]].mean(axis=1), rtol=1e-6)


def test_validation_weights_are_scored_on_split_halves(blended):
    from tabkit.ensemble.weights import split_half_score

    info = read_json(blended.run_dir / "metrics.json")["models"]["fitted"]
    weights = np.asarray(info["params"]["weights"])
    assert (weights >= 0).all() and weights.sum() == pytest.approx(1.0)
    assert info["note"].startswith("split-half")
    frame = pd.read_parquet(blended.run_dir / "valid_predictions.parquet")
    expected, _ = split_half_score(
        np.log(frame[["forest", "net", "gbm"]].to_numpy()),
        frame["actual"].to_numpy(),
        "exp_rmspe",
        seed=0,
        transform="log",
    )
    assert info["score"] == pytest.approx(expected, rel=1e-6)
    board = pd.read_csv(blended.run_dir / "leaderboard.csv").set_index("model")
    assert board.loc["fitted", "note"].startswith("split-half") and pd.isna(board.loc["equal", "note"])


def test_a_blend_predicts_new_data_as_in_its_submission(blended, tmp_path):
    from tabkit.datasets import make_rossmann

    tables = make_rossmann(8, seed=1)
    submission = pd.read_csv(blended.run_dir / "submission.csv")
    for model in ("equal", "fitted"):
        predicted = load_run(blended.run_dir).predict(tables, model=model)
        if model == read_json(blended.run_dir / "metrics.json")["submission"]["model"]:
            np.testing.assert_allclose(predicted["Sales"], submission["Sales"], rtol=1e-9)
        assert (predicted["Sales"] >= 0).all()


def test_seeds_are_averaged_into_one_model(tmp_path):
    spec = spec_dict(
        model=[{"name": "forest", "kind": "forest", "params": TINY_FOREST, "seeds": [1, 2, 3]}],
        output={"report": False, "importance": False, "explain_worst": 2, "explain_random": 1},
    )
    result = run_pipeline(spec, out_dir=tmp_path, verbose=False)
    info = read_json(result.run_dir / "metrics.json")["models"]["forest"]
    assert list(info["seed_scores"]) == ["1", "2", "3"] and info["kind"] == "forest"
    model = load_run(result.run_dir).model("forest").estimator
    X = pd.read_parquet(result.run_dir / "valid_sample.parquet").drop(columns="actual")
    logs = model.member_predictions(X)
    assert logs.shape[1] == 3 and not np.allclose(logs[:, 0], logs[:, 1])
    np.testing.assert_allclose(model.predict(X), np.exp(logs.mean(axis=1)), rtol=1e-12)
    contrib = pd.read_csv(result.run_dir / "forest" / "contributions.csv")
    features = contrib.columns[6:]
    np.testing.assert_allclose(contrib["bias"] + contrib[features].sum(axis=1), contrib["prediction"], rtol=1e-9)


def test_classification_blends_average_probabilities(tmp_path):
    from test_any_data import TINY_GBM, csv_spec, labelled_csv

    train, test = labelled_csv(tmp_path / "data", n_train=800, n_test=50)
    data = {
        "source": "csv",
        "train": str(train),
        "test": str(test),
        "target": "Band",
        "id": "SalesID",
        "date": "saledate",
    }
    spec = csv_spec(
        train,
        test,
        metric="logloss",
        data=data,
        features={},
        baseline={},
        model=[
            {"name": "forest", "kind": "forest", "params": TINY_FOREST},
            {"name": "gbm", "kind": "lightgbm", "params": TINY_GBM},
            {"name": "blend", "kind": "ensemble", "members": ["forest", "gbm"]},
        ],
    )
    result = run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    proba = pd.read_parquet(result.run_dir / "valid_probabilities.parquet")
    for label in ("mid", "new", "old"):
        np.testing.assert_allclose(proba[f"blend:{label}"], (proba[f"forest:{label}"] + proba[f"gbm:{label}"]) / 2)


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"members": ["forest", "nett"]}, "members: 'nett' is not a model listed before it"),
        ({"members": ["forest", "forest"]}, "members: 'forest' is listed twice"),
        ({"members": ["forest"]}, "members: needs a list of two or more model names"),
        ({"members": ["forest", "blend"]}, "'blend' is an ensemble; an ensemble of ensembles is not supported"),
        ({"members": ["forest", "net"], "seeds": [1, 2]}, "seeds: an ensemble has no seed of its own"),
        ({"members": ["forest", "net"], "weights": "fitted"}, "weights: 'fitted' is not one of equal, validation"),
    ],
)
def test_bad_ensembles_are_refused(entry, message):
    models = [
        *MEMBERS,
        {"name": "blend", "kind": "ensemble", "members": ["forest", "net"]},
        {"name": "bad", "kind": "ensemble", **entry},
    ]
    with pytest.raises(SpecError, match=message):
        validate(spec_dict(model=models))


def test_seeds_must_be_distinct_integers():
    with pytest.raises(SpecError, match=r"seeds: must be distinct integers, got \[1, 1\]"):
        validate(spec_dict(model=[{"name": "f", "kind": "forest", "seeds": [1, 1]}]))
    with pytest.raises(SpecError, match="leave params.random_state out"):
        validate(spec_dict(model=[{"name": "f", "kind": "forest", "seeds": [1, 2], "params": {"random_state": 3}}]))


def test_an_ensemble_file_refers_to_its_members_files(blended):
    import json

    from tabkit.runs import RunReader

    folder = blended.run_dir / "models"
    assert [p.name for p in (folder / "fitted").iterdir()] == ["object.json"]  # no copy of a member
    card = json.loads((folder / "fitted" / "object.json").read_text())["object"]
    assert card["members"]["forest"] == {"model": "forest"}
    reader = RunReader(blended.run_dir)
    blend = reader.model("fitted")
    assert card["config"]["weights_"] == blend.weights_.tolist()
    assert blend.named_estimators_["forest"] is reader.model("forest")
