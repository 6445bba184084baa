"""Seeding one fit of a net without disturbing the caller's random state."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils import check_random_state


class Seeded:
    """Seed torch from ``random_state`` (plus ``offset``, the epochs already trained, so a
    continued fit shuffles afresh) for one fit, restoring the caller's global RNG state
    afterwards; yields the generator that shuffles the batches."""

    def __init__(self, random_state, device: torch.device, offset: int = 0):
        limit = np.iinfo(np.int32).max
        self.seed = (int(check_random_state(random_state).randint(limit)) + offset) % limit
        devices = [device.index or 0] if device.type == "cuda" else []
        self.fork = torch.random.fork_rng(devices=devices)

    def __enter__(self) -> torch.Generator:
        self.fork.__enter__()
        torch.manual_seed(self.seed)
        return torch.Generator().manual_seed(self.seed)

    def __exit__(self, *exc):
        return self.fork.__exit__(*exc)
