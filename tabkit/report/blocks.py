"""The pieces a report is made of: sections holding facts, tables, figures, code and notes.

Builders return these plain objects; the Jinja2 templates render them, escaping every
string that comes from the data.
"""

from __future__ import annotations

import math
import numbers
import re
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
    """A table of already formatted cells; its header sorts it (the page's script).

    ``more`` rows are folded away under the table (in a table of their own); ``numeric``
    says which columns hold numbers (aligned right, sorted as numbers); a ``folded``
    table is hidden under that summary line; a ``tall`` one scrolls in a box of about 15
    rows, its header kept in view.
    """

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    more: list[list[str]] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)
    sortable: bool = True
    folded: str = ""
    tall: bool = False
    kind: str = field(default="table", init=False)

    def __post_init__(self):
        if not self.numeric:
            self.numeric = [_numeric([row[i] for row in self.rows + self.more]) for i in range(len(self.columns))]


@dataclass
class Figure:
    """An image as a ``data:`` URI with its alternative text."""

    uri: str
    alt: str
    caption: str = ""
    kind: str = field(default="figure", init=False)


@dataclass
class Grid:
    """Figures side by side, as many to a line as the page's width allows (charts of
    several models that share their axes)."""

    figures: list[Figure]
    kind: str = field(default="grid", init=False)


@dataclass
class Choice:
    """One option of a :class:`Chooser`: its label and what it shows."""

    label: str
    blocks: list


@dataclass
class Chooser:
    """Blocks shown one option at a time, picked by a row of buttons above them (the
    page's script switches them; the first shows without it). ``name`` groups the
    buttons: unique within the page."""

    name: str
    legend: str
    options: list[Choice]
    caption: str = ""
    kind: str = field(default="chooser", init=False)


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
class Text:
    """A paragraph."""

    text: str
    kind: str = field(default="text", init=False)


@dataclass
class Section:
    """A titled part of the report; ``anchor`` is its id in the page, ``menu`` its
    (shorter) entry in the contents; ``folded`` True or False puts everything under its
    title in a collapsible part, closed or open (None: not collapsible)."""

    title: str
    anchor: str
    blocks: list = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)
    menu: str = ""
    folded: bool | None = None

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
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def amount(value) -> str:
    """A quantity in the target's units or a count: thousands separated from 1,000 on
    (``4,547``, ``12,150``), else as :func:`fmt`."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value) and abs(value) >= 1000:
        return f"{value:,.0f}"
    return fmt(value)


def seconds(value) -> str:
    """A duration in seconds: one decimal from 1 s on, two below (``12.3``, ``0.05``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:,.1f}" if abs(value) >= 1 else f"{value:.2f}"


def when(iso: str | None) -> str | None:
    """An ISO timestamp to the second, ``2026-11-29 21:24:49 UTC`` (None stays None)."""
    if not iso:
        return None
    stamp = pd.Timestamp(iso)
    if stamp.tzinfo is not None:
        return stamp.tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S UTC")
    return stamp.strftime("%Y-%m-%d %H:%M:%S")


_NUMBER = re.compile(r"^[+-]?(\d[\d,]*\.?\d*|\.\d+)(e[+-]?\d+)?%?$", re.IGNORECASE)


def _numeric(cells: list[str]) -> bool:
    """Whether every non-empty cell reads as a number (and one at least does)."""
    filled = [c for c in cells if c]
    return bool(filled) and all(_NUMBER.match(c) for c in filled)


def table_from_frame(frame: pd.DataFrame, *, caption: str = "", max_rows: int | None = None, format_cell=fmt) -> Table:
    """A :class:`Table` of a DataFrame's columns and rows; beyond ``max_rows`` the rows
    are folded away under it."""
    rows = [[format_cell(v) for v in record] for record in frame.itertuples(index=False, name=None)]
    shown, more = (rows, []) if max_rows is None else (rows[:max_rows], rows[max_rows:])
    return Table([str(c) for c in frame.columns], shown, caption, more=more)


def facts(pairs: Iterable[tuple[str, object]] | Mapping[str, object]) -> Facts:
    """A :class:`Facts` block, skipping pairs whose value is missing."""
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return Facts([(str(k), fmt(v)) for k, v in items if v is not None and fmt(v) != ""])
