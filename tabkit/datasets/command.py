"""``tabkit data rossmann --synthetic --out DIR``: write a data set in Kaggle's file layout."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``data`` subcommand."""
    data = subparsers.add_parser("data", help="write a data set in Kaggle's file layout")
    kinds = data.add_subparsers(dest="dataset", metavar="DATASET", required=True)
    rossmann = kinds.add_parser(
        "rossmann",
        help="Kaggle's Rossmann Store Sales files",
        description="Write the synthetic Rossmann data set as Kaggle's CSV files "
        "(train.csv, test.csv, store.csv and the external tables).",
    )
    rossmann.add_argument("--synthetic", action="store_true", required=True,
                          help="generate the data (the real files come from Kaggle)")
    rossmann.add_argument("--out", type=Path, required=True, help="folder to write into")
    rossmann.add_argument("--stores", type=int, default=1115, help="number of stores (default 1115)")
    rossmann.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    rossmann.add_argument("--summary", action="store_true",
                          help="also build the model features and print a summary of them")
    rossmann.set_defaults(handler=_write_rossmann)


def _write_rossmann(args: argparse.Namespace) -> int:
    from tabkit.datasets import load_rossmann, make_rossmann, rossmann_features, write_rossmann

    if args.stores < 1:
        print(f"tabkit data: --stores must be at least 1, got {args.stores}", file=sys.stderr)
        return 2
    tables = make_rossmann(args.stores, seed=args.seed)
    folder = write_rossmann(tables, args.out)
    print(f"wrote {len(tables['train']):,} train rows, {len(tables['test']):,} test rows "
          f"for {args.stores} stores to {folder}")
    if args.summary:
        train, test = rossmann_features(load_rossmann(folder))
        print(_feature_summary(train, test))
    return 0


def _feature_summary(train, test) -> str:
    from tabkit.datasets import ROSSMANN_CAT, ROSSMANN_CONT

    lines = [
        f"features: {len(train):,} training rows (open days), {len(test):,} test rows, "
        f"{len(ROSSMANN_CAT)} categorical + {len(ROSSMANN_CONT)} continuous columns",
        f"dates: train {train['Date'].min():%Y-%m-%d}..{train['Date'].max():%Y-%m-%d}, "
        f"test {test['Date'].min():%Y-%m-%d}..{test['Date'].max():%Y-%m-%d}",
        f"sales: mean {train['Sales'].mean():,.0f}, median {train['Sales'].median():,.0f}, "
        f"max {train['Sales'].max():,.0f}",
        "categorical (distinct values): "
        + ", ".join(f"{c} ({train[c].nunique()})" for c in ROSSMANN_CAT),
        "continuous (missing share): "
        + ", ".join(f"{c} ({train[c].isna().mean():.0%})" for c in ROSSMANN_CONT),
    ]
    return "\n".join(lines)
