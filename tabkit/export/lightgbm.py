"""LightGBM models (:class:`tabkit.LightGBMRegressor`, :class:`tabkit.LightGBMClassifier`)
through onnxmltools: the processor's operators, then the booster's first
``best_iteration_`` rounds on their float matrix (the categorical splits included)."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from tabkit.export.graph import OPSETS, GraphBuilder
from tabkit.export.processor import tree_matrix

SPLIT = 10
"""A regression's trees go in groups of this many, whose float sums are added in double:
the trees of a log target sum to about 8.5 (LightGBM puts the mean in the first tree), and
every float addition at that size may be off by 5e-7; ten trees per group kept the
synthetic run's predictions within 2.3e-6 of LightGBM's (fifty: 3.7e-6)."""


def lightgbm_graph(builder: GraphBuilder, model, prefix: str) -> str:
    """Add a fitted tabkit LightGBM model; returns its double output: the prediction
    ``(n_rows, 1)`` or the class probabilities ``(n_rows, n_classes)``."""
    import lightgbm
    from onnxmltools import convert_lightgbm
    from onnxmltools.convert.common.data_types import FloatTensorType

    text = model.booster_.model_to_string(num_iteration=model.best_iteration_)
    booster = lightgbm.Booster(model_str=float_thresholds(text))
    n_features = len(model.processor_.get_feature_names_out())
    converted = convert_lightgbm(
        booster,
        initial_types=[("X", FloatTensorType([None, n_features]))],
        target_opset=OPSETS[""],
        zipmap=False,
        split=None if hasattr(model, "classes_") or model.best_iteration_ <= SPLIT else SPLIT,
    )
    outputs = builder.embed(converted, {"X": tree_matrix(builder, model.processor_)}, prefix)
    return builder.node("Cast", [outputs[-1]], "lightgbm", to=TensorProto.DOUBLE)


def float_thresholds(model_text: str) -> str:
    """A LightGBM model's text with each numeric split's threshold ``t`` replaced by the
    largest float32 not above it.

    The trees read float32 features: for every float32 ``x``, ``x <= t`` exactly when ``x``
    is at most that float32, so the booster predicts the same, while ONNX, which keeps
    thresholds as float32, would round ``t`` to the nearest float32 and send a feature
    equal to it the other way. Categorical splits (``decision_type`` bit 0) are left alone;
    the header's ``tree_sizes`` (byte counts the new numbers would contradict) is dropped,
    so LightGBM reads the trees one after another.
    """
    lines = [line for line in model_text.split("\n") if not line.startswith("tree_sizes=")]
    for i, line in enumerate(lines):
        if not line.startswith("threshold="):
            continue
        kinds = next(later for later in lines[i:] if later.startswith("decision_type="))
        categorical = np.array(kinds.partition("=")[2].split(), dtype=np.int64) & 1 == 1
        texts = line.partition("=")[2].split()
        values = np.array(texts, dtype=np.float64)
        lowered = values.astype(np.float32)
        lowered = np.where(lowered > values, np.nextafter(lowered, np.float32(-np.inf)), lowered)
        lines[i] = "threshold=" + " ".join(
            text if keep else repr(float(value)) for text, keep, value in zip(texts, categorical, lowered)
        )
    return "\n".join(lines)
