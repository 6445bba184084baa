"""Which exporter takes a fitted estimator: one module per model family, chosen by the
estimator's class (classes of modules not imported yet cannot be the estimator's, so
choosing imports nothing)."""

from __future__ import annotations

import sys
from importlib import import_module

from tabkit.export.graph import GraphBuilder
from tabkit.export.refusals import REASONS, ExportError

FAMILIES = (
    ("tabkit.forest.estimators", ("ForestRegressor", "ForestClassifier"), "tabkit.export.forest:forest_graph"),
    (
        "tabkit.boosting.estimators",
        ("LightGBMRegressor", "LightGBMClassifier"),
        "tabkit.export.lightgbm:lightgbm_graph",
    ),
    ("tabkit.nn.estimators", ("EmbeddingNetRegressor", "EmbeddingNetClassifier"), "tabkit.export.net:net_graph"),
    ("tabkit.ensemble.blend", ("BlendRegressor", "BlendClassifier"), "tabkit.export.blend:blend_graph"),
)
"""(module, its estimator classes, the exporter ``module:function``) per family."""


def model_graph(builder: GraphBuilder, estimator, prefix: str) -> str:
    """Add a fitted estimator's graph on the builder's inputs; returns its double output
    (the prediction ``(n_rows, 1)`` on the scale of ``estimator.predict``, or the class
    probabilities ``(n_rows, n_classes)``).

    Raises
    ------
    ExportError
        For an estimator no family exports, saying why.
    """
    for module, classes, exporter in FAMILIES:
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(estimator, tuple(getattr(loaded, name) for name in classes)):
            module_name, _, function = exporter.partition(":")
            return getattr(import_module(module_name), function)(builder, estimator, prefix)
    names = [cls.__name__ for cls in type(estimator).__mro__]
    reason = next((REASONS[name] for name in names if name in REASONS), None)
    if reason is None:
        exported = ", ".join(name for _, classes, _ in FAMILIES for name in classes)
        reason = f"{names[0]} is none of the exported estimators ({exported})"
    raise ExportError(reason)
