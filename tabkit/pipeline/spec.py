"""Pipeline specs: the TOML schema, ``--set`` overrides, and validation before any work.

A spec is a TOML file::

    name = "rossmann"               # optional, defaults to the file's stem
    metric = "exp_rmspe"            # rmse, rmspe, exp_rmspe, rmsle, accuracy
    seed = 0                        # random_state of every model that does not set its own

    [data]
    source = "rossmann"             # "synthetic" | "rossmann" | "csv"
    path = "data/raw/rossmann"      # rossmann: the folder of Kaggle's files

    [features]
    builder = "rossmann"            # "rossmann" | "auto"
    log_target = true               # models learn log(target); predictions are exp'd back

    [split]
    by = "test"                     # "test" (as many rows as the test set) | "days" | "fraction"

    [[model]]
    name = "forest"
    kind = "forest"                 # "forest" | "embedding_net" | "embedding_forest"
    params = { n_estimators = 40 }
    search = { max_features = [0.3, 0.5] }   # optional grid for ValidationSearch

    [output]
    runs = "runs"

Every key, its type, default and meaning is in ``SCHEMA`` below. Relative paths are
relative to the working directory. :func:`load_spec` reads a file, applies overrides and
validates everything (unknown keys with a "did you mean", wrong types, missing values,
missing files, unknown estimator parameters), raising one :class:`SpecError` that lists
every problem, before anything is written.
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

REQUIRED = object()
SOURCES = ("synthetic", "rossmann", "csv")
BUILDERS = ("rossmann", "auto")
KINDS = ("forest", "embedding_net", "embedding_forest")
SPLITS = ("test", "days", "fraction")
ROSSMANN_FILES = ("train.csv", "test.csv", "store.csv")


class SpecError(ValueError):
    """A pipeline spec that cannot be run; the message lists every problem found."""


@dataclass(frozen=True)
class Key:
    """One spec key: accepted types, default (``REQUIRED`` when it must be given), choices."""

    types: tuple[type, ...]
    default: Any = None
    choices: tuple = ()
    doc: str = ""


def _key(types, default=None, choices=(), doc=""):
    return Key(types if isinstance(types, tuple) else (types,), default, choices, doc)


SCHEMA: dict[str, dict[str, Key]] = {
    "": {
        "name": _key(str, doc="the run's name (runs/<name>/...); defaults to the file's stem"),
        "metric": _key(str, REQUIRED, tuple(METRICS), "the validation metric"),
        "seed": _key(int, 0, doc="random_state of models that do not set one"),
        "data": _key(dict, REQUIRED),
        "features": _key(dict, {}),
        "split": _key(dict, {}),
        "baseline": _key(dict, {}),
        "model": _key(list, REQUIRED, doc="one [[model]] table per model"),
        "output": _key(dict, {}),
    },
    "data": {
        "source": _key(str, REQUIRED, SOURCES),
        "path": _key(str, doc="rossmann: folder holding Kaggle's train.csv, test.csv, store.csv"),
        "n_stores": _key(int, 50, doc="synthetic: number of stores"),
        "seed": _key(int, 0, doc="synthetic: generator seed"),
        "train": _key(str, doc="csv: training file"),
        "test": _key(str, doc="csv: test file (for the submission)"),
        "target": _key(str, doc="csv: target column"),
        "id": _key(str, doc="csv: id column of the test file (the submission's first column)"),
        "date": _key(str, doc="csv: date column (parsed; used for the time split)"),
        "dtypes": _key(dict, {}, doc="csv: column -> pandas dtype for reading"),
    },
    "features": {
        "builder": _key(str, choices=BUILDERS,
                        doc="rossmann (fastai's Rossmann features) or auto (date parts); "
                            "defaults to rossmann for Rossmann sources, auto for csv"),
        "log_target": _key(bool, False, doc="train on log(target), predict exp(.)"),
        "cache": _key(bool, True, doc="reuse features built from the same inputs and options"),
        "drop": _key(list, [], doc="columns to leave out of the features"),
        "cat_names": _key(list, doc="categorical columns (default: the builder's)"),
        "cont_names": _key(list, doc="continuous columns (default: the builder's)"),
        "max_card": _key(int, 20, doc="auto: integer columns with at most this many values are categorical"),
        "date_time": _key(bool, False, doc="auto: also add Hour, Minute, Second"),
        "target_means": _key(list, [], doc="key columns of groups whose mean (model-scale) training "
                                           "target becomes a feature, e.g. [[\"Store\"], [\"Store\", \"DayOfWeek\"]]"),
    },
    "split": {
        "by": _key(str, "test", SPLITS,
                   doc="validation = the latest dates: as many rows as the test set, "
                       "the last `days` days, or a `fraction` of the rows"),
        "days": _key(int, doc="by = days: number of latest days"),
        "fraction": _key(float, doc="by = fraction: share of the rows"),
    },
    "baseline": {
        "by": _key(list, doc="group columns of the mean baseline "
                             "(default Store, DayOfWeek for Rossmann; none for csv)"),
    },
    "model": {
        "name": _key(str, REQUIRED),
        "kind": _key(str, REQUIRED, KINDS),
        "params": _key(dict, {}, doc="estimator parameters"),
        "search": _key(dict, {}, doc="parameter -> list of values, searched on the validation set"),
        "net": _key(str, doc="embedding_forest: name of the embedding_net model whose embeddings it uses"),
        "explain": _key(bool, True, doc="permutation importance and contributions"),
    },
    "output": {
        "runs": _key(str, "runs", doc="folder of the runs"),
        "cache": _key(str, doc="feature cache folder (default <runs>/.cache)"),
        "submission": _key(str, "best", doc='"best", "none", "baseline" or a model name'),
        "report": _key(bool, True, doc="build the HTML report at the end"),
        "reports": _key(str, "reports", doc="folder of the HTML reports"),
        "explain_worst": _key(int, 5, doc="validation rows with the largest errors to explain"),
        "explain_random": _key(int, 5, doc="random validation rows to explain"),
        "importance": _key(bool, True, doc="permutation importance on the validation set"),
        "importance_repeats": _key(int, 3),
        "importance_rows": _key(int, 5000, doc="validation rows sampled for importance"),
        "sample_rows": _key(int, 2000, doc="rows of valid_sample.parquet"),
    },
}

_SOURCE_KEYS = {
    "synthetic": {"n_stores", "seed"},
    "rossmann": {"path"},
    "csv": {"train", "test", "target", "id", "date", "dtypes"},
}
_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               list: "a list", dict: "a table"}


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
        """``"classification"`` for accuracy, else ``"regression"``."""
        return "classification" if self.metric == "accuracy" else "regression"

    def to_dict(self) -> dict:
        """The spec as a plain mapping (what ``spec.toml`` in a run folder holds)."""
        return {
            "name": self.name, "metric": self.metric, "seed": self.seed,
            "data": copy.deepcopy(self.data), "features": copy.deepcopy(self.features),
            "split": copy.deepcopy(self.split), "baseline": copy.deepcopy(self.baseline),
            "model": copy.deepcopy(self.models), "output": copy.deepcopy(self.output),
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
            raise SpecError(f"spec file not found: {path}")
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"{path}: not valid TOML: {exc}") from None
    applied = apply_overrides(raw, overrides)
    result = validate(raw, default_name=path.stem if path else "pipeline")
    result.path = path
    result.overrides = applied
    return result


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``"key=value"`` and parse the value as a TOML literal (else a plain string)."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise SpecError(f"--set {text!r}: expected key=value, e.g. data.n_stores=20")
    value = value.strip()
    try:
        return key, tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return key, value


def apply_overrides(raw: dict, overrides: Sequence[str] | Mapping[str, Any] | None) -> list[str]:
    """Apply overrides to a raw spec mapping in place; returns them as ``key=value`` texts."""
    if not overrides:
        return []
    if isinstance(overrides, Mapping):
        pairs = list(overrides.items())
    else:
        pairs = [parse_override(text) for text in overrides]
    for key, value in pairs:
        _set_path(raw, key, value)
    return [f"{key}={value!r}" for key, value in pairs]


def _set_path(raw: dict, key: str, value: Any) -> None:
    parts = key.split(".")
    node: Any = raw
    for depth, part in enumerate(parts[:-1]):
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            node = _model_entry(node, part, key)
            continue
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, (dict, list)):
            raise SpecError(f"--set {key}: {here} is {_describe(child)}, not a table")
        node = child
    if isinstance(node, list):
        raise SpecError(f"--set {key}: name a model's key, e.g. model.<name>.params.n_estimators")
    node[parts[-1]] = value


def _model_entry(models: list, part: str, key: str) -> dict:
    if part.isdigit() and int(part) < len(models):
        return models[int(part)]
    for model in models:
        if isinstance(model, dict) and model.get("name") == part:
            return model
    names = [m.get("name") for m in models if isinstance(m, dict)]
    raise SpecError(f"--set {key}: no model named {part!r} (models: {', '.join(map(str, names))})")


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


class _Problems(list):
    def add(self, where: str, message: str) -> None:
        self.append(f"{where}: {message}" if where else message)


def validate(raw: Mapping, *, default_name: str = "pipeline") -> Spec:
    """Check a raw spec mapping against ``SCHEMA``; returns the :class:`Spec` with defaults.

    Raises
    ------
    SpecError
        Listing every problem found.
    """
    problems = _Problems()
    top = _section(raw, "", problems)
    sections = {name: _section(top.get(name) or {}, name, problems)
                for name in ("data", "features", "split", "baseline", "output")}
    models = _models(top.get("model"), problems)
    if problems:
        raise SpecError(_message(problems))
    data, features, split, output = (sections[k] for k in ("data", "features", "split", "output"))
    _check_data(data, problems)
    _check_features(data, features, problems)
    _check_target_means(features["target_means"], top.get("metric"), problems)
    _check_split(split, data, problems)
    _check_models(models, top.get("metric"), problems)
    _check_output(output, models, problems)
    if problems:
        raise SpecError(_message(problems))
    name = top.get("name") or default_name
    if not name.strip() or "/" in name or "\\" in name or name.startswith("."):
        raise SpecError(_message([f"name: {name!r} cannot be a folder name"]))
    return Spec(name=name, metric=top["metric"], seed=top["seed"], data=data,
                features=features, split=split, baseline=sections["baseline"],
                models=models, output=output)


def _message(problems: Sequence[str]) -> str:
    head = "invalid pipeline spec" + (f" ({len(problems)} problems)" if len(problems) > 1 else "")
    return head + ":\n" + "\n".join(f"  - {p}" for p in problems)


def _section(raw: Any, name: str, problems: _Problems) -> dict:
    schema = SCHEMA["model" if name.startswith("model[") else name]
    if not isinstance(raw, Mapping):
        problems.add(name, f"must be a table, got {_describe(raw)}")
        return {k: copy.deepcopy(v.default) for k, v in schema.items() if v.default is not REQUIRED}
    out = {}
    for key in raw:
        if key not in schema:
            where = f"{name}.{key}" if name else key
            hint = difflib.get_close_matches(key, list(schema), n=1, cutoff=0.6)
            known = f"did you mean {hint[0]!r}?" if hint else f"known keys: {', '.join(schema)}"
            problems.add(where, f"unknown key; {known}")
    for key, spec in schema.items():
        where = f"{name}.{key}" if name else key
        if key not in raw:
            if spec.default is REQUIRED:
                problems.add(where, f"missing required value ({_TYPE_NAMES[spec.types[0]]})")
            else:
                out[key] = copy.deepcopy(spec.default)
            continue
        value = raw[key]
        if float in spec.types and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, spec.types) or (isinstance(value, bool) and bool not in spec.types):
            problems.add(where, f"must be {_TYPE_NAMES[spec.types[0]]}, got {_describe(value)}")
            continue
        if spec.choices and value not in spec.choices:
            hint = difflib.get_close_matches(str(value), [str(c) for c in spec.choices], n=1, cutoff=0.6)
            extra = f"; did you mean {hint[0]!r}?" if hint else ""
            problems.add(where, f"{value!r} is not one of {', '.join(map(str, spec.choices))}{extra}")
            continue
        out[key] = copy.deepcopy(value)
    return out


def _models(raw: Any, problems: _Problems) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        problems.add("model", "needs at least one [[model]] table")
        return []
    models = [_section(entry, f"model[{i}]", problems) for i, entry in enumerate(raw)]
    names = [m.get("name") for m in models]
    for name in {n for n in names if n is not None and names.count(n) > 1}:
        problems.add("model", f"two models are named {name!r}")
    for i, name in enumerate(names):
        if name in ("baseline", "actual") or (name and ("/" in name or name.startswith("."))):
            problems.add(f"model[{i}].name", f"{name!r} cannot be a model name")
    return models


def _check_data(data: dict, problems: _Problems) -> None:
    source = data["source"]
    for key, defaults in _SOURCE_KEYS.items():
        if key == source:
            continue
        for name in defaults - _SOURCE_KEYS[source]:
            if data.get(name) not in (None, SCHEMA["data"][name].default):
                problems.add(f"data.{name}", f"applies only to source = {key!r}, not {source!r}")
    for key in set().union(*_SOURCE_KEYS.values()) - _SOURCE_KEYS[source]:
        data[key] = None
    if source == "synthetic":
        if data["n_stores"] < 1:
            problems.add("data.n_stores", f"must be at least 1, got {data['n_stores']}")
    elif source == "rossmann":
        if data["path"] is None:
            problems.add("data.path", "missing required value (the folder of Kaggle's Rossmann files)")
            return
        folder = Path(data["path"])
        if not folder.is_dir():
            problems.add("data.path", f"folder not found: {folder}")
            return
        missing = [f for f in ROSSMANN_FILES if not (folder / f).is_file()]
        if missing:
            problems.add("data.path", f"{folder} lacks Kaggle's {', '.join(missing)}")
    else:
        for key in ("train", "target", "date"):
            if data[key] is None:
                problems.add(f"data.{key}", "missing required value for source = 'csv'")
        if data["test"] is not None and data["id"] is None:
            problems.add("data.id", "missing required value: the test file's id column")
        for key in ("train", "test"):
            if data[key] is not None and not Path(data[key]).is_file():
                problems.add(f"data.{key}", f"file not found: {data[key]}")
        for column, dtype in data["dtypes"].items():
            if not isinstance(dtype, str):
                problems.add(f"data.dtypes.{column}", f"must be a dtype name, got {_describe(dtype)}")


def _check_features(data: dict, features: dict, problems: _Problems) -> None:
    if features["builder"] is None:
        features["builder"] = "auto" if data["source"] == "csv" else "rossmann"
    if features["builder"] == "rossmann" and data["source"] == "csv":
        problems.add("features.builder", "'rossmann' needs source = 'synthetic' or 'rossmann'")
    for key in ("drop", "cat_names", "cont_names"):
        values = features[key]
        if values is not None and not all(isinstance(v, str) for v in values):
            problems.add(f"features.{key}", "must be a list of column names")
    if features["max_card"] < 1:
        problems.add("features.max_card", f"must be at least 1, got {features['max_card']}")


def _check_target_means(groups: list, metric: str | None, problems: _Problems) -> None:
    for group in groups:
        keys = [group] if isinstance(group, str) else group
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            problems.add("features.target_means", f"each group must be a column name or a list of them, got {_describe(group)}")
            return
    if groups and metric == "accuracy":
        problems.add("features.target_means", "needs a regression target (metric 'accuracy' is a classification)")


def _check_split(split: dict, data: dict, problems: _Problems) -> None:
    by = split["by"]
    if by == "days":
        if split["days"] is None:
            problems.add("split.days", "missing required value for by = 'days'")
        elif split["days"] < 1:
            problems.add("split.days", f"must be at least 1, got {split['days']}")
    if by == "fraction":
        if split["fraction"] is None:
            problems.add("split.fraction", "missing required value for by = 'fraction'")
        elif not 0 < split["fraction"] < 1:
            problems.add("split.fraction", f"must be between 0 and 1, got {split['fraction']}")
    if by == "test" and data["source"] == "csv" and data["test"] is None:
        problems.add("split.by", "'test' needs data.test; use by = 'days' or 'fraction'")
    for key in ("days", "fraction"):
        if split[key] is not None and by != key:
            problems.add(f"split.{key}", f"applies only to by = {key!r}, not {by!r}")


def _check_models(models: list[dict], metric: str | None, problems: _Problems) -> None:
    from tabkit.pipeline.models import estimator_params

    task = "classification" if metric == "accuracy" else "regression"
    seen: dict[str, str] = {}
    for i, model in enumerate(models):
        where = f"model[{i}] ({model['name']})"
        kind = model["kind"]
        if kind == "embedding_forest":
            net = model["net"]
            if net is None:
                problems.add(f"{where}.net", "missing required value: the embedding_net model to use")
            elif seen.get(net) != "embedding_net":
                problems.add(f"{where}.net", f"{net!r} is not an embedding_net model listed before it")
        elif model["net"] is not None:
            problems.add(f"{where}.net", "applies only to kind = 'embedding_forest'")
        try:
            allowed = estimator_params(kind, task)
        except ImportError as exc:
            problems.add(where, f"model kind {kind!r} is not available: {exc}")
            continue
        for key in model["params"]:
            if key not in allowed:
                hint = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
                extra = f"; did you mean {hint[0]!r}?" if hint else ""
                problems.add(f"{where}.params.{key}", f"not a parameter of {kind}{extra}")
        for key, values in model["search"].items():
            if key not in allowed:
                hint = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
                extra = f"; did you mean {hint[0]!r}?" if hint else ""
                problems.add(f"{where}.search.{key}", f"not a parameter of {kind}{extra}")
            elif not isinstance(values, list) or not values:
                problems.add(f"{where}.search.{key}", f"must be a non-empty list, got {_describe(values)}")
        seen[model["name"]] = kind


def _check_output(output: dict, models: list[dict], problems: _Problems) -> None:
    names = [m["name"] for m in models]
    choice = output["submission"]
    if choice not in ("best", "none", "baseline", *names):
        hint = difflib.get_close_matches(choice, ["best", "none", "baseline", *names], n=1, cutoff=0.6)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        problems.add("output.submission", f'{choice!r} is not "best", "none", "baseline" or a model name{extra}')
    for key in ("explain_worst", "explain_random", "importance_repeats", "importance_rows", "sample_rows"):
        minimum = 1 if key in ("importance_repeats", "importance_rows", "sample_rows") else 0
        if output[key] < minimum:
            problems.add(f"output.{key}", f"must be at least {minimum}, got {output[key]}")
