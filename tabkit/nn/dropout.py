"""Dropout that draws only the dropped positions: on the CPU, drawing a Bernoulli mask for
every element costs more than the matrix products around it when ``p`` is small (fastai's
0.001 and 0.01), while the gaps between dropped elements of an i.i.d. Bernoulli(p) mask
are geometric, so about ``n * p`` draws give an exact sample of the same mask."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

SPARSE_MAX_P = 0.5  # above this, drawing the kept positions would be the cheaper way


def dropped_positions(n: int, p: float, device: torch.device, *, chunk: int | None = None) -> torch.Tensor:
    """Sorted flat positions, among ``n``, of an i.i.d. Bernoulli(``p``) drop mask: the
    cumulative sums of geometric gaps, minus one, below ``n`` (int64).

    Gaps are drawn ``chunk`` at a time until they pass ``n``; the default, six standard
    deviations above the expected number of drops, nearly always needs one draw.
    """
    if chunk is None:
        mean = n * p
        chunk = int(mean + 6 * math.sqrt(mean) + 16)
    # float64: sums below n (< 2**53) are exact, and gaps too long for int64 (tiny p) stay above n
    ends = torch.empty(chunk, dtype=torch.float64, device=device).geometric_(p).cumsum_(0)
    while ends[-1] <= n:
        more = torch.empty(chunk, dtype=torch.float64, device=device).geometric_(p).cumsum_(0).add_(ends[-1])
        ends = torch.cat([ends, more])
    return ends[: int(torch.searchsorted(ends, n, right=True))].long().sub_(1)


class _MaskedScale(torch.autograd.Function):
    """``x * scale`` with the flat positions ``dropped`` set to zero, and the same map on
    the way back (one pass over the tensor each way)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, dropped: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.save_for_backward(dropped)
        ctx.scale = scale
        out = x.mul(scale)
        out.view(-1).index_fill_(0, dropped, 0.0)
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (dropped,) = ctx.saved_tensors
        out = grad.contiguous().mul(ctx.scale)  # the flat positions index a contiguous layout
        out.view(-1).index_fill_(0, dropped, 0.0)
        return out, None, None


class SparseDropout(nn.Dropout):
    """:class:`torch.nn.Dropout` (same distribution, same scaling by ``1 / (1 - p)``)
    that, for CPU tensors and ``0 < p <= 0.5``, draws the dropped positions only.

    It draws from torch's global generator, as ``nn.Dropout`` does, so a seeded run
    repeats; the draws differ from ``nn.Dropout``'s, so the masks do too.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0 or self.inplace or x.device.type != "cpu" or self.p > SPARSE_MAX_P:
            return F.dropout(x, self.p, self.training, self.inplace)
        x = x.contiguous()
        dropped = dropped_positions(x.numel(), self.p, x.device)
        return _MaskedScale.apply(x, dropped, 1.0 / (1.0 - self.p))
