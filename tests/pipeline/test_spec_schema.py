"""The spec's JSON Schema: generated from the same declarations as the spec check and
docs/spec.md, shipped with the package, printed by ``tabkit spec schema``, and it accepts
the shipped specs and refuses what the spec check refuses."""

from __future__ import annotations

import copy
import json

import pytest
from pipeline_helpers import REPO, spec_dict

from tabkit.cli import main
from tabkit.pipeline.spec.reference import SCHEMA_FILE, json_schema

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


def errors(spec: dict) -> list[str]:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json_schema())
    return [error.message for error in validator.iter_errors(spec)]


def test_the_shipped_schema_is_up_to_date():
    shipped = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert shipped == json_schema(), "regenerate it: python -m tabkit.pipeline.spec.reference"


def test_tabkit_spec_schema_prints_it(capsys):
    assert main(["spec", "schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()


@pytest.mark.parametrize("path", sorted((REPO / "pipelines").glob("*.toml")), ids=lambda p: p.name)
def test_the_shipped_specs_are_valid(path):
    assert errors(tomllib.loads(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s["split"].update(by="weekly"),  # not a choice
        lambda s: s["split"].update(dayz=3),  # unknown key
        lambda s: s["data"].update(path="/x"),  # a key of another source
        lambda s: s["data"].update(source="kaggle"),  # unknown source
        lambda s: s["data"].update(n_stores="8"),  # wrong type
        lambda s: s["model"][0].update(members=["a", "b"]),  # a key of another kind
        lambda s: s["model"][0].pop("kind"),  # missing required key
        lambda s: s.update(metric="rmse2"),
    ],
)
def test_the_schema_refuses_what_the_check_refuses(change):
    spec = copy.deepcopy(spec_dict())
    assert errors(spec) == []
    change(spec)
    assert errors(spec)


def test_tabkit_spec_check(tmp_path, capsys):
    assert main(["spec", "check", str(REPO / "pipelines" / "rossmann-synthetic.toml")]) == 0
    assert "a valid regression spec with 5 model(s)" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text('metric = "rmse"\n[data]\nsource = "csv"\n[[model]]\nname = "f"\nkind = "forest"\n')
    assert main(["spec", "check", str(bad)]) == 2
    assert "data.train: missing required value for source = 'csv'" in capsys.readouterr().err
