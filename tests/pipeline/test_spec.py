"""Spec validation (every problem reported before any work), overrides, and the TOML writer."""

from __future__ import annotations

import pytest
from pipeline_helpers import REPO, run_cli, spec_dict, write_spec

from tabkit.pipeline.sections import Split
from tabkit.pipeline.spec import SpecError, dumps, load_spec, validate
from tabkit.pipeline.spec.overrides import apply_overrides, parse_override

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


def _with(path: str, value):
    spec = spec_dict()
    node = spec
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return spec


_DELETE = object()


@pytest.mark.parametrize(
    "path,value,message",
    [
        ("data.n_stors", 5, "data.n_stors: unknown key; did you mean 'n_stores'?"),
        ("metrc", "rmse", "metrc: unknown key; did you mean 'metric'?"),
        ("model.0.parms", {}, "model[0].parms: unknown key; did you mean 'params'?"),
        ("output.explain_wrst", 3, "output.explain_wrst: unknown key; did you mean 'explain_worst'?"),
        ("data.n_stores", "ten", "data.n_stores: must be an integer, got str 'ten'"),
        ("features.log_target", 1, "features.log_target: must be true or false, got int 1"),
        ("seed", 1.5, "seed: must be an integer, got float 1.5"),
        ("metric", _DELETE, "metric: missing required value"),
        ("model.0.kind", _DELETE, "model[0].kind: missing required value"),
        ("metric", "rmspee", "'rmspee' is not one of"),
        ("data.source", "kaggle", "data.source: 'kaggle' is not a data source (sources: csv, movielens, rossmann"),
        ("model.0.kind", "forrest", "did you mean 'forest'?"),
        (
            "model.0.params",
            {"n_estimator": 5},
            "model[0] (forest).params.n_estimator: not a parameter of forest for a regression; "
            "did you mean 'n_estimators'?",
        ),
        ("model.1.params", {"log_target": True}, "params.log_target: not a parameter of embedding_net"),
        (
            "model.1.params",
            {"layers": [32]},
            "model[1] (net).params: dropout must be a number or one rate per layer (1 for layers (32,)), "
            "got (0.001, 0.01); a single number applies to every layer",
        ),
        ("model.1.params", {"emb_dropout": 1.5}, "model[1] (net).params: emb_dropout rates must be numbers in [0, 1)"),
        ("model.2.net", "forest", "'forest' is a forest model, which has no embeddings"),
        ("model.2.search", {"max_features": 0.5}, "search.max_features: must be a non-empty list"),
        ("data.path", "/somewhere", "data.path: applies only to source = 'movielens' or 'rossmann', not 'synthetic'"),
        ("split.by", "days", "split.days: missing required value for by = 'days'"),
        ("split.fraction", 0.2, "split.fraction: applies only to by = 'fraction'"),
        ("output.submission", "forst", "did you mean 'forest'?"),
        ("model.1.name", "forest", "two models are named 'forest'"),
        (
            "features.target_means",
            [["Store"], [1]],
            "features.target_means: each group must be a column name or a list of them, got list [1]",
        ),
        ("features.target_means", "Store", "features.target_means: must be a list"),
    ],
)
def test_invalid_specs_are_reported(path, value, message):
    with pytest.raises(SpecError) as info:
        validate(_with(path, value))
    assert message in str(info.value)


def test_every_problem_is_listed_at_once():
    spec = _with("data.n_stors", 5)
    spec["metric"] = "nope"
    with pytest.raises(SpecError, match=r"\(2 problems\)") as info:
        validate(spec)
    assert "n_stors" in str(info.value) and "'nope'" in str(info.value)


def test_missing_files_are_reported(tmp_path):
    rossmann = {"source": "rossmann", "path": str(tmp_path / "absent")}
    with pytest.raises(SpecError, match="data.path: folder not found"):
        validate(spec_dict(data=rossmann))
    (tmp_path / "kaggle").mkdir()
    (tmp_path / "kaggle" / "train.csv").write_text("Store\n")
    with pytest.raises(SpecError, match="lacks Kaggle's test.csv, store.csv"):
        validate(spec_dict(data={"source": "rossmann", "path": str(tmp_path / "kaggle")}))
    csv = {"source": "csv", "train": str(tmp_path / "Train.csv"), "target": "y", "date": "d"}
    with pytest.raises(SpecError, match="data.train: file not found"):
        validate(spec_dict(data=csv, features={}))
    with pytest.raises(SpecError, match="spec file not found"):
        load_spec(tmp_path / "nope.toml")


def test_broken_toml_is_a_spec_error(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("metric = \n")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(path)


def test_defaults_are_filled():
    spec = validate(spec_dict())
    assert spec.features.builder == "rossmann" and spec.features.cache is True
    assert spec.output.runs == "runs" and spec.output.submission == "best"
    assert spec.split == Split(by="test", days=None, fraction=None)
    assert spec.models[0]["search"] == {} and spec.models[0]["explain"] is True
    assert spec.data == {"source": "synthetic", "n_stores": 8, "seed": 1} and spec.task == "regression"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("data.n_stores=20", ("data.n_stores", 20)),
        ("split.fraction=0.25", ("split.fraction", 0.25)),
        ("features.log_target=false", ("features.log_target", False)),
        ("data.path=/tmp/x y", ("data.path", "/tmp/x y")),
        ('data.path="quoted"', ("data.path", "quoted")),
        ("model.net.params.layers=[10, 5]", ("model.net.params.layers", [10, 5])),
    ],
)
def test_overrides_parse_toml_literals(text, expected):
    assert parse_override(text) == expected


