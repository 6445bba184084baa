"""Why a model cannot be exported: the error, and the reason for each kind of model the
export leaves out."""

from __future__ import annotations

__all__ = ["REASONS", "ExportError"]


class ExportError(ValueError):
    """A model the ONNX export cannot write, and why."""


REASONS = {
    "CollabRegressor": "a collaborative-filtering model scores user-item pairs from its learnt factor tables and "
    "has no tabular processor for the export to translate",
    "EmbeddingForest": "its forest reads another model's embeddings through a second processor, which the export "
    "does not translate; export the net it uses, or a forest",
    "MeanBaseline": "the baseline is a table of group means, not a model to export",
}
"""Estimator class name -> why it is not exported."""
