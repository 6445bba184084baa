"""Random forests on the shared preprocessing, their attribution (Saabas, TreeSHAP), permutation
importance and redundant features; a forest on a net's embeddings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tabkit.lazy import lazy_names

_PUBLIC_NAMES = {
    "ForestRegressor": "tabkit.forest.estimators",
    "ForestClassifier": "tabkit.forest.estimators",
    "EmbeddingForest": "tabkit.forest.embedding_forest",
    "EmbeddingForestRegressor": "tabkit.forest.embedding_forest",
    "EmbeddingForestClassifier": "tabkit.forest.embedding_forest",
    "permutation_importance": "tabkit.forest.importance",
    "redundant_features": "tabkit.forest.redundancy",
    "contributions": "tabkit.forest.attribution",
}
__all__ = sorted(_PUBLIC_NAMES)
__getattr__, __dir__ = lazy_names(__name__, _PUBLIC_NAMES)

if TYPE_CHECKING:
    from tabkit.forest.attribution import contributions
    from tabkit.forest.embedding_forest import EmbeddingForest, EmbeddingForestClassifier, EmbeddingForestRegressor
    from tabkit.forest.estimators import ForestClassifier, ForestRegressor
    from tabkit.forest.importance import permutation_importance
    from tabkit.forest.redundancy import redundant_features
