"""TabularProcessor: column roles, category codes, missing-value fills and scaling, fitted
once on training data and shared by every model family."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from numbers import Integral, Real
from typing import Protocol

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from tabkit.prep.checks import check_unique_columns
from tabkit.prep.columns import as_float, column_roles, finite, training_categories
from tabkit.prep.lineage import lineage_of
from tabkit.run_folder.plain import from_plain, to_plain

FILL_RULES = ("median", "mean")


class TabularProcessor(TransformerMixin, BaseEstimator):
    """Turn a DataFrame into integer category codes and float continuous columns.

    Fitted once on the training frame; every later frame (validation, test, a single
    row at inference) is transformed with the same codes, fills and scaling.

    Parameters
    ----------
    cat_names : list of str, optional
        Categorical columns. When neither list is given, the roles follow fastai's
        ``cont_cat_split``: floats, and integers with more than ``max_card`` distinct
        values, are continuous; booleans, text, categoricals and other integers are
        categorical; datetime columns are left out. When one list is given, every other
        (non-datetime) column takes the other role.
    cont_names : list of str, optional
        Continuous columns.
    max_card : int, default 20
        Largest number of distinct values an integer column may have and still be
        treated as categorical by the automatic rule.
    fill : {"median", "mean"} or float, default "median"
        Value used for missing continuous values, learned from training data. Infinite
        values (``inf``, ``-inf``) count as missing: they get the fill value and the
        ``<col>_na`` flag, and the fill value and scaling are learned without them.
    max_levels : int, optional
        Keep at most this many levels of each categorical column: the most frequent in
        training (ties broken by the sorted order of the labels, so the same data gives
        the same levels whatever its row order); the others get code 0, the unknown slot.
        For id-like columns (a level per row), whose codes cannot generalise.
    min_count : int, default 1
        Levels seen fewer times than this in training get code 0. With the defaults every
        training level (and every category of an ordered categorical dtype, seen or not)
        keeps a code of its own. Neither limit applies to the ``<col>_na`` flags.

    Attributes
    ----------
    cat_names_, cont_names_ : list of str
        The input columns in each role.
    na_names_ : list of str
        ``<col>_na`` indicator features, one per continuous column that had missing
        values in training. They are categorical (categories ``[False, True]``).
    cat_features_ : list of str
        All integer-coded output features: ``cat_names_ + na_names_``.
    categories_ : dict of str to list
        The training categories of each categorical feature; code ``i`` is
        ``categories_[col][i - 1]`` and code 0 means unknown or missing.
    cardinalities_ : dict of str to int
        Number of codes per categorical feature, counting the 0 slot.
    n_dropped_levels_ : dict of str to int
        Categorical column -> number of training levels sent to code 0 by ``max_levels``
        and ``min_count`` (only columns that lost some).
    n_infinite_ : dict of str to int
        Continuous column -> number of infinite training values, treated as missing (only
        columns that had some).
    fill_values_, means_, stds_ : dict of str to float
        Per continuous column: the fill value and the mean and standard deviation of the
        filled training values (used when ``normalize=True``).
    feature_names_in_ : ndarray of str
        The input columns every transformed frame must have.
    lineage_ : dict of str to str
        Output feature -> the source column it derives from (date parts -> the date
        column, ``<col>_na`` -> ``col``; as recorded in the frame's ``attrs`` by
        :func:`tabkit.add_datepart` and :func:`tabkit.add_elapsed`).
    """

    def __init__(
        self,
        cat_names: Sequence[str] | None = None,
        cont_names: Sequence[str] | None = None,
        *,
        max_card: int = 20,
        fill: str | float = "median",
        max_levels: int | None = None,
        min_count: int = 1,
    ):
        self.cat_names = cat_names
        self.cont_names = cont_names
        self.max_card = max_card
        self.fill = fill
        self.max_levels = max_levels
        self.min_count = min_count

    def fit(self, X: pd.DataFrame, y=None) -> TabularProcessor:
        """Learn column roles, categories, fill values and scaling from ``X``.

        Parameters
        ----------
        X : DataFrame
            Training rows.
        y : ignored

        Returns
        -------
        self
        """
        _check_frame(X, "fit")
        check_fill(self.fill)
        check_level_limits(self.max_levels, self.min_count)
        cat_names, cont_names = column_roles(self, X.dtypes.to_dict(), lambda col: X[col].nunique())
        _check_columns(X, [*cat_names, *cont_names])
        return set_fitted(self, _FrameStatistics(X, cont_names), cat_names, cont_names)

    def transform(self, X: pd.DataFrame, *, normalize: bool = False) -> pd.DataFrame:
        """Encode ``X`` with the fitted codes, fills and (optionally) scaling.

        Unseen and missing categories (and levels left out by ``max_levels`` and
        ``min_count``) become code 0; missing and infinite continuous values get the
        training fill value (also in columns that had none in training); columns the
        processor was not fitted on are ignored.

        Parameters
        ----------
        X : DataFrame
            Rows to encode; must hold every column in ``feature_names_in_``.
        normalize : bool, default False
            Standardise continuous columns with the training means and standard
            deviations (for nets; forests use the raw values).

        Returns
        -------
        DataFrame
            Same index as ``X``; columns ``get_feature_names_out()``: int64 codes, then
            float32 continuous values.
        """
        check_is_fitted(self, "feature_names_in_")
        _check_frame(X, "transform")
        _check_columns(X, list(self.feature_names_in_))
        continuous = {col: finite(as_float(X[col], col)) for col in self.cont_names_}
        out: dict[str, np.ndarray] = {}
        for col in self.cat_names_:
            out[col] = _encode(X[col], self.categories_[col])
        for name in self.na_names_:
            out[name] = np.where(continuous[name[: -len("_na")]].isna().to_numpy(), 2, 1).astype(np.int64)
        for col, values in continuous.items():
            filled = values.fillna(self.fill_values_[col]).to_numpy()
            if normalize:
                filled = (filled - self.means_[col]) / self.stds_[col]
            out[col] = filled.astype(np.float32)
        return pd.DataFrame(out, index=X.index)

    def fit_transform(self, X: pd.DataFrame, y=None, *, normalize: bool = False) -> pd.DataFrame:
        """Fit on ``X`` and return its encoding (see :meth:`transform`)."""
        return self.fit(X).transform(X, normalize=normalize)

    def inverse_transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Turn category codes back into their labels (code 0 -> missing).

        Parameters
        ----------
        X : DataFrame
            A transformed frame (any subset of the output columns).

        Returns
        -------
        DataFrame
            Categorical columns as labels (object dtype), continuous columns unchanged.
        """
        check_is_fitted(self, "feature_names_in_")
        out = X.copy()
        for col in X.columns.intersection(self.cat_features_):
            labels = np.array([np.nan, *self.categories_[col]], dtype=object)
            codes = X[col].to_numpy()
            if ((codes < 0) | (codes >= len(labels))).any():
                raise ValueError(f"inverse_transform: column {col!r} holds codes outside 0..{len(labels) - 1}")
            out[col] = labels[codes]
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Output column names: categorical codes, then continuous columns."""
        check_is_fitted(self, "feature_names_in_")
        return np.array([*self.cat_features_, *self.cont_names_], dtype=object)

    def __getstate__(self):
        # plain data: category labels as one array per column, which every format keeps small
        return to_plain(dict(super().__getstate__()))

    def __setstate__(self, state):
        super().__setstate__(from_plain(state))


class FitStatistics(Protocol):
    """What :func:`set_fitted` reads from the training data, column by column: from the
    whole frame in :meth:`TabularProcessor.fit`, from merged partition summaries in
    :mod:`tabkit.prep.partition_fit`."""

    lineage: dict[str, str]

    def categories(self, col: str) -> list:
        """All training categories of a categorical column, in code order."""

    def level_counts(self, col: str) -> pd.Series:
        """Rows per level of a categorical column (indexed by level)."""

    def n_infinite(self, col: str) -> int:
        """Infinite values of a continuous column."""

    def has_missing(self, col: str) -> bool:
        """Whether a continuous column has missing or infinite values."""

    def median(self, col: str) -> float:
        """Median of a continuous column's finite values (NaN when there are none)."""

    def mean(self, col: str) -> float:
        """Mean of a continuous column's finite values (NaN when there are none)."""

    def filled_moments(self, col: str, fill: float) -> tuple[float, float]:
        """Mean and standard deviation (ddof=1) of a continuous column with every
        missing or infinite value replaced by ``fill``."""


