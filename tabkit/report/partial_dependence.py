"""Partial dependence of a saved model's top features, computed by scikit-learn."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types
from sklearn.inspection import partial_dependence

MAX_CATEGORIES = 12


@dataclass
class Dependence:
    """The average prediction over one feature's grid of values."""

    feature: str
    grid: np.ndarray
    average: np.ndarray
    categorical: bool


def is_categorical(values: pd.Series, max_card: int = 20) -> bool:
    """Text, categories, booleans and integers with few distinct values are categorical."""
    if types.is_bool_dtype(values) or not types.is_numeric_dtype(values):
        return True
    return types.is_integer_dtype(values) and values.nunique() <= max_card


def _grid(values: pd.Series, categorical: bool, resolution: int) -> np.ndarray:
    present = values.dropna()
    if categorical:
        # the most frequent categories (one prediction pass each), in their natural order
        common = present.value_counts().index[:MAX_CATEGORIES]
        return np.array(sorted(common, key=lambda v: (str(type(v)), v)), dtype=object)
    quantiles = np.nanpercentile(present.astype(float), np.linspace(5, 95, resolution))
    return np.unique(quantiles)


def dependence_features(importance: pd.DataFrame, sample: pd.DataFrame, k: int = 4) -> list[str]:
    """The ``k`` most important features that are plain (non-date) columns of the sample."""
    usable = [f for f in importance["feature"].astype(str)
              if f in sample.columns and not types.is_datetime64_any_dtype(sample[f])]
    return usable[:k]


def partial_dependences(model, sample: pd.DataFrame, features: list[str], *,
                        max_rows: int = 200, resolution: int = 10,
                        random_state: int = 0) -> list[Dependence]:
    """scikit-learn's ``partial_dependence`` (brute force, averaged) for each feature.

    Parameters
    ----------
    model : fitted scikit-learn regressor or classifier
        Predicts from the raw feature frame (the sample's columns). Its
        ``processor_`` (tabkit models), when present, says which columns are categorical.
    sample : DataFrame
        Validation features; a column named ``actual`` is dropped.
    features : list of str
        Columns of ``sample`` to vary.
    max_rows : int, default 200
        Rows of the sample the average is taken over (a seeded random subset).
    resolution : int, default 10
        Grid points of a continuous feature (between its 5th and 95th percentiles).
    """
    X = sample.drop(columns=["actual"], errors="ignore")
    if len(X) > max_rows:
        X = X.sample(max_rows, random_state=random_state)
    processor = getattr(model, "processor_", None)
    curves = []
    for feature in features:
        if processor is not None:
            categorical = feature in processor.cat_names_
        else:
            categorical = is_categorical(X[feature])
        if not categorical and types.is_integer_dtype(X[feature]):
            X = X.assign(**{feature: X[feature].astype("float64")})  # scikit-learn varies floats only
        grid = _grid(X[feature], categorical, resolution)
        if len(grid) < 2:
            continue
        result = partial_dependence(
            model, X, [feature], kind="average", method="brute",
            categorical_features=[feature] if categorical else None,
            custom_values={feature: grid},
        )
        curves.append(Dependence(feature, np.asarray(result["grid_values"][0]),
                                 np.asarray(result["average"][0]), categorical))
    return curves
