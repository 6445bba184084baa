"""``tabkit data rossmann|movielens --synthetic --out DIR``: write a synthetic data set in
the public files' layout (Kaggle's Rossmann CSVs, MovieLens 100k's u.data and u.item), or
Rossmann's as Parquet partitions by store (``--partitions K``); ``tabkit data partition SRC
--out DIR --partitions K`` partitions a Kaggle-layout Rossmann folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``data`` subcommand."""
    data = subparsers.add_parser(
        "data", help="write a synthetic data set in the public files' layout, or partition Rossmann's by store"
    )
    kinds = data.add_subparsers(dest="dataset", metavar="DATASET", required=True)
    rossmann = kinds.add_parser(
        "rossmann",
        help="Kaggle's Rossmann Store Sales files",
        description="Write the synthetic Rossmann data set as Kaggle's CSV files "
        "(train.csv, test.csv, store.csv and the external tables), a block of days at a time: "
        "memory stays bounded whatever --stores is.",
    )
    rossmann.add_argument(
        "--synthetic", action="store_true", required=True, help="generate the data (the real files come from Kaggle)"
    )
    rossmann.add_argument("--out", type=Path, required=True, help="folder to write into")
    rossmann.add_argument("--stores", type=int, default=1115, help="number of stores (default 1115)")
    rossmann.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    rossmann.add_argument(
        "--summary", action="store_true", help="also build the model features and print a summary of them"
    )
    rossmann.add_argument(
        "--partitions",
        type=int,
        metavar="K",
        help="write train and test as K Parquet partitions by store (train/part-*.parquet, test/part-*.parquet) "
        "instead of train.csv and test.csv; --out must be missing or empty",
    )
    rossmann.set_defaults(handler=_write_rossmann)
    partition = kinds.add_parser(
        "partition",
        help="partition a Kaggle-layout Rossmann folder by store",
        description="Write the train and test tables of a Kaggle-layout Rossmann folder as K Parquet "
        "partitions, each with every row of a block of stores, reading a chunk of rows at a time; the "
        "small tables are copied as they are.",
    )
    partition.add_argument("source", type=Path, help="the Kaggle-layout folder (train.csv, test.csv, store.csv, ...)")
    partition.add_argument("--out", type=Path, required=True, help="folder to write (missing or empty)")
    partition.add_argument("--partitions", type=int, required=True, metavar="K", help="number of partitions")
    partition.add_argument(
        "--chunk-rows", type=int, help="CSV rows read at once (default 500000): the memory grows with it"
    )
    partition.set_defaults(handler=_partition_rossmann)
    movielens = kinds.add_parser(
        "movielens",
        help="MovieLens 100k's rating files",
        description="Write synthetic ratings (planted factors and biases, MovieLens 100k's shape) "
        "as u.data and u.item, the layout tabkit.datasets.load_movielens reads.",
    )
    movielens.add_argument(
        "--synthetic",
        action="store_true",
        required=True,
        help="generate the data (GroupLens's licence forbids shipping the real files)",
    )
    movielens.add_argument("--out", type=Path, required=True, help="folder to write into")
    movielens.add_argument("--users", type=int, default=943, help="number of users (default 943)")
    movielens.add_argument("--items", type=int, default=1682, help="number of items (default 1682)")
    movielens.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    movielens.set_defaults(handler=_write_movielens)


def _write_rossmann(args: argparse.Namespace) -> int:
    from tabkit.datasets import load_rossmann, rossmann_features
    from tabkit.datasets.synthetic_files import write_synthetic_rossmann

    if args.stores < 1:
        print(f"tabkit data: --stores must be at least 1, got {args.stores}", file=sys.stderr)
        return 2
    if args.partitions is not None:
        return _write_rossmann_partitions(args)
    written = write_synthetic_rossmann(args.out, args.stores, seed=args.seed)
    folder = written.folder
    print(
        f"wrote {written.train_rows:,} train rows, {written.test_rows:,} test rows for {args.stores} stores to {folder}"
    )
    if args.summary:
        train, test = rossmann_features(load_rossmann(folder))
        print(_feature_summary(train, test))
    return 0


def _write_rossmann_partitions(args: argparse.Namespace) -> int:
    from tabkit.datasets.synthetic_files import write_synthetic_partitions

    if args.summary:
        print("tabkit data: --summary builds the features of the whole set; not with --partitions", file=sys.stderr)
        return 2
    try:
        written = write_synthetic_partitions(args.out, args.stores, args.partitions, seed=args.seed)
    except ValueError as error:
        print(f"tabkit data: {error}", file=sys.stderr)
        return 2
    print(_partitions_summary(written, f"{args.stores} stores"))
    return 0


def _partition_rossmann(args: argparse.Namespace) -> int:
    from tabkit.datasets.partitioned import partition_rossmann

    try:
        chunking = {} if args.chunk_rows is None else {"chunk_rows": args.chunk_rows}
        written = partition_rossmann(args.source, args.out, args.partitions, **chunking)
    except ValueError as error:
        print(f"tabkit data: {error}", file=sys.stderr)
        return 2
    print(_partitions_summary(written, f"{args.source}"))
    return 0


def _partitions_summary(written, what: str) -> str:
    train, test = written.train_partition_rows, written.test_partition_rows
    return (
        f"wrote {written.train_rows:,} train rows, {written.test_rows:,} test rows of {what} as "
        f"{written.n_partitions} partitions by store to {written.folder} "
        f"(train rows per partition {min(train):,}..{max(train):,}, test {min(test):,}..{max(test):,})"
    )


def _write_movielens(args: argparse.Namespace) -> int:
    from tabkit.datasets import make_ratings, write_movielens

    for flag, value in (("--users", args.users), ("--items", args.items)):
        if value < 1:
            print(f"tabkit data: {flag} must be at least 1, got {value}", file=sys.stderr)
            return 2
    tables = make_ratings(args.users, args.items, seed=args.seed)
    folder = write_movielens(tables, args.out)
    ratings = tables["ratings"]
    print(
        f"wrote {len(ratings):,} ratings of {args.items:,} items by {args.users:,} users "
        f"(mean {ratings['rating'].mean():.2f}) to {folder}"
    )
    return 0


def _feature_summary(train, test) -> str:
    from tabkit.datasets import ROSSMANN_CAT, ROSSMANN_CONT

    lines = [
        (
            f"features: {len(train):,} training rows (open days), {len(test):,} test rows, "
            f"{len(ROSSMANN_CAT)} categorical + {len(ROSSMANN_CONT)} continuous columns"
        ),
        (
            f"dates: train {train['Date'].min():%Y-%m-%d}..{train['Date'].max():%Y-%m-%d}, "
            f"test {test['Date'].min():%Y-%m-%d}..{test['Date'].max():%Y-%m-%d}"
        ),
        (
            f"sales: mean {train['Sales'].mean():,.0f}, median {train['Sales'].median():,.0f}, "
            f"max {train['Sales'].max():,.0f}"
        ),
        "categorical (distinct values): " + ", ".join(f"{c} ({train[c].nunique()})" for c in ROSSMANN_CAT),
        "continuous (missing share): " + ", ".join(f"{c} ({train[c].isna().mean():.0%})" for c in ROSSMANN_CONT),
    ]
    return "\n".join(lines)
