"""Kaggle's Rossmann Store Sales data: a synthetic generator, a checked loader and writer
for Kaggle's CSV layout, and fastai's feature set built from the tables."""
from tabkit.datasets.loader import load_rossmann
from tabkit.datasets.synthetic import make_rossmann
from tabkit.datasets.writer import write_rossmann

__all__ = ["load_rossmann", "make_rossmann", "write_rossmann"]
