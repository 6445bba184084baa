"""tabkit: tabular machine learning in the fast.ai tradition.

Shared preprocessing, random forests you can interpret, validation-set hyperparameter
search, entity-embedding nets, Kaggle-style pipeline runs and HTML reports.

The public names below are imported on first use, so ``import tabkit`` stays fast and
the command line does not pay for PyTorch unless a net is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tabkit.lazy import lazy_names

__version__ = "0.1.0"

_PUBLIC_NAMES = {
    "TabularProcessor": "tabkit.prep.processor",
    "add_datepart": "tabkit.prep.dates",
    "add_elapsed": "tabkit.prep.elapsed",
    "time_split": "tabkit.prep.split",
    "TargetMeans": "tabkit.prep.target_means",
    "HistoryFeatures": "tabkit.prep.history",
    "ForestRegressor": "tabkit.forest.estimators",
    "ForestClassifier": "tabkit.forest.estimators",
    "permutation_importance": "tabkit.forest.importance",
    "redundant_features": "tabkit.forest.redundancy",
    "contributions": "tabkit.explain",
    "Explanation": "tabkit.explanation",
    "plot_waterfall": "tabkit.plots",
    "plot_importance": "tabkit.plots",
    "plot_dendrogram": "tabkit.plots",
    "plot_contribution_summary": "tabkit.plots",
    "plot_partial_dependence": "tabkit.plots",
    "plot_partial_dependence_2d": "tabkit.plots",
    "ValidationSearch": "tabkit.search.validation_search",
    "plot_search": "tabkit.plots",
    "EmbeddingNetRegressor": "tabkit.nn.estimators",
    "EmbeddingNetClassifier": "tabkit.nn.estimators",
    "plot_embeddings": "tabkit.plots",
    "EmbeddingForest": "tabkit.forest.embedding_forest",
    "EmbeddingForestRegressor": "tabkit.forest.embedding_forest",
    "EmbeddingForestClassifier": "tabkit.forest.embedding_forest",
    "CollabRegressor": "tabkit.nn.collab",
    "top_biases": "tabkit.nn.factors",
    "plot_factors": "tabkit.plots",
    "run_pipeline": "tabkit.pipeline.runner",
    "load_run": "tabkit.pipeline.predict",
    "build_report": "tabkit.report.builder",
    "LightGBMRegressor": "tabkit.boosting.estimators",
    "LightGBMClassifier": "tabkit.boosting.estimators",
    "lightgbm_contributions": "tabkit.boosting.attribution",
    "BlendRegressor": "tabkit.ensemble.blend",
    "BlendClassifier": "tabkit.ensemble.blend",
    "fit_blend_weights": "tabkit.ensemble.weights",
    "split_half_score": "tabkit.ensemble.weights",
}
_SUBMODULES = {
    "datasets",
    "metrics",
    "prep",
    "forest",
    "search",
    "nn",
    "pipeline",
    "report",
    "plots",
    "inspection",
    "runs",
    "boosting",
    "ensemble",
    "explain",
    "export",
}

if TYPE_CHECKING:  # what the lazy names below resolve to, for type checkers and editors
    from tabkit import (
        boosting,
        datasets,
        ensemble,
        explain,
        export,
        forest,
        inspection,
        metrics,
        nn,
        pipeline,
        plots,
        prep,
        report,
        runs,
        search,
    )
    from tabkit.boosting.attribution import lightgbm_contributions
    from tabkit.boosting.estimators import LightGBMClassifier, LightGBMRegressor
    from tabkit.ensemble.blend import BlendClassifier, BlendRegressor
    from tabkit.ensemble.weights import fit_blend_weights, split_half_score
    from tabkit.explain import contributions
    from tabkit.explanation import Explanation
    from tabkit.forest.embedding_forest import EmbeddingForest, EmbeddingForestClassifier, EmbeddingForestRegressor
    from tabkit.forest.estimators import ForestClassifier, ForestRegressor
    from tabkit.forest.importance import permutation_importance
    from tabkit.forest.redundancy import redundant_features
    from tabkit.nn.collab import CollabRegressor
    from tabkit.nn.estimators import EmbeddingNetClassifier, EmbeddingNetRegressor
    from tabkit.nn.factors import top_biases
    from tabkit.pipeline.predict import load_run
    from tabkit.pipeline.runner import run_pipeline
    from tabkit.plots import (
        plot_contribution_summary,
        plot_dendrogram,
        plot_embeddings,
        plot_factors,
        plot_importance,
        plot_partial_dependence,
        plot_partial_dependence_2d,
        plot_search,
        plot_waterfall,
    )
    from tabkit.prep.dates import add_datepart
    from tabkit.prep.elapsed import add_elapsed
    from tabkit.prep.history import HistoryFeatures
    from tabkit.prep.processor import TabularProcessor
    from tabkit.prep.split import time_split
    from tabkit.prep.target_means import TargetMeans
    from tabkit.report.builder import build_report
    from tabkit.search.validation_search import ValidationSearch

__all__ = sorted(_PUBLIC_NAMES) + sorted(_SUBMODULES) + ["__version__"]
__getattr__, __dir__ = lazy_names(__name__, {**_PUBLIC_NAMES, **{name: f"tabkit.{name}" for name in _SUBMODULES}})
