"""Read a rendered report back: its sections, images, links and text."""

from __future__ import annotations

import base64
import html
import re
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

EVIL = "<script>alert(1)</script>"
"""A category label that must come out escaped in every report."""


@dataclass
class Part:
    """What one ``<section>`` holds (its subsections included)."""

    text: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def joined(self) -> str:
        return " ".join(self.text)


class Page(HTMLParser):
    """Sections by id, every src/href, tag counts and figure captions of an HTML page."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, Part] = {}
        self.links: list[str] = []
        self.tags: dict[str, int] = {}
        self.ids: set[str] = set()
        self.text: list[str] = []
        self._open: list[str] = []
        self._in_note = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if "id" in attrs:
            self.ids.add(attrs["id"])
        self.links += [attrs[a] for a in ("src", "href") if a in attrs]
        if tag == "section":
            self._open.append(attrs.get("id", ""))
            self.sections[self._open[-1]] = Part()
        elif tag == "img":
            for name in self._open:
                self.sections[name].images.append(attrs)
        elif tag == "p" and "note" in attrs.get("class", ""):
            self._in_note = True

    def handle_endtag(self, tag):
        if tag == "section":
            self._open.pop()
        elif tag == "p":
            self._in_note = False

    def handle_data(self, data):
        if not data.strip():
            return
        self.text.append(data.strip())
        for name in self._open:
            self.sections[name].text.append(data.strip())
            if self._in_note:
                self.sections[name].notes.append(data.strip())

    @property
    def joined(self) -> str:
        """All the page's text."""
        return " ".join(self.text)

    def part(self, anchor: str) -> Part:
        return self.sections[anchor]


def read_page(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def data_bytes(uri: str) -> bytes:
    """The bytes of a ``data:`` URI: base64 (PNG) or percent-encoded text (SVG)."""
    header, payload = uri.split(",", 1)
    if header.endswith(";base64"):
        return base64.b64decode(payload)
    assert header == "data:image/svg+xml", header
    return urllib.parse.unquote(payload).encode("utf-8")


def decoded_images(page: Page) -> list[bytes]:
    """The bytes of every ``data:`` image of the page."""
    return [data_bytes(link) for link in page.links if link.startswith("data:")]


def svg_of(image: dict) -> str:
    """The SVG text of an ``<img>`` (its attrs) holding an SVG data URI."""
    assert image["src"].startswith("data:image/svg+xml,"), image["src"][:40]
    return data_bytes(image["src"]).decode("utf-8")


def svg_texts(image: dict) -> list[str]:
    """Every text an SVG chart draws, in order."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg_of(image))]


def menu_links(path: Path) -> list[str]:
    """The anchors the report's contents (its ``<nav>``) link to."""
    text = path.read_text(encoding="utf-8")
    nav = text[text.index("<nav") : text.index("</nav>")]
    return re.findall(r'href="#([^"]+)"', nav)
