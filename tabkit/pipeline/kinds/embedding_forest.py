"""``kind = "embedding_forest"``: a forest on the entity embeddings of an earlier model of
the run (``net = "<name>"``), as in Guo and Berkhahn's paper. Its ``params`` and ``search``
are the forest's."""

from __future__ import annotations

import copy

from tabkit.pipeline.keys import Key
from tabkit.pipeline.kinds.base import FitContext, ModelKind, check_embedding_source, fit_or_search, register
from tabkit.runs import ModelReference


class EmbeddingForestKind(ModelKind):
    """A forest on a fitted model's embeddings; explains rows on the source columns."""

    name = "embedding_forest"
    on_partitions = "sample"
    estimators = {
        "regression": "tabkit.forest.estimators:ForestRegressor",
        "classification": "tabkit.forest.estimators:ForestClassifier",
    }
    entry_keys = {
        "net": Key(
            str,
            doc="the earlier model whose embeddings the forest uses (a kind that provides "
            "embeddings, e.g. embedding_net)",
            example='"net"',
        ),
        "components": Key(
            int,
            doc="keep the first principal components of each embedding (fewer, denser "
            "columns: a faster forest); every dimension when absent",
            example="2",
        ),
        "codes": Key(bool, False, doc="also give the forest each category's own code"),
    }
    explains_rows = True

    def check_entry(self, entry: dict, earlier: list[dict], task: str, problems) -> None:
        check_embedding_source(entry, "net", earlier, problems, required=True)

    def needs(self, entry: dict) -> tuple[str, ...]:
        return (entry["net"],)

    def pipeline_values(self, entry: dict, ctx: FitContext) -> dict:
        return {"cat_names": [], "cont_names": None}

    def fit(self, entry: dict, ctx: FitContext):
        from tabkit.forest.embedding_forest import EmbeddingForest

        options = {"components": entry.get("components"), "codes": entry["codes"]}
        inputs = EmbeddingForest(**options).with_net(ctx.models[entry["net"]].estimator)
        forest, search = fit_or_search(self.make_estimator(entry, ctx), entry, ctx, self, inputs.transform(ctx.X_train))
        return EmbeddingForest.from_fitted(inputs.net_, forest, **options), search

    def saved_params(self, model) -> dict:
        return model.forest_.get_params(deep=False)

    def stored(self, model, entry: dict):
        """The model with its net replaced by a reference to the net's own folder in the run."""
        stored = copy.copy(model)
        stored.net = stored.net_ = ModelReference(entry["net"])
        return stored


register(EmbeddingForestKind())
