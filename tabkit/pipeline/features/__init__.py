"""Feature builders (one module each) and the feature cache.

A builder turns what a data source loads into a :class:`FeatureSet`; every source names the
builders it can feed (:attr:`tabkit.pipeline.sources.DataSource.builders`).
"""

from tabkit.pipeline.features.auto import AutoBuilder
from tabkit.pipeline.features.base import FeatureBuilder, FeatureSet
from tabkit.pipeline.features.ratings import RatingsBuilder
from tabkit.pipeline.features.rossmann import RossmannBuilder

BUILDERS: dict[str, FeatureBuilder] = {b.name: b for b in (RossmannBuilder(), AutoBuilder(), RatingsBuilder())}
"""Builder name -> builder."""

__all__ = ["BUILDERS", "FeatureBuilder", "FeatureSet"]
