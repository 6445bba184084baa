"""The data-source registry: one module per source, each registering a :class:`DataSource`.

Adding a source is one new module (a ``DataSource`` subclass and ``register(...)``)
imported below, or, from outside tabkit, ``register(MySource())`` before the run.
"""

from tabkit.pipeline.sources import (
    csv,
    movielens,
    rossmann,
    synthetic,
    synthetic_ratings,
)  # importing them registers them
from tabkit.pipeline.sources.base import SOURCES, DataSource, get_source, register

__all__ = ["SOURCES", "DataSource", "get_source", "register"]
