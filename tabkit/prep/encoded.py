"""A fitted model seen through its preprocessing: its inputs encoded once, which encoded
columns each input column became, and the model on encoded rows.

Encoding is row by row (codes, fills and ``_na`` flags of one value), so shuffling the rows
of a column's encoded columns is the same as encoding the shuffled column: permutation
importance encodes the validation rows once instead of once per shuffle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from tabkit.prep.processor import TabularProcessor


class EncodedModel:
    """A model's ``predict`` (and ``predict_proba``, ``classes_``) on encoded rows; it
    carries the model's scikit-learn tags, so scikit-learn's scorers take it.

    Parameters
    ----------
    source : estimator
        The model seen through its preprocessing.
    predict, predict_proba : callable
        Its predictions of encoded rows.
    classes : ndarray, optional
        A classifier's labels.
    """

    def __init__(
        self,
        source,
        predict: Callable[[np.ndarray], np.ndarray],
        predict_proba: Callable[[np.ndarray], np.ndarray] | None = None,
        classes=None,
    ):
        self.source, self._predict, self._predict_proba, self.classes_ = source, predict, predict_proba, classes

    def predict(self, data: np.ndarray) -> np.ndarray:
        """Predictions of encoded rows."""
        return self._predict(data)

    def predict_proba(self, data: np.ndarray) -> np.ndarray:
        """Class probabilities of encoded rows."""
        return self._predict_proba(data)

    def score(self, data: np.ndarray, y) -> float:
        """scikit-learn's default score of the model: accuracy or R^2."""
        from sklearn.base import is_classifier
        from sklearn.metrics import accuracy_score, r2_score

        return float((accuracy_score if is_classifier(self.source) else r2_score)(y, self.predict(data)))

    def __sklearn_tags__(self):
        return self.source.__sklearn_tags__()


@dataclass
class EncodedView:
    """Encoded rows and how to read them.

    Attributes
    ----------
    data : ndarray of shape (n_rows, n_encoded)
    columns : dict of str to list of int
        Input column -> positions of the encoded columns it became (empty for an input
        the model does not use).
    model : EncodedModel
    """

    data: np.ndarray
    columns: dict[str, list[int]]
    model: EncodedModel


def processor_columns(processor: TabularProcessor, inputs: Iterable[str]) -> dict[str, list[int]]:
    """Input column -> positions in the processor's output (the column itself and its
    ``_na`` flag)."""
    position = {name: i for i, name in enumerate(processor.get_feature_names_out())}
    return {column: [position[name] for name in (column, f"{column}_na") if name in position] for column in inputs}


def side_by_side(views: list[EncodedView]) -> tuple[np.ndarray, dict[str, list[int]], Callable]:
    """Several models' views of the same rows as one (a blend's members): their encoded
    rows side by side, each input column mapped to its encoded columns in every view (one
    shuffle moves them together), and a function splitting encoded rows back into
    ``(model, rows)`` per view."""
    starts = np.cumsum([0] + [view.data.shape[1] for view in views])
    columns: dict[str, list[int]] = {}
    for view, start in zip(views, starts):
        for column, positions in view.columns.items():
            columns.setdefault(column, []).extend(int(start) + p for p in positions)

    def split(rows: np.ndarray) -> list[tuple[EncodedModel, np.ndarray]]:
        return [(view.model, rows[:, a:b]) for view, a, b in zip(views, starts[:-1], starts[1:])]

    return np.hstack([view.data for view in views]), columns, split
