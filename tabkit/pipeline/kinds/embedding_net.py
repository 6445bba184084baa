"""``kind = "embedding_net"``: :class:`tabkit.EmbeddingNetRegressor` /
:class:`tabkit.EmbeddingNetClassifier`, trained with the run's validation rows and metric in
its history.

The net takes the run's target transform itself (``log_target``), so its history reports
the same metric values as a net fitted directly; ``y_range = "auto"`` becomes fastai's
range on the training scale.
"""

from __future__ import annotations

import numpy as np

from tabkit.pipeline.keys import Key
from tabkit.pipeline.kinds.base import (
    FitContext,
    ModelKind,
    check_embedding_source,
    embedding_source,
    register,
    transferred_embeddings,
)

TRANSFER_KEY = {
    "init_embeddings_from": Key(
        str,
        doc="an earlier model (a kind with embeddings) whose "
        "embeddings of the same columns start this net's, "
        "matched by category label",
        example='"net"',
    )
}


class EmbeddingNetKind(ModelKind):
    """An entity-embedding net; its embeddings can feed later models."""

    name = "embedding_net"
    on_partitions = "encoded_arrays"
    estimators = {
        "regression": "tabkit.nn.estimators:EmbeddingNetRegressor",
        "classification": "tabkit.nn.estimators:EmbeddingNetClassifier",
    }
    provides = ("embeddings",)
    learns_target_transform = True
    entry_keys = TRANSFER_KEY

    def pipeline_params(self, task: str) -> tuple[str, ...]:
        owned = ("cat_names", "cont_names", "init_embeddings")
        return (*owned, "log_target") if task == "regression" else owned

    def check_entry(self, entry: dict, earlier: list[dict], task: str, problems) -> None:
        check_embedding_source(entry, "init_embeddings_from", earlier, problems, required=False)

    def needs(self, entry: dict) -> tuple[str, ...]:
        return embedding_source(entry)

    def check_params(self, params: dict, task: str) -> None:
        # y_range = "auto" is replaced by a range when the net is made
        super().check_params({k: v for k, v in params.items() if not (k == "y_range" and v == "auto")}, task)

    def pipeline_values(self, entry: dict, ctx: FitContext) -> dict:
        values = {**super().pipeline_values(entry, ctx), **transferred_embeddings(entry, ctx)}
        if ctx.task == "regression":
            values["log_target"] = ctx.transform.name == "log"
            if entry["params"].get("y_range") == "auto":
                values["y_range"] = auto_y_range(ctx.transform.forward(ctx.y_train), log=ctx.transform.name == "log")
        return values

    def fit_params(self, entry: dict, ctx: FitContext) -> dict:
        return {"X_val": ctx.X_valid, "y_val": ctx.y_valid, "metric": ctx.metric}


def auto_y_range(y_model: np.ndarray, *, log: bool) -> tuple[float, float]:
    """fastai's output range on the training scale: up to 1.2 times the largest target
    (``max + log(1.2)`` on a log scale), down to 0 or the lowest target when negative."""
    y = np.asarray(y_model, dtype=float)
    if log:
        return min(0.0, float(y.min())), float(y.max()) + float(np.log(1.2))
    return min(0.0, 1.2 * float(y.min())), 1.2 * float(y.max())


register(EmbeddingNetKind())
