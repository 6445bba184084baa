"""fastai's learning-rate finder: train briefly with an exponentially growing rate and
record the loss."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from tabkit.nn.malloc import keep_freed_memory
from tabkit.nn.schedule import exponential
from tabkit.nn.training import (
    Tensors,
    batch_starts,
    make_optimizer,
    optimizer_step,
    set_hyper,
    single_group,
)


@dataclass
class LRFindResult:
    """The loss-against-learning-rate curve and the suggested learning rate.

    Attributes
    ----------
    curve : DataFrame
        Columns ``lr``, ``loss`` (raw batch loss) and ``smoothed_loss`` (exponentially
        weighted, bias-corrected, beta 0.98, as fastai plots it).
    suggestion : float
        The rate at the minimum smoothed loss divided by 10 (fastai's ``lr_min``).
    """

    curve: pd.DataFrame
    suggestion: float


def find_lr(
    module: nn.Module,
    data: Tensors,
    *,
    loss_fn: Callable,
    optimizer: str,
    weight_decay: float,
    batch_size: int,
    generator: torch.Generator,
    amp: bool,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_it: int = 100,
    stop_div: float = 4.0,
) -> LRFindResult:
    """Run the finder on ``module`` (which it trains, so pass a fresh one).

    Stops after ``num_it`` steps, or once the smoothed loss exceeds ``stop_div`` times
    its minimum.
    """
    device = data.device
    keep_freed_memory(device)
    lrs = exponential(num_it, start_lr, end_lr)
    opt = make_optimizer(single_group(module, start_lr), optimizer, weight_decay)
    module.train()
    rows, avg, best = [], 0.0, np.inf
    step = 0
    while step < num_it:
        order = torch.randperm(len(data), generator=generator, device=generator.device).to(device)
        for start in batch_starts(len(data), batch_size):
            if step == num_it:
                break
            batch = data.rows(order[start : start + batch_size])
            set_hyper(opt, float(lrs[step]), 0.9)
            value = float(optimizer_step(module, batch, opt, loss_fn, amp=amp))
            avg = 0.98 * avg + 0.02 * value
            smoothed = avg / (1 - 0.98 ** (step + 1))
            rows.append({"lr": float(lrs[step]), "loss": value, "smoothed_loss": smoothed})
            step += 1
            best = min(best, smoothed)
            if not np.isfinite(value) or smoothed > stop_div * best:
                step = num_it
                break
    curve = pd.DataFrame(rows)
    finite = curve[np.isfinite(curve["smoothed_loss"])]
    suggestion = float(finite["lr"].iloc[int(np.argmin(finite["smoothed_loss"].to_numpy()))] / 10)
    return LRFindResult(curve=curve, suggestion=suggestion)
