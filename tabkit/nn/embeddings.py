"""Entity embeddings out of a fitted net: per-column tables, and frames in which each
categorical column is replaced by its embedding vectors (features for forests)."""

from __future__ import annotations

import pandas as pd
from torch import nn

from tabkit.prep.processor import TabularProcessor

UNKNOWN_LABEL = "#na#"


def embedding_tables(module: nn.Module, processor: TabularProcessor) -> dict[str, pd.DataFrame]:
    """Column -> DataFrame of its embedding (index: ``"#na#"`` for the unknown slot, then
    the training categories; columns: dimensions 0..k-1)."""
    tables = {}
    for name, embed in zip(processor.cat_features_, module.embeds):
        weights = embed.weight.detach().float().cpu().numpy()
        index = pd.Index([UNKNOWN_LABEL, *processor.categories_[name]], dtype=object, name=name)
        tables[name] = pd.DataFrame(weights, index=index)
    return tables


def embed_frame(module: nn.Module, processor: TabularProcessor, X: pd.DataFrame) -> pd.DataFrame:
    """``X`` encoded by ``processor`` with each categorical feature replaced by its
    embedding vectors (columns ``<col>_emb0..``) and the continuous columns kept raw
    (filled, not standardised)."""
    encoded = processor.transform(X)
    parts = []
    for name, embed in zip(processor.cat_features_, module.embeds):
        weights = embed.weight.detach().float().cpu().numpy()
        vectors = weights[encoded[name].to_numpy()]
        columns = [f"{name}_emb{i}" for i in range(weights.shape[1])]
        parts.append(pd.DataFrame(vectors, index=X.index, columns=columns))
    parts.append(encoded[list(processor.cont_names_)])
    return pd.concat(parts, axis=1)