def test_overrides_reach_models_by_name_or_position():
    raw = spec_dict()
    apply_overrides(raw, ["model.forest.params.n_estimators=3", "model.1.params.epochs=1", "output.new_table.key=1"])
    assert raw["model"][0]["params"]["n_estimators"] == 3
    assert raw["model"][1]["params"]["epochs"] == 1
    with pytest.raises(SpecError, match="output.new_table: unknown key; known keys: runs, cache"):
        validate(raw)


@pytest.mark.parametrize(
    "text,message",
    [
        ("noequals", "expected key=value"),
        ("model.gbm.params.x=1", "no model named 'gbm' (models: forest, net, emb-forest)"),
        ("metric.x=1", "metric is str 'exp_rmspe', not a table"),
    ],
)
def test_bad_overrides(text, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        apply_overrides(spec_dict(), [text])


def test_load_spec_applies_overrides(tmp_path):
    path = write_spec(tmp_path / "tiny.toml", spec_dict())
    spec = load_spec(path, ["data.n_stores=3", "model.forest.params.n_estimators=4"])
    assert spec.name == "tiny" and spec.data["n_stores"] == 3
    assert spec.model("forest")["params"]["n_estimators"] == 4
    assert spec.overrides == ["data.n_stores=3", "model.forest.params.n_estimators=4"]
    unnamed = dict(spec_dict())
    del unnamed["name"]
    assert load_spec(write_spec(tmp_path / "my-run.toml", unnamed)).name == "my-run"


def test_spec_round_trips_through_toml(tmp_path):
    spec = load_spec(REPO / "pipelines" / "rossmann-synthetic.toml")
    again = validate(tomllib.loads(dumps(spec)))
    assert again.to_dict() == spec.to_dict()


@pytest.mark.parametrize(
    "change,message",
    [
        ({"data": {"source": "synthetic", "n_stors": 5}}, "did you mean 'n_stores'?"),
        (
            {
                "model": [{"name": "forest", "kind": "forest", "params": {"n_estimators": "ten"}}],
                "metric": "rmspe",
                "seed": "x",
            },
            "seed: must be an integer",
        ),
    ],
)
@pytest.mark.slow
def test_cli_spec_error_exits_2_before_any_run_folder(tmp_path, change, message):
    path = write_spec(tmp_path / "bad.toml", spec_dict(**change))
    done = run_cli("run", str(path), "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr and "invalid pipeline spec" in done.stderr
    assert not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_cli_missing_spec_file_and_bad_set(tmp_path):
    done = run_cli("run", str(tmp_path / "absent.toml"), "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert done.returncode == 2 and "spec file not found" in done.stderr
    path = write_spec(tmp_path / "tiny.toml", spec_dict())
    done = run_cli("run", str(path), "--set", "model.gbm.params.x=1", "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert done.returncode == 2 and "no model named 'gbm'" in done.stderr
    assert not (tmp_path / "runs").exists()


def test_one_pass_reports_problems_of_every_section(tmp_path):
    from pipeline_helpers import synthetic_bulldozers

    train, _ = synthetic_bulldozers(tmp_path, n_train=50, n_test=5)
    raw = {
        "metric": "accuracy",
        "data": {"source": "csv", "train": str(train), "target": "Pricey"},
        "split": {"by": "fraction", "fraction": 1.5},
        "model": [{"name": "f", "kind": "random_forest"}],
    }
    with pytest.raises(SpecError) as info:
        validate(raw)
    text = str(info.value)
    assert "(4 problems)" in text
    for part in (
        "'random_forest' is not a model kind",
        "has no column 'Pricey'",
        "split.fraction: must be between 0 and 1, got 1.5",
        "needs data.date; without dates use by = 'random'",
    ):
        assert part in text


def test_dependence_pairs_are_pairs_of_names():
    with pytest.raises(
        SpecError, match=r"output.dependence_pairs: each pair must be two column names, got list \['Promo'\]"
    ):
        validate(_with("output.dependence_pairs", [["Promo"]]))
    assert validate(_with("output.dependence_pairs", [["Promo", "Store"]])).output.dependence_pairs == [
        ["Promo", "Store"]
    ]


def test_a_number_of_seeds_counts_from_the_spec_seed():
    raw = spec_dict(seed=5)
    raw["model"][0]["seeds"] = 3
    assert validate(raw).models[0]["seeds"] == [5, 6, 7]
    raw["model"][0]["seeds"] = 0
    with pytest.raises(SpecError, match=r"model\[0\].seeds: must be at least 1 \(or a list of seeds\), got 0"):
        validate(raw)
