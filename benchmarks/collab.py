"""Collaborative filtering: tabkit's CollabRegressor against plain PyTorch loops of the same
model, for speed, and against fastai's recipe, for quality.

Speed (default): training rows per second, side by side in one run, on ratings shaped like
MovieLens 100k (``make_ratings``: 943 users, 1,682 items, ~100k ratings; or a MovieLens
folder with ``--movielens DIR``), batch 64, AdamW, MSE through a sigmoid to (0, 5.5):
- tabkit: ``CollabRegressor.fit`` (processor, tensors, the shared loop: on-device tensors,
  a shuffled index sliced into batches, one-cycle schedule, history);
- index loop: a plain PyTorch loop over the same kind of on-device tensors, slicing a
  shuffled index, with fastai's EmbeddingDotBias written out by hand;
- DataLoader: the same module fed by ``TensorDataset`` + ``DataLoader(shuffle=True,
  drop_last=True)``, the usual per-row fetch and collate.

Quality (``--quality DIR``, a MovieLens 100k or latest-small folder): RMSE on three random
80/20 splits of tabkit's defaults (``y_range=(0, 5.5)``) against fastai's recipe
(``collab_learner(n_factors=50, y_range=(0, 5.5))``, ``fit_one_cycle(5, 5e-3, wd=0.1)``:
EmbeddingDotBias with weight decay 0.1 on every parameter and no global bias), the
latter trained by the index loop with tabkit's one-cycle schedule.

    PYTHONPATH=. python benchmarks/collab.py                  # speed, 1 epoch each, 3 rounds
    PYTHONPATH=. python benchmarks/collab.py --epochs 5 --threads 2
    PYTHONPATH=. python benchmarks/collab.py --quality ~/data/ml-100k
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from tabkit.datasets import load_movielens, make_ratings
from tabkit.nn.collab import CollabRegressor
from tabkit.nn.schedule import one_cycle
from tabkit.nn.training import ParamGroup, batch_starts, make_optimizer, set_hyper

Y_RANGE = (0.0, 5.5)
BATCH = 64


class FastaiDotBias(nn.Module):
    """fastai's EmbeddingDotBias: dot product plus user and item biases, sigmoid range."""

    def __init__(self, n_users: int, n_items: int, n_factors: int = 50):
        super().__init__()
        self.u_weight, self.i_weight = nn.Embedding(n_users, n_factors), nn.Embedding(n_items, n_factors)
        self.u_bias, self.i_bias = nn.Embedding(n_users, 1), nn.Embedding(n_items, 1)
        for embed in (self.u_weight, self.i_weight, self.u_bias, self.i_bias):
            nn.init.trunc_normal_(embed.weight, std=0.01, a=-0.02, b=0.02)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        dot = (self.u_weight(users) * self.i_weight(items)).sum(dim=1, keepdim=True)
        out = dot + self.u_bias(users) + self.i_bias(items)
        return Y_RANGE[0] + (Y_RANGE[1] - Y_RANGE[0]) * torch.sigmoid(out)


def codes(ratings: pd.DataFrame) -> tuple[torch.Tensor, torch.Tensor, int, int]:
    users = pd.factorize(ratings["user"], sort=True)[0] + 1
    items = pd.factorize(ratings["item"], sort=True)[0] + 1
    return torch.from_numpy(users), torch.from_numpy(items), int(users.max()) + 1, int(items.max()) + 1


def index_loop(module: nn.Module, users, items, y, *, epochs: int, lr: float, weight_decay: float) -> int:
    """fastai's fit_one_cycle by hand over on-device tensors; returns the rows trained."""
    steps = len(batch_starts(len(y), BATCH))
    lrs, moms = one_cycle(epochs * steps, lr)
    opt = make_optimizer([ParamGroup("all", list(module.parameters()), lr)], "adamw", weight_decay)
    gen = torch.Generator().manual_seed(0)
    module.train()
    step = 0
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=gen)
        for start in batch_starts(len(y), BATCH):
            index = order[start : start + BATCH]
            set_hyper(opt, lrs[step], moms[step])
            loss = F.mse_loss(module(users[index], items[index]), y[index])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
    return step * BATCH


def dataloader_loop(module: nn.Module, users, items, y, *, epochs: int, lr: float, weight_decay: float) -> int:
    loader = DataLoader(
        TensorDataset(users, items, y),
        batch_size=BATCH,
        shuffle=True,
        drop_last=True,
        generator=torch.Generator().manual_seed(0),
    )
    steps = len(loader)
    lrs, moms = one_cycle(epochs * steps, lr)
    opt = make_optimizer([ParamGroup("all", list(module.parameters()), lr)], "adamw", weight_decay)
    module.train()
    step = 0
    for _ in range(epochs):
        for u, i, target in loader:
            set_hyper(opt, lrs[step], moms[step])
            loss = F.mse_loss(module(u, i), target)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
    return step * BATCH


