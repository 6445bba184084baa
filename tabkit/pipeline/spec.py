"""Pipeline specs: read a TOML file, apply ``--set`` overrides and validate everything
before any work.

The format (every key, its type, default and an example) is declared in
:mod:`tabkit.pipeline.schema` and rendered in ``docs/spec.md``. A minimal spec::

    metric = "rmsle"

    [data]
    source = "csv"
    train = "data/raw/bulldozers/Train.csv"
    target = "SalePrice"
    date = "saledate"

    [split]
    by = "fraction"
    fraction = 0.2

    [[model]]
    name = "forest"
    kind = "forest"

Relative paths are relative to the working directory; errors show them resolved.
:func:`load_spec` raises one :class:`SpecError` listing every problem (unknown keys with a
"did you mean", wrong types, missing values and files, columns the data lacks, estimator
parameters a kind does not have), before anything is written.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from tabkit.metrics import METRICS
from tabkit.pipeline.builders import BUILDERS
from tabkit.pipeline.kinds import KINDS, get_kind
from tabkit.pipeline.overrides import SpecError, apply_overrides
from tabkit.pipeline.schema import DEFAULT_FRACTION, REQUIRED, SCHEMA, SOURCE_KEYS, TYPE_NAMES, Key

__all__ = ["Spec", "SpecError", "load_spec", "validate"]
RESERVED_MODEL_NAMES = ("baseline", "actual")


@dataclass
class Spec:
    """A validated spec, every default filled in.

    Attributes
    ----------
    name, metric : str
    seed : int
    data, features, split, baseline, output : dict
        The sections, with defaults.
    models : list of dict
        The ``[[model]]`` tables, with defaults.
    path : Path or None
        The file it was read from.
    overrides : list of str
        The ``--set`` overrides applied.
    """

    name: str
    metric: str
    seed: int
    data: dict
    features: dict
    split: dict
    baseline: dict
    models: list[dict]
    output: dict
    path: Path | None = None
    overrides: list[str] = field(default_factory=list)

    @property
    def task(self) -> str:
        """``"classification"`` or ``"regression"``, from the metric."""
        return METRICS[self.metric].task

    def to_dict(self) -> dict:
        """The spec as a plain mapping (what ``spec.toml`` in a run folder holds)."""
        return {
            "name": self.name,
            "metric": self.metric,
            "seed": self.seed,
            "data": copy.deepcopy(self.data),
            "features": copy.deepcopy(self.features),
            "split": copy.deepcopy(self.split),
            "baseline": copy.deepcopy(self.baseline),
            "model": copy.deepcopy(self.models),
            "output": copy.deepcopy(self.output),
        }

    def model(self, name: str) -> dict:
        """The model table named ``name``."""
        for model in self.models:
            if model["name"] == name:
                return model
        raise KeyError(name)


def load_spec(spec: str | Path | Mapping, overrides: Sequence[str] | Mapping[str, Any] | None = None) -> Spec:
    """Read, override and validate a spec.

    Parameters
    ----------
    spec : path or mapping
        A TOML file, or the already-parsed mapping.
    overrides : list of "key=value" strings, or mapping of key -> value, optional
        Dotted keys (``data.n_stores``, ``model.forest.params.n_estimators`` or
        ``model.0.params.n_estimators``); string values are parsed as TOML literals, and
        taken as plain strings when they are not one (``data.path=/tmp/x``).

    Returns
    -------
    Spec

    Raises
    ------
    SpecError
        The file is missing or not TOML, or the spec has problems (all listed).
    """
    path = None
    if isinstance(spec, Mapping):
        raw = copy.deepcopy(dict(spec))
    else:
        path = Path(spec)
        if not path.is_file():
            raise SpecError(f"spec file not found: {path} (resolved: {path.resolve()})")
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"{path}: not valid TOML: {exc}") from None
    applied = apply_overrides(raw, overrides)
    result = validate(raw, default_name=path.stem if path else "pipeline")
    result.path = path
    result.overrides = applied
    return result


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def _did_you_mean(value: str, choices) -> str:
    hint = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {hint[0]!r}?" if hint else ""


class _Problems(list):
    def add(self, where: str, message: str) -> None:
        self.append(f"{where}: {message}" if where else message)


def validate(raw: Mapping, *, default_name: str = "pipeline", check_data: bool = True) -> Spec:
    """Check a raw spec mapping against the schema, the kinds and the data; returns the
    :class:`Spec` with defaults.

    ``check_data=False`` leaves out the checks that read the data files (for a finished
    run's spec, whose files may be gone).

    Raises
    ------
    SpecError
        Listing every problem found.
    """
    problems = _Problems()

    def parsed(value: Any, schema: dict[str, Key], where: str) -> tuple[dict, bool]:
        before = len(problems)
        return _section(value, schema, where, problems), len(problems) == before

    top, _ = parsed(raw, SCHEMA[""], "")
    sections, ok = {}, {}
    for name in ("data", "features", "split", "baseline", "output"):
        sections[name], ok[name] = parsed(top.get(name) or {}, SCHEMA[name], name)
    before = len(problems)
    models = _models(top.get("model"), problems)
    models_ok = len(problems) == before and bool(models)
    data, features, split, output = (sections[k] for k in ("data", "features", "split", "output"))
    task = METRICS[top["metric"]].task if top.get("metric") in METRICS else None
    # each check runs on the sections that parsed, so one pass reports as much as it can
    if ok["data"]:
        before = len(problems)
        _check_data(data, problems)
        ok["data"] = len(problems) == before
    if ok["data"] and ok["features"] and task:
        _check_features(data, features, task, problems, check_data)
    if ok["data"] and ok["split"]:
        _check_split(split, data, problems)
    if models_ok and task:
        _check_models(models, task, problems)
        if ok["output"]:
            _check_output(output, models, task, problems)
    if problems:
        raise SpecError(_message(problems))
    name = top.get("name") or default_name
    if not name.strip() or "/" in name or "\\" in name or name.startswith("."):
        raise SpecError(_message([f"name: {name!r} cannot be a folder name"]))
    return Spec(
        name=name,
        metric=top["metric"],
        seed=top["seed"],
        data=data,
        features=features,
        split=split,
        baseline=sections["baseline"],
        models=models,
        output=output,
    )


def _message(problems: Sequence[str]) -> str:
    head = "invalid pipeline spec" + (f" ({len(problems)} problems)" if len(problems) > 1 else "")
    return head + ":\n" + "\n".join(f"  - {p}" for p in problems)


def _section(raw: Any, schema: dict[str, Key], name: str, problems: _Problems) -> dict:
    """Values of one section with defaults; problems for unknown keys, wrong types, choices."""
    if not isinstance(raw, Mapping):
        problems.add(name, f"must be a table, got {_describe(raw)}")
        return {k: copy.deepcopy(v.default) for k, v in schema.items() if v.default is not REQUIRED}
    out = {}
    for key in raw:
        if key not in schema:
            where = f"{name}.{key}" if name else key
            known = _did_you_mean(key, schema)[2:] or f"known keys: {', '.join(schema)}"
            problems.add(where, f"unknown key; {known}")
    for key, spec in schema.items():
        where = f"{name}.{key}" if name else key
        if key not in raw:
            if spec.default is REQUIRED:
                problems.add(where, f"missing required value ({TYPE_NAMES[spec.type_tuple[0]]})")
            else:
                out[key] = copy.deepcopy(spec.default)
            continue
        value = raw[key]
        types = spec.type_tuple
        if float in types and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            problems.add(where, f"must be {TYPE_NAMES[types[0]]}, got {_describe(value)}")
            continue
        if spec.choices and value not in spec.choices:
            problems.add(
                where,
                f"{value!r} is not one of {', '.join(map(str, spec.choices))}" + _did_you_mean(value, spec.choices),
            )
            continue
        out[key] = copy.deepcopy(value)
    return out


def _models(raw: Any, problems: _Problems) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        problems.add("model", "needs at least one [[model]] table")
        return []
    models = []
    for i, entry in enumerate(raw):
        kind = entry.get("kind") if isinstance(entry, Mapping) else None
        schema = dict(SCHEMA["model"])
        if isinstance(kind, str):
            if kind in KINDS:
                schema.update(get_kind(kind).entry_keys)
            else:
                problems.add(
                    f"model[{i}].kind",
                    f"{kind!r} is not a model kind (kinds: {', '.join(KINDS)}){_did_you_mean(kind, KINDS)}",
                )
                schema["kind"] = Key(str, REQUIRED)
        models.append(_section(entry, schema, f"model[{i}]", problems))
    names = [m.get("name") for m in models]
    for name in {n for n in names if n is not None and names.count(n) > 1}:
        problems.add("model", f"two models are named {name!r}")
    for i, name in enumerate(names):
        if name in RESERVED_MODEL_NAMES or (name and ("/" in name or name.startswith(".") or ":" in name)):
            problems.add(f"model[{i}].name", f"{name!r} cannot be a model name")
    return models


def _check_data(data: dict, problems: _Problems) -> None:
    source = data["source"]
    mine = set(SOURCE_KEYS[source])
    for key in dict.fromkeys(k for keys in SOURCE_KEYS.values() for k in keys if k not in mine):
        if data.get(key) not in (None, SCHEMA["data"][key].default):
            owners = " or ".join(repr(name) for name, keys in SOURCE_KEYS.items() if key in keys)
            problems.add(f"data.{key}", f"applies only to source = {owners}, not {source!r}")
        data[key] = None
    for key in ("n_stores", "n_users", "n_items"):
        if key in mine and data[key] < 1:
            problems.add(f"data.{key}", f"must be at least 1, got {data[key]}")
    if source in ("rossmann", "movielens") and data["path"] is None:
        problems.add("data.path", f"missing required value (the folder of the {source} files)")
    if source == "csv":
        for key in ("train", "target"):
            if data[key] is None:
                problems.add(f"data.{key}", "missing required value for source = 'csv'")
        if data["test"] is not None and data["id"] is None:
            problems.add("data.id", "missing required value: the test file's id column")
        for column, dtype in data["dtypes"].items():
            if not isinstance(dtype, str):
                problems.add(f"data.dtypes.{column}", f"must be a dtype name, got {_describe(dtype)}")


def _check_features(data: dict, features: dict, task: str, problems: _Problems, check_data: bool) -> None:
    if features["builder"] is None:
        features["builder"] = next(b.name for b in BUILDERS.values() if data["source"] in b.sources)
    for key in ("drop", "cat_names", "cont_names"):
        values = features[key]
        if values is not None and not all(isinstance(v, str) for v in values):
            problems.add(f"features.{key}", "must be a list of column names")
            return
    if features["max_card"] < 1:
        problems.add("features.max_card", f"must be at least 1, got {features['max_card']}")
    if task == "classification":
        if features["log_target"]:
            problems.add("features.log_target", "applies to a regression; the metric makes this run a classification")
        if features["target_means"]:
            problems.add(
                "features.target_means", "needs a regression target; the metric makes this run a classification"
            )
    for group in features["target_means"]:
        keys = [group] if isinstance(group, str) else group
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            problems.add(
                "features.target_means", f"each group must be a column name or a list of them, got {_describe(group)}"
            )
            return
    if check_data:
        BUILDERS[features["builder"]].check_spec(data, features, problems)


def _check_split(split: dict, data: dict, problems: _Problems) -> None:
    by = split["by"]
    if by == "days":
        if split["days"] is None:
            problems.add("split.days", "missing required value for by = 'days'")
        elif split["days"] < 1:
            problems.add("split.days", f"must be at least 1, got {split['days']}")
    if by in ("fraction", "random"):
        if split["fraction"] is None:
            split["fraction"] = DEFAULT_FRACTION
        elif not 0 < split["fraction"] < 1:
            problems.add("split.fraction", f"must be between 0 and 1, got {split['fraction']}")
    if by == "test" and data["source"] == "csv" and data["test"] is None:
        problems.add("split.by", "'test' needs data.test; use by = 'days', 'fraction' or 'random'")
    if by != "random" and data["source"] == "csv" and data["date"] is None:
        problems.add(
            "split.by", f"{by!r} holds out the latest dates and needs data.date; without dates use by = 'random'"
        )
    if split["days"] is not None and by != "days":
        problems.add("split.days", f"applies only to by = 'days', not {by!r}")
    if split["fraction"] is not None and by not in ("fraction", "random"):
        problems.add("split.fraction", f"applies only to by = 'fraction' or 'random', not {by!r}")


def _check_models(models: list[dict], task: str, problems: _Problems) -> None:
    for i, model in enumerate(models):
        where = f"model[{i}] ({model['name']})"
        kind = get_kind(model["kind"])
        try:
            allowed = kind.allowed_params(task)
        except ImportError as exc:
            problems.add(where, f"model kind {kind.name!r} is not available: {exc}")
            continue
        except ValueError as exc:
            problems.add(f"{where}.kind", str(exc))
            continue
        for key in model["params"]:
            if key not in allowed:
                problems.add(
                    f"{where}.params.{key}",
                    f"not a parameter of {kind.name} for a {task}" + _did_you_mean(key, sorted(allowed)),
                )
        if all(key in allowed for key in model["params"]):
            try:
                kind.check_params(model["params"], task)
            except (TypeError, ValueError) as exc:
                problems.add(f"{where}.params", str(exc))
        for key, values in model["search"].items():
            if key not in allowed:
                problems.add(
                    f"{where}.search.{key}", f"not a parameter of {kind.name}" + _did_you_mean(key, sorted(allowed))
                )
            elif not isinstance(values, list) or not values:
                problems.add(f"{where}.search.{key}", f"must be a non-empty list, got {_describe(values)}")
        seeds = model["seeds"]
        if seeds and (
            not all(isinstance(v, int) and not isinstance(v, bool) for v in seeds) or len(set(seeds)) != len(seeds)
        ):
            problems.add(f"{where}.seeds", f"must be distinct integers, got {seeds!r}")
        elif seeds and "random_state" in model["params"]:
            problems.add(f"{where}.seeds", "gives each model its random_state; leave params.random_state out")
        kind.check_entry(model, models[:i], task, problems)


def _check_output(output: dict, models: list[dict], task: str, problems: _Problems) -> None:
    names = [m["name"] for m in models]
    choice = output["submission"]
    choices = ["best", "none", "baseline", *names]
    if choice not in choices:
        problems.add(
            "output.submission",
            f'{choice!r} is not "best", "none", "baseline" or a model name' + _did_you_mean(choice, choices),
        )
    if output["probabilities"] and task != "classification":
        problems.add("output.probabilities", "applies to a classification; the metric makes this run a regression")
    for pair in output["dependence_pairs"]:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(c, str) for c in pair)):
            problems.add("output.dependence_pairs", f"each pair must be two column names, got {_describe(pair)}")
    for key in ("explain_worst", "explain_random", "importance_repeats", "importance_rows", "sample_rows"):
        minimum = 1 if key in ("importance_repeats", "importance_rows", "sample_rows") else 0
        if output[key] < minimum:
            problems.add(f"output.{key}", f"must be at least {minimum}, got {output[key]}")
