"""Pipeline specs: read a TOML file, apply ``--set`` overrides and validate everything
before any work.

The format (every key, its type, default and an example) is declared in
:mod:`tabkit.pipeline.sections` and rendered in ``docs/spec.md``. A minimal spec::

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
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

from tabkit.metrics import METRICS
from tabkit.pipeline.keys import REQUIRED, TYPE_NAMES, Key, Problems, SpecError, describe, did_you_mean
from tabkit.pipeline.kinds import KINDS, get_kind
from tabkit.pipeline.sections import SCHEMA, Baseline, Compute, Features, HistoryTable, Output, Split
from tabkit.pipeline.sources import SOURCES, get_source
from tabkit.pipeline.spec import checks
from tabkit.pipeline.spec.overrides import apply_overrides
from tabkit.pipeline.spec.partitioned import check_partitioned

__all__ = ["Spec", "SpecError", "dumps", "load_spec", "validate"]
RESERVED_MODEL_NAMES = ("baseline", "actual")


@dataclass
class Spec:
    """A validated spec, every default filled in.

    Attributes
    ----------
    name, metric : str
    seed : int
    data : dict
        ``source`` and the source's own keys (declared by the source, so a mapping).
    features, split, baseline, output, compute : Features, Split, Baseline, Output, Compute
        The typed sections, with defaults (:mod:`tabkit.pipeline.sections`).
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
    features: Features
    split: Split
    baseline: Baseline
    models: list[dict]
    output: Output
    compute: Compute = field(default_factory=Compute)
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
            "features": asdict(self.features),
            "split": asdict(self.split),
            "baseline": asdict(self.baseline),
            "model": copy.deepcopy(self.models),
            "output": asdict(self.output),
            "compute": asdict(self.compute),
        }

    def model(self, name: str) -> dict:
        """The model table named ``name``."""
        for model in self.models:
            if model["name"] == name:
                return model
        raise KeyError(name)


def dumps(spec: Spec) -> str:
    """The spec as TOML (what ``spec.toml`` in a run folder holds); keys without a value
    are left out, as TOML has no null."""
    return tomli_w.dumps(_without_none(spec.to_dict()))


def _without_none(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_without_none(v) for v in value if v is not None]
    return value


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
    problems = Problems()

    def parsed(value: Any, schema: dict[str, Key], where: str) -> tuple[dict, bool]:
        before = len(problems)
        return _section(value, schema, where, problems), len(problems) == before

    top, _ = parsed(raw, SCHEMA[""], "")
    sections, ok = {}, {}
    for name in ("features", "split", "baseline", "output", "compute"):
        sections[name], ok[name] = parsed(top.get(name) or {}, SCHEMA[name], name)
    if ok["features"]:
        history = [
            parsed(table, SCHEMA["features.history"], f"features.history[{i}]")
            for i, table in enumerate(sections["features"]["history"])
        ]
        ok["features"] = all(fine for _, fine in history)
        sections["features"]["history"] = [HistoryTable(**table) for table, _ in history] if ok["features"] else []
    data, ok["data"] = _data_section(top.get("data") or {}, problems)
    source = get_source(data["source"]) if ok["data"] else None
    if source is not None:
        source.check(data, problems, read_files=check_data)
    before = len(problems)
    models = _models(top.get("model"), problems)
    for i, model in enumerate(models):  # seeds = n: n seeds from the spec's seed on
        if isinstance(model.get("seeds"), int) and not isinstance(model["seeds"], bool):
            if model["seeds"] < 1:
                problems.add(f"model[{i}].seeds", f"must be at least 1 (or a list of seeds), got {model['seeds']}")
            base = top["seed"] if isinstance(top.get("seed"), int) else 0
            model["seeds"] = list(range(base, base + max(model["seeds"], 0)))
    models_ok = len(problems) == before and bool(models)
    features = Features(**sections["features"]) if ok["features"] else Features()
    split = Split(**sections["split"]) if ok["split"] else Split()
    baseline = Baseline(**sections["baseline"]) if ok["baseline"] else Baseline()
    output = Output(**sections["output"]) if ok["output"] else Output()
    compute = Compute(**sections["compute"]) if ok["compute"] else Compute()
    if ok["compute"]:
        checks.check_compute(compute, problems)
    task = METRICS[top["metric"]].task if top.get("metric") in METRICS else None
    # each check runs on the sections that parsed, so one pass reports as much as it can
    if source is not None and ok["features"] and task:
        checks.check_features(source, data, features, task, problems, check_data)
    if source is not None and ok["split"]:
        checks.check_split(split, source, data, problems)
    if source is not None and check_data and task:
        if ok["features"] and ok["baseline"] and ok["output"]:
            checks.check_columns(source, data, features, baseline, output, problems)
        checks.check_target(source, data, top["metric"], problems)
    if models_ok and task:
        checks.check_models(models, task, problems)
        if ok["output"]:
            checks.check_output(output, models, task, problems)
        if source is not None and source.partitioned(data) and ok["features"] and ok["split"]:
            check_partitioned(task, features, split, models, compute, problems)
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
        baseline=baseline,
        models=models,
        output=output,
        compute=compute,
    )


