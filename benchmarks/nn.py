"""Training speed of the embedding net: tabkit's loop against a plain PyTorch loop, a
``DataLoader`` loop and, when a Python with fastai is given, fastai's ``fit_one_cycle``.

Every loop trains the same net (layers [1000, 500], dropout [0.001, 0.01], embedding
dropout 0.04, AdamW with weight decay 0.2, one-cycle to 1e-3, MSE, batch 512) on data
shaped like fastai's Rossmann features: the 22 categorical columns with their real
cardinalities and 16 continuous columns (random codes and values: only the shapes matter
for speed).

- tabkit: ``tabkit.nn.training.train_steps`` on ``EmbeddingNet`` with tabkit's optimiser;
- plain loop: the tensors in memory, a shuffled index sliced into batches, the textbook
  module (``nn.Embedding`` per column, ``torch.cat``, ``nn.Dropout``) and
  ``torch.optim.AdamW`` with its defaults;
- DataLoader: the same module and optimiser fed by ``TensorDataset`` + ``DataLoader``;
- fastai (``--fastai PYTHON``): ``tabular_learner`` on a ``TabularPandas`` of the same
  data in another Python (fastai is no tabkit dependency), timed from its 5th batch to
  the end of training (validation excluded), its rows per second read from its output.

The first tabkit run sets glibc's malloc to keep freed blocks (``tabkit.nn.malloc``,
process-wide), so the plain and DataLoader loops, which run in the same process, gain
from it too: their ratios measure the loop, module and optimiser alone.

The loops run in turn, ``--repeat`` times, and each prints its rows per second; the
summary gives each loop's range and the ratios of tabkit's best and worst runs to the
others'. Timings are noisy on a shared machine: note the load (``uptime``).

    python benchmarks/nn.py --steps 200 --threads 2 --repeat 3
    python benchmarks/nn.py --steps 200 --threads 2 --fastai /tmp/fastai-venv/bin/python
    python benchmarks/nn.py --rossmann-speed ../shared/data/rossmann --threads 2 --fastai /tmp/fastai-venv/bin/python
    python benchmarks/nn.py --rossmann ../shared/data/rossmann --seed 42   # quality, real data

A fastai environment: ``python3 -m venv /tmp/fastai-venv``, then ``pip install
torch==2.13.0`` (the CPU wheel) first and ``pip install -c <file pinning torch==2.13.0>
fastai==2.8.12``.

``--rossmann-speed DIR`` times one epoch on Kaggle's data (the features below, no
validation) with tabkit's estimator and, with ``--fastai``, fastai's learner on the same
columns (its Categorify, FillMissing and Normalize), in turn.

``--rossmann DIR`` instead trains one net on Kaggle's data (rossmann_features, validation
= the latest dates, as many rows as the test set) with the shipped pipeline's settings
(layers [1000, 500], dropout [0.001, 0.01], emb_dropout 0.04, log target, 5 epochs, wd
0.2, one-cycle, batch 512; ``--lr``, ``--epochs``, ``--seed``) and prints the per-epoch
history and exp_rmspe; ``--y-range fastai`` uses fastai's sigmoid range [0, log(1.2 *
max sales)] instead of the default standardised target.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import subprocess
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

ROSSMANN_ROWS = 844_338
# Codes per categorical feature of fastai's Rossmann set (unknown slot included), and
# the 16 continuous columns.
CARDINALITIES = [1116, 8, 4, 13, 32, 3, 26, 27, 5, 4, 4, 24, 9, 13, 53, 22, 7, 7, 4, 4, 9, 9]
N_CONT = 16
LAYERS, DROPOUT, EMB_DROPOUT, LR, WD = [1000, 500], [0.001, 0.01], 0.04, 1e-3, 0.2
FASTAI_SKIP = 5  # fastai's first batches are left out of its timing (warm-up)


def make_data(n_rows: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Codes 1..n-1 per column (0 is the unknown slot), standard normal continuous
    columns and a float32 target of shape (n_rows, 1)."""
    gen = torch.Generator().manual_seed(seed)
    cat = torch.stack([torch.randint(1, n, (n_rows,), generator=gen) for n in CARDINALITIES], dim=1)
    cont = torch.randn(n_rows, N_CONT, generator=gen)
    y = cont[:, :1] + 0.1 * torch.randn(n_rows, 1, generator=gen)
    return cat, cont, y


