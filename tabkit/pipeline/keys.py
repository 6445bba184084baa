"""The vocabulary every part of a spec is declared in: :class:`Key` (one key's type,
default, choices, meaning and example), :class:`Problems` (what a check found) and
:class:`SpecError` (a spec that cannot run).

Sections, data sources and model kinds each declare their keys with :class:`Key`; the spec
check, ``docs/spec.md`` and the JSON Schema are all read from those declarations.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Generic, TypeVar

__all__ = [
    "REQUIRED",
    "TYPE_NAMES",
    "Key",
    "Problems",
    "Registry",
    "SpecError",
    "declared",
    "describe",
    "did_you_mean",
    "keys_of",
    "resolved",
]

REQUIRED: Any = object()
"""The default of a key that must be given."""
TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}


class SpecError(ValueError):
    """A pipeline spec that cannot be run; the message lists every problem found."""


@dataclass(frozen=True)
class Key:
    """One spec key: accepted types, default (``REQUIRED`` when it must be given), choices,
    what it means, an example value (TOML) and, for a list, the type of its items."""

    types: type | tuple[type, ...]
    default: Any = None
    choices: tuple = ()
    doc: str = ""
    example: str = ""
    items: type | None = None

    @property
    def type_tuple(self) -> tuple[type, ...]:
        """The accepted Python types."""
        return self.types if isinstance(self.types, tuple) else (self.types,)


def declared(key: Key) -> Any:
    """A dataclass field declared by ``key``: its default (a fresh copy of a list or a
    table), or none for a required key; ``keys_of`` reads the key back."""
    if key.default is REQUIRED:
        return field(metadata={"key": key})
    if isinstance(key.default, (list, dict)):
        return field(default_factory=lambda: copy.deepcopy(key.default), metadata={"key": key})
    return field(default=key.default, metadata={"key": key})


def keys_of(section: type) -> dict[str, Key]:
    """The keys of a dataclass whose fields are :func:`declared`, in field order."""
    return {item.name: item.metadata["key"] for item in fields(section)}


def describe(value: Any) -> str:
    """A value with its type, for an error message."""
    return f"{type(value).__name__} {value!r}"


def resolved(path: str | Path) -> str:
    """A path as written and, when relative, as resolved against the working directory."""
    full = Path(path).resolve()
    return str(path) if str(full) == str(path) else f"{path} (resolved: {full})"


def did_you_mean(value: Any, choices) -> str:
    """``"; did you mean 'x'?"`` for the closest choice (letter case ignored), or nothing."""
    by_lower: dict[str, str] = {}
    for choice in map(str, choices):
        by_lower.setdefault(choice.lower(), choice)
    hint = difflib.get_close_matches(str(value).lower(), list(by_lower), n=1, cutoff=0.6)
    return f"; did you mean {by_lower[hint[0]]!r}?" if hint else ""


class Problems(list):
    """Where and what is wrong, one line each."""

    def add(self, where: str, message: str) -> None:
        """Record a problem at a key path (``data.path``) or, with ``where=""``, the spec."""
        self.append(f"{where}: {message}" if where else message)


Entry = TypeVar("Entry")


class Registry(dict, Generic[Entry]):
    """Named declarations of one sort (data sources, model kinds), by the ``name`` each has;
    a later registration of a name replaces the earlier one.

    Parameters
    ----------
    what : str
        What the entries are, for messages ("data source").
    """

    def __init__(self, what: str):
        super().__init__()
        self.what = what

    def register(self, entry: Entry) -> Entry:
        """Add ``entry`` under its ``name``.

        Raises
        ------
        ValueError
            If it has no name.
        """
        name = getattr(entry, "name", "")
        if not name:
            raise ValueError(f"a {self.what} needs a name")
        self[name] = entry
        return entry

    def get_entry(self, name: str) -> Entry:
        """The entry registered as ``name``.

        Raises
        ------
        KeyError
            Listing the registered names.
        """
        if name not in self:
            raise KeyError(f"unknown {self.what} {name!r}; registered: {', '.join(self)}")
        return self[name]
