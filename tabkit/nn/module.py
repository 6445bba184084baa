"""The entity-embedding network (Guo & Berkhahn; fastai's TabularModel)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from tabkit.nn.dropout import SparseDropout
from tabkit.nn.gather import gather_embeddings
from tabkit.nn.groups import LayerGroups
from tabkit.nn.members import average_members, member_blocks
from tabkit.nn.numeric import cont_embedding_module

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
    """Embeddings for the categorical codes, BatchNorm (or an embedding) on the continuous
    inputs, then blocks of Linear -> ReLU -> BatchNorm -> Dropout and a final Linear.

    Layer groups: ``embeddings`` (the categorical embeddings and the continuous inputs'
    embedding, if any), ``body`` (the continuous inputs' BatchNorm and the hidden blocks)
    and ``head`` (the final Linear, or the members' heads).

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
    cont_embedding : {None, "periodic", "piecewise"}, default None
        None: the continuous inputs go in through a BatchNorm. Otherwise each is embedded
        (see :mod:`tabkit.nn.numeric`) with the settings in ``cont_config``.
    cont_config : dict, optional
        ``dim`` and ``n_frequencies`` and ``frequency_scale`` (periodic) or ``edges``
        (piecewise).
    n_members : int, default 1
        With more than one, the hidden layers are BatchEnsemble layers and each member has
        its own head (see :mod:`tabkit.nn.members`): in training mode the output has shape
        ``(n_rows, n_members, n_out)``, in eval mode the members' average, ``(n_rows,
        n_out)``, taken as ``average`` says.
    average : {"outputs", "probabilities"}, default "outputs"
        How the members are averaged: their outputs (regression) or their softmax
        probabilities (classification: the output is the log of the mean probabilities).
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
        cont_embedding: str | None = None,
        cont_config: dict | None = None,
        n_members: int = 1,
        average: str = "outputs",
    ):
        super().__init__()
        self.embeds = nn.ModuleList(nn.Embedding(n, size) for n, size in zip(cardinalities, emb_sizes))
        for embed in self.embeds:
            nn.init.trunc_normal_(embed.weight, std=0.01, a=-0.02, b=0.02)
        self.emb_drop = SparseDropout(emb_dropout)
        self.cont_embed = cont_embedding_module(cont_embedding, n_cont, cont_config or {})
        self.bn_cont = nn.BatchNorm1d(n_cont) if n_cont and self.cont_embed is None else None
        width = sum(emb_sizes) + (n_cont if self.cont_embed is None else n_cont * int(cont_config["dim"]))
        self.n_members = int(n_members)
        self.average = average
        if self.n_members > 1:
            blocks = member_blocks(width, layers, dropout, n_out, self.n_members, SparseDropout)
        else:
            blocks = []
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
        embeddings = [self.embeds] + ([self.cont_embed] if self.cont_embed is not None else [])
        body = ([self.bn_cont] if self.bn_cont is not None else []) + list(self.layers[:-1])
        return [("embeddings", embeddings), ("body", body), ("head", [self.layers[-1]])]

    def forward(self, cat: torch.Tensor, cont: torch.Tensor) -> torch.Tensor:
        parts = []
        if len(self.embeds):
            embedded = gather_embeddings(cat, [embed.weight for embed in self.embeds])
            parts.append(self.emb_drop(embedded))
        if self.cont_embed is not None:
            parts.append(self.cont_embed(cont))
        elif self.bn_cont is not None:
            parts.append(self.bn_cont(cont))
        out = self.layers(torch.cat(parts, dim=1) if len(parts) > 1 else parts[0])
        if self.y_range is not None:
            low, high = self.y_range
            out = low + (high - low) * torch.sigmoid(out + self.y_offset)
        if self.n_members > 1 and not self.training:
            out = average_members(out, self.average)
        return out
