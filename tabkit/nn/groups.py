"""Layer groups: the named parts of a module, first to last, that train at their own
learning rate and can be frozen (fastai's discriminative rates and ``freeze``)."""

from __future__ import annotations

from numbers import Real

import numpy as np
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

GROUP_NAMES = ("embeddings", "body", "head")


class LayerGroups:
    """Mixin for a :class:`torch.nn.Module` split into layer groups.

    A subclass defines :meth:`group_modules`. Frozen groups have ``requires_grad`` off
    and their BatchNorm layers stay in eval mode while the module trains, so their
    running statistics stay fixed too: a frozen group computes exactly what it did.
    """

    frozen: frozenset[str] = frozenset()

    def group_modules(self) -> list[tuple[str, list[nn.Module]]]:
        """(name, modules) for each layer group, first to last."""
        raise NotImplementedError

    def layer_groups(self) -> list[tuple[str, list[nn.Parameter]]]:
        """(name, parameters) for each layer group that has parameters, first to last."""
        groups = []
        for name, modules in self.group_modules():
            params = [param for module in modules for param in module.parameters()]
            if params:
                groups.append((name, params))
        return groups

    def freeze(self, names) -> None:
        """Freeze the named groups and unfreeze every other one."""
        self.frozen = frozenset(names)
        for name, params in self.layer_groups():
            for param in params:
                param.requires_grad_(name not in self.frozen)

    def train(self, mode: bool = True):
        super().train(mode)
        if mode:
            for name, modules in self.group_modules():
                if name in self.frozen:
                    for module in modules:
                        for layer in module.modules():
                            if isinstance(layer, _BatchNorm):
                                layer.eval()
        return self


def check_lr(lr) -> None:
    """``lr`` is a positive number, a pair ``(low, high)`` with low <= high, or ``(high,)``
    (lists, as TOML gives them, count as tuples)."""
    values = tuple(lr) if isinstance(lr, (tuple, list)) else (lr,)
    if isinstance(lr, (tuple, list)) and len(values) not in (1, 2):
        raise ValueError(f"lr must be a number, (low, high) or (high,), got {lr!r} ({len(values)} values)")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, Real) or not (np.isfinite(value) and value > 0):
            one = len(values) == 1 and lr is value
            what = "lr must be a number greater than 0" if one else "lr values must be numbers greater than 0"
            raise ValueError(f"{what}, got {lr!r}")
    if len(values) == 2 and values[0] > values[1]:
        raise ValueError(f"lr=(low, high) needs low <= high, got {lr!r}")


def group_rates(lr, n_groups: int) -> list[float]:
    """The peak learning rate of each of ``n_groups`` layer groups, first to last.

    A number gives every group that rate; ``(low, high)`` spaces the rates geometrically
    from ``low`` (first group) to ``high`` (last); ``(high,)`` gives the last group
    ``high`` and the others ``high / 3`` (fastai's ``slice(high)``).
    """
    if not isinstance(lr, (tuple, list)):
        return [float(lr)] * n_groups
    if len(lr) == 1:
        high = float(lr[0])
        return [high / 3] * (n_groups - 1) + [high]
    low, high = float(lr[0]), float(lr[1])
    if n_groups == 1:
        return [high]
    return [low * (high / low) ** (i / (n_groups - 1)) for i in range(n_groups)]
