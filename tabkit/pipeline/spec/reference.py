"""The spec reference page and the spec's JSON Schema, both read from the declarations:
:data:`~tabkit.pipeline.sections.SCHEMA`, every registered source's ``[data]`` keys and
every registered kind's own ``[[model]]`` keys, so neither can drift from what the spec
check accepts (a test compares the shipped copies).

``python -m tabkit.pipeline.spec.reference`` rewrites ``docs/spec.md`` and the packaged
``tabkit/pipeline/spec/spec.schema.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tabkit.files import write_text
from tabkit.pipeline.features import BUILDERS
from tabkit.pipeline.keys import REQUIRED, TYPE_NAMES, Key
from tabkit.pipeline.kinds import KINDS
from tabkit.pipeline.sections import SCHEMA
from tabkit.pipeline.sources import SOURCES

__all__ = ["SCHEMA_FILE", "json_schema", "spec_reference"]

SCHEMA_FILE = Path(__file__).with_name("spec.schema.json")
"""The JSON Schema shipped with the package (``tabkit spec schema`` prints it)."""
_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}


def spec_reference() -> str:
    """The spec reference as Markdown: one table per section (every key, its type, default,
    meaning and example), each source's ``[data]`` keys, then each model kind's own keys."""
    parts = [
        "# Pipeline spec reference",
        "",
        "Generated from the declarations in `tabkit/pipeline/` (the sections, the data sources and "
        "the model kinds); see the README for a walk-through. The same declarations give the JSON "
        "Schema that `tabkit spec schema` prints.",
        "",
    ]
    titles = {
        "": "Top level",
        "model": "[[model]] (one table per model)",
        "features.history": "[[features.history]] (one table per group)",
    }
    for section, keys in _sections().items():
        parts += _table(titles.get(section, f"[{section}]"), keys)
    for name, source in SOURCES.items():
        parts += _table(f'[data] keys of source = "{name}" ({source.doc})', source.keys)
    for name, kind in sorted(KINDS.items()):
        if kind.entry_keys:
            parts += _table(f'[[model]] keys of kind = "{name}"', kind.entry_keys)
    return "\n".join(parts).rstrip() + "\n"


def json_schema() -> dict[str, Any]:
    """The spec as a JSON Schema (draft 2020-12): types, defaults, choices and meanings of
    every key; ``[data]`` checked per source and ``[[model]]`` per kind."""
    sections = _sections()
    top = _object(sections[""], closed=True)
    for name in ("features", "split", "baseline", "output", "compute"):
        top["properties"][name] = _object(sections[name], closed=True)
    history = top["properties"]["features"]["properties"]["history"]
    history["items"] = _object(sections["features.history"], closed=True)
    data = _object(sections["data"], closed=False)
    data["allOf"] = [_when("source", name, source.keys, sections["data"]) for name, source in SOURCES.items()]
    top["properties"]["data"] = data
    model = _object(sections["model"], closed=False)
    model["allOf"] = [_when("kind", name, kind.entry_keys, sections["model"]) for name, kind in sorted(KINDS.items())]
    top["properties"]["model"] = {**top["properties"]["model"], "items": model}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "tabkit pipeline spec",
        "description": "A tabkit pipeline spec (TOML): `tabkit run SPEC.toml`. Reference: docs/spec.md.",
        **top,
    }


def _sections() -> dict[str, dict[str, Key]]:
    """SCHEMA with the choices only the registries know: sources, builders, kinds."""
    sections = {name: dict(keys) for name, keys in SCHEMA.items()}
    sections["data"]["source"] = _with_choices(sections["data"]["source"], tuple(SOURCES))
    sections["features"]["builder"] = _with_choices(sections["features"]["builder"], tuple(BUILDERS))
    sections["model"]["kind"] = _with_choices(sections["model"]["kind"], tuple(sorted(KINDS)))
    return sections


def _with_choices(key: Key, choices: tuple) -> Key:
    return Key(key.types, key.default, choices, key.doc, key.example, key.items)


def _object(keys: dict[str, Key], *, closed: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": {name: _property(key) for name, key in keys.items()}}
    required = [name for name, key in keys.items() if key.default is REQUIRED]
    if required:
        out["required"] = required
    if closed:
        out["additionalProperties"] = False
    return out


def _when(selector: str, value: str, own: dict[str, Key], common: dict[str, Key]) -> dict[str, Any]:
    """``if selector == value then`` the common keys and ``own`` only."""
    then = _object(own, closed=False)
    then["propertyNames"] = {"enum": [*common, *own]}
    return {"if": {"properties": {selector: {"const": value}}, "required": [selector]}, "then": then}


def _property(key: Key) -> dict[str, Any]:
    types = [_JSON_TYPES[t] for t in key.type_tuple]
    out: dict[str, Any] = {"type": types[0] if len(types) == 1 else types}
    if key.doc:
        out["description"] = key.doc
    if key.choices:
        out["enum"] = list(key.choices)
    if key.default is not REQUIRED and key.default is not None:
        out["default"] = key.default
    if key.items is not None:
        out["items"] = {"type": _JSON_TYPES[key.items]}
    return out


def _default_text(key: Key) -> str:
    if key.default is REQUIRED:
        return "required"
    if key.default is None:
        return "-"
    if isinstance(key.default, bool):
        return "true" if key.default else "false"
    if isinstance(key.default, str):
        return f'"{key.default}"'
    return str(key.default)


def _table(title: str, keys: dict[str, Key]) -> list[str]:
    rows = [f"## {title}", "", "| key | type | default | meaning | example |", "|---|---|---|---|---|"]
    for name, key in keys.items():
        kind = " or ".join(TYPE_NAMES[t] for t in key.type_tuple)
        meaning = key.doc + (f" (one of: {', '.join(map(str, key.choices))})" if key.choices else "")
        example = f"`{name} = {key.example}`" if key.example else ""
        rows.append(f"| `{name}` | {kind} | {_default_text(key)} | {meaning} | {example} |")
    return rows + [""]


def schema_text() -> str:
    """The JSON Schema as the text of :data:`SCHEMA_FILE`."""
    return json.dumps(json_schema(), indent=2) + "\n"


if __name__ == "__main__":
    write_text("docs/spec.md", spec_reference())
    write_text(SCHEMA_FILE, schema_text())
    print(f"wrote docs/spec.md and {SCHEMA_FILE}")