def set_fitted(processor: TabularProcessor, stats: FitStatistics, cat_names: list, cont_names: list):
    """Set every fitted attribute of ``processor``: the one place where codes, level
    limits, ``_na`` flags, fills, scales and lineage are decided.

    Parameters
    ----------
    processor : TabularProcessor
        Its parameters say how; its fitted attributes are (re)set.
    stats : FitStatistics
        The training data's statistics.
    cat_names, cont_names : list of str
        The column roles (see :func:`tabkit.prep.columns.column_roles`).

    Returns
    -------
    TabularProcessor
        ``processor``, fitted.
    """
    processor.n_infinite_ = {col: n for col in cont_names if (n := stats.n_infinite(col))}
    processor.cat_names_ = cat_names
    processor.cont_names_ = cont_names
    processor.categories_, processor.n_dropped_levels_ = {}, {}
    for col in cat_names:
        everything = stats.categories(col)
        kept = _kept_levels(processor, everything, partial(stats.level_counts, col))
        processor.categories_[col] = kept
        if len(kept) < len(everything):
            processor.n_dropped_levels_[col] = len(everything) - len(kept)
    processor.na_names_ = [f"{col}_na" for col in cont_names if stats.has_missing(col)]
    processor.categories_.update({name: [False, True] for name in processor.na_names_})
    processor.cat_features_ = [*cat_names, *processor.na_names_]
    processor.cardinalities_ = {col: len(cats) + 1 for col, cats in processor.categories_.items()}

    processor.fill_values_, processor.means_, processor.stds_ = {}, {}, {}
    for col in cont_names:
        if isinstance(processor.fill, str):
            value = stats.median(col) if processor.fill == "median" else stats.mean(col)
            fill_value = float(value) if pd.notna(value) else 0.0
        else:
            fill_value = float(processor.fill)
        mean, std = stats.filled_moments(col, fill_value)
        processor.fill_values_[col] = fill_value
        processor.means_[col] = mean
        processor.stds_[col] = std if np.isfinite(std) and std > 0 else 1.0

    processor.feature_names_in_ = np.array([*cat_names, *cont_names], dtype=object)
    processor.n_features_in_ = len(processor.feature_names_in_)
    source = {col: stats.lineage.get(col, col) for col in [*cat_names, *cont_names]}
    source.update({f"{col}_na": source[col] for col in cont_names})
    processor.lineage_ = {name: source[name] for name in processor.get_feature_names_out()}
    return processor


