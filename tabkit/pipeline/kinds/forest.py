"""``kind = "forest"``: :class:`tabkit.ForestRegressor` / :class:`tabkit.ForestClassifier`."""

from __future__ import annotations

from tabkit.pipeline.kinds.base import ModelKind, register


class ForestKind(ModelKind):
    """A random forest on the shared preprocessing; explains rows (Saabas contributions)."""

    name = "forest"
    on_partitions = "sample"
    estimators = {
        "regression": "tabkit.forest.estimators:ForestRegressor",
        "classification": "tabkit.forest.estimators:ForestClassifier",
    }
    explains_rows = True


register(ForestKind())
