"""Permutation importance on a validation set, for any fitted model that predicts.

Each feature (or group of features permuted together) gets its own seed, drawn from
``random_state`` before any work, so results do not depend on ``n_jobs``. A tabkit model
is scored through its encoded view (:mod:`tabkit.prep.encoded`): the rows are encoded once
and each shuffle moves the encoded columns of the shuffled inputs, with the same results. Features are
split among the workers, and each worker permutes a single private copy of the data in
place, restoring every column after scoring it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from numbers import Integral, Real

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.utils import check_random_state

from tabkit.metrics import get_scorer

SEED_LIMIT = np.iinfo(np.int32).max


def permutation_importance(
    model,
    X,
    y,
    *,
    scoring=None,
    n_repeats: int = 5,
    groups: Mapping[str, Sequence] | None = None,
    max_samples: int | float | None = None,
    n_jobs: int | None = None,
    random_state: int | np.random.RandomState | None = None,
) -> pd.DataFrame:
    """Drop in score when a feature's values are shuffled, for every feature.

    Parameters
    ----------
    model : fitted estimator
        Anything with ``predict`` (and ``score`` when ``scoring`` is None): tabkit forests
        and nets, scikit-learn models and pipelines.
    X : DataFrame or array-like of shape (n_samples, n_features)
        Validation rows.
    y : array-like of shape (n_samples,)
        Validation targets.
    scoring : None, str or callable, optional
        None uses ``model.score`` (R^2 or accuracy); a tabkit metric name or function
        (``"rmspe"``, ``tabkit.metrics.rmspe``), a scikit-learn scorer name, or a scorer
        callable ``(estimator, X, y)``. Larger scores are better (errors are negated).
    n_repeats : int, default 5
        Shuffles per feature.
    groups : dict of str to list, optional
        Named sets of columns permuted together (all parts of a date, a column and its
        ``_na`` flag, a cluster from :func:`tabkit.redundant_features`). Columns in no
        group are permuted alone. For an array, columns are integer positions.
    max_samples : int or float, optional
        Score on a random subset of rows: a count, or a fraction of the rows.
    n_jobs : int, optional
        Parallel workers (joblib); the result does not depend on it.
    random_state : int or RandomState, optional
        Makes the shuffles repeatable.

    Returns
    -------
    DataFrame
        One row per feature or group, sorted by decreasing importance, with columns
        ``feature``, ``importance`` (mean drop in score), ``std`` and ``repeat_0`` ...
        ``repeat_{n_repeats - 1}`` (the drop of each shuffle).
    """
    if not hasattr(model, "predict"):
        raise TypeError(f"permutation_importance needs a fitted model with predict, got {type(model).__name__}")
    if not isinstance(n_repeats, Integral) or n_repeats < 1:
        raise ValueError(f"n_repeats must be a positive integer, got {n_repeats!r}")
    data = X if isinstance(X, pd.DataFrame) else np.asarray(X)
    if data.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {data.shape}")
    target = np.asarray(y)
    if len(target) != len(data):
        raise ValueError(f"X has {len(data)} rows but y has {len(target)}")
    if len(data) == 0:
        raise ValueError("permutation_importance: X has no rows")
    features = _feature_sets(data, groups)
    scorer = _scorer(scoring)

    rng = check_random_state(random_state)
    rows = _row_sample(len(data), max_samples, rng)
    if rows is not None:
        data = data.iloc[rows] if isinstance(data, pd.DataFrame) else data[rows]
        target = target[rows]
    seeds = rng.randint(SEED_LIMIT, size=len(features))
    model, data, member_sets = _encoded(model, data, features)
    baseline = scorer(model, data, target)

    n_workers = max(1, min(effective_n_jobs(n_jobs), len(features)))
    shares = [list(range(worker, len(features), n_workers)) for worker in range(n_workers)]
    results = Parallel(n_jobs=n_workers)(
        delayed(_permuted_scores)(model, data, target, scorer, [member_sets[i] for i in share], seeds[share], n_repeats)
        for share in shares
    )
    scores = np.empty((len(features), n_repeats))
    for share, share_scores in zip(shares, results):
        scores[share] = share_scores
    drops = baseline - scores

    table = pd.DataFrame(
        {
            "feature": list(features),
            "importance": drops.mean(axis=1),
            "std": drops.std(axis=1),
        }
    )
    for repeat in range(n_repeats):
        table[f"repeat_{repeat}"] = drops[:, repeat]
    return table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def _encoded(model, data, features: dict) -> tuple[object, object, list]:
    """The model, rows and column sets to shuffle: through the model's encoded view when it
    has one (the rows encoded once, each feature set mapped to its encoded columns), else
    as given."""
    view = model._encoded_view(data) if isinstance(data, pd.DataFrame) and hasattr(model, "_encoded_view") else None
    if view is None:
        return model, data, list(features.values())
    sets = [sorted({p for column in members for p in view.columns.get(column, [])}) for members in features.values()]
    return view.model, view.data, sets


def _scorer(scoring) -> Callable:
    scorer = get_scorer(scoring)
    return _own_score if scorer is None else scorer


def _own_score(model, X, y) -> float:
    return model.score(X, y)


def _feature_sets(data, groups: Mapping[str, Sequence] | None) -> dict:
    """Name -> columns permuted together: the groups, then every other column alone."""
    columns = list(data.columns) if isinstance(data, pd.DataFrame) else list(range(data.shape[1]))
    features: dict = {}
    grouped: dict = {}
    for name, members in (groups or {}).items():
        members = [members] if isinstance(members, (str, Integral)) else list(members)
        if not members:
            raise ValueError(f"group {name!r} has no columns")
        unknown = [col for col in members if col not in columns]
        if unknown:
            raise ValueError(f"group {name!r} names column(s) not in X: {unknown}")
        for col in members:
            if col in grouped:
                raise ValueError(f"column {col!r} is in two groups: {grouped[col]!r} and {name!r}")
            grouped[col] = name
        if name in columns and name not in members:
            raise ValueError(f"group name {name!r} is also a column of X; choose another name")
        features[name] = members
    for col in columns:
        if col not in grouped:
            features[col] = [col]
    return features


def _row_sample(n_rows: int, max_samples, rng: np.random.RandomState) -> np.ndarray | None:
    if max_samples is None:
        return None
    if isinstance(max_samples, Integral) and not isinstance(max_samples, bool):
        if not 1 <= max_samples <= n_rows:
            raise ValueError(f"max_samples must be between 1 and the {n_rows} rows of X, got {max_samples}")
        count = int(max_samples)
    elif isinstance(max_samples, Real) and 0 < max_samples <= 1:
        count = max(1, int(max_samples * n_rows))
    else:
        raise ValueError(f"max_samples must be a row count or a fraction in (0, 1], got {max_samples!r}")
    if count == n_rows:
        return None
    return np.sort(rng.choice(n_rows, count, replace=False))


def _permuted_scores(model, data, target, scorer, feature_sets: list, seeds: np.ndarray, n_repeats: int) -> np.ndarray:
    """Scores with each feature set shuffled, on one private copy of ``data``."""
    work = data.copy()
    scores = np.empty((len(feature_sets), n_repeats))
    unshuffled = None
    for i, (members, seed) in enumerate(zip(feature_sets, seeds)):
        if not len(members):  # a column the model does not use
            unshuffled = scorer(model, work, target) if unshuffled is None else unshuffled
            scores[i] = unshuffled
            continue
        rng = np.random.RandomState(seed)
        for repeat in range(n_repeats):
            _shuffle_into(work, data, members, rng.permutation(len(data)))
            scores[i, repeat] = scorer(model, work, target)
        _shuffle_into(work, data, members, None)
    return scores


def _shuffle_into(work, data, members: list, order: np.ndarray | None) -> None:
    """Write ``data``'s columns ``members``, rows in ``order`` (as they are for None), into ``work``."""
    if isinstance(work, pd.DataFrame):
        for col in members:
            values = data[col].array
            work[col] = values if order is None else values.take(order)
    else:
        work[:, members] = data[:, members] if order is None else data[np.ix_(order, members)]
