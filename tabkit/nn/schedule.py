"""Per-step learning-rate and momentum schedules."""

from __future__ import annotations

import numpy as np

SCHEDULES = ("one_cycle", "constant")


def _cos_ramp(start: float, end: float, n: int) -> np.ndarray:
    position = np.arange(n) / max(n, 1)
    return start + (1 + np.cos(np.pi * (1 - position))) * (end - start) / 2


def one_cycle(
    n_steps: int,
    lr_max: float,
    *,
    pct_start: float = 0.25,
    div: float = 25.0,
    div_final: float = 1e5,
    moms: tuple[float, float, float] = (0.95, 0.85, 0.95),
) -> tuple[np.ndarray, np.ndarray]:
    """fastai's ``fit_one_cycle`` schedule: cosine warm-up of the learning rate from
    ``lr_max / div`` to ``lr_max`` over the first ``pct_start`` of the steps, then cosine
    annealing to ``lr_max / div_final``; momentum moves the opposite way.

    Returns
    -------
    lrs, momenta : ndarray of shape (n_steps,)
    """
    n_up = round(n_steps * pct_start)
    n_down = n_steps - n_up
    lrs = np.concatenate([_cos_ramp(lr_max / div, lr_max, n_up), _cos_ramp(lr_max, lr_max / div_final, n_down)])
    momenta = np.concatenate([_cos_ramp(moms[0], moms[1], n_up), _cos_ramp(moms[1], moms[2], n_down)])
    return lrs, momenta


def constant(n_steps: int, lr: float, *, mom: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """A constant learning rate and momentum."""
    return np.full(n_steps, float(lr)), np.full(n_steps, float(mom))


def exponential(n_steps: int, start: float, end: float) -> np.ndarray:
    """Learning rates growing geometrically from ``start`` to ``end`` (for lr_find)."""
    return start * (end / start) ** (np.arange(n_steps) / max(n_steps - 1, 1))
