"""The entity-embedding net's variants on Kaggle's Rossmann data: numerical-feature
embeddings (``cont_embedding``) and members trained at once (``n_members``) against the
shipped net, on the shipped pipeline's split.

Features: ``tabkit.datasets.rossmann_features`` (fastai's 22 categorical and 16 continuous
columns). Split as ``pipelines/rossmann.toml`` does (``[split] by = "test"`` with a log
target): rows with Sales 0 are left out, then the latest dates, as many rows as the test
set (whole dates: 41,396 rows), are the validation rows. Metric: ``exp_rmspe`` of the
validation rows after the last epoch (RMSPE on Sales).

Every variant starts from the shipped net (layers [1000, 500], dropout [0.001, 0.01],
emb_dropout 0.04, 5 epochs, lr 3e-3, weight decay 0.2, batch 512, log target, no
y_range) and changes the parameters its name says; ``name:key=value,key=value`` changes
more (values are Python literals), e.g. ``periodic:frequency_scale=1.0`` or
``baseline:layers=(500,250)``.

    python benchmarks/net_variants.py --data ../shared/data/rossmann --epochs 2 --rows 200 \\
        --variants baseline periodic piecewise members4
    python benchmarks/net_variants.py --data ../shared/data/rossmann --seeds 0 1 2 --variants baseline piecewise

``--rows N`` keeps the rows of N stores drawn at random (seed 0), in training and
validation alike, for quick comparisons; ``--y-range auto`` passes the pipeline's
``y_range = "auto"`` range; ``--csv FILE`` appends each result. Timings are wall-clock
seconds of ``fit`` (validation scoring included) with ``--threads`` torch threads: note
the machine's load, printed at the start.
"""

from __future__ import annotations

import argparse
import ast
import os
import time

import numpy as np
import pandas as pd
import torch

SHIPPED = {
    "layers": (1000, 500),
    "dropout": (0.001, 0.01),
    "emb_dropout": 0.04,
    "epochs": 5,
    "lr": 3e-3,
    "weight_decay": 0.2,
    "batch_size": 512,
}
VARIANTS = {
    "baseline": {},
    "periodic": {"cont_embedding": "periodic"},
    "piecewise": {"cont_embedding": "piecewise"},
    "members2": {"n_members": 2},
    "members4": {"n_members": 4},
    "piecewise-members4": {"cont_embedding": "piecewise", "n_members": 4},
    "periodic-members4": {"cont_embedding": "periodic", "n_members": 4},
}


def parse_variant(spec: str) -> dict:
    """``name`` or ``name:key=value,...`` -> the parameters it changes."""
    name, _, extra = spec.partition(":")
    if name not in VARIANTS:
        raise SystemExit(f"unknown variant {name!r}; known: {', '.join(VARIANTS)}")
    params = dict(VARIANTS[name])
    for item in split_items(extra):
        key, _, value = item.partition("=")
        params[key.strip()] = ast.literal_eval(value.strip())
    return params


def split_items(text: str) -> list[str]:
    """``a=1,b=(2,3)`` -> ``["a=1", "b=(2,3)"]``: commas inside brackets stay."""
    items, depth, current = [], 0, ""
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    return [item for item in [*items, current] if item]


def rossmann_split(path: str, n_stores: int | None):
    """Training and validation frames and Sales, as the shipped pipeline splits them."""
    import tabkit as tk
    from tabkit.datasets import ROSSMANN_CAT, ROSSMANN_CONT, rossmann_features

    train, test = rossmann_features(tk.datasets.load_rossmann(path))
    train = train.loc[train["Sales"].to_numpy(dtype=float) > 0].reset_index(drop=True)
    train_pos, valid_pos = tk.time_split(train, date="Date", valid_size=min(len(test), len(train) - 1))
    fit_rows, valid = train.iloc[train_pos], train.iloc[valid_pos]
    if n_stores is not None:
        stores = np.sort(train["Store"].unique())
        chosen = np.random.default_rng(0).choice(stores, size=min(n_stores, len(stores)), replace=False)
        fit_rows, valid = fit_rows[fit_rows["Store"].isin(chosen)], valid[valid["Store"].isin(chosen)]
    columns = ROSSMANN_CAT + ROSSMANN_CONT
    return (
        fit_rows[columns].reset_index(drop=True),
        fit_rows["Sales"].to_numpy(float),
        valid[columns].reset_index(drop=True),
        valid["Sales"].to_numpy(float),
    )


