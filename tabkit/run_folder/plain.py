"""An object's state as plain data that ``skops`` stores compactly and without pickling,
and back.

:func:`to_plain` walks dicts, lists and tuples and replaces each DataFrame, Series, Index
(MultiIndex included) and Timestamp by a dict tagged with ``PANDAS``, and each list or
tuple of values of one type (NumPy scalars, str, int or float: column names, category
labels, per-round scores) and each dict of str to such values (fill values, scales) by
arrays: skops keeps every element of a list as a node of its own (a NumPy scalar as a file
of its own), which a processor has thousands of. :func:`from_plain` rebuilds them: same
values, types, dtypes, index and names.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

PANDAS = "__pandas__"
"""The key that marks a dict standing for a pandas object."""


def to_plain(value: Any) -> Any:
    """``value`` with every pandas object inside dicts, lists and tuples made plain."""
    if isinstance(value, pd.DataFrame):
        return {
            PANDAS: "DataFrame",
            "columns": to_plain(value.columns),
            "index": to_plain(value.index),
            "data": [to_plain(value.iloc[:, i]) for i in range(value.shape[1])],
        }
    if isinstance(value, pd.Series):
        return {PANDAS: "Series", "name": value.name, "index": to_plain(value.index), **_values(value)}
    if isinstance(value, pd.MultiIndex):
        levels = [to_plain(value.get_level_values(i)) for i in range(value.nlevels)]
        return {PANDAS: "MultiIndex", "levels": levels, "names": list(value.names)}
    if isinstance(value, pd.RangeIndex):
        return {PANDAS: "RangeIndex", "range": [value.start, value.stop, value.step], "name": value.name}
    if isinstance(value, pd.Index):
        return {PANDAS: "Index", "name": value.name, **_values(value)}
    if isinstance(value, pd.Timestamp):
        return {PANDAS: "Timestamp", "iso": value.isoformat(), "unit": value.unit}
    if isinstance(value, dict):
        if type(value) is dict and _uniform(list(value), str) and _uniform(list(value.values()), *_PRIMITIVES):
            return {PANDAS: "dict", "keys": np.array(list(value)), "values": np.array(list(value.values()))}
        return _each(value, to_plain)
    if isinstance(value, (list, tuple)):
        if _uniform(value, np.generic):
            return {PANDAS: "scalars", "sequence": type(value).__name__, "values": np.array(value)}
        if _uniform(value, *_PRIMITIVES):
            return {PANDAS: "primitives", "sequence": type(value).__name__, "values": np.array(value)}
        return type(value)(to_plain(item) for item in value)
    return value


_PRIMITIVES = (str, int, float)


def _uniform(values, *kinds: type) -> bool:
    """Whether ``values`` are two or more of one type, one of ``kinds`` (bool apart from
    int: NumPy would make True 1)."""
    if len(values) < 2 or not isinstance(values[0], kinds) or isinstance(values[0], bool):
        return False
    first = type(values[0])
    return all(type(v) is first for v in values)


def _each(mapping: dict, convert) -> dict:
    """A copy of a dict (an OrderedDict, a defaultdict: the same type) with each value converted."""
    out = copy.copy(mapping)
    for key, item in mapping.items():
        out[key] = convert(item)
    return out


def from_plain(value: Any) -> Any:
    """The inverse of :func:`to_plain`."""
    if isinstance(value, dict):
        kind = value.get(PANDAS)
        if kind is None:
            return _each(value, from_plain)
        return _REBUILD[kind](value)
    if isinstance(value, (list, tuple)):
        return type(value)(from_plain(item) for item in value)
    return value


def _values(values: pd.Series | pd.Index) -> dict:
    return {"values": values.to_numpy(), "dtype": str(values.dtype)}


def _array(plain: dict) -> Any:
    values = plain["values"]
    return pd.array(values, dtype=plain["dtype"]) if plain["dtype"] != str(values.dtype) else values


def _frame(plain: dict) -> pd.DataFrame:
    columns = from_plain(plain["columns"])
    data = {i: from_plain(series) for i, series in enumerate(plain["data"])}
    frame = pd.DataFrame(data, index=from_plain(plain["index"]))
    frame.columns = columns
    return frame


def _multi_index(plain: dict) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([from_plain(level) for level in plain["levels"]], names=plain["names"])


_REBUILD = {
    "DataFrame": _frame,
    "Series": lambda p: pd.Series(_array(p), index=from_plain(p["index"]), name=p["name"]),
    "MultiIndex": _multi_index,
    "RangeIndex": lambda p: pd.RangeIndex(*p["range"], name=p["name"]),
    "Index": lambda p: pd.Index(_array(p), name=p["name"], dtype=p["dtype"]),
    "Timestamp": lambda p: pd.Timestamp(p["iso"]).as_unit(p["unit"]),
    "scalars": lambda p: (tuple if p["sequence"] == "tuple" else list)(p["values"]),
    "primitives": lambda p: (tuple if p["sequence"] == "tuple" else list)(p["values"].tolist()),
    "dict": lambda p: dict(zip(p["keys"].tolist(), p["values"].tolist())),
}
