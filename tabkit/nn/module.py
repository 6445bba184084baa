"""The entity-embedding network (Guo & Berkhahn; fastai's TabularModel)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from tabkit.nn.dropout import SparseDropout
from tabkit.nn.gather import gather_embeddings
from tabkit.nn.groups import LayerGroups

MAX_EMB_SIZE = 600  # fastai's cap on the rule's widths


def emb_size(n_cat: int, max_size: int = MAX_EMB_SIZE) -> int:
    """fastai's embedding-size rule, ``min(600, round(1.6 * n_cat ** 0.56))``.

    Parameters
    ----------
    n_cat : int
        Number of codes, the unknown slot included.
    max_size : int, default 600
        The cap (fastai's 600); a lower one narrows only the widest embeddings.

    Returns
    -------
    int
    """
    return int(min(max_size, round(1.6 * n_cat**0.56)))


class EmbeddingNet(LayerGroups, nn.Module):
    """Embeddings for the categorical codes, BatchNorm on the continuous inputs, then
    blocks of Linear -> ReLU -> BatchNorm -> Dropout and a final Linear.

    Layer groups: ``embeddings``, ``body`` (the continuous inputs' BatchNorm and the
    hidden blocks) and ``head`` (the final Linear).

    Parameters
    ----------
    cardinalities : sequence of int
        Number of codes of each categorical column (unknown slot included).
    emb_sizes : sequence of int
        Embedding width of each categorical column.
    n_cont : int
        Number of continuous inputs.
    layers : sequence of int
        Widths of the hidden blocks.
    dropout : sequence of float
        Dropout after each hidden block.
    emb_dropout : float
        Dropout on the concatenated embeddings.
    n_out : int
        Output width (1 for regression, the number of classes for classification).
    y_range : (float, float), optional
        When given, the output is ``low + (high - low) * sigmoid(x + y_offset)``.
    y_offset : float, default 0.0
        Fixed shift inside the sigmoid: the logit of the training targets' mean within
        ``y_range``, so the untrained net (whose ``x`` starts near 0) predicts that mean
        rather than the middle of the range.
    """

    def __init__(
        self,
        cardinalities: Sequence[int],
        emb_sizes: Sequence[int],
        n_cont: int,
        layers: Sequence[int],
        dropout: Sequence[float],
        emb_dropout: float,
        n_out: int,
        y_range: tuple[float, float] | None = None,
        y_offset: float = 0.0,
    ):
        super().__init__()
        self.embeds = nn.ModuleList(nn.Embedding(n, size) for n, size in zip(cardinalities, emb_sizes))
        for embed in self.embeds:
            nn.init.trunc_normal_(embed.weight, std=0.01, a=-0.02, b=0.02)
        self.emb_drop = SparseDropout(emb_dropout)
        self.bn_cont = nn.BatchNorm1d(n_cont) if n_cont else None
        blocks: list[nn.Module] = []
        width = sum(emb_sizes) + n_cont
        for size, p in zip(layers, dropout):
            blocks += [nn.Linear(width, size), nn.ReLU(inplace=True), nn.BatchNorm1d(size)]
            if p:
                blocks.append(SparseDropout(p))
            width = size
        blocks.append(nn.Linear(width, n_out))
        self.layers = nn.Sequential(*blocks)
        self.y_range = None if y_range is None else (float(y_range[0]), float(y_range[1]))
        self.y_offset = float(y_offset)

    def group_modules(self) -> list[tuple[str, list[nn.Module]]]:
        body = ([self.bn_cont] if self.bn_cont is not None else []) + list(self.layers[:-1])
        return [("embeddings", [self.embeds]), ("body", body), ("head", [self.layers[-1]])]

    def forward(self, cat: torch.Tensor, cont: torch.Tensor) -> torch.Tensor:
        parts = []
        if len(self.embeds):
            embedded = gather_embeddings(cat, [embed.weight for embed in self.embeds])
            parts.append(self.emb_drop(embedded))
        if self.bn_cont is not None:
            parts.append(self.bn_cont(cont))
        out = self.layers(torch.cat(parts, dim=1) if len(parts) > 1 else parts[0])
        if self.y_range is not None:
            low, high = self.y_range
            out = low + (high - low) * torch.sigmoid(out + self.y_offset)
        return out