def _kept_levels(processor: TabularProcessor, categories: list, level_counts: Callable[[], pd.Series]) -> list:
    """``categories`` without the levels that ``min_count`` and ``max_levels`` leave out."""
    max_levels, min_count = processor.max_levels, processor.min_count
    if max_levels is None and min_count == 1:
        return categories
    by_level = level_counts()
    counts = np.array([by_level.get(level, 0) for level in categories], dtype=np.int64)
    keep = counts >= min_count
    if max_levels is not None and keep.sum() > max_levels:
        # most frequent first; a stable sort keeps ties in the categories' (sorted) order
        ranked = np.argsort(-counts, kind="stable")
        keep = np.zeros(len(categories), dtype=bool)
        keep[ranked[:max_levels]] = True
        keep &= counts >= min_count
    return [level for level, kept in zip(categories, keep) if kept]


class _FrameStatistics:
    """:class:`FitStatistics` of a whole training frame."""

    def __init__(self, X: pd.DataFrame, cont_names: list[str]):
        raw = {col: as_float(X[col], col) for col in cont_names}
        self._X, self.lineage = X, lineage_of(X)
        self._n_infinite = {col: int(np.isinf(values).sum()) for col, values in raw.items()}
        self._continuous = {col: finite(values) for col, values in raw.items()}

    def categories(self, col: str) -> list:
        return training_categories(self._X[col])

    def level_counts(self, col: str) -> pd.Series:
        return self._X[col].value_counts(dropna=True)

    def n_infinite(self, col: str) -> int:
        return self._n_infinite[col]

    def has_missing(self, col: str) -> bool:
        return bool(self._continuous[col].isna().any())

    def median(self, col: str) -> float:
        return self._continuous[col].median()

    def mean(self, col: str) -> float:
        return self._continuous[col].mean()

    def filled_moments(self, col: str, fill: float) -> tuple[float, float]:
        filled = self._continuous[col].fillna(fill)
        return float(filled.mean()), float(filled.std())


def _check_frame(X, step: str) -> None:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"TabularProcessor.{step} expects a pandas DataFrame, got {type(X).__name__}")
    check_unique_columns(X, f"TabularProcessor.{step}")
    if len(X) == 0:
        raise ValueError(f"TabularProcessor.{step}: the frame has no rows")


def check_fill(fill) -> None:
    """Raise ValueError unless ``fill`` is one of :data:`FILL_RULES` or a number."""
    if not (fill in FILL_RULES or (isinstance(fill, Real) and not isinstance(fill, bool))):
        raise ValueError(f"fill must be one of {FILL_RULES} or a number, got {fill!r}")


def check_level_limits(max_levels, min_count) -> None:
    """Raise ValueError unless ``max_levels`` is None or an int >= 1 and ``min_count`` an
    int >= 1 (the :class:`TabularProcessor` parameters; the nets check theirs early)."""

    def is_int(value) -> bool:
        return isinstance(value, Integral) and not isinstance(value, bool)

    if max_levels is not None and not (is_int(max_levels) and max_levels >= 1):
        raise ValueError(f"max_levels must be None or an integer >= 1, got {max_levels!r}")
    if not (is_int(min_count) and min_count >= 1):
        raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")


def _check_columns(X: pd.DataFrame, required: list[str]) -> None:
    missing = [col for col in required if col not in X.columns]
    if missing:
        raise ValueError(f"missing required column(s): {missing}")


def _encode(values: pd.Series, categories: list) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    return pd.Index(categories).get_indexer(values).astype(np.int64) + 1
