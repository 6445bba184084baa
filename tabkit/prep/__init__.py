"""Shared preprocessing: date parts, elapsed-event features, leak-free history features,
time splits, target means by group and the TabularProcessor that every model family uses."""

from tabkit.prep.dates import add_datepart
from tabkit.prep.elapsed import add_elapsed
from tabkit.prep.history import HistoryFeatures
from tabkit.prep.processor import TabularProcessor
from tabkit.prep.split import time_split
from tabkit.prep.target_means import TargetMeans

__all__ = ["HistoryFeatures", "TabularProcessor", "TargetMeans", "add_datepart", "add_elapsed", "time_split"]
