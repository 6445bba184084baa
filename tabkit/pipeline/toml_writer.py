"""Write a spec back out as TOML (``tomllib`` only reads, and the runtime has no writer).

Covers what a spec holds: strings, integers, floats, booleans, lists of those, nested
tables and arrays of tables. ``None`` values are left out (TOML has no null).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any


def dumps(data: Mapping[str, Any]) -> str:
    """Serialise a mapping as a TOML document."""
    lines: list[str] = []
    _write_table(data, [], lines)
    return "\n".join(lines).strip() + "\n"


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping)


def _skipped(value: Any) -> bool:
    return value is None or (_is_table(value) and not value)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(_is_table(v) for v in value)


def _write_table(table: Mapping[str, Any], path: list[str], lines: list[str]) -> None:
    for key, value in table.items():
        if _skipped(value) or _is_table(value) or _is_table_array(value):
            continue
        lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in table.items():
        if _is_table(value) and not _skipped(value):
            lines.append("")
            lines.append(f"[{'.'.join(_key(k) for k in [*path, key])}]")
            _write_table(value, [*path, key], lines)
    for key, value in table.items():
        if _is_table_array(value):
            for item in value:
                lines.append("")
                lines.append(f"[[{'.'.join(_key(k) for k in [*path, key])}]]")
                _write_table(item, [*path, key], lines)


def _key(key: str) -> str:
    if key and all(c.isalnum() or c in "_-" for c in key):
        return key
    return json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value if v is not None) + "]"
    if _is_table(value):
        items = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None)
        return "{" + (f" {items} " if items else "") + "}"
    if hasattr(value, "item"):
        return _value(value.item())
    raise TypeError(f"cannot write {type(value).__name__} value {value!r} as TOML")
