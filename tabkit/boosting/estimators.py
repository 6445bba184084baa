"""Gradient boosting on the shared preprocessing: ``LightGBMRegressor`` and ``LightGBMClassifier``.

Each estimator fits a :class:`tabkit.TabularProcessor` (raw values, as the forests use) and
LightGBM's scikit-learn model on its output. The integer-coded features (categories and
``_na`` flags; code 0 = unknown or missing) are given to LightGBM as categorical features,
so it splits them by category sets rather than by code order. Training is run with
``deterministic=True`` and ``force_col_wise=True``: a fixed ``random_state`` gives the same
model whatever ``n_jobs`` is.
"""

from __future__ import annotations

from collections.abc import Sequence

import lightgbm
import numpy as np
import pandas as pd
from joblib import effective_n_jobs
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from tabkit.boosting.booster import PARAMETER_CONSTRAINTS, booster_feature_names, processor_for, round_history
from tabkit.boosting.saving import SavedBooster
from tabkit.prep.encoded import EncodedModel, EncodedView, processor_columns
from tabkit.prep.fit_inputs import check_sample_weight, check_target, encode
from tabkit.prep.inputs import as_frame


class _LightGBM(SavedBooster, BaseEstimator):
    """Shared fitting and input handling of the tabkit LightGBM estimators."""

    _model_class: type
    _parameter_constraints: dict = PARAMETER_CONSTRAINTS

    def __init__(
        self,
        n_estimators: int = 100,
        *,
        learning_rate: float = 0.1,
        num_leaves: int = 31,
        max_depth: int = -1,
        min_child_samples: int = 20,
        subsample: float = 1.0,
        subsample_freq: int = 1,
        colsample_bytree: float = 1.0,
        reg_alpha: float = 0.0,
        reg_lambda: float = 0.0,
        max_cat_to_onehot: int = 4,
        cat_smooth: float = 10.0,
        objective: str | None = None,
        early_stopping_rounds: int | None = None,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        cat_names: Sequence[str] | None = None,
        cont_names: Sequence[str] | None = None,
        max_card: int = 20,
    ):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.subsample_freq = subsample_freq
        self.colsample_bytree = colsample_bytree
        self.reg_alpha = reg_alpha
        self.reg_lambda = reg_lambda
        self.max_cat_to_onehot = max_cat_to_onehot
        self.cat_smooth = cat_smooth
        self.objective = objective
        self.early_stopping_rounds = early_stopping_rounds
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.cat_names = cat_names
        self.cont_names = cont_names
        self.max_card = max_card

    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None):
        """Fit the processor on ``X`` and LightGBM on its output.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Training rows. A numpy array gets the column names ``x0``, ``x1``, ...
        y : array-like of shape (n_samples,)
            Targets; must not contain NaN.
        sample_weight : array-like of shape (n_samples,), optional
            Row weights passed to LightGBM.
        X_val, y_val : DataFrame (or array) and array-like, optional
            Validation rows: LightGBM's default metric for the objective is recorded per
            round in ``history_`` (with the training rows' metric), and they drive early
            stopping when ``early_stopping_rounds`` is set.

        Returns
        -------
        self
        """
        self._validate_params()
        frame, from_array = as_frame(self, X, fitting=True)
        labels = check_target(self, y, len(frame))
        y = self._model_target(labels, labels)
        sample_weight = check_sample_weight(sample_weight, len(frame))
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together")
        if X_val is None and self.early_stopping_rounds is not None:
            raise ValueError(
                f"early_stopping_rounds={self.early_stopping_rounds} needs validation rows: "
                "fit(X, y, X_val=..., y_val=...)"
            )
        self.processor_ = processor_for(self).fit(frame)
        self._fitted_on_array = from_array
        self.n_features_in_ = frame.shape[1]
        for stale in ("feature_names_in_", "history_"):  # from an earlier fit
            self.__dict__.pop(stale, None)
        if not from_array:
            self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        features = encode(self.processor_, frame)
        eval_X = eval_y = None
        if X_val is not None:
            val_frame, _ = as_frame(self, X_val, fitting=False)
            val_values = check_target(self, y_val, len(val_frame), what="y_val", rows_of="X_val")
            val_target = self._model_target(val_values, labels, what="y_val")
            eval_X, eval_y = (features, encode(self.processor_, val_frame)), (y, val_target)

        self.model_ = self._model_class(**self._lightgbm_params())
        callbacks = []
        if self.early_stopping_rounds is not None:
            callbacks.append(lightgbm.early_stopping(self.early_stopping_rounds, first_metric_only=True, verbose=False))
        if self.verbose and eval_X is not None:
            callbacks.append(lightgbm.log_evaluation(int(self.verbose)))
        self.model_.fit(
            features,
            y,
            sample_weight=sample_weight,
            eval_X=eval_X,
            eval_y=eval_y,
            eval_names=None if eval_X is None else ["train", "valid"],
            feature_name=booster_feature_names(self.processor_.get_feature_names_out()),
            categorical_feature=list(range(len(self.processor_.cat_features_))),
            callbacks=callbacks,
        )
        booster = self.model_.booster_
        self.best_iteration_ = booster.best_iteration if booster.best_iteration > 0 else booster.current_iteration()
        if eval_X is not None:
            self.history_ = round_history(self.model_.evals_result_)
        return self

    def _lightgbm_params(self) -> dict:
        return {
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "max_depth": self.max_depth,
            "min_child_samples": self.min_child_samples,
            "subsample": self.subsample,
            "subsample_freq": self.subsample_freq,
            "colsample_bytree": self.colsample_bytree,
            "reg_alpha": self.reg_alpha,
            "reg_lambda": self.reg_lambda,
            "max_cat_to_onehot": self.max_cat_to_onehot,
            "cat_smooth": self.cat_smooth,
            "objective": self.objective,
            "n_jobs": effective_n_jobs(self.n_jobs),
            "random_state": self.random_state,
            "verbosity": 0 if self.verbose else -1,
            "importance_type": "gain",
            "deterministic": True,
            "force_col_wise": True,
        }

    @property
    def booster_(self) -> lightgbm.Booster:
        """The fitted LightGBM booster (after early stopping, LightGBM keeps the best rounds only)."""
        check_is_fitted(self, "model_")
        return self.model_.booster_

    @property
    def feature_importances_(self) -> np.ndarray:
        """The importances of :attr:`importances_by_feature_` as an array, one per processed
        feature (scikit-learn's contract)."""
        return self.importances_by_feature_.to_numpy()

    @property
    def importances_by_feature_(self) -> pd.Series:
        """Total split gain of each processed feature, as fractions summing to 1."""
        check_is_fitted(self, "model_")
        gain = self.booster_.feature_importance("gain", iteration=self.best_iteration_)
        total = gain.sum()
        return pd.Series(
            gain / total if total > 0 else gain,
            index=pd.Index(self.processor_.get_feature_names_out(), name="feature"),
            name="importance",
        )

    def _transform(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        frame, _ = as_frame(self, X, fitting=False)
        return encode(self.processor_, frame)

    def _encoded_view(self, X: pd.DataFrame) -> EncodedView:
        """``X`` encoded once, for permutation importance (see :mod:`tabkit.prep.encoded`)."""

        def raw(features: np.ndarray) -> np.ndarray:
            return self.booster_.predict(features, num_iteration=self.best_iteration_)

        def proba(features: np.ndarray) -> np.ndarray:
            out = raw(features)
            return np.column_stack([1.0 - out, out]) if out.ndim == 1 else out

        classes = getattr(self, "classes_", None)
        model = (
            EncodedModel(self, raw, proba, classes)
            if classes is None
            else EncodedModel(self, lambda features: classes[proba(features).argmax(axis=1)], proba, classes)
        )
        return EncodedView(self._transform(X), processor_columns(self.processor_, X.columns), model)

    def _raw_output(self, X, **kwargs) -> np.ndarray:
        """The booster's output for ``X`` over the first ``best_iteration_`` rounds (the booster
        is called directly: the processor has already checked the columns by name)."""
        return self.booster_.predict(self._transform(X), num_iteration=self.best_iteration_, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class LightGBMRegressor(RegressorMixin, _LightGBM):
    """LightGBM regressor on the shared tabular preprocessing, categories as categorical features.

    Parameters
    ----------
    n_estimators : int, default 100
        Boosting rounds (at most, with early stopping).
    learning_rate : float, default 0.1
        Shrinkage of each tree.
    num_leaves : int, default 31
        Largest number of leaves per tree.
    max_depth : int, default -1
        Largest tree depth (-1: no limit).
    min_child_samples : int, default 20
        Fewest rows in a leaf.
    subsample : float, default 1.0
        Fraction of rows drawn for each tree (LightGBM's bagging).
    subsample_freq : int, default 1
        Redraw the rows every this many rounds (LightGBM ignores ``subsample`` when 0).
    colsample_bytree : float, default 1.0
        Fraction of features drawn for each tree.
    reg_alpha, reg_lambda : float, default 0.0
        L1 and L2 penalties on leaf values.
    max_cat_to_onehot : int, default 4
        Categorical features with at most this many categories are split one category
        against the rest; larger ones by sorted category sets.
    cat_smooth : float, default 10.0
        Smoothing of the category statistics used to order categories.
    early_stopping_rounds : int, optional
        Stop when the validation metric has not improved for this many rounds (needs
        ``fit(..., X_val=, y_val=)``); prediction then uses the best round.
    n_jobs : int, optional
        Threads for LightGBM (joblib's convention: None -> 1, -1 -> all cores).
    random_state : int or RandomState, optional
        Seed for row and feature sampling.
    verbose : int, default 0
        0: silent. n > 0: LightGBM's warnings, and the metrics every n rounds when there
        are validation rows.
    objective : str, optional
        LightGBM objective (``"regression_l1"``, ``"huber"``, ``"poisson"``, ...); None is
        LightGBM's ``"regression"`` (squared error).
    cat_names, cont_names : list of str, optional
        Column roles for the :class:`tabkit.TabularProcessor`; inferred when not given.
    max_card : int, default 20
        Largest integer cardinality still treated as categorical.

    Attributes
    ----------
    processor_ : TabularProcessor
        The fitted preprocessing.
    model_ : lightgbm.LGBMRegressor
        The fitted LightGBM model, on ``processor_.transform(X)`` as float32.
    booster_ : lightgbm.Booster
        Its booster.
    best_iteration_ : int
        Rounds used for prediction: the best validation round with early stopping, else all.
    history_ : DataFrame
        Per round (index ``round`` from 1): ``train_<metric>`` and ``valid_<metric>``; only
        when fitted with validation rows.
    feature_names_in_ : ndarray of str
        Columns of the training frame (not set when fitted on a numpy array).
    n_features_in_ : int
        Number of training columns.
    feature_importances_ : ndarray
        One importance per processed feature (scikit-learn's contract).
    importances_by_feature_ : Series
        Split-gain importances by processed feature (summing to 1).
    """

    _model_class = lightgbm.LGBMRegressor

    def _model_target(self, values: np.ndarray, train: np.ndarray, what: str = "y") -> np.ndarray:
        """``values`` (``y`` or ``y_val``) as float64 for LightGBM."""
        try:
            return values.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{type(self).__name__} needs a numeric {what}: {error}") from None

    def predict(self, X) -> np.ndarray:
        """Predictions of the first ``best_iteration_`` rounds.

        Parameters
        ----------
        X : DataFrame or array-like
            Rows to predict; must hold every column the processor needs.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self._raw_output(X)


class LightGBMClassifier(ClassifierMixin, _LightGBM):
    """LightGBM classifier on the shared tabular preprocessing, categories as categorical features.

    Parameters are those of :class:`LightGBMRegressor`; ``objective`` None is LightGBM's
    ``"binary"`` for two classes and ``"multiclass"`` (softmax) for more. Labels may be of
    any type (strings included).

    Attributes
    ----------
    processor_ : TabularProcessor
        The fitted preprocessing.
    model_ : lightgbm.LGBMClassifier
        The fitted LightGBM model, on ``processor_.transform(X)`` as float32.
    booster_ : lightgbm.Booster
        Its booster.
    classes_ : ndarray
        Class labels, sorted.
    best_iteration_ : int
        Rounds used for prediction: the best validation round with early stopping, else all.
    history_ : DataFrame
        Per round (index ``round`` from 1): ``train_<metric>`` and ``valid_<metric>``; only
        when fitted with validation rows.
    feature_names_in_ : ndarray of str
        Columns of the training frame (not set when fitted on a numpy array).
    n_features_in_ : int
        Number of training columns.
    feature_importances_ : ndarray
        One importance per processed feature (scikit-learn's contract).
    importances_by_feature_ : Series
        Split-gain importances by processed feature (summing to 1).
    """

    _model_class = lightgbm.LGBMClassifier

    def _model_target(self, values: np.ndarray, train: np.ndarray, what: str = "y") -> np.ndarray:
        """Labels as codes ``0..n_classes-1`` in sorted label order (LightGBM's scikit-learn
        API does not encode ``eval_y``); sets ``classes_`` from the training labels."""
        if what == "y":
            check_classification_targets(values)
            self.classes_ = np.unique(train)
        else:
            unseen = np.setdiff1d(np.unique(values), self.classes_)
            if len(unseen):
                raise ValueError(f"{what} holds label(s) {unseen.tolist()[:5]} that are not among the training labels")
        return np.searchsorted(self.classes_, values)

    def predict(self, X) -> np.ndarray:
        """Most probable class of each row (first ``best_iteration_`` rounds).

        Parameters
        ----------
        X : DataFrame or array-like

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (first ``best_iteration_`` rounds).

        Parameters
        ----------
        X : DataFrame or array-like

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        proba = self._raw_output(X)
        return np.column_stack([1.0 - proba, proba]) if proba.ndim == 1 else proba
