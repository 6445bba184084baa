"""The column rules of :class:`~tabkit.prep.processor.TabularProcessor` that the
whole-frame fit, ``transform`` and the partition-wise fit
(:mod:`tabkit.prep.partition_fit`) share: which columns are categorical or continuous, a
continuous column as floats, and a categorical column's training categories."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from tabkit.prep.checks import first_value


def column_roles(
    processor, dtypes: Mapping[str, object], n_distinct: Callable[[str], int]
) -> tuple[list[str], list[str]]:
    """The categorical and continuous columns, by the rules of the ``cat_names``,
    ``cont_names`` and ``max_card`` of ``processor`` (a TabularProcessor), of a frame with
    columns ``dtypes`` (name -> dtype, in order); ``n_distinct(col)`` counts the distinct
    values of an integer column (asked only when neither list is given)."""
    cat_given, cont_given = processor.cat_names, processor.cont_names
    usable = [col for col, dtype in dtypes.items() if not _is_temporal(dtype)]
    if cat_given is not None and cont_given is not None:
        cat_names, cont_names = list(cat_given), list(cont_given)
    elif cat_given is not None:
        cat_names = list(cat_given)
        cont_names = [col for col in usable if col not in cat_names]
    elif cont_given is not None:
        cont_names = list(cont_given)
        cat_names = [col for col in usable if col not in cont_names]
    else:
        cont_names = [col for col in usable if _looks_continuous(dtypes[col], col, n_distinct, processor.max_card)]
        cat_names = [col for col in usable if col not in cont_names]
    both = sorted(set(cat_names) & set(cont_names))
    if both:
        raise ValueError(f"column(s) named both categorical and continuous: {both}")
    if not cat_names and not cont_names:
        raise ValueError("no usable columns: the frame has only date/time columns")
    return cat_names, cont_names


def _is_temporal(dtype) -> bool:
    return pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)


def _looks_continuous(dtype, col: str, n_distinct: Callable[[str], int], max_card: int) -> bool:
    if pd.api.types.is_bool_dtype(dtype):
        return False
    if pd.api.types.is_float_dtype(dtype):
        return True
    if pd.api.types.is_integer_dtype(dtype):
        return n_distinct(col) > max_card
    return False


def as_float(values: pd.Series, column: str) -> pd.Series:
    """A continuous column as float64, or a ValueError naming the column and a bad value."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    numeric = pd.to_numeric(values, errors="coerce")
    bad = numeric.isna() & values.notna()
    if bad.any():
        raise ValueError(
            f"continuous column {column!r} holds {int(bad.sum())} non-numeric value(s), e.g. {first_value(values[bad])}"
        )
    return numeric.astype("float64")


def finite(values: pd.Series) -> pd.Series:
    """Float values with +-inf as missing."""
    return values.where(~np.isinf(values))


def training_categories(values: pd.Series) -> list:
    """All training categories of a categorical column, in code order: an ordered
    categorical dtype's categories, else the sorted distinct values (by type name and text
    when they do not compare)."""
    if isinstance(values.dtype, pd.CategoricalDtype) and values.dtype.ordered:
        return list(values.dtype.categories)
    uniques = list(pd.unique(values.dropna()))
    try:
        return sorted(uniques)
    except TypeError:
        return sorted(uniques, key=lambda value: (type(value).__name__, str(value)))
