"""Training speed of the embedding net: tabkit's loop vs a plain DataLoader loop.

Both loops train the same module (same initial weights, AdamW, MSE, batch 512) on data
shaped like fastai's Rossmann features: 844,338 rows, the 22 categorical columns with
their real cardinalities and 16 continuous columns, layers [1000, 500].
- tabkit: the tensors sit on the device; each epoch shuffles an index and slices batches
  (``tabkit.nn.training.train_steps``);
- plain torch: ``TensorDataset`` + ``DataLoader(shuffle=True, drop_last=True)``, the usual
  per-row fetch and collate.
Prints training rows per second for each and the ratio. The data are synthetic (random
codes and values): only the shapes matter for speed.

    python benchmarks/nn.py                   # one full epoch each at full size
    python benchmarks/nn.py --steps 200       # 200 batches each (rows 200 * 512)
    python benchmarks/nn.py --rows 100000     # a smaller data set
    python benchmarks/nn.py --rossmann ../shared/data/rossmann   # quality on the real data

``--rossmann DIR`` instead trains one net on Kaggle's data (rossmann_features, validation
= the latest dates, as many rows as the test set) with fastai's settings (layers
[1000, 500], dropout [0.001, 0.01], emb_dropout 0.04, log target, 5 epochs, lr 1e-3,
wd 0.2, one-cycle, batch 512) and prints the per-epoch history and exp_rmspe;
``--y-range fastai`` uses fastai's sigmoid range [0, log(1.2 * max sales)] instead of
the default standardised target.
"""
from __future__ import annotations

import argparse
import copy
import time

import numpy as np
import torch
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from tabkit.nn.device import autocast, select_device, use_bf16
from tabkit.nn.module import EmbeddingNet, emb_size
from tabkit.nn.schedule import constant
from tabkit.nn.training import (
    Tensors,
    batch_starts,
    make_optimizer,
    single_group,
    train_steps,
)

ROSSMANN_ROWS = 844_338
# Codes per categorical feature of fastai's Rossmann set (unknown slot included), and
# the 16 continuous columns.
CARDINALITIES = [1116, 8, 4, 13, 32, 3, 26, 27, 5, 4, 4, 24, 9, 13, 53, 22, 7, 7, 4, 4, 9, 9]
N_CONT = 16


def make_data(n_rows: int, seed: int = 0) -> Tensors:
    gen = torch.Generator().manual_seed(seed)
    cat = torch.stack([torch.randint(0, n, (n_rows,), generator=gen) for n in CARDINALITIES], dim=1)
    cont = torch.randn(n_rows, N_CONT, generator=gen)
    y = (cont[:, :1] + 0.1 * torch.randn(n_rows, 1, generator=gen)).float()
    return Tensors(cat, cont, y)


def make_module(device: torch.device) -> EmbeddingNet:
    torch.manual_seed(0)
    module = EmbeddingNet(CARDINALITIES, [emb_size(n) for n in CARDINALITIES], N_CONT, [1000, 500],
                          [0.001, 0.01], 0.04, 1)
    return module.to(device)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def tabkit_epoch(module, data: Tensors, batch_size: int, amp: bool) -> int:
    steps = len(batch_starts(len(data), batch_size))
    lrs, moms = constant(steps, 1e-3)
    opt = make_optimizer(single_group(module, 1e-3), "adamw", 0.2)
    gen = torch.Generator().manual_seed(0)
    train_steps(module, data, opt, F.mse_loss, lrs, moms, batch_size=batch_size, generator=gen, amp=amp)
    return steps * batch_size