def fastai_worker(n_rows: int, batch_size: int, threads: int | None, frame_file: str | None, lr: float) -> None:
    """Run in a Python with fastai: one ``fit_one_cycle`` epoch, prints its rows/s;
    on the synthetic data, or on the pickled real frame ``frame_file`` (with fastai's
    Categorify, FillMissing and Normalize, as in its Rossmann lesson)."""
    import pandas as pd
    from fastai.tabular.all import Categorify, FillMissing, Normalize, RegressionBlock, TabularPandas

    if threads:
        torch.set_num_threads(threads)
    if frame_file is not None:
        saved = pd.read_pickle(frame_file)
        tab = TabularPandas(
            saved["frame"],
            procs=[Categorify, FillMissing, Normalize],
            cat_names=saved["cat"],
            cont_names=saved["cont"],
            y_names="y",
            y_block=RegressionBlock(),
            splits=(saved["train"], saved["valid"]),
        )
        print(fit_fastai(tab, batch_size, lr))
        return
    cat, cont, y = make_data(n_rows)
    cat_names, cont_names = [f"cat{i}" for i in range(len(CARDINALITIES))], [f"cont{i}" for i in range(N_CONT)]
    frame = pd.DataFrame(cat.numpy(), columns=cat_names)
    frame[cont_names] = cont.numpy()
    frame["y"] = y[:, 0].numpy()
    frame = pd.concat([frame, frame.iloc[:batch_size]], ignore_index=True)  # a token validation set
    tab = TabularPandas(
        frame,
        procs=[Categorify],
        cat_names=cat_names,
        cont_names=cont_names,
        y_names="y",
        y_block=RegressionBlock(),
        splits=(list(range(n_rows)), list(range(n_rows, n_rows + batch_size))),
    )
    print(fit_fastai(tab, batch_size, lr))


def fit_fastai(tab, batch_size: int, lr: float) -> str:
    """One ``fit_one_cycle`` epoch of fastai's tabular learner; a line with the rows
    trained and the seconds they took."""
    from fastai.tabular.all import Callback, MSELossFlat, tabular_config, tabular_learner

    dls = tab.dataloaders(bs=batch_size)
    learn = tabular_learner(
        dls, layers=LAYERS, config=tabular_config(ps=DROPOUT, embed_p=EMB_DROPOUT), loss_func=MSELossFlat()
    )

    class Clock(Callback):
        def before_train(self):
            self.batches, self.rows, self.start, self.end = 0, 0, None, None

        def after_batch(self):
            if not self.training:
                return
            self.batches += 1
            if self.batches == FASTAI_SKIP:
                self.start = time.perf_counter()
            elif self.batches > FASTAI_SKIP:
                self.rows += len(self.learn.yb[0])

        def after_train(self):
            self.end = time.perf_counter()

    clock = Clock()
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(1, lr, wd=WD, cbs=clock)
    return f"FASTAI rows {clock.rows} seconds {clock.end - clock.start:.4f} threads {torch.get_num_threads()}"


def run_fastai(
    python: str, n_rows: int, batch_size: int, threads: int | None, *, frame_file: str | None = None, lr: float = LR
) -> float:
    """Rows per second of one fastai run in ``python``."""
    command = [
        python,
        os.path.abspath(__file__),
        "--fastai-worker",
        "--rows",
        str(n_rows),
        "--batch-size",
        str(batch_size),
        "--lr",
        str(lr),
    ] + (["--threads", str(threads)] if threads else [])
    if frame_file is not None:
        command += ["--rossmann-speed", frame_file]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    found = re.search(r"FASTAI rows (\d+) seconds ([0-9.]+)", done.stdout)
    if done.returncode or not found:
        raise RuntimeError(f"the fastai run failed ({python}):\n{done.stdout}\n{done.stderr}")
    return int(found[1]) / float(found[2])


