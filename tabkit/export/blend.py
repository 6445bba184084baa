"""Blends (:class:`tabkit.BlendRegressor`, :class:`tabkit.BlendClassifier`: ensembles and
models averaged over seeds) as one graph: every member's graph on the shared inputs, each
regression member moved onto the blend's scale, then the weighted sum (and, for a
regression, the blend's inverse transform)."""

from __future__ import annotations

import numpy as np

from tabkit.export.graph import GraphBuilder
from tabkit.export.refusals import ExportError
from tabkit.prep.target import TargetTransform


def blend_graph(builder: GraphBuilder, blend, prefix: str) -> str:
    """Add a fitted blend; returns its double output: the prediction ``(n_rows, 1)`` in
    target units or the class probabilities ``(n_rows, n_classes)``."""
    from tabkit.export.families import model_graph

    outputs = []
    for (name, member), weight in zip(blend.named_estimators_.items(), blend.weights_):
        estimator, scales = _unwrapped(member)
        try:
            output = model_graph(builder, estimator, f"{prefix}/{name}")
        except ExportError as error:
            raise ExportError(f"its member {name!r} cannot be exported: {error}") from None
        if scales is not None:
            output = _rescaled(builder, output, *scales)
        outputs.append(builder.node("Mul", [output, builder.constant(np.float64(weight))], f"{name}_weighted"))
    total = builder.node("Sum", outputs, "blend")
    transform = getattr(blend, "transform_", None)  # a regression blend averages on its model scale
    return total if transform is None else _inverse(builder, total, transform)


def _unwrapped(member) -> tuple[object, tuple[TargetTransform, TargetTransform] | None]:
    """A member and, when it is wrapped onto the blend's scale (the pipeline's
    ``OnModelScale``: ``estimator``, ``fit_transform``, ``run_transform``), the two scales."""
    if all(hasattr(member, name) for name in ("estimator", "fit_transform", "run_transform")):
        return member.estimator, (member.fit_transform, member.run_transform)
    return member, None


def _rescaled(builder: GraphBuilder, output: str, fit: TargetTransform, run: TargetTransform) -> str:
    """``run.forward(fit.inverse(output))``."""
    return _forward(builder, _inverse(builder, output, fit), run)


def _inverse(builder: GraphBuilder, output: str, transform: TargetTransform) -> str:
    return builder.node("Exp", [output], "exp") if transform.name == "log" else output


def _forward(builder: GraphBuilder, output: str, transform: TargetTransform) -> str:
    return builder.node("Log", [output], "log") if transform.name == "log" else output
