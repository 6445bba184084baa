"""``--set key=value`` overrides of a pipeline spec, applied to the raw mapping before it is
validated."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

from tabkit.pipeline.keys import SpecError, describe


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
            raise SpecError(f"--set {key}: {here} is {describe(child)}, not a table")
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
