"""Forests (:class:`tabkit.ForestRegressor`, :class:`tabkit.ForestClassifier`) through
skl2onnx: the processor's operators, then the scikit-learn forest on their float matrix."""

from __future__ import annotations

from onnx import TensorProto

from tabkit.export.graph import OPSETS, GraphBuilder
from tabkit.export.processor import tree_matrix


def forest_graph(builder: GraphBuilder, forest, prefix: str) -> str:
    """Add a fitted tabkit forest; returns its double output: the prediction ``(n_rows, 1)``
    or the class probabilities ``(n_rows, n_classes)``."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    classifier = hasattr(forest, "classes_")
    n_features = len(forest.processor_.get_feature_names_out())
    converted = convert_sklearn(
        forest.forest_,
        initial_types=[("X", FloatTensorType([None, n_features]))],
        target_opset={"": OPSETS[""], "ai.onnx.ml": 3},
        options={"zipmap": False} if classifier else None,
    )
    outputs = builder.embed(converted, {"X": tree_matrix(builder, forest.processor_)}, prefix)
    return builder.node("Cast", [outputs[-1]], "forest", to=TensorProto.DOUBLE)
