"""Every categorical column's embedding lookup in one autograd node (on the CPU).

The forward is what ``torch.cat([embed(codes[:, i]) for ...], dim=1)`` computes; the
backward adds each column's output gradient into a zeroed table with one ``index_add_``
per column, rows in batch order, as ``nn.Embedding``'s backward does, so the gradients
are equal to the last bit. One node instead of one lookup, one backward and one
concatenation node per column saves most of the per-column overhead of a small batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch.nn import functional as F

WIDE = 32  # index_add_ reads a strided slice this wide slower than it copies it and reads the copy


class _Gather(torch.autograd.Function):
    @staticmethod
    def forward(ctx, codes: torch.Tensor, *weights: torch.Tensor) -> torch.Tensor:
        columns = codes.t().contiguous()
        ctx.save_for_backward(columns)
        ctx.shapes = [weight.shape for weight in weights]
        return torch.cat([weight.index_select(0, column) for weight, column in zip(weights, columns)], dim=1)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (columns,) = ctx.saved_tensors
        grads: list[torch.Tensor | None] = []
        start = 0
        for index, (shape, column) in enumerate(zip(ctx.shapes, columns)):
            width = shape[1]
            if ctx.needs_input_grad[index + 1]:
                rows = grad[:, start : start + width]
                if width >= WIDE:
                    rows = rows.contiguous()
                grads.append(grad.new_zeros(shape).index_add_(0, column, rows))
            else:
                grads.append(None)
            start += width
        return (None, *grads)


def gather_embeddings(codes: torch.Tensor, weights: Sequence[torch.Tensor]) -> torch.Tensor:
    """Rows ``codes[:, i]`` of ``weights[i]`` for every column ``i``, side by side.

    Parameters
    ----------
    codes : Tensor of shape (n_rows, n_columns), int64
    weights : sequence of n_columns Tensors of shape (n_codes_i, width_i)

    Returns
    -------
    Tensor of shape (n_rows, sum of widths)

    Notes
    -----
    On a GPU this is the per-column lookup and concatenation (``index_add_`` there adds
    in no fixed order, while ``nn.Embedding``'s backward is deterministic).
    """
    if codes.device.type != "cpu":
        return torch.cat([F.embedding(codes[:, i], weight) for i, weight in enumerate(weights)], dim=1)
    return _Gather.apply(codes, *weights)
