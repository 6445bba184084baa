"""Partial dependence: the model's prediction as one feature (or two) is set to each value
of a grid, averaged over rows, with each sampled row's own curve (ICE).

These are plain brute-force computations on the raw feature frame, so they work for any
fitted model whose ``predict`` takes it (tabkit forests and nets, LightGBM wrappers,
scikit-learn pipelines), and return DataFrames the pipeline can store and
:mod:`tabkit.plots` can draw.
"""

from __future__ import annotations

from collections.abc import Collection
from numbers import Integral

import numpy as np
import pandas as pd
from pandas.api import types

from tabkit.inspection.grids import (
    check_columns,
    feature_deciles,
    feature_kind,
    plain,
    real_mask,
    real_values,
    repeat_with,
    value_grid,
)
from tabkit.inspection.predictions import predict_stacked, predictor
from tabkit.prep.target import target_transform as as_transform

AVERAGE_ROW = -1


def partial_dependence(
    model,
    X: pd.DataFrame,
    feature: str,
    *,
    grid=None,
    n_ice: int = 50,
    resolution: int = 20,
    categorical: bool | None = None,
    max_categories: int = 20,
    max_rows: int | None = 1000,
    target_class=None,
    target_transform=None,
    random_state: int = 0,
) -> pd.DataFrame:
    """The average prediction, and sampled rows' predictions, over one feature's grid.

    Parameters
    ----------
    model : fitted estimator
        Its ``predict`` (``predict_proba`` for a classifier) takes the raw feature frame.
    X : DataFrame
        Rows to average over (validation rows, say).
    feature : str
        The column to vary.
    grid : array-like, optional
        The values to set; by default chosen from the feature's kind (see
        :func:`tabkit.inspection.grids.value_grid`): a binary feature's two values,
        every category (or the ``max_categories`` most frequent), or ``resolution``
        quantiles between the 5th and 95th percentiles. Missing-value fills (such as a
        1900 year standing for "no date") are never on the default grid.
    n_ice : int, default 50
        Rows whose own curve (individual conditional expectation) is kept.
    resolution : int, default 20
        Grid points of a continuous feature.
    categorical : bool, optional
        Treat the feature as a category; by default, the model's processor decides
        (tabkit models) or the dtype does (text, booleans, integers with few values).
    max_categories : int, default 20
        Categories drawn at most; the others are counted in ``attrs["n_values"]``.
    max_rows : int or None, default 1000
        Rows averaged over: a seeded random subset of ``X`` when it has more.
    target_class : optional
        For a classifier, the class whose probability is shown (default: the last class).
    target_transform : None, "identity", "log" or TargetTransform
        The transform the model predicts in: each prediction is turned back into the
        target's units before averaging, so the average is the mean prediction in those
        units.
    random_state : int, default 0
        Seeds the row subsets.

    Returns
    -------
    DataFrame
        Long format, one row per (grid value, row): the column ``feature`` (the grid
        value), ``row`` (-1 for the average, else the ICE row's position in ``X``) and
        ``prediction``; the average comes first. ``attrs`` holds ``feature``, ``kind``
        ("binary" | "categorical" | "continuous"), ``n_values`` (distinct real values of
        the feature), ``n_shown`` (grid points), ``left_out`` (missing-value fills not on
        the grid), ``deciles`` (of a continuous feature; else empty), ``n_rows`` (rows
        averaged), ``target_class`` and ``target_transform`` (the transform undone, or
        None). The frame and its attrs survive a parquet round trip.

    Raises
    ------
    ValueError
        If the feature is not a column of ``X``, ``X`` is empty, the feature is a date,
        or a setting is out of range.
    """
    check_columns(X, [feature])
    _check_counts(n_ice=(n_ice, 0), resolution=(resolution, 2), max_categories=(max_categories, 1))
    _refuse_dates(X, [feature])
    predict, label = predictor(model, target_class=target_class, target_transform=target_transform)
    rng = np.random.default_rng(random_state)
    positions = _sample(len(X), max_rows, rng)
    rows = X.iloc[positions]
    kind = feature_kind(X[feature], _categorical(model, feature, categorical))
    if grid is None:
        values, n_values, left_out = value_grid(X[feature], kind, resolution=resolution, max_categories=max_categories)
    else:
        values = np.asarray(grid, dtype=object if kind != "continuous" else None)
        n_values, left_out = int(real_values(X[feature]).nunique()), []
        if values.ndim != 1 or len(values) == 0:
            raise ValueError(f"grid must be a non-empty list of values of {feature!r}, got {grid!r}")
    predictions = predict_stacked(
        predict, lambda points: repeat_with(rows, {feature: values[points]}), len(values), len(rows)
    )

    ice = np.sort(rng.choice(len(rows), size=min(n_ice, len(rows)), replace=False))
    frame = pd.DataFrame(
        {
            feature: np.tile(values, 1 + len(ice)),
            "row": np.concatenate([np.full(len(values), AVERAGE_ROW), np.repeat(positions[ice], len(values))]),
            "prediction": np.concatenate([predictions.mean(axis=1), predictions[:, ice].T.ravel()]),
        }
    )
    frame[feature] = frame[feature].infer_objects()
    frame.attrs.update(
        {
            "feature": feature,
            "kind": kind,
            "n_values": n_values,
            "n_shown": len(values),
            "left_out": list(left_out),
            "deciles": feature_deciles(X, feature).tolist() if kind == "continuous" else [],
            "n_rows": len(rows),
            "target_class": plain(label),
            "target_transform": _undone(target_transform),
        }
    )
    return frame


