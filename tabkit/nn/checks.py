"""Validation of the estimators' settings, targets and input frames, done in fit before any work."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Integral, Real

import numpy as np
import pandas as pd

from tabkit import metrics as tk_metrics
from tabkit.nn.groups import check_lr
from tabkit.nn.numeric import CONT_EMBEDDINGS
from tabkit.nn.schedule import SCHEDULES
from tabkit.nn.training import OPTIMIZERS
from tabkit.prep.checks import check_unique_columns
from tabkit.prep.target import TargetTransform

DEFAULT_PATIENCE = 3


def _is_int(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def check_layers(layers, dropout) -> tuple[list[int], list[float]]:
    """Hidden widths (positive ints) and one dropout rate per hidden block."""
    if not isinstance(layers, Sequence) or not all(_is_int(size) and size > 0 for size in layers):
        raise ValueError(f"layers must be a sequence of positive integers, got {layers!r}")
    rates = [dropout] * len(layers) if isinstance(dropout, Real) else dropout
    if not isinstance(rates, Sequence) or len(rates) != len(layers):
        raise ValueError(
            f"dropout must be a number or one rate per layer ({len(layers)} for layers {tuple(layers)}), got "
            f"{dropout!r}; a single number applies to every layer"
        )
    for rate in rates:
        check_rate(rate, "dropout")
    return [int(size) for size in layers], [float(rate) for rate in rates]


def check_rate(rate, name: str) -> float:
    """A dropout rate in [0, 1)."""
    if isinstance(rate, bool) or not isinstance(rate, Real) or not 0 <= rate < 1:
        raise ValueError(f"{name} rates must be numbers in [0, 1), got {rate!r}")
    return float(rate)


def check_variants(est) -> None:
    """The settings of the continuous inputs' embedding and of the members (whatever
    ``cont_embedding`` is, so a bad value is caught before it is ever used)."""
    if not (est.cont_embedding is None or est.cont_embedding in CONT_EMBEDDINGS):
        raise ValueError(f"cont_embedding must be one of {CONT_EMBEDDINGS}, got {est.cont_embedding!r}")
    check_positive(est.cont_embedding_dim, "cont_embedding_dim", integer=True)
    check_positive(est.n_frequencies, "n_frequencies", integer=True)
    check_positive(est.frequency_scale, "frequency_scale")
    check_positive(est.n_bins, "n_bins", integer=True)
    check_positive(est.n_members, "n_members", integer=True)


def check_positive(value, name: str, *, integer: bool = False, minimum: float = 0) -> None:
    """``value`` is a number (an int when ``integer``) above ``minimum``."""
    kind_ok = _is_int(value) if integer else (isinstance(value, Real) and not isinstance(value, bool))
    if not kind_ok or not value > minimum or not np.isfinite(value):
        kind = "an integer" if integer else "a number"
        raise ValueError(f"{name} must be {kind} greater than {minimum}, got {value!r}")


def check_training_settings(est) -> None:
    """The training settings every net shares (its architecture is checked apart)."""
    check_positive(est.epochs, "epochs", integer=True)
    check_lr(est.lr)
    check_positive(est.batch_size, "batch_size", integer=True, minimum=1)
    if isinstance(est.weight_decay, bool) or not isinstance(est.weight_decay, Real) or est.weight_decay < 0:
        raise ValueError(f"weight_decay must be a number >= 0, got {est.weight_decay!r}")
    if est.optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {est.optimizer!r}")
    if est.schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {est.schedule!r}")
    patience(est.early_stopping)


def patience(early_stopping) -> int | None:
    """Epochs without improvement before stopping; None when early stopping is off."""
    if early_stopping is False:
        return None
    if early_stopping is True:
        return DEFAULT_PATIENCE
    if _is_int(early_stopping) and early_stopping > 0:
        return int(early_stopping)
    raise ValueError(f"early_stopping must be True, False or a positive number of epochs, got {early_stopping!r}")


def check_emb_sizes(emb_sizes, cat_features: list[str]) -> dict[str, int]:
    """Per-column embedding widths; columns must be categorical features of the data."""
    if emb_sizes is None:
        return {}
    if not isinstance(emb_sizes, dict):
        raise ValueError(f"emb_sizes must be a dict of column -> size, got {emb_sizes!r}")
    unknown = [col for col in emb_sizes if col not in cat_features]
    if unknown:
        raise ValueError(f"emb_sizes names column(s) that are not categorical features: {unknown}")
    for col, size in emb_sizes.items():
        if not _is_int(size) or size < 1:
            raise ValueError(f"emb_sizes[{col!r}] must be a positive integer, got {size!r}")
    return {col: int(size) for col, size in emb_sizes.items()}


def check_y_range(y_range) -> tuple[float, float] | None:
    """None or (low, high) with low < high."""
    if y_range is None:
        return None
    try:
        low, high = (float(v) for v in y_range)
    except (TypeError, ValueError) as error:
        raise ValueError(f"y_range must be None or (low, high), got {y_range!r}") from error
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"y_range must be finite with low < high, got {y_range!r}")
    return low, high


def check_rows(X: pd.DataFrame, y, what: str) -> None:
    """``X`` is a DataFrame with as many rows as ``y``."""
    x_name = "X" if what == "y" else "X_val"
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"{x_name} must be a pandas DataFrame, got {type(X).__name__}")
    if len(X) != len(y):
        raise ValueError(f"{x_name} has {len(X)} rows but {what} has {len(y)} values")


def check_columns(X: pd.DataFrame, estimator: str, name: str) -> None:
    """``X`` (a DataFrame) has no duplicated column names: pandas would hand out a frame,
    not a column, for each of them.

    Raises
    ------
    ValueError
        Naming ``estimator``, ``name`` and the duplicated names.
    """
    if isinstance(X, pd.DataFrame):
        check_unique_columns(X, estimator, name)


def check_min_rows(n_rows: int, estimator: str) -> None:
    """At least two training rows (BatchNorm cannot train on a single row)."""
    if n_rows < 2:
        raise ValueError(
            f"{estimator} needs at least 2 training rows, got {n_rows} (BatchNorm cannot train on a single row)"
        )


def regression_target(y, what: str, *, transform: TargetTransform) -> np.ndarray:
    """``y`` as finite float64 values that ``transform`` can take (> 0 for a log target)."""
    values = np.asarray(y, dtype=np.float64).ravel()
    bad = ~np.isfinite(values)
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        raise ValueError(f"{what} has {int(bad.sum())} NaN or infinite value(s), at positions {rows}...")
    try:
        return transform.check(values, what)
    except ValueError as error:
        raise ValueError(f"log_target=True: {error}") from None


def class_labels(y, what: str) -> np.ndarray:
    """``y`` as a 1-d array of labels with no missing value."""
    values = np.asarray(y).ravel()
    missing = pd.isna(values)
    if missing.any():
        raise ValueError(f"{what} has {int(missing.sum())} missing label(s)")
    return values


def resolve_metric(metric) -> tuple[str, Callable, bool] | None:
    """A tabkit metric name or function, or any ``f(y_true, y_pred)`` (taken as an error
    to minimise unless it has ``greater_is_better``) -> (name, function, greater_is_better)."""
    if metric is None:
        return None
    if isinstance(metric, str):
        if metric not in tk_metrics.METRICS:
            raise ValueError(f"unknown metric {metric!r}; use one of {sorted(tk_metrics.METRICS)} or a function")
        metric = tk_metrics.METRICS[metric]
    if not callable(metric):
        raise ValueError(f"metric must be None, a metric name or a function, got {metric!r}")
    name = getattr(metric, "__name__", "metric")
    return name, metric, bool(getattr(metric, "greater_is_better", False))
