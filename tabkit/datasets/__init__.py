"""Data sets: Kaggle's Rossmann Store Sales (a synthetic generator, also written as files
in bounded memory whatever its size, a checked loader and writer for Kaggle's CSV layout,
Parquet partitions by store written and read in bounded memory, fastai's feature set) and
MovieLens ratings (a loader for both public layouts, a writer of the 100k layout, a
synthetic generator with planted factors)."""

from tabkit.datasets.features import ROSSMANN_CAT, ROSSMANN_CONT, rossmann_features
from tabkit.datasets.loader import load_rossmann
from tabkit.datasets.movielens import load_movielens, write_movielens
from tabkit.datasets.partitioned import load_partition_tables, partition_rossmann
from tabkit.datasets.ratings import make_ratings
from tabkit.datasets.synthetic import make_rossmann
from tabkit.datasets.synthetic_files import write_synthetic_partitions, write_synthetic_rossmann
from tabkit.datasets.writer import write_rossmann

__all__ = [
    "ROSSMANN_CAT",
    "ROSSMANN_CONT",
    "load_movielens",
    "load_partition_tables",
    "load_rossmann",
    "make_ratings",
    "make_rossmann",
    "partition_rossmann",
    "rossmann_features",
    "write_movielens",
    "write_rossmann",
    "write_synthetic_partitions",
    "write_synthetic_rossmann",
]
