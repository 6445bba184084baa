"""The training loop: the whole data set sits on the device as tensors (or, for rows
larger than memory, in numpy arrays such as memory-mapped files, gathered batch by batch);
each epoch shuffles an index and slices it into batches (no per-row Dataset or
DataLoader)."""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from tabkit.nn.device import autocast
from tabkit.nn.malloc import keep_freed_memory
from tabkit.nn.progress import is_silenced
from tabkit.nn.schedule import constant, one_cycle

OPTIMIZERS = ("adamw", "sgd")
PREDICT_BATCH = 16384


@dataclass
class Tensors:
    """Categorical codes (int64), continuous values (float32) and, for training, targets."""

    cat: torch.Tensor
    cont: torch.Tensor
    y: torch.Tensor | None = None

    def __len__(self) -> int:
        return self.cat.shape[0]

    @property
    def device(self) -> torch.device:
        """Where the rows are, and their batches."""
        return self.cat.device

    def continuous(self) -> np.ndarray:
        """The continuous values as a numpy array."""
        return self.cont.cpu().numpy()

    def to(self, device: torch.device) -> Tensors:
        y = None if self.y is None else self.y.to(device)
        return Tensors(self.cat.to(device), self.cont.to(device), y)

    def rows(self, index: torch.Tensor | slice) -> Tensors:
        y = None if self.y is None else self.y[index]
        return Tensors(self.cat[index], self.cont[index], y)


@dataclass
class ArrayRows:
    """Encoded training rows in numpy arrays (memory-mapped files among them), never read
    whole: each batch is gathered by index from the arrays and moved to ``device``.

    ``cat`` (int32 or int64) and ``cont`` (float32) as :mod:`tabkit.nn.encoding` makes
    them; ``y`` the encoded targets (on the CPU)."""

    cat: np.ndarray
    cont: np.ndarray
    y: torch.Tensor
    device: torch.device

    def __len__(self) -> int:
        return self.cat.shape[0]

    def continuous(self) -> np.ndarray:
        """The continuous values (the array itself, not a copy)."""
        return self.cont

    def rows(self, index: torch.Tensor | slice) -> Tensors:
        where = torch.arange(*index.indices(len(self))) if isinstance(index, slice) else index.cpu()
        picked = where.numpy()  # fancy indexing copies just these rows out of the arrays
        codes = self.cat[picked].astype(np.int64, copy=False)  # int32 files: embeddings take int64
        batch = Tensors(torch.from_numpy(codes), torch.from_numpy(self.cont[picked]), self.y[where])
        return batch.to(self.device)


@dataclass
class ParamGroup:
    """Parameters trained together at one peak learning rate (a layer group)."""

    name: str
    params: list[nn.Parameter]
    lr: float
    weight_decay: float | None = None


def single_group(module: nn.Module, lr: float) -> list[ParamGroup]:
    """Every trainable parameter of ``module`` in one group."""
    return [ParamGroup("all", [param for param in module.parameters() if param.requires_grad], float(lr))]


def make_optimizer(groups: Sequence[ParamGroup], name: str, weight_decay: float) -> torch.optim.Optimizer:
    """AdamW (decoupled weight decay, fastai's betas and eps) or SGD with momentum, with
    one optimiser parameter group per :class:`ParamGroup` (its own weight decay when it
    has one, else ``weight_decay``)."""
    param_groups = [
        {
            "params": group.params,
            "lr": group.lr,
            "weight_decay": weight_decay if group.weight_decay is None else group.weight_decay,
        }
        for group in groups
    ]
    if name == "adamw":
        return torch.optim.AdamW(param_groups, betas=(0.9, 0.99), eps=1e-5, weight_decay=weight_decay, fused=True)
    return torch.optim.SGD(param_groups, momentum=0.9, weight_decay=weight_decay, foreach=True)


def set_hyper(optimizer: torch.optim.Optimizer, lr: float | Sequence[float], momentum: float) -> None:
    """Set the learning rate (one for all, or one per parameter group) and the momentum
    (AdamW's beta1) of every parameter group."""
    rates = np.broadcast_to(np.asarray(lr, dtype=np.float64), (len(optimizer.param_groups),))
    for group, rate in zip(optimizer.param_groups, rates):
        group["lr"] = float(rate)
        if "betas" in group:
            group["betas"] = (momentum, group["betas"][1])
        else:
            group["momentum"] = momentum


def batch_starts(n_rows: int, batch_size: int) -> range:
    """Start offsets of the training batches; a last partial batch is dropped when there
    is at least one full batch (as fastai does), so BatchNorm never sees a single row."""
    n_batches = n_rows // batch_size if n_rows >= batch_size else 1
    return range(0, n_batches * batch_size, batch_size)


