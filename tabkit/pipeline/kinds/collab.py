"""``kind = "collab"``: :class:`tabkit.CollabRegressor` on the data's first two categorical
columns (the user and the item, as the ratings builder names them), rating regression."""

from __future__ import annotations

import pandas as pd

from tabkit import runs
from tabkit.pipeline.kinds.base import (
    FitContext,
    ModelKind,
    check_embedding_source,
    embedding_source,
    register,
    transferred_embeddings,
)
from tabkit.pipeline.kinds.embedding_net import TRANSFER_KEY


class CollabKind(ModelKind):
    """Collaborative filtering: user and item factors and biases; its factors are
    embeddings later models can reuse."""

    name = "collab"
    estimators = {"regression": "tabkit.nn.collab:CollabRegressor"}
    provides = ("embeddings",)
    entry_keys = TRANSFER_KEY

    def pipeline_params(self, task: str) -> tuple[str, ...]:
        return ("init_embeddings",)

    def check_entry(self, entry: dict, earlier: list[dict], task: str, problems) -> None:
        check_embedding_source(entry, "init_embeddings_from", earlier, problems, required=False)

    def needs(self, entry: dict) -> tuple[str, ...]:
        return embedding_source(entry)

    def pipeline_values(self, entry: dict, ctx: FitContext) -> dict:
        if len(ctx.cat_names) < 2 and not {"user_col", "item_col"} <= set(entry["params"]):
            raise ValueError(
                f"model {entry['name']!r}: collab needs a user and an item column; the data has "
                f"{len(ctx.cat_names)} categorical column(s) {ctx.cat_names} (set params.user_col "
                "and params.item_col)"
            )
        defaults = dict(zip(("user_col", "item_col"), ctx.cat_names))
        return {**{k: v for k, v in defaults.items() if k not in entry["params"]}, **transferred_embeddings(entry, ctx)}

    def fit_params(self, entry: dict, ctx: FitContext) -> dict:
        return {"X_val": ctx.X_valid, "y_val": ctx.y_valid, "metric": ctx.metric}

    def tables(self, model) -> dict[str, pd.DataFrame]:
        """The learnt factors (as embeddings) and, for the dot-product model, the biases."""
        tables = super().tables(model)
        if not model.module_config_["use_nn"]:
            tables[runs.BIASES] = pd.concat(
                [
                    bias.rename_axis("label").reset_index().assign(side=side)[["side", "label", "bias"]]
                    for side, bias in model.biases_.items()
                ],
                ignore_index=True,
            )
        return tables


register(CollabKind())