def _message(problems: Sequence[str]) -> str:
    head = "invalid pipeline spec" + (f" ({len(problems)} problems)" if len(problems) > 1 else "")
    return head + ":\n" + "\n".join(f"  - {p}" for p in problems)


def _data_section(raw: Any, problems: Problems) -> tuple[dict, bool]:
    """``[data]``: its source and that source's keys, and whether those parsed; a key of
    another source is named as such."""
    chosen = raw.get("source") if isinstance(raw, Mapping) else None
    schema = {"source": Key(str, REQUIRED, tuple(SOURCES), example='"csv"')}
    if isinstance(chosen, str) and chosen in SOURCES:
        schema.update(get_source(chosen).keys)
        owners = {k: [n for n, s in SOURCES.items() if k in s.keys] for k in raw if k not in schema}
        for key, names in owners.items():
            if names:
                owned_by = " or ".join(repr(n) for n in names)
                problems.add(f"data.{key}", f"applies only to source = {owned_by}, not {chosen!r}")
        raw = {k: v for k, v in raw.items() if not owners.get(k)}
    elif isinstance(chosen, str):
        problems.add(
            "data.source",
            f"{chosen!r} is not a data source (sources: {', '.join(SOURCES)}){did_you_mean(chosen, SOURCES)}",
        )
        return {"source": chosen}, False
    before = len(problems)
    data = _section(raw, schema, "data", problems, context=f" for source = {chosen!r}" if chosen else "")
    return data, len(problems) == before


def _section(raw: Any, schema: dict[str, Key], name: str, problems: Problems, context: str = "") -> dict:
    """Values of one section with defaults; problems for unknown keys, wrong types, choices."""
    if not isinstance(raw, Mapping):
        problems.add(name, f"must be a table, got {describe(raw)}")
        return {k: copy.deepcopy(v.default) for k, v in schema.items() if v.default is not REQUIRED}
    out = {}
    for key in raw:
        if key not in schema:
            where = f"{name}.{key}" if name else key
            known = did_you_mean(key, schema)[2:] or f"known keys: {', '.join(schema)}"
            problems.add(where, f"unknown key; {known}")
    for key, spec in schema.items():
        where = f"{name}.{key}" if name else key
        if key not in raw:
            if spec.default is REQUIRED:
                problems.add(where, f"missing required value{context} ({TYPE_NAMES[spec.type_tuple[0]]})")
            else:
                out[key] = copy.deepcopy(spec.default)
            continue
        value = raw[key]
        types = spec.type_tuple
        if float in types and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            problems.add(where, f"must be {TYPE_NAMES[types[0]]}, got {describe(value)}")
            continue
        if spec.choices and value not in spec.choices:
            problems.add(
                where,
                f"{value!r} is not one of {', '.join(map(str, spec.choices))}" + did_you_mean(value, spec.choices),
            )
            continue
        out[key] = copy.deepcopy(value)
    return out


def _models(raw: Any, problems: Problems) -> list[dict]:
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
                    f"{kind!r} is not a model kind (kinds: {', '.join(KINDS)}){did_you_mean(kind, KINDS)}",
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