def optimizer_step(
    module: nn.Module, batch: Tensors, optimizer: torch.optim.Optimizer, loss_fn: Callable, *, amp: bool
) -> torch.Tensor:
    """Forward, backward and one optimiser step on a batch; returns the (detached) loss."""
    with autocast(batch.cat.device, amp):
        out = module(batch.cat, batch.cont)
    loss = loss_fn(out.float(), batch.y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach()


def train_steps(
    module: nn.Module,
    data: Tensors | ArrayRows,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable,
    lrs: np.ndarray,
    momenta: np.ndarray,
    *,
    batch_size: int,
    generator: torch.Generator,
    amp: bool,
    progress=None,
) -> float:
    """One pass over a shuffled index, one optimiser step per batch with the given
    learning rates (shape (n_steps,), or (n_groups, n_steps) for one row per parameter
    group) and momenta. Returns the mean training loss."""
    device = data.device
    keep_freed_memory(device)
    module.train()
    order = torch.randperm(len(data), generator=generator, device=generator.device).to(device)
    total = torch.zeros((), device=device)
    n_seen = 0
    for step, start in enumerate(batch_starts(len(data), batch_size)):
        batch = data.rows(order[start : start + batch_size])
        set_hyper(optimizer, lrs[..., step], float(momenta[step]))
        loss = optimizer_step(module, batch, optimizer, loss_fn, amp=amp)
        total += loss * len(batch)
        n_seen += len(batch)
        if progress is not None:
            progress.update(1)
    return float(total) / n_seen


def predict_raw(module: nn.Module, data: Tensors, *, amp: bool, batch_size: int = PREDICT_BATCH) -> torch.Tensor:
    """The module's float32 outputs for every row, in eval mode, batch by batch."""
    device = data.cat.device
    module.eval()
    outs = []
    with torch.inference_mode():
        for start in range(0, len(data), batch_size):
            batch = data.rows(slice(start, start + batch_size))
            with autocast(device, amp):
                outs.append(module(batch.cat, batch.cont).float())
    return torch.cat(outs)


@dataclass
class EarlyStopping:
    """Keep the best epoch's weights by ``monitor``; stop after ``patience`` epochs
    without improvement (``None``: never stop early)."""

    monitor: str
    greater_is_better: bool
    patience: int | None
    best_value: float | None = None
    best_epoch: int | None = None
    best_state: dict | None = None

    def update(self, epoch: int, value: float, module: nn.Module) -> bool:
        """Record an epoch's score; returns True when training should stop."""
        best = self.best_value
        better = best is None or (value > best if self.greater_is_better else value < best)
        if better:
            self.best_value, self.best_epoch = value, epoch
            self.best_state = copy.deepcopy(module.state_dict())
        return self.patience is not None and epoch - self.best_epoch >= self.patience


def fit(
    module: nn.Module,
    data: Tensors | ArrayRows,
    *,
    epochs: int,
    batch_size: int,
    lr: float | Sequence[ParamGroup],
    weight_decay: float,
    optimizer: str,
    schedule: str,
    loss_fn: Callable,
    generator: torch.Generator,
    amp: bool,
    evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
    early_stopping: EarlyStopping | None = None,
    loss_scale: float = 1.0,
    verbose: int = 0,
) -> list[dict[str, float]]:
    """Train ``module`` for ``epochs`` epochs and return one history row per epoch.

    ``lr`` is one peak rate for every trainable parameter, or the layer groups to train,
    each with its own peak rate; the schedule (one-cycle or constant) scales each group's
    rate alike, and the history's ``lr`` is the last group's rate at the end of the epoch.
    ``evaluate(module)`` scores the validation data after each epoch (its keys become
    history columns); ``early_stopping`` then keeps the best epoch's weights. The
    recorded training loss is multiplied by ``loss_scale`` (for a standardised target).
    Inside :func:`tabkit.nn.progress.silenced`, ``verbose`` is taken as 0.
    """
    verbose = 0 if is_silenced() else verbose
    steps_per_epoch = len(batch_starts(len(data), batch_size))
    n_steps = epochs * steps_per_epoch
    groups = single_group(module, lr) if isinstance(lr, Real) else list(lr)
    plan = one_cycle if schedule == "one_cycle" else constant
    lrs = np.stack([plan(n_steps, group.lr)[0] for group in groups])
    momenta = plan(n_steps, groups[-1].lr)[1]
    opt = make_optimizer(groups, optimizer, weight_decay)
    history = []
    for epoch in range(epochs):
        begin = time.perf_counter()
        window = slice(epoch * steps_per_epoch, (epoch + 1) * steps_per_epoch)
        progress = (
            tqdm(total=steps_per_epoch, desc=f"epoch {epoch + 1}/{epochs}", unit="batch", leave=True)
            if verbose and sys.stderr.isatty()
            else None
        )
        train_loss = train_steps(
            module,
            data,
            opt,
            loss_fn,
            lrs[:, window],
            momenta[window],
            batch_size=batch_size,
            generator=generator,
            amp=amp,
            progress=progress,
        )
        row = {"epoch": epoch + 1, "train_loss": train_loss * loss_scale}
        if evaluate is not None:
            row.update(evaluate(module))
        row["lr"] = float(lrs[-1, window][-1])
        row["seconds"] = time.perf_counter() - begin
        history.append(row)
        shown = {k: f"{v:.4g}" for k, v in row.items() if k not in ("epoch", "lr", "seconds", "trained")}
        if progress is not None:
            progress.set_postfix(shown)
            progress.close()
        elif verbose:  # output redirected to a file: one line per epoch, no progress bar
            print(
                f"epoch {epoch + 1}/{epochs}: "
                + ", ".join(f"{k} {v}" for k, v in shown.items())
                + f" ({row['seconds']:.1f}s)",
                file=sys.stderr,
                flush=True,
            )
        if early_stopping is not None and early_stopping.update(epoch + 1, row[early_stopping.monitor], module):
            break
    if early_stopping is not None and early_stopping.best_state is not None:
        module.load_state_dict(early_stopping.best_state)
    return history