def partial_dependence_2d(
    model,
    X: pd.DataFrame,
    feature_x: str,
    feature_y: str,
    *,
    resolution: int = 20,
    max_categories: int = 20,
    max_rows: int | None = 500,
    categorical: Collection[str] | None = None,
    target_class=None,
    target_transform=None,
    random_state: int = 0,
) -> pd.DataFrame:
    """The average prediction over a grid of two features set together.

    Each feature's grid is chosen as in :func:`partial_dependence`; the model predicts
    every row of (a subset of) ``X`` at every grid cell, and the predictions of a cell
    are averaged (in the target's units when ``target_transform`` is given).

    Parameters
    ----------
    model : fitted estimator
        Its ``predict`` (``predict_proba`` for a classifier) takes the raw feature frame.
    X : DataFrame
        Rows to average over.
    feature_x, feature_y : str
        Two different columns of ``X``.
    resolution : int, default 20
        Grid points of a continuous feature.
    max_categories : int, default 20
        Categories of a categorical feature kept (the most frequent).
    max_rows : int or None, default 500
        Rows averaged over (a seeded random subset of ``X`` when it has more): the model
        predicts ``max_rows`` times the number of cells.
    categorical : collection of str, optional
        The columns to treat as categories (so both features get the same treatment as
        in :func:`partial_dependence` with ``categorical=``); by default the model's
        processor decides (tabkit models) or the dtype does.
    target_class, target_transform, random_state
        As in :func:`partial_dependence`.

    Returns
    -------
    DataFrame
        One row per cell, ``feature_x`` varying slowest: columns ``feature_x``,
        ``feature_y`` and ``prediction``. ``attrs`` holds ``features``, ``kinds``,
        ``n_values`` and ``left_out`` (per feature), ``n_rows``, ``target_class`` and
        ``target_transform``.

    Raises
    ------
    ValueError
        If a feature is not a column of ``X``, the two are the same, ``X`` is empty, or
        a feature is a date.
    """
    check_columns(X, [feature_x, feature_y])
    if feature_x == feature_y:
        raise ValueError(f"partial_dependence_2d needs two different features, got {feature_x!r} twice")
    _check_counts(resolution=(resolution, 2), max_categories=(max_categories, 1))
    _refuse_dates(X, [feature_x, feature_y])
    predict, label = predictor(model, target_class=target_class, target_transform=target_transform)
    rows = X.iloc[_sample(len(X), max_rows, np.random.default_rng(random_state))]
    grids, kinds, counts, left_out = {}, {}, {}, {}
    for feature in (feature_x, feature_y):
        named = None if categorical is None else feature in set(categorical)
        kinds[feature] = feature_kind(X[feature], _categorical(model, feature, named))
        grids[feature], counts[feature], left_out[feature] = value_grid(
            X[feature], kinds[feature], resolution=resolution, max_categories=max_categories
        )
    cells_x = np.repeat(grids[feature_x], len(grids[feature_y]))
    cells_y = np.tile(grids[feature_y], len(grids[feature_x]))
    predictions = predict_stacked(
        predict,
        lambda points: repeat_with(rows, {feature_x: cells_x[points], feature_y: cells_y[points]}),
        len(cells_x),
        len(rows),
    )
    frame = pd.DataFrame({feature_x: cells_x, feature_y: cells_y, "prediction": predictions.mean(axis=1)})
    frame = frame.infer_objects()
    frame.attrs.update(
        {
            "features": [feature_x, feature_y],
            "kinds": kinds,
            "n_values": counts,
            "left_out": left_out,
            "n_rows": len(rows),
            "target_class": plain(label),
            "target_transform": _undone(target_transform),
        }
    )
    return frame


