"""Ratings in pipelines: the movielens and synthetic_ratings sources, the collab kind,
embedding transfer between models of a run, and predicting new user-item pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pipeline_helpers import REPO, read_json, spec_dict

from tabkit.datasets import make_ratings, write_movielens
from tabkit.pipeline.predict import load_run
from tabkit.pipeline.runner import run_pipeline
from tabkit.pipeline.spec import SpecError, load_spec, validate

COLLAB = {"n_factors": 8, "epochs": 3, "lr": 0.01, "y_range": [0.0, 5.5], "verbose": 0, "batch_size": 256}


def ratings_spec(**changes) -> dict:
    spec = spec_dict(
        name="ratings",
        metric="rmse",
        data={"source": "synthetic_ratings", "n_users": 120, "n_items": 150, "seed": 2},
        features={},
        split={"by": "random", "fraction": 0.2},
        baseline={"by": ["item"]},
        model=[{"name": "dot", "kind": "collab", "params": COLLAB}],
        output={
            "report": False,
            "submission": "none",
            "explain_worst": 0,
            "explain_random": 0,
            "importance_repeats": 1,
        },
    )
    spec.update(changes)
    return spec


def test_collab_through_a_spec_beats_the_item_means_and_keeps_its_biases(tmp_path):
    result = run_pipeline(ratings_spec(), out_dir=tmp_path, verbose=False)
    assert result.scores["dot"] < result.scores["baseline"]
    biases = pd.read_csv(result.run_dir / "dot" / "biases.csv")
    assert set(biases["side"]) == {"user", "item"} and list(biases.columns) == ["side", "label", "bias"]
    embeddings = pd.read_parquet(result.run_dir / "dot" / "embeddings.parquet")
    assert set(embeddings["column"]) == {"user", "item"} and "e7" in embeddings.columns
    facts = read_json(result.run_dir / "metrics.json")["data"]
    assert facts["cat_names"] == ["user", "item"] and facts["keys"] == ["user", "item", "title"]
    pairs = pd.DataFrame({"user": [1, 2, 99999], "item": [3, 4, 99999]})
    predicted = load_run(result.run_dir).predict(pairs)
    model = load_run(result.run_dir).model("dot").estimator
    correction = read_json(result.run_dir / "metrics.json")["models"]["dot"]["correction"]
    factor = correction["factor"] if correction["applied"] else 1.0  # as the submission applies it
    np.testing.assert_allclose(predicted["rating"], factor * model.predict(pairs), rtol=1e-12)


def test_movielens_files_on_disk_and_a_time_split(tmp_path):
    folder = write_movielens(make_ratings(80, 90, seed=1), tmp_path / "ml")
    spec = ratings_spec(data={"source": "movielens", "path": str(folder)}, split={"by": "fraction", "fraction": 0.2})
    result = run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    facts = read_json(result.run_dir / "metrics.json")["data"]
    assert facts["train_dates"][1] <= facts["valid_dates"][0]
    with pytest.raises(SpecError, match="data.path: folder not found"):
        validate(ratings_spec(data={"source": "movielens", "path": str(tmp_path / "nope")}))


def test_a_net_starts_from_the_collab_factors(tmp_path):
    net = {
        "layers": [16],
        "epochs": 1,
        "verbose": 0,
        "batch_size": 256,
        "dropout": 0.0,
        "emb_dropout": 0.0,
        "emb_sizes": {"user": 8, "item": 8},
    }
    spec = ratings_spec(
        model=[
            {"name": "dot", "kind": "collab", "params": COLLAB},
            {"name": "net", "kind": "embedding_net", "init_embeddings_from": "dot", "params": net},
        ]
    )
    result = run_pipeline(spec, out_dir=tmp_path, verbose=False)
    assert read_json(result.run_dir / "metrics.json")["models"]["net"]["init_embeddings_from"] == "dot"
    with pytest.raises(SpecError, match="'forest' is a forest model, which has no embeddings"):
        validate(
            ratings_spec(
                model=[
                    {"name": "forest", "kind": "forest"},
                    {"name": "net", "kind": "embedding_net", "init_embeddings_from": "forest"},
                ]
            )
        )


def test_collab_needs_two_categorical_columns(tmp_path, tiny_forest_spec):
    spec = dict(
        tiny_forest_spec,
        model=[{"name": "dot", "kind": "collab", "params": {**COLLAB, "y_range": None}}],
        features={"log_target": True, "cat_names": ["Store"], "cont_names": ["Promo"]},
    )
    with pytest.raises(Exception, match=r"collab needs a user and an item column; the data has 1 categorical"):
        run_pipeline(spec, out_dir=tmp_path, verbose=False)


@pytest.mark.parametrize("name", ["movielens-synthetic", "movielens"])
def test_shipped_movielens_specs_validate(name):
    spec = load_spec(REPO / "pipelines" / f"{name}.toml", overrides=["data.path=/tmp"] if name == "movielens" else None)
    assert [m["kind"] for m in spec.models] == ["collab", "collab"]


def test_the_report_shows_the_biases_and_the_factor_maps(tmp_path):
    import sys

    sys.path.insert(0, str(REPO / "tests" / "report"))
    from report_pages import read_page

    output = {
        "report": True,
        "reports": str(tmp_path / "reports"),
        "submission": "none",
        "explain_worst": 0,
        "explain_random": 0,
        "importance_repeats": 1,
    }
    result = run_pipeline(ratings_spec(output=output), out_dir=tmp_path / "runs", verbose=False)
    page = read_page(result.report)
    assert "largest and smallest item biases of" in page.joined and "largest and smallest user biases of" in page.joined
    alts = [image["alt"] for image in page.part("model-1-embeddings").images]
    assert alts == ["embedding map of item", "embedding map of user"] or alts == [
        "embedding map of user",
        "embedding map of item",
    ]
