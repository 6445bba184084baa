"""Inspect a fitted model: partial dependence (1-d with ICE curves, and 2-d), where the
training rows lie on that grid, embedding maps, and which features to look at.

Every function returns plain DataFrames (the pipeline stores them in the run folder;
:mod:`tabkit.plots` draws them) and works on any fitted model whose ``predict`` takes
the raw feature frame.
"""

from tabkit.inspection.dependence import partial_dependence, partial_dependence_2d, training_density
from tabkit.inspection.embeddings import embedding_map
from tabkit.inspection.grids import feature_deciles, feature_kind, missing_fills
from tabkit.inspection.ranking import top_features, top_pair

__all__ = [
    "embedding_map",
    "feature_deciles",
    "feature_kind",
    "missing_fills",
    "partial_dependence",
    "partial_dependence_2d",
    "top_features",
    "top_pair",
    "training_density",
]