def dataloader_epoch(module, data: Tensors, batch_size: int, amp: bool, device: torch.device) -> int:
    loader = DataLoader(TensorDataset(data.cat, data.cont, data.y), batch_size=batch_size, shuffle=True,
                        drop_last=True, generator=torch.Generator().manual_seed(0),
                        pin_memory=device.type == "cuda")
    opt = make_optimizer(single_group(module, 1e-3), "adamw", 0.2)
    module.train()
    rows = 0
    for cat, cont, y in loader:
        cat, cont, y = (t.to(device, non_blocking=True) for t in (cat, cont, y))
        with autocast(device, amp):
            out = module(cat, cont)
        loss = F.mse_loss(out.float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        rows += len(y)
    return rows


def timed(func) -> tuple[float, int]:
    start = time.perf_counter()
    rows = func()
    return time.perf_counter() - start, rows


def rossmann_quality(path: str, y_range: str, lr: float, device: str) -> None:
    import tabkit as tk
    from tabkit.datasets.features import ROSSMANN_CAT, ROSSMANN_CONT, rossmann_features

    train, test = rossmann_features(tk.datasets.load_rossmann(path))
    train_rows, valid_rows = tk.time_split(train, date="Date", valid_size=len(test))
    X, y = train[ROSSMANN_CAT + ROSSMANN_CONT], train["Sales"].to_numpy(float)
    limits = (0.0, float(np.log(1.2 * y[train_rows].max()))) if y_range == "fastai" else None
    net = tk.EmbeddingNetRegressor(
        (1000, 500), dropout=(0.001, 0.01), emb_dropout=0.04, y_range=limits, log_target=True, epochs=5,
        lr=lr, batch_size=512, weight_decay=0.2, schedule="one_cycle", cat_names=ROSSMANN_CAT,
        cont_names=ROSSMANN_CONT, device=device, random_state=0, verbose=1)
    net.fit(X.iloc[train_rows], y[train_rows], X_val=X.iloc[valid_rows], y_val=y[valid_rows], metric="exp_rmspe")
    print(net.history_.to_string())
    print(f"{len(train_rows):,} training rows, {len(valid_rows):,} validation rows; "
          f"exp_rmspe {net.history_['exp_rmspe'].iloc[-1]:.4f} (fastai course: 0.1054)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=ROSSMANN_ROWS, help="rows in the data set")
    parser.add_argument("--steps", type=int, default=None, help="batches per loop (default: one full epoch)")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--rossmann", metavar="DIR", help="train on Kaggle's Rossmann data in DIR instead")
    parser.add_argument("--y-range", choices=("standardised", "fastai"), default="standardised")
    parser.add_argument("--lr", type=float, default=1e-3, help="peak learning rate for --rossmann")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.rossmann:
        rossmann_quality(args.rossmann, args.y_range, args.lr, args.device)
        return

    device = select_device(args.device)
    amp = use_bf16(device)
    data = make_data(args.rows)
    if args.steps is not None:
        data = data.rows(slice(0, args.steps * args.batch_size))
    print(f"device {device} (bf16 autocast: {amp}), torch threads {torch.get_num_threads()}, "
          f"{len(data):,} rows x {len(CARDINALITIES)} cat + {N_CONT} cont, batch {args.batch_size}, "
          f"layers [1000, 500]")
    module = make_module(device)
    warm = data.rows(slice(0, 8 * args.batch_size))
    tabkit_epoch(copy.deepcopy(module), warm.to(device), args.batch_size, amp)
    dataloader_epoch(copy.deepcopy(module), warm, args.batch_size, amp, device)

    def run_tabkit():
        on_device = data.to(device)  # the one copy to the device is part of tabkit's cost
        rows = tabkit_epoch(copy.deepcopy(module), on_device, args.batch_size, amp)
        sync(device)
        return rows

    def run_plain():
        rows = dataloader_epoch(copy.deepcopy(module), data, args.batch_size, amp, device)
        sync(device)
        return rows

    results = {}
    for name, func in (("tabkit (index slicing)", run_tabkit), ("TensorDataset + DataLoader", run_plain)):
        seconds, rows = timed(func)
        results[name] = rows / seconds
        print(f"{name:28s} {rows:>9,} rows in {seconds:7.1f} s = {rows / seconds:>10,.0f} rows/s "
              f"(full {ROSSMANN_ROWS:,}-row epoch: {ROSSMANN_ROWS / (rows / seconds):.1f} s)", flush=True)
    fast, plain = results.values()
    print(f"ratio tabkit / DataLoader: {fast / plain:.2f}x")


if __name__ == "__main__":
    main()