def training_density(X: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Where the rows of ``X`` lie on the grid of a :func:`partial_dependence_2d` frame.

    Each row is counted in the cell of its nearest grid values (a continuous feature's
    cells reach halfway to the next grid value, and half a step beyond the first and last
    ones; a category's cell holds that category only). Rows outside every cell, with a
    missing entry or a missing-value fill, are not counted.

    Returns
    -------
    DataFrame
        The frame's grid columns and ``share``: the fraction of ``X``'s rows in each cell.

    Raises
    ------
    ValueError
        If ``frame`` is not a 2-d partial dependence frame, or its features are not
        columns of ``X``.
    """
    features = frame.attrs.get("features")
    if not features or any(f not in frame.columns for f in features):
        raise ValueError("training_density needs a frame from partial_dependence_2d (attrs['features'])")
    check_columns(X, features)
    cells = []
    for feature in features:
        grid = pd.unique(frame[feature])
        cells.append(_cell_of(X[feature], grid, frame.attrs["kinds"][feature]))
    counted = (cells[0] >= 0) & (cells[1] >= 0)
    n_y = len(pd.unique(frame[features[1]]))
    counts = np.bincount(cells[0][counted] * n_y + cells[1][counted], minlength=len(frame))
    density = frame[features].copy()
    density["share"] = counts / len(X)
    return density


def _cell_of(values: pd.Series, grid: np.ndarray, kind: str) -> np.ndarray:
    """Each value's grid position (-1 when it falls in no cell)."""
    out = np.full(len(values), -1, dtype=np.int64)
    keep = real_mask(values)
    if kind == "continuous":
        points = np.asarray(grid, dtype=np.float64)
        if len(points) == 1:
            edges = np.array([points[0] - 0.5, points[0] + 0.5])
        else:
            middles = (points[1:] + points[:-1]) / 2
            edges = np.concatenate([[2 * points[0] - middles[0]], middles, [2 * points[-1] - middles[-1]]])
        numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
        inside = keep & (numbers >= edges[0]) & (numbers <= edges[-1])
        out[inside] = np.clip(np.searchsorted(edges, numbers[inside], side="right") - 1, 0, len(points) - 1)
        return out
    lookup = {value: i for i, value in enumerate(grid)}
    codes = values.astype(object).map(lookup).to_numpy(dtype=np.float64, na_value=np.nan)
    found = keep & ~np.isnan(codes)
    out[found] = codes[found].astype(np.int64)
    return out


def _sample(n: int, max_rows: int | None, rng: np.random.Generator) -> np.ndarray:
    if max_rows is not None:
        _check_counts(max_rows=(max_rows, 1))
    if max_rows is None or n <= max_rows:
        return np.arange(n)
    return np.sort(rng.choice(n, size=max_rows, replace=False))


def _categorical(model, feature: str, categorical: bool | None) -> bool | None:
    if categorical is not None:
        return bool(categorical)
    processor = getattr(model, "processor_", None)
    names = getattr(processor, "cat_names_", None)
    return None if names is None else feature in names


def _check_counts(**settings: tuple[int, int]) -> None:
    for name, (value, least) in settings.items():
        if not isinstance(value, Integral) or isinstance(value, bool) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")


def _refuse_dates(X: pd.DataFrame, features: list[str]) -> None:
    dates = [f for f in features if types.is_datetime64_any_dtype(X[f])]
    if dates:
        raise ValueError(f"feature(s) {dates} are dates; vary their parts (Year, Month, Dayofweek, ...) instead")


def _undone(spec) -> str | None:
    transform = as_transform(spec)
    return None if transform.is_identity else transform.name
