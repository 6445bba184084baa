"""Jinja2 rendering of the report templates, every value autoescaped.

Pages carry one small script (``templates/page.js``: click a table's header to sort it,
pick an explained row, open a collapsed part a link points into), allowed by the page's
Content-Security-Policy through its SHA-256 hash, computed here from the very text the
page embeds; nothing else runs and nothing is fetched.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

SCRIPT = "page.js"


@cache
def environment() -> Environment:
    """The template environment: package templates, every value HTML-escaped."""
    return Environment(
        loader=PackageLoader("tabkit.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def script() -> tuple[str, str]:
    """The page script's text and its CSP source, ``'sha256-<base64 digest>'``."""
    text, _, _ = environment().loader.get_source(environment(), SCRIPT)
    if "</" in text:
        raise ValueError(f"{SCRIPT} must not contain '</' (it is embedded in a <script> element)")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return text, f"'sha256-{digest}'"


def render(template: str, **context) -> str:
    """Render one of the package's templates (with the page script and its hash)."""
    text, source = script()
    return environment().get_template(template).render(script=Markup(text), script_source=Markup(source), **context)
