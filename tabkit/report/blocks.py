"""The pieces a report is made of: sections holding facts, tables, figures, code and notes.

Builders return these plain objects; the Jinja2 templates render them, escaping every
string that comes from the data.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Facts:
    """A definition list of (label, value) pairs."""

    items: list[tuple[str, str]]
    kind: str = field(default="facts", init=False)


@dataclass
class Table:
    """A table of already formatted cells."""

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    kind: str = field(default="table", init=False)


@dataclass
class Figure:
    """An image as a ``data:`` URI with its alternative text."""

    uri: str
    alt: str
    caption: str = ""
    kind: str = field(default="figure", init=False)


@dataclass
class Code:
    """Preformatted text (a spec, a log, a traceback), optionally folded away."""

    text: str
    summary: str = ""
    folded: bool = True
    kind: str = field(default="code", init=False)


@dataclass
class Note:
    """A short remark, e.g. why a section is left out."""

    text: str
    kind: str = field(default="note", init=False)


@dataclass
class Section:
    """A titled part of the report; ``anchor`` is its id in the page."""

    title: str
    anchor: str
    blocks: list = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)

    def omitted(self, reason: str) -> Section:
        """Record why this section has no content and return it."""
        self.blocks.append(Note(reason))
        return self


def fmt(value) -> str:
    """Format one value for a table cell or fact: numbers to 4 significant digits,
    thousands separated from 10,000 on (so years stay ``2015``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value):
            return ""
        if abs(value) >= 10_000:
            return f"{value:,.0f}"
        if value != 0 and abs(value) < 1e-3:
            return f"{value:.3e}"
        return f"{value:.4g}"
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def table_from_frame(frame: pd.DataFrame, *, caption: str = "", max_rows: int | None = None) -> Table:
    """A :class:`Table` of a DataFrame's columns and (the first ``max_rows``) rows."""
    shown = frame if max_rows is None else frame.head(max_rows)
    rows = [[fmt(v) for v in record] for record in shown.itertuples(index=False, name=None)]
    if max_rows is not None and len(frame) > max_rows:
        caption = f"{caption} (first {max_rows} of {len(frame):,} rows)".strip()
    return Table([str(c) for c in frame.columns], rows, caption)


def facts(pairs: Iterable[tuple[str, object]] | Mapping[str, object]) -> Facts:
    """A :class:`Facts` block, skipping pairs whose value is missing."""
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return Facts([(str(k), fmt(v)) for k, v in items if v is not None and fmt(v) != ""])
