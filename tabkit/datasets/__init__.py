"""Kaggle's Rossmann Store Sales data: a synthetic generator, a checked loader and writer
for Kaggle's CSV layout, and fastai's feature set built from the tables."""
from tabkit.datasets.features import ROSSMANN_CAT, ROSSMANN_CONT, rossmann_features
from tabkit.datasets.loader import load_rossmann
from tabkit.datasets.synthetic import make_rossmann
from tabkit.datasets.writer import write_rossmann

__all__ = [
    "ROSSMANN_CAT", "ROSSMANN_CONT", "load_rossmann", "make_rossmann", "rossmann_features",
    "write_rossmann",
]