def tabkit_module(device: torch.device) -> nn.Module:
    from tabkit.nn.module import EmbeddingNet, emb_size

    torch.manual_seed(0)
    net = EmbeddingNet(CARDINALITIES, [emb_size(n) for n in CARDINALITIES], N_CONT, LAYERS, DROPOUT, EMB_DROPOUT, 1)
    return net.to(device)


def plain_module(like: nn.Module) -> nn.Module:
    """``like``'s weights in the textbook module: an ``nn.Embedding`` call per column,
    ``torch.cat``, ``nn.Dropout``."""

    class PlainNet(nn.Module):
        def __init__(self, net):
            super().__init__()
            self.embeds, self.emb_drop, self.bn_cont, self.layers = net.embeds, net.emb_drop, net.bn_cont, net.layers

        def forward(self, cat, cont):
            embedded = torch.cat([embed(cat[:, i]) for i, embed in enumerate(self.embeds)], dim=1)
            return self.layers(torch.cat([self.emb_drop(embedded), self.bn_cont(cont)], dim=1))

    plain = PlainNet(copy.deepcopy(like))
    for parent in list(plain.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.Dropout):
                setattr(parent, name, nn.Dropout(child.p))
    return plain


def plain_optimizer(module: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.AdamW(module.parameters(), lr=LR, betas=(0.9, 0.99), eps=1e-5, weight_decay=WD)


def set_schedule(opt: torch.optim.Optimizer, lr: float, mom: float) -> None:
    for group in opt.param_groups:
        group["lr"], group["betas"] = lr, (mom, group["betas"][1])


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def tabkit_loop(data, batch_size: int, device: torch.device) -> tuple[int, float]:
    """Rows trained and seconds taken (the copy of the data to the device included)."""
    from tabkit.nn.schedule import one_cycle
    from tabkit.nn.training import Tensors, batch_starts, make_optimizer, single_group, train_steps

    module = tabkit_module(device)
    opt = make_optimizer(single_group(module, LR), "adamw", WD)
    steps = len(batch_starts(len(data[0]), batch_size))
    lrs, moms = one_cycle(steps, LR)
    start = time.perf_counter()
    tensors = Tensors(*data).to(device)
    train_steps(
        module,
        tensors,
        opt,
        F.mse_loss,
        lrs[None],
        moms,
        batch_size=batch_size,
        generator=torch.Generator().manual_seed(0),
        amp=False,
    )
    sync(device)
    return steps * batch_size, time.perf_counter() - start


def plain_loop(data, batch_size: int, device: torch.device) -> tuple[int, float]:
    from tabkit.nn.schedule import one_cycle

    module = plain_module(tabkit_module(device)).train()
    opt = plain_optimizer(module)
    steps = len(data[0]) // batch_size
    lrs, moms = one_cycle(steps, LR)
    start = time.perf_counter()
    cat, cont, y = (t.to(device) for t in data)
    order = torch.randperm(len(cat), generator=torch.Generator().manual_seed(0)).to(device)
    for step in range(steps):
        index = order[step * batch_size : (step + 1) * batch_size]
        set_schedule(opt, lrs[step], moms[step])
        loss = F.mse_loss(module(cat[index], cont[index]), y[index])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    sync(device)
    return steps * batch_size, time.perf_counter() - start


def dataloader_loop(data, batch_size: int, device: torch.device) -> tuple[int, float]:
    from torch.utils.data import DataLoader, TensorDataset

    from tabkit.nn.schedule import one_cycle

    loader = DataLoader(
        TensorDataset(*data),
        batch_size=batch_size,
        shuffle=True,
        drop_last=True,
        generator=torch.Generator().manual_seed(0),
        pin_memory=device.type == "cuda",
    )
    module = plain_module(tabkit_module(device)).train()
    opt = plain_optimizer(module)
    lrs, moms = one_cycle(len(loader), LR)
    start = time.perf_counter()
    for step, batch in enumerate(loader):
        cat, cont, y = (t.to(device, non_blocking=True) for t in batch)
        set_schedule(opt, lrs[step], moms[step])
        loss = F.mse_loss(module(cat, cont), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    sync(device)
    return len(loader) * batch_size, time.perf_counter() - start


def speed(args) -> None:
    device = torch.device(args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu"))
    data = make_data(args.rows)
    warm = tuple(t[: 8 * args.batch_size] for t in data)
    loops = {"tabkit": tabkit_loop, "plain loop": plain_loop, "DataLoader": dataloader_loop}
    for loop in loops.values():
        loop(warm, args.batch_size, device)
    print(
        f"torch {torch.__version__} on {device}, {torch.get_num_threads()} threads, {args.rows:,} rows x "
        f"{len(CARDINALITIES)} cat + {N_CONT} cont, batch {args.batch_size}, layers {LAYERS}; "
        f"load average {os.getloadavg()[0]:.2f} at the start",
        flush=True,
    )
    results: dict[str, list[float]] = {name: [] for name in [*loops, *(["fastai"] if args.fastai else [])]}
    for repeat in range(args.repeat):
        for name, loop in loops.items():
            rows, seconds = loop(data, args.batch_size, device)
            results[name].append(rows / seconds)
        if args.fastai:
            results["fastai"].append(run_fastai(args.fastai, args.rows, args.batch_size, args.threads))
        print_run(repeat, results)
    summarise(results)


def print_run(repeat: int, results: dict[str, list[float]]) -> None:
    """One line: the load and each loop's rows per second in this repeat."""
    latest = ", ".join(f"{name} {values[-1]:,.0f}" for name, values in results.items())
    print(f"run {repeat + 1} (load {os.getloadavg()[0]:.2f}): {latest} rows/s", flush=True)


def summarise(results: dict[str, list[float]]) -> None:
    low, high = min(results["tabkit"]), max(results["tabkit"])
    for name, values in results.items():
        line = f"{name:12s} {min(values):>9,.0f} - {max(values):>9,.0f} rows/s"
        if name != "tabkit":
            line += f"   tabkit / {name}: {low / max(values):.2f}x (worst vs best) - {high / min(values):.2f}x"
        print(line)


def rossmann_frames(path: str):
    import tabkit as tk
    from tabkit.datasets.features import ROSSMANN_CAT, ROSSMANN_CONT, rossmann_features

    train, test = rossmann_features(tk.datasets.load_rossmann(path))
    train_rows, valid_rows = tk.time_split(train, date="Date", valid_size=len(test))
    X, y = train[ROSSMANN_CAT + ROSSMANN_CONT], train["Sales"].to_numpy(float)
    return X, y, train_rows, valid_rows


def rossmann_speed(args) -> None:
    """Training rows per second of one epoch on the real data (no validation), tabkit's
    estimator against fastai's learner on the same features, in turn."""
    import tempfile

    import pandas as pd

    import tabkit as tk
    from tabkit.datasets.features import ROSSMANN_CAT, ROSSMANN_CONT

    X, y, train_rows, valid_rows = rossmann_frames(args.rossmann_speed)
    X_train, y_train = X.iloc[train_rows], y[train_rows]
    with tempfile.TemporaryDirectory() as folder:
        frame_file = os.path.join(folder, "rossmann.pkl")
        frame = X.reset_index(drop=True).assign(y=np.log(y))
        # plain objects (column names too): fastai's Python may lack pyarrow for pandas' str
        frame = frame.astype({name: object for name in frame.select_dtypes(exclude="number").columns})
        frame.columns = frame.columns.astype(object)
        pd.to_pickle(
            {
                "frame": frame,
                "cat": ROSSMANN_CAT,
                "cont": ROSSMANN_CONT,
                "train": list(map(int, train_rows)),
                "valid": list(map(int, valid_rows)),
            },
            frame_file,
        )
        print(
            f"torch {torch.__version__}, {torch.get_num_threads()} threads, {len(train_rows):,} training rows, "
            f"1 epoch, batch {args.batch_size}, lr {args.lr}; load average {os.getloadavg()[0]:.2f} at the start",
            flush=True,
        )
        results: dict[str, list[float]] = {"tabkit": [], **({"fastai": []} if args.fastai else {})}
        for repeat in range(args.repeat):
            net = tk.EmbeddingNetRegressor(
                LAYERS,
                dropout=DROPOUT,
                emb_dropout=EMB_DROPOUT,
                log_target=True,
                epochs=1,
                lr=args.lr,
                batch_size=args.batch_size,
                weight_decay=WD,
                cat_names=ROSSMANN_CAT,
                cont_names=ROSSMANN_CONT,
                device="cpu",
                random_state=repeat,
                verbose=0,
            ).fit(X_train, y_train)
            results["tabkit"].append(len(train_rows) // args.batch_size * args.batch_size / net.history_["seconds"][0])
            if args.fastai:
                results["fastai"].append(
                    run_fastai(
                        args.fastai, len(train_rows), args.batch_size, args.threads, frame_file=frame_file, lr=args.lr
                    )
                )
            print_run(repeat, results)
    summarise(results)


def rossmann_quality(args) -> None:
    import tabkit as tk
    from tabkit.datasets.features import ROSSMANN_CAT, ROSSMANN_CONT

    X, y, train_rows, valid_rows = rossmann_frames(args.rossmann)
    limits = (0.0, float(np.log(1.2 * y[train_rows].max()))) if args.y_range == "fastai" else None
    net = tk.EmbeddingNetRegressor(
        LAYERS,
        dropout=DROPOUT,
        emb_dropout=EMB_DROPOUT,
        y_range=limits,
        log_target=True,
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        weight_decay=WD,
        schedule="one_cycle",
        cat_names=ROSSMANN_CAT,
        cont_names=ROSSMANN_CONT,
        device=args.device,
        random_state=args.seed,
        verbose=1,
    )
    start = time.perf_counter()
    net.fit(X.iloc[train_rows], y[train_rows], X_val=X.iloc[valid_rows], y_val=y[valid_rows], metric="exp_rmspe")
    seconds = time.perf_counter() - start
    print(net.history_.to_string())
    print(
        f"{len(train_rows):,} training rows, {len(valid_rows):,} validation rows; fit {seconds:.0f} s "
        f"({args.epochs * len(train_rows) / net.history_['seconds'].sum():,.0f} rows/s over the epochs); "
        f"exp_rmspe {net.history_['exp_rmspe'].iloc[-1]:.4f} (fastai course: 0.1054)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=ROSSMANN_ROWS, help="rows in the data set")
    parser.add_argument("--steps", type=int, default=None, help="batches per run (default: one full epoch)")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each loop, in turn")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--fastai", metavar="PYTHON", help="a Python with fastai installed: time fastai too")
    parser.add_argument("--fastai-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rossmann", metavar="DIR", help="train on Kaggle's Rossmann data in DIR instead")
    parser.add_argument(
        "--rossmann-speed",
        metavar="DIR",
        help="time one epoch on Kaggle's Rossmann data in DIR (tabkit, and fastai with --fastai)",
    )
    parser.add_argument("--y-range", choices=("standardised", "fastai"), default="standardised")
    parser.add_argument(
        "--lr",
        type=float,
        default=None,
        help=f"peak learning rate (default {LR}; 3e-3 with --rossmann and --rossmann-speed)",
    )
    parser.add_argument("--epochs", type=int, default=5, help="epochs for --rossmann")
    parser.add_argument("--seed", type=int, default=0, help="random_state for --rossmann")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda (fastai runs on the CPU)")
    args = parser.parse_args()
    if args.steps is not None:
        args.rows = args.steps * args.batch_size
    if args.lr is None:
        args.lr = 3e-3 if args.rossmann or args.rossmann_speed else LR
    if args.fastai_worker:
        fastai_worker(args.rows, args.batch_size, args.threads, args.rossmann_speed, args.lr)
        return
    if args.threads:
        torch.set_num_threads(args.threads)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if args.rossmann:
        rossmann_quality(args)
    elif args.rossmann_speed:
        rossmann_speed(args)
    else:
        speed(args)


if __name__ == "__main__":
    main()