def speed(ratings: pd.DataFrame, epochs: int, repeats: int) -> None:
    y = ratings["rating"].to_numpy(np.float64)
    users, items, n_users, n_items = codes(ratings)
    target = torch.from_numpy(y.astype(np.float32)).unsqueeze(1)
    warm = ratings.iloc[: 20 * BATCH]  # pay one-time imports and allocations before timing
    CollabRegressor(epochs=1, random_state=0, verbose=0, device="cpu").fit(warm, warm["rating"].to_numpy())

    def tabkit() -> int:
        model = CollabRegressor(y_range=Y_RANGE, epochs=epochs, random_state=0, verbose=0, device="cpu")
        model.fit(ratings, y)
        return epochs * len(batch_starts(len(y), BATCH)) * BATCH

    def plain(loop):
        def run() -> int:
            torch.manual_seed(0)
            return loop(FastaiDotBias(n_users, n_items), users, items, target, epochs=epochs, lr=5e-3, weight_decay=0.1)

        return run

    contenders = {
        "tabkit CollabRegressor.fit": tabkit,
        "plain index-slicing loop": plain(index_loop),
        "TensorDataset + DataLoader": plain(dataloader_loop),
    }
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):  # interleaved, so a busy moment hits every contender alike
        for name, run in contenders.items():
            begin = time.perf_counter()
            rows = run()
            rates[name].append(rows / (time.perf_counter() - begin))
    median = {name: float(np.median(values)) for name, values in rates.items()}
    reference = median["tabkit CollabRegressor.fit"]
    print(
        f"{len(y):,} ratings, {n_users - 1:,} users, {n_items - 1:,} items; batch {BATCH}, {epochs} epoch(s), "
        f"{torch.get_num_threads()} thread(s); median of {repeats} interleaved runs"
    )
    for name, rate in median.items():
        print(f"  {name:<28} {rate:>10,.0f} rows/s   tabkit / this = {reference / rate:.2f}x")


def quality(ratings: pd.DataFrame, seeds: list[int]) -> None:
    y = ratings["rating"].to_numpy(np.float64)
    print(f"{len(y):,} ratings; 80/20 random splits; 5 epochs, batch {BATCH}, lr 5e-3, y_range {Y_RANGE}")
    for seed in seeds:
        valid = np.zeros(len(y), dtype=bool)
        valid[np.random.default_rng(seed).permutation(len(y))[: len(y) // 5]] = True
        train, test = ratings[~valid], ratings[valid]
        begin = time.perf_counter()
        model = CollabRegressor(y_range=Y_RANGE, random_state=0, verbose=0, device="cpu").fit(train, y[~valid])
        seconds = time.perf_counter() - begin
        ours = np.sqrt(np.mean((model.predict(test) - y[valid]) ** 2))
        users, items, n_users, n_items = codes(ratings)
        torch.manual_seed(0)
        module = FastaiDotBias(n_users, n_items)
        target = torch.from_numpy(y[~valid].astype(np.float32)).unsqueeze(1)
        keep = torch.from_numpy(~valid)
        index_loop(module, users[keep], items[keep], target, epochs=5, lr=5e-3, weight_decay=0.1)
        module.eval()
        with torch.no_grad():
            held = torch.from_numpy(valid)
            predicted = module(users[held], items[held]).squeeze(1).numpy()
        fastai = np.sqrt(np.mean((predicted - y[valid]) ** 2))
        print(f"  split {seed}: tabkit defaults RMSE {ours:.4f} ({seconds:.1f} s)   fastai recipe RMSE {fastai:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--movielens", help="a MovieLens folder to time on (default: synthetic 100k-shaped ratings)")
    parser.add_argument("--quality", metavar="DIR", help="a MovieLens folder: RMSE against fastai's recipe")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved timing runs (median reported)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--seeds", default="0,1,42", help="split seeds for --quality")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.quality:
        quality(load_movielens(args.quality)["ratings"], [int(s) for s in args.seeds.split(",")])
        return
    ratings = load_movielens(args.movielens)["ratings"] if args.movielens else make_ratings(seed=0)["ratings"]
    speed(ratings, args.epochs, args.repeats)


if __name__ == "__main__":
    main()
