"""Turn a ``param_grid`` into the list of candidate parameter dicts, checked against an estimator."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.model_selection import ParameterGrid


def _is_options(value: Any) -> bool:
    return isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, (str, bytes))


def _is_grid(spec: Mapping) -> bool:
    return len(spec) > 0 and all(_is_options(value) for value in spec.values())


def _expand(grid: Mapping) -> list[dict[str, Any]]:
    """The product of a grid's lists, through scikit-learn's ParameterGrid (names sorted)."""
    for name, options in grid.items():
        if len(options) == 0:
            raise ValueError(f"param_grid: parameter {name!r} has no values to try")
    return list(ParameterGrid(dict(grid)))


def expand_candidates(param_grid: Any) -> list[dict[str, Any]]:
    """List the candidates a ``param_grid`` describes.

    A dict, or a list of dicts, whose values are all lists (tuples, arrays) is a grid in
    scikit-learn's sense: each dict expands to the product of its lists. A list of dicts
    with any single (non-list) value, or any other iterable of dicts (such as a
    :class:`~sklearn.model_selection.ParameterSampler`), is taken as the candidates
    themselves, one dict each.

    Raises
    ------
    ValueError
        If the grid is empty, is not made of dicts, or a parameter has no values.
    """
    if isinstance(param_grid, Mapping):
        if not _is_grid(param_grid):
            raise ValueError(f"param_grid: a dict must map each parameter to a list of values, got {param_grid!r}")
        candidates = _expand(param_grid)
    elif isinstance(param_grid, Iterable) and not isinstance(param_grid, (str, bytes)):
        specs = list(param_grid)
        bad = [spec for spec in specs if not isinstance(spec, Mapping)]
        if bad:
            raise ValueError(f"param_grid: expected dicts of parameters, got {bad[0]!r}")
        if isinstance(param_grid, list) and specs and all(_is_grid(spec) for spec in specs):
            candidates = [candidate for spec in specs for candidate in _expand(spec)]
        else:
            candidates = [dict(spec) for spec in specs]
    else:
        raise ValueError(f"param_grid must be a dict, a list of dicts or an iterable of dicts, got {param_grid!r}")
    if not candidates:
        raise ValueError("param_grid: no candidates to try")
    return candidates


def check_parameter_names(candidates: list[dict[str, Any]], estimator: Any) -> None:
    """Raise a ValueError naming any parameter the estimator does not have."""
    valid = set(estimator.get_params(deep=True))
    unknown = sorted({name for candidate in candidates for name in candidate} - valid)
    if unknown:
        raise ValueError(
            f"param_grid: {type(estimator).__name__} has no parameter(s) {unknown}; valid names: {sorted(valid)}"
        )
