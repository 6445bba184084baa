"""Hyperparameter search scored on a held-out validation set, parfit style."""

from __future__ import annotations

import numbers
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.exceptions import FitFailedWarning
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from tabkit.metrics import get_scorer
from tabkit.search.candidates import check_parameter_names, expand_candidates
from tabkit.search.fitting import CandidateResult, run_fit
from tabkit.search.tree_prefix import plan_fits

_NO_MODEL = "This %(name)s has no best_estimator_: call fit with refit=True before using it to predict"


class ValidationSearch(MetaEstimatorMixin, BaseEstimator):
    """Fit every candidate on the training set and score it on a validation set.

    This is how fast.ai's courses and the parfit library tune models: no
    cross-validation, one held-out validation set (for time-ordered data, the latest
    weeks), every grid point fitted in parallel through joblib. Each candidate is a
    fresh clone of ``estimator``, so results do not depend on ``n_jobs`` or on the
    joblib backend (``joblib.parallel_config(backend="dask")`` runs it on a Dask
    cluster unchanged).

    For a forest (tabkit's, or scikit-learn's RandomForest / ExtraTrees) with an integer
    ``random_state``, candidates that differ only in ``n_estimators`` are scored from one
    fit of the largest forest, on its first ``k`` trees: exactly the trees a ``k``-tree
    forest would grow, so the scores are identical to separate fits. ``n_fits_`` shows
    how many fits were made. With ``random_state=None`` every candidate is fitted on its
    own, since fresh random seeds per fit are what that setting asks for.

    Parameters
    ----------
    estimator : estimator
        The model to tune; it is cloned for every candidate and never fitted itself.
    param_grid : dict, list of dicts or iterable of dicts
        A grid in scikit-learn's sense (a dict, or list of dicts, mapping each parameter
        to a list of values), or the candidates themselves: a list of parameter dicts
        with single values (e.g. sampled ones), or any other iterable of dicts such as a
        :class:`~sklearn.model_selection.ParameterSampler`.
    scoring : None, str or callable, default=None
        Anything :func:`tabkit.metrics.get_scorer` takes: ``None`` for the estimator's
        ``score``, a tabkit metric (``"rmspe"``, ``tk.metrics.rmspe``), a scikit-learn
        scorer name (``"roc_auc_ovr"``), or a scorer ``(estimator, X, y)``. Errors are
        negated, as with :func:`sklearn.metrics.make_scorer`, so larger is always better.
    n_jobs : int, default=None
        Fits run in parallel through joblib; ``None`` means 1 unless a
        ``joblib.parallel_config`` says otherwise.
    refit : bool, default=True
        Keep a ``best_estimator_``: the best candidate fitted on the training set only
        (not on training + validation as in GridSearchCV). Unless ``keep_models`` is set,
        workers send back scores only, and the best candidate is fitted once more here;
        with an integer ``random_state`` that model is the one that was scored.
    keep_models : bool, default=False
        Keep every fitted candidate in ``models_``. By default only the best survives.
    error_score : float or "raise", default=np.nan
        The score of a candidate whose fit or scoring raises; its message goes to the
        ``error`` column. ``"raise"`` stops the search at the first error instead. If
        every candidate fails, the search raises with the first error.
    verbose : int, default=0
        Show a progress bar over candidates when > 0.

    Attributes
    ----------
    results_ : DataFrame
        One row per candidate in grid order: each parameter, ``score``, ``fit_time``,
        ``score_time`` (seconds), ``rank`` (1 is best; ties share a rank; failures last)
        and ``error`` (None, or the message of a failed candidate). Candidates scored on
        the first trees of a larger forest show ``fit_time`` 0: the shared fit is charged
        to the largest, so the column sums to the time spent fitting.
    best_index_ : int
        Row of the best candidate in ``results_`` (the first, among ties).
    best_params_ : dict
        Parameters of the best candidate.
    best_score_ : float
        Its validation score.
    best_estimator_ : estimator
        The best candidate fitted on the training set (only when ``refit``).
    models_ : list of estimators
        Every fitted candidate, in ``results_`` order (only with ``keep_models``; None
        for a candidate that failed).
    n_fits_ : int
        The estimator fits actually made, the refit included.
    refit_time_ : float
        Seconds spent on the refit (0 when the kept model was reused or ``refit`` is off).

    Notes
    -----
    Bit-identical scores (across ``n_jobs``, backends, and against separate fits) also
    need the forest's own ``n_jobs`` left at ``None`` or 1: with more threads,
    scikit-learn adds the trees' predictions in whatever order the threads finish, so
    even two predictions of one forest can differ in the last bits.

    Examples
    --------
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> search = ValidationSearch(
    ...     RandomForestRegressor(random_state=0),
    ...     {"n_estimators": [20, 40, 80], "min_samples_leaf": [1, 3]},
    ...     scoring="rmspe", n_jobs=2,
    ... )  # doctest: +SKIP
    >>> search.fit(X_train, y_train, X_val=X_valid, y_val=y_valid)  # doctest: +SKIP
    >>> search.n_fits_  # doctest: +SKIP
    3
    """

    def __init__(
        self,
        estimator: Any,
        param_grid: Any,
        *,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: bool = True,
        keep_models: bool = False,
        error_score: float | str = np.nan,
        verbose: int = 0,
    ) -> None:
        self.estimator = estimator
        self.param_grid = param_grid
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.keep_models = keep_models
        self.error_score = error_score
        self.verbose = verbose

    def fit(self, X: Any, y: Any, *, X_val: Any, y_val: Any, **fit_params: Any) -> ValidationSearch:
        """Fit every candidate on ``X, y`` and score it on ``X_val, y_val``.

        Parameters
        ----------
        X, y : array-like or DataFrame
            Training rows and targets.
        X_val, y_val : array-like or DataFrame
            Validation rows and targets, the only data the scores come from.
        **fit_params
            Passed to every candidate's ``fit`` (e.g. ``sample_weight``).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            On mismatched or empty inputs, an empty grid, an unknown parameter name, a
            bad ``error_score``, or when every candidate fails.
        """
        self._check_settings()
        _check_rows("X", X, "y", y)
        _check_rows("X_val", X_val, "y_val", y_val)
        candidates = expand_candidates(self.param_grid)
        check_parameter_names(candidates, self.estimator)
        scorer = get_scorer(self.scoring)
        tasks = plan_fits(self.estimator, candidates)

        results: list[CandidateResult | None] = [None] * len(candidates)
        jobs = Parallel(n_jobs=self.n_jobs, return_as="generator")(
            delayed(run_fit)(
                self.estimator,
                task,
                X,
                y,
                X_val,
                y_val,
                scorer=scorer,
                fit_params=fit_params,
                error_score=self.error_score,
                keep_models=self.keep_models,
            )
            for task in tasks
        )
        with tqdm(
            total=len(candidates),
            desc="ValidationSearch",
            unit="candidate",
            disable=not self.verbose,
        ) as bar:
            for task_results in jobs:
                for result in task_results:
                    results[result.index] = result
                bar.update(len(task_results))

        frame = self._results_frame(candidates, results)
        failed = frame["error"].notna()
        if failed.all():
            raise ValueError(
                f"all {len(candidates)} candidates failed; the first, {candidates[0]}, raised {frame['error'].iloc[0]}"
            )
        if failed.any():
            warnings.warn(
                f"{int(failed.sum())} of {len(candidates)} candidates failed and scored "
                f"{self.error_score}; see results_['error']",
                FitFailedWarning,
                stacklevel=2,
            )
        self.results_ = frame
        self.best_index_ = int(np.flatnonzero(self.results_["rank"].to_numpy() == 1)[0])
        self.best_params_ = dict(candidates[self.best_index_])
        self.best_score_ = float(self.results_["score"].iloc[self.best_index_])
        self.n_fits_ = len(tasks)
        if self.keep_models:
            self.models_ = [result.model for result in results]
        self.refit_time_ = 0.0
        if self.refit:
            self._refit(X, y, fit_params)
        return self

    def _check_settings(self) -> None:
        if not (
            self.error_score == "raise"
            or (isinstance(self.error_score, numbers.Real) and not isinstance(self.error_score, bool))
        ):
            raise ValueError(f"error_score must be a number or 'raise', got {self.error_score!r}")

    def _results_frame(self, candidates: list[dict[str, Any]], results: list[CandidateResult]) -> pd.DataFrame:
        names = list(dict.fromkeys(name for candidate in candidates for name in candidate))
        defaults = self.estimator.get_params(deep=True)
        frame = pd.DataFrame(
            {
                name: pd.Series(
                    [candidate.get(name, defaults[name]) for candidate in candidates], dtype=object
                ).infer_objects()
                for name in names
            }
        )
        scores = pd.Series([result.score for result in results], dtype=np.float64)
        frame["score"] = scores
        frame["fit_time"] = [result.fit_time for result in results]
        frame["score_time"] = [result.score_time for result in results]
        frame["rank"] = scores.rank(method="min", ascending=False, na_option="bottom").astype(np.int64)
        frame["error"] = pd.Series([result.error for result in results], dtype=object)
        return frame

    def _refit(self, X: Any, y: Any, fit_params: dict[str, Any]) -> None:
        if self.keep_models:
            self.best_estimator_ = self.models_[self.best_index_]
            return
        start = time.perf_counter()
        self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_)
        self.best_estimator_.fit(X, y, **fit_params)
        self.refit_time_ = time.perf_counter() - start
        self.n_fits_ += 1

    def predict(self, X: Any) -> np.ndarray:
        """Predict with ``best_estimator_``."""
        check_is_fitted(self, "best_estimator_", msg=_NO_MODEL)
        return self.best_estimator_.predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from ``best_estimator_``."""
        check_is_fitted(self, "best_estimator_", msg=_NO_MODEL)
        return self.best_estimator_.predict_proba(X)

    def score(self, X: Any, y: Any) -> float:
        """Score ``best_estimator_`` on ``X, y`` with the search's scoring."""
        check_is_fitted(self, "best_estimator_", msg=_NO_MODEL)
        scorer = get_scorer(self.scoring)
        if scorer is None:
            return float(self.best_estimator_.score(X, y))
        return float(scorer(self.best_estimator_, X, y))


def _n_rows(data: Any) -> int:
    return data.shape[0] if hasattr(data, "shape") else len(data)


def _check_rows(x_name: str, X: Any, y_name: str, y: Any) -> None:
    n_x, n_y = _n_rows(X), _n_rows(y)
    if n_x != n_y:
        raise ValueError(f"{x_name} has {n_x} rows but {y_name} has {n_y}")
    if n_x == 0:
        raise ValueError(f"{x_name} has no rows")
