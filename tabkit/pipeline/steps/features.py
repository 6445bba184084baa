"""The feature step's one composition: a spec's data source loads, its builder builds
(:func:`build_features`); for ``tabkit predict``, the source reads new rows and the builder
turns them into features (:func:`new_rows`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tabkit.pipeline.features import BUILDERS, FeatureSet
from tabkit.pipeline.sections import Features
from tabkit.pipeline.sources import get_source

__all__ = ["build_features", "new_rows"]


def build_features(data: dict, features: Features) -> FeatureSet:
    """Load the data a spec's ``[data]`` names and build its ``[features]``."""
    loaded = get_source(data["source"]).load(data)
    return BUILDERS[features.builder].build(loaded, data, features)


def new_rows(data: dict, features: Features, new: Any) -> pd.DataFrame:
    """Features of new rows (a file, a folder, a frame or tables, as the source reads them)."""
    loaded = get_source(data["source"]).read_new(data, new)
    return BUILDERS[features.builder].new_rows(loaded, data, features)
