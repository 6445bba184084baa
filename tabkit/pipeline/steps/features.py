"""The feature step's one composition: a spec's data source loads, its builder builds
(:func:`build_features`); for ``tabkit predict``, the source reads new rows and the builder
turns them into features (:func:`new_rows`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from tabkit.pipeline.features import BUILDERS, FeatureSet
from tabkit.pipeline.sections import Features
from tabkit.pipeline.sources import get_source
from tabkit.pipeline.steps.cache import cache_key, cached_features

__all__ = ["build_features", "cached_build", "new_rows"]


def build_features(data: dict, features: Features) -> FeatureSet:
    """Load the data a spec's ``[data]`` names and build its ``[features]``."""
    loaded = get_source(data["source"]).load(data)
    return BUILDERS[features.builder].build(loaded, data, features)


def new_rows(data: dict, features: Features, new: Any) -> pd.DataFrame:
    """Features of new rows (a file, a folder, a frame or tables, as the source reads them)."""
    loaded = get_source(data["source"]).read_new(data, new)
    return BUILDERS[features.builder].new_rows(loaded, data, features)


def cached_build(
    data: dict, features: Features, cache_dir: Path | None, log: Callable[[str], None]
) -> tuple[FeatureSet, bool]:
    """The feature step: :func:`build_features`, through the feature cache in ``cache_dir``
    (None: the cache is off); returns the features and whether they came from the cache."""
    started = time.perf_counter()
    if cache_dir is None:
        log("features: building (cache off)")
        built = build_features(data, features)
        log(f"features: built in {time.perf_counter() - started:.1f}s")
        return built, False
    key = cache_key(get_source(data["source"]), data, features)
    built, hit = cached_features(cache_dir, key, lambda: build_features(data, features))
    took = f"{time.perf_counter() - started:.1f}s"
    log(
        f"features: loaded from cache {cache_dir / key} in {took} (feature building skipped)"
        if hit
        else f"features: built in {took}, cached as {cache_dir / key}"
    )
    return built, hit
