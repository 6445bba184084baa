"""Jinja2 rendering of the report templates, every value autoescaped."""
from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined


@cache
def environment() -> Environment:
    """The template environment: package templates, every value HTML-escaped."""
    return Environment(loader=PackageLoader("tabkit.report", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(template: str, **context) -> str:
    """Render one of the package's templates."""
    return environment().get_template(template).render(**context)
