"""The exact forest fast path: score every ``n_estimators`` of a grid from one forest.

In a scikit-learn forest with an integer ``random_state``, tree ``i`` gets the ``i``-th
seed drawn from that state whatever ``n_estimators`` is, so the first ``k`` trees of an
``n``-tree forest are the trees of a ``k``-tree forest. A shallow copy of the fitted
forest that keeps only its first ``k`` trees therefore predicts exactly (bit for bit) what
a separately fitted ``k``-tree forest predicts, through the same predict code.

The path needs an integer ``random_state``: with ``None`` every fit draws fresh seeds, so
separate fits are what the user asked for, and with a ``RandomState`` instance the seeds
depend on how often that shared object was used before. Out-of-bag scores are computed
from the whole forest at fit time, so forests with ``oob_score`` take separate fits too.
"""

from __future__ import annotations

import copy
import numbers
from dataclasses import dataclass, field
from typing import Any

import joblib
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)

from tabkit.forest.estimators import ForestClassifier, ForestRegressor

_SKLEARN_FORESTS = (
    RandomForestClassifier,
    RandomForestRegressor,
    ExtraTreesClassifier,
    ExtraTreesRegressor,
)


@dataclass
class FitTask:
    """One fit of the search and the candidates scored from it.

    ``members`` pairs each candidate's position in the grid with the number of leading
    trees it is scored on, or ``None`` to score the fitted model as it is.
    """

    params: dict[str, Any]
    members: list[tuple[int, int | None]] = field(default_factory=list)


def _is_count(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1


def _sliceable(estimator: Any) -> bool:
    return isinstance(estimator, _SKLEARN_FORESTS + (ForestClassifier, ForestRegressor))


def _prefix_eligible(defaults: dict[str, Any], candidate: dict[str, Any]) -> bool:
    effective = {**defaults, **candidate}
    random_state = effective.get("random_state")
    return (
        isinstance(random_state, numbers.Integral)
        and not isinstance(random_state, bool)
        and not effective.get("oob_score", False)
        and _is_count(effective.get("n_estimators"))
    )


def plan_fits(estimator: Any, candidates: list[dict[str, Any]]) -> list[FitTask]:
    """Group the candidates into the fits the search has to make.

    For a forest with a fixed ``random_state``, candidates that differ only in
    ``n_estimators`` share one fit of the largest of them; every other candidate gets a
    fit of its own. Tasks come largest forest first, so parallel workers finish together.
    """
    defaults = estimator.get_params(deep=False)
    tasks: list[FitTask] = []
    groups: dict[str, FitTask] = {}
    sliceable = _sliceable(estimator)
    for index, candidate in enumerate(candidates):
        if not (sliceable and _prefix_eligible(defaults, candidate)):
            tasks.append(FitTask(dict(candidate), [(index, None)]))
            continue
        n_trees = candidate.get("n_estimators", defaults["n_estimators"])
        others = {name: value for name, value in candidate.items() if name != "n_estimators"}
        key = joblib.hash(others)
        if key not in groups:
            groups[key] = FitTask({**others, "n_estimators": n_trees})
            tasks.append(groups[key])
        task = groups[key]
        task.params["n_estimators"] = max(task.params["n_estimators"], n_trees)
        task.members.append((index, n_trees))
    return sorted(tasks, key=lambda task: -max(n_trees or 0 for _, n_trees in task.members))


def first_trees(fitted: Any, n_trees: int) -> Any:
    """A shallow copy of a fitted forest that keeps only its first ``n_trees`` trees.

    The trees themselves are shared with ``fitted``, not copied. A tabkit forest keeps its
    fitted ``processor_`` and gets a trimmed copy of its scikit-learn ``forest_``.
    """
    if n_trees == fitted.n_estimators:
        return fitted
    trimmed = copy.copy(fitted)
    trimmed.n_estimators = n_trees
    if isinstance(fitted, _SKLEARN_FORESTS):
        trimmed.estimators_ = fitted.estimators_[:n_trees]
    else:
        trimmed.forest_ = first_trees(fitted.forest_, n_trees)
    return trimmed
