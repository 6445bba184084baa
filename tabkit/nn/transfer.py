"""Starting a net's embeddings from another fitted model's: rows matched by category
label, not by code, so the two models may have seen different categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.exceptions import NotFittedError
from torch import nn


def source_tables(init_embeddings) -> dict[str, pd.DataFrame]:
    """Column -> the source model's embedding table (``"#na#"`` row first, then its
    categories), for ``init_embeddings`` = ``{column: fitted model}`` or None."""
    if init_embeddings is None:
        return {}
    if not isinstance(init_embeddings, dict):
        raise TypeError(
            f"init_embeddings must be None or a dict of column -> fitted model, got {type(init_embeddings).__name__}"
        )
    tables = {}
    for column, source in init_embeddings.items():
        try:
            available = source.embeddings_
        except NotFittedError:
            raise ValueError(f"init_embeddings[{column!r}]: the {type(source).__name__} is not fitted") from None
        except AttributeError:
            raise TypeError(
                f"init_embeddings[{column!r}] must be a fitted net or CollabRegressor (a model with "
                f"embeddings_), got {type(source).__name__}"
            ) from None
        if column not in available:
            raise ValueError(
                f"init_embeddings[{column!r}]: the source model has no embedding of {column!r}; "
                f"it has {list(available)}"
            )
        tables[column] = available[column]
    return tables


def check_widths(tables: dict[str, pd.DataFrame], widths: dict[str, int]) -> None:
    """Each source column is a categorical feature of this model, of the same width."""
    for column, table in tables.items():
        if column not in widths:
            raise ValueError(
                f"init_embeddings names {column!r}, which is not a categorical feature of this model: {list(widths)}"
            )
        if table.shape[1] != widths[column]:
            raise ValueError(
                f"init_embeddings[{column!r}]: this model's embedding of {column!r} is "
                f"{widths[column]} wide but the source's is {table.shape[1]} wide; "
                f"make them match (emb_sizes={{{column!r}: {table.shape[1]}}} for a net, "
                f"n_factors for a CollabRegressor)"
            )


def copy_rows(embedding: nn.Embedding, table: pd.DataFrame, categories: list, *, unknown: bool = True) -> int:
    """Overwrite the rows of ``embedding`` (code ``i`` = ``categories[i - 1]``, code 0 the
    unknown slot) with the source table's rows of the same labels; rows of labels the
    source lacks keep their values. ``unknown``: copy the unknown slot too.

    Returns the number of categories found in the source.
    """
    positions = pd.Index(table.index[1:]).get_indexer(pd.Index(categories, dtype=object))
    found = np.flatnonzero(positions >= 0)
    weights = torch.from_numpy(table.to_numpy(np.float32, copy=True))
    target = embedding.weight
    with torch.no_grad():
        rows = torch.from_numpy(found + 1)
        target[rows.to(target.device)] = weights[positions[found] + 1].to(target.device, target.dtype)
        if unknown:
            target[0] = weights[0].to(target.device, target.dtype)
    return len(found)