def run_one(data, params: dict, seed: int, args) -> dict:
    """Fit one net; its score and timing."""
    import tabkit as tk
    from tabkit.datasets import ROSSMANN_CAT, ROSSMANN_CONT
    from tabkit.pipeline.kinds.embedding_net import auto_y_range

    X_train, y_train, X_valid, y_valid = data
    settings = {**SHIPPED, "epochs": args.epochs, **params}
    if args.y_range == "auto":
        settings.setdefault("y_range", auto_y_range(np.log(y_train), log=True))
    net = tk.EmbeddingNetRegressor(
        **settings,
        log_target=True,
        cat_names=ROSSMANN_CAT,
        cont_names=ROSSMANN_CONT,
        device=args.device,
        random_state=seed,
        verbose=args.verbose,
    )
    start = time.perf_counter()
    net.fit(X_train, y_train, X_val=X_valid, y_val=y_valid, metric="exp_rmspe")
    seconds = time.perf_counter() - start
    history = net.history_
    return {
        "exp_rmspe": float(history["exp_rmspe"].iloc[-1]),
        "best_epoch_rmspe": float(history["exp_rmspe"].min()),
        "train_loss": float(history["train_loss"].iloc[-1]),
        "fit_seconds": seconds,
        "per_epoch": " ".join(f"{value:.4f}" for value in history["exp_rmspe"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="folder with Kaggle's Rossmann files")
    parser.add_argument("--epochs", type=int, default=SHIPPED["epochs"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--variants", nargs="+", default=["baseline"], help=f"from {', '.join(VARIANTS)}")
    parser.add_argument("--rows", type=int, default=None, help="keep the rows of this many stores (quick runs)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--y-range", choices=["none", "auto"], default="none")
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--csv", default=None, help="append each result to this file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    variants = {spec: parse_variant(spec) for spec in args.variants}

    begin = time.perf_counter()
    data = rossmann_split(args.data, args.rows)
    print(
        f"{len(data[0]):,} training rows, {len(data[2]):,} validation rows (built in "
        f"{time.perf_counter() - begin:.0f} s); {args.epochs} epochs, {args.threads} threads, "
        f"torch {torch.__version__}; load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    rows = []
    for seed in args.seeds:
        for spec, params in variants.items():
            result = {"variant": spec, "seed": seed, "epochs": args.epochs, **run_one(data, params, seed, args)}
            result["load"] = os.getloadavg()[0]
            rows.append(result)
            print(
                f"{spec:<40} seed {seed}: exp_rmspe {result['exp_rmspe']:.5f} "
                f"(epochs {result['per_epoch']}), fit {result['fit_seconds']:.0f} s, load {result['load']:.1f}",
                flush=True,
            )
            if args.csv:
                pd.DataFrame([result]).to_csv(args.csv, mode="a", header=not os.path.exists(args.csv), index=False)
    table = pd.DataFrame(rows)
    print()
    print(table[["variant", "seed", "epochs", "exp_rmspe", "fit_seconds"]].to_string(index=False, float_format="%.5f"))
    summary = table.groupby("variant", sort=False).agg(
        runs=("exp_rmspe", "size"), mean=("exp_rmspe", "mean"), low=("exp_rmspe", "min"), high=("exp_rmspe", "max")
    )
    summary["seconds"] = table.groupby("variant", sort=False)["fit_seconds"].mean()
    print()
    print(summary.to_string(float_format="%.5f"))


if __name__ == "__main__":
    main()
