"""The model-kind registry: one module per kind, each registering a :class:`ModelKind`.

Adding a kind is one new module (a ``ModelKind`` subclass and ``register(...)``) imported
below, or, from outside tabkit, ``register(MyKind())`` before the run.
"""

from tabkit.pipeline.kinds import (
    collab,
    embedding_forest,
    embedding_net,
    ensemble,
    forest,
    lightgbm,
)  # importing them registers them
from tabkit.pipeline.kinds.base import (
    EVERY_ROW,
    KINDS,
    PARTITIONED_FITS,
    FitContext,
    ModelKind,
    as_params,
    fit_or_search,
    get_kind,
    register,
)

__all__ = [
    "EVERY_ROW",
    "KINDS",
    "PARTITIONED_FITS",
    "FitContext",
    "ModelKind",
    "as_params",
    "fit_or_search",
    "get_kind",
    "register",
]
