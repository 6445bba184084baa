"""One number per row from any fitted model: a regressor's prediction (optionally back in
the target's units) or a classifier's probability of one class."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.base import is_classifier

from tabkit.prep.target import target_transform as as_transform


def predictor(
    model, *, target_class=None, target_transform=None
) -> tuple[Callable[[pd.DataFrame], np.ndarray], object]:
    """A function ``rows -> predictions`` and the class it reads (None for a regressor).

    Parameters
    ----------
    model : fitted estimator
        Anything whose ``predict`` (``predict_proba`` for a classifier) takes the raw
        feature frame: tabkit forests and nets, LightGBM wrappers, scikit-learn pipelines.
    target_class : optional
        For a classifier, the class whose probability is returned (default: the last of
        ``classes_``, the positive class of a binary problem).
    target_transform : None, "identity", "log" or TargetTransform
        The transform the model's predictions are in; they are turned back into the
        target's units (a regressor only).

    Raises
    ------
    TypeError
        If the model cannot predict.
    ValueError
        If ``target_class`` is not a class of the model, or is given for a regressor, or a
        classifier gets a non-identity ``target_transform``.
    """
    if not hasattr(model, "predict"):
        raise TypeError(f"the model must be fitted and have predict, got {type(model).__name__}")
    transform = as_transform(target_transform)
    if is_classifier(model) or (hasattr(model, "predict_proba") and hasattr(model, "classes_")):
        if not transform.is_identity:
            raise ValueError(f"a classifier's probabilities take no target transform, got {transform.name!r}")
        classes = [value.item() if isinstance(value, np.generic) else value for value in model.classes_]
        label = classes[-1] if target_class is None else target_class
        if label not in classes:
            raise ValueError(f"target_class {label!r} is not a class of the model; classes are {classes}")
        column = classes.index(label)
        return (lambda rows: np.asarray(model.predict_proba(rows), dtype=np.float64)[:, column]), label
    if target_class is not None:
        raise ValueError(f"target_class is for classifiers; {type(model).__name__} is a regressor")
    return (lambda rows: transform.inverse(np.asarray(model.predict(rows), dtype=np.float64).ravel())), None


def predict_stacked(
    predict: Callable[[pd.DataFrame], np.ndarray],
    make_rows: Callable[[slice], pd.DataFrame],
    n_points: int,
    n_rows: int,
    max_chunk_rows: int = 200_000,
) -> np.ndarray:
    """Predictions for ``n_points`` grid points times ``n_rows`` rows, shape (points, rows).

    ``make_rows(points)`` builds the frame of a slice of grid points (each point's rows
    together); a few points are predicted at a time so memory stays bounded.
    """
    step = max(1, max_chunk_rows // max(n_rows, 1))
    out = np.empty((n_points, n_rows), dtype=np.float64)
    for start in range(0, n_points, step):
        points = slice(start, min(start + step, n_points))
        out[points] = predict(make_rows(points)).reshape(-1, n_rows)
    return out
