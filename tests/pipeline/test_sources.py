"""The data-source registry: a source declared from outside tabkit runs through
``tabkit run``; the ratings sources' cache keys hash their files; every source names its
data in one line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pipeline_helpers import TINY_FOREST, only_run, read_json, write_spec
from test_ratings_pipeline import ratings_spec

from tabkit.cli import main
from tabkit.datasets import make_ratings, write_movielens
from tabkit.pipeline.keys import Key, Problems
from tabkit.pipeline.runner import run_pipeline
from tabkit.pipeline.sources import SOURCES, DataSource, get_source, register
from tabkit.pipeline.spec import SpecError, validate


class SquaresSource(DataSource):
    """A toy source: y = 3 x + noise on generated dates, fed to the ``auto`` builder."""

    name = "squares"
    doc = "a toy table for the tests"
    keys = {
        "rows": Key(int, 300, doc="number of rows"),
        "target": Key(str, "y", doc="the target column"),
        "date": Key(str, "day", doc="the date column"),
        "id": Key(str, doc="unused"),
    }
    builders = ("auto",)

    def check(self, data: dict, problems: Problems, *, read_files: bool) -> None:
        if data["rows"] < 50:
            problems.add("data.rows", f"needs at least 50 rows, got {data['rows']}")

    def has_test(self, data: dict) -> bool:
        return False

    def load(self, data: dict) -> dict:
        rng = np.random.default_rng(0)
        x = rng.uniform(0, 10, data["rows"])
        frame = pd.DataFrame(
            {
                "day": pd.date_range("2020-01-01", periods=data["rows"], freq="D"),
                "x": x,
                "y": 3 * x + rng.normal(0, 0.1, data["rows"]),
            }
        )
        return {"train": frame, "test": None}

    def describe(self, data: dict) -> str:
        return f"{data['rows']} generated squares"


@pytest.fixture
def squares():
    register(SquaresSource())
    yield
    SOURCES.pop("squares")


def toy_spec() -> dict:
    return {
        "name": "toy",
        "metric": "rmse",
        "data": {"source": "squares", "rows": 200},
        "split": {"by": "fraction", "fraction": 0.25},
        "model": [{"name": "forest", "kind": "forest", "params": TINY_FOREST}],
        "output": {"report": False, "explain_worst": 1, "explain_random": 1, "importance_rows": 50},
    }


def test_a_source_registered_from_outside_runs_through_tabkit_run(tmp_path, squares, capsys):
    spec = write_spec(tmp_path / "toy.toml", toy_spec())
    assert main(["run", str(spec), "--out", str(tmp_path / "runs"), "--quiet"]) == 0
    run = only_run(tmp_path / "runs", "toy")
    metrics = read_json(run / "metrics.json")
    assert metrics["data"]["source"] == "200 generated squares"
    assert metrics["data"]["n_train"] + metrics["data"]["n_valid"] == 200
    assert metrics["models"]["forest"]["score"] < metrics["baseline"]["score"] / 2
    assert "dayYear" in metrics["data"]["cont_names"] + metrics["data"]["cat_names"]


def test_a_registered_source_declares_its_keys_and_checks(squares):
    with pytest.raises(SpecError) as info:
        validate({**toy_spec(), "data": {"source": "squares", "rows": 10, "n_stores": 3}})
    text = str(info.value)
    assert "data.rows: needs at least 50 rows, got 10" in text
    assert "data.n_stores: applies only to source = 'synthetic', not 'squares'" in text
    with pytest.raises(SpecError, match="'test' holds out as many rows as the test set, and this squares data"):
        validate({**toy_spec(), "split": {"by": "test"}})


def test_an_unknown_source_is_named_with_a_hint():
    with pytest.raises(SpecError, match=r"'movielns' is not a data source .*did you mean 'movielens'\?"):
        validate({**toy_spec(), "data": {"source": "movielns", "path": "x"}})


def test_a_second_ratings_folder_gets_its_own_features(tmp_path):
    first = write_movielens(make_ratings(60, 70, seed=1), tmp_path / "first")
    second = write_movielens(make_ratings(60, 70, seed=2), tmp_path / "second")
    runs = tmp_path / "runs"
    spec = ratings_spec(data={"source": "movielens", "path": str(first)})
    assert not run_pipeline(spec, out_dir=runs, verbose=False).features_cached
    assert run_pipeline(spec, out_dir=runs, verbose=False).features_cached
    other = run_pipeline(ratings_spec(data={"source": "movielens", "path": str(second)}), out_dir=runs, verbose=False)
    assert not other.features_cached
    assert other.scores["baseline"] != run_pipeline(spec, out_dir=runs, verbose=False).scores["baseline"]


@pytest.mark.parametrize(
    "data,line",
    [
        ({"source": "movielens", "path": "data/ml"}, "MovieLens ratings in data/ml"),
        ({"source": "synthetic_ratings", "n_users": 5, "n_items": 6, "seed": 1}, "synthetic ratings (n_users=5"),
        ({"source": "synthetic", "n_stores": 3, "seed": 0}, "synthetic Rossmann (n_stores=3, seed=0)"),
        ({"source": "rossmann", "path": "data/r"}, "Kaggle Rossmann files in data/r"),
        ({"source": "csv", "train": "a.csv", "test": None}, "csv a.csv"),
    ],
)
def test_every_source_names_its_data(data, line):
    assert get_source(data["source"]).describe(data).startswith(line)
