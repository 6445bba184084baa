"""Several members in one net, TabM's way (Gorishniy et al., "TabM: Advancing Tabular Deep
Learning with Parameter-Efficient Ensembling", ICLR 2025): every hidden linear layer is a
BatchEnsemble layer whose ``k`` members share one weight matrix and differ by rank-1
scalings, ``y_i = s_i * (W (r_i * x)) + b_i``, and each member has its own output head.

Tensors inside the body have shape ``(n_rows, k, width)``; all members train in one batch.
"""

from __future__ import annotations

import math

import torch
from torch import nn

AVERAGES = ("outputs", "probabilities")


class MemberLinear(nn.Module):
    """A BatchEnsemble linear layer: ``k`` members sharing ``weight``, each with its own
    input scaling ``r``, output scaling ``s`` and bias.

    ``weight`` is initialised as :class:`torch.nn.Linear`'s, the biases alike (one draw
    shared by the members), ``s`` with ones, and ``r`` with random signs in the first
    layer (the members' only difference at the start) and ones elsewhere, as TabM does.

    Parameters
    ----------
    n_in, n_out, k : int
    first : bool
        The first layer takes ``(n_rows, n_in)`` (the same input for every member) and
        starts ``r`` with random signs.
    """

    def __init__(self, n_in: int, n_out: int, k: int, *, first: bool):
        super().__init__()
        bound = 1 / math.sqrt(n_in)
        self.weight = nn.Parameter(torch.empty(n_out, n_in).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_out).uniform_(-bound, bound).repeat(k, 1))
        r = torch.ones(k, n_in)
        if first:
            r = torch.where(torch.rand(k, n_in) < 0.5, -1.0, 1.0)
        self.r = nn.Parameter(r)
        self.s = nn.Parameter(torch.ones(k, n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            x = x.unsqueeze(1)
        shared = torch.matmul(x * self.r, self.weight.t())
        return torch.addcmul(self.bias.to(shared.dtype), shared, self.s.to(shared.dtype))


class MemberBatchNorm(nn.BatchNorm1d):
    """BatchNorm with its own statistics and affine parameters for each member: the
    ``(n_rows, k, width)`` input is normalised as ``k * width`` features."""

    def __init__(self, width: int, k: int):
        super().__init__(k * width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.flatten(1)).view_as(x)


class MemberHeads(nn.Module):
    """One independent linear output layer per member: ``(n_rows, k, n_in) -> (n_rows,
    k, n_out)`` (an input without the member axis goes to every head). Each head is
    initialised like a :class:`torch.nn.Linear`."""

    def __init__(self, n_in: int, n_out: int, k: int):
        super().__init__()
        bound = 1 / math.sqrt(n_in)
        self.weight = nn.Parameter(torch.empty(k, n_in, n_out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(k, n_out).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            x = x.unsqueeze(1).expand(-1, self.weight.shape[0], -1)
        out = torch.bmm(x.transpose(0, 1), self.weight.to(x.dtype)).transpose(0, 1)
        return out + self.bias.to(out.dtype)


def member_blocks(width: int, layers, dropout, n_out: int, k: int, dropout_layer) -> list[nn.Module]:
    """The body and head of a ``k``-member net: blocks of :class:`MemberLinear` -> ReLU ->
    :class:`MemberBatchNorm` -> dropout (``dropout_layer(p)``, when ``p``), then
    :class:`MemberHeads`."""
    blocks: list[nn.Module] = []
    for index, (size, p) in enumerate(zip(layers, dropout)):
        blocks += [MemberLinear(width, size, k, first=index == 0), nn.ReLU(inplace=True), MemberBatchNorm(size, k)]
        if p:
            blocks.append(dropout_layer(p))
        width = size
    blocks.append(MemberHeads(width, n_out, k))
    return blocks


def average_members(out: torch.Tensor, how: str) -> torch.Tensor:
    """The members' mean, ``(n_rows, k, n_out) -> (n_rows, n_out)``.

    ``"outputs"``: the mean output (regression, on the scale the net learns). ``"probabilities"``:
    the log of the mean softmax probabilities, so that a softmax of the result gives the
    members' mean probabilities (classification).
    """
    if how == "outputs":
        return out.float().mean(dim=1)
    log_p = torch.log_softmax(out.float(), dim=-1)
    return torch.logsumexp(log_p, dim=1) - math.log(out.shape[1])
