"""Collaborative-filtering modules (fastai's EmbeddingDotBias and EmbeddingNN ideas).

Both take the codes of a user column and an item column (code 0: unseen or missing).
The unknown slot's factors and biases are zero and stay zero (``padding_idx``: no
gradient, and weight decay keeps zero at zero), and a row whose user and item are both
unseen gets the fixed ``offset``, the training mean (its logit within ``y_range``): the
mean rating.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from tabkit.nn.groups import LayerGroups


def _factors(n_codes: int, width: int) -> nn.Embedding:
    """fastai's small truncated-normal start; the unknown row 0 is zero."""
    embed = nn.Embedding(n_codes, width, padding_idx=0)
    nn.init.trunc_normal_(embed.weight, std=0.01, a=-0.02, b=0.02)
    with torch.no_grad():
        embed.weight[0].zero_()
    return embed


class _Collab(LayerGroups, nn.Module):
    def __init__(self, n_users: int, n_items: int, n_factors: int, y_range, offset: float):
        super().__init__()
        self.embeds = nn.ModuleList([_factors(n_users, n_factors), _factors(n_items, n_factors)])
        self.y_range = None if y_range is None else (float(y_range[0]), float(y_range[1]))
        self.register_buffer("offset", torch.tensor(float(offset)))

    def _mean_for_unseen(self, users: torch.Tensor, items: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """``offset`` for rows whose user and item are both unseen, at prediction (training
        rows have known labels, so training skips the mask)."""
        if self.training:
            return out
        unseen = ((users == 0) & (items == 0)).unsqueeze(1)
        return torch.where(unseen, self.offset.to(out.dtype), out)

    def _squash(self, out: torch.Tensor) -> torch.Tensor:
        if self.y_range is None:
            return out
        low, high = self.y_range
        return low + (high - low) * torch.sigmoid(out)


class _Scalar(nn.Module):
    """One learned number."""

    def __init__(self, value: float):
        super().__init__()
        self.value = nn.Parameter(torch.tensor(float(value)))


class DotProductBias(_Collab):
    """``dot(user factors, item factors) + user bias + item bias + global bias``, through
    ``low + (high - low) * sigmoid(.)`` when ``y_range`` is given. The global bias is
    learned, starting at ``offset``; a row whose user and item are both unseen gets
    ``offset`` itself.

    Layer groups: ``embeddings`` (the factors) and ``head`` (the user, item and global
    biases).
    """

    def __init__(self, n_users: int, n_items: int, n_factors: int, y_range=None, offset: float = 0.0):
        super().__init__(n_users, n_items, n_factors, y_range, offset)
        self.biases = nn.ModuleList([_factors(n_users, 1), _factors(n_items, 1)])
        self.global_bias = _Scalar(offset)

    def group_modules(self) -> list[tuple[str, list[nn.Module]]]:
        return [("embeddings", [self.embeds]), ("head", [self.biases, self.global_bias])]

    def forward(self, cat: torch.Tensor, cont: torch.Tensor) -> torch.Tensor:
        users, items = cat[:, 0], cat[:, 1]
        dot = (self.embeds[0](users) * self.embeds[1](items)).sum(dim=1, keepdim=True)
        out = dot + self.biases[0](users) + self.biases[1](items) + self.global_bias.value
        return self._squash(self._mean_for_unseen(users, items, out))


class CollabNN(_Collab):
    """The user and item factors concatenated, through blocks of Linear -> ReLU ->
    BatchNorm and a final Linear, plus ``offset`` (then the ``y_range`` sigmoid). A row
    whose user and item are both unseen gets ``offset`` itself (the training mean).

    Layer groups: ``embeddings``, ``body`` (the hidden blocks) and ``head``.
    """

    def __init__(
        self,
        n_users: int,
        n_items: int,
        n_factors: int,
        layers: Sequence[int] = (100, 50),
        y_range=None,
        offset: float = 0.0,
    ):
        super().__init__(n_users, n_items, n_factors, y_range, offset)
        blocks: list[nn.Module] = []
        width = 2 * n_factors
        for size in layers:
            blocks += [nn.Linear(width, size), nn.ReLU(inplace=True), nn.BatchNorm1d(size)]
            width = size
        self.body = nn.Sequential(*blocks)
        self.head = nn.Linear(width, 1)

    def group_modules(self) -> list[tuple[str, list[nn.Module]]]:
        return [("embeddings", [self.embeds]), ("body", [self.body]), ("head", [self.head])]

    def forward(self, cat: torch.Tensor, cont: torch.Tensor) -> torch.Tensor:
        users, items = cat[:, 0], cat[:, 1]
        out = self.head(self.body(torch.cat([self.embeds[0](users), self.embeds[1](items)], dim=1))) + self.offset
        return self._squash(self._mean_for_unseen(users, items, out))


def collab_module(
    n_users: int, n_items: int, n_factors: int, *, use_nn: bool, layers: Sequence[int], y_range, offset: float
) -> nn.Module:
    """The module a :class:`tabkit.CollabRegressor` trains."""
    if use_nn:
        return CollabNN(n_users, n_items, n_factors, layers, y_range, offset)
    return DotProductBias(n_users, n_items, n_factors, y_range, offset)
