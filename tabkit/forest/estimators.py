"""Random forests on the shared preprocessing: ``ForestRegressor`` and ``ForestClassifier``.

Each estimator fits a :class:`tabkit.TabularProcessor` (raw values, not normalised) and a
scikit-learn random forest on its output. Prediction is a pure function of the fitted
``processor_`` and ``forest_``: ``forest_.predict(encode(processor_, X))``, so a caller may
swap ``forest_`` for another forest over the same features (e.g. its first k trees).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from tabkit.forest.storage import packed_forest, unpacked_forest
from tabkit.prep.encoded import EncodedModel, EncodedView, processor_columns
from tabkit.prep.fit_inputs import check_target, encode
from tabkit.prep.inputs import as_frame
from tabkit.prep.processor import TabularProcessor


class _Forest(BaseEstimator):
    """Shared fitting and input handling of the tabkit forests."""

    _forest_class: type
    _parameter_constraints: dict = {
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_features": [
            Interval(RealNotInt, 0.0, 1.0, closed="right"),
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"sqrt", "log2"}),
            None,
        ],
        "min_samples_leaf": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0.0, 1.0, closed="neither"),
        ],
        "max_samples": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0.0, 1.0, closed="right"),
            None,
        ],
        "oob_score": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "cat_names": ["array-like", None],
        "cont_names": ["array-like", None],
        "max_card": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_estimators: int = 100,
        *,
        max_features: float | int | str | None = 0.5,
        min_samples_leaf: int | float = 3,
        max_samples: int | float | None = None,
        oob_score: bool = False,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        cat_names: Sequence[str] | None = None,
        cont_names: Sequence[str] | None = None,
        max_card: int = 20,
    ):
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.max_samples = max_samples
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.cat_names = cat_names
        self.cont_names = cont_names
        self.max_card = max_card

    def fit(self, X, y, sample_weight=None):
        """Fit the processor on ``X`` and the forest on its output.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Training rows. A numpy array gets the column names ``x0``, ``x1``, ...
        y : array-like of shape (n_samples,)
            Targets; must not contain NaN.
        sample_weight : array-like of shape (n_samples,), optional
            Row weights passed to the forest.

        Returns
        -------
        self
        """
        self._validate_params()
        frame, from_array = self._frame(X, fitting=True)
        y = check_target(self, y, len(frame))
        y = self._check_target(y)
        self.processor_ = TabularProcessor(self.cat_names, self.cont_names, max_card=self.max_card).fit(frame)
        self.forest_ = self._forest_class(
            n_estimators=self.n_estimators,
            max_features=self.max_features,
            min_samples_leaf=self.min_samples_leaf,
            max_samples=self.max_samples,
            bootstrap=True,
            oob_score=self.oob_score,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
        )
        self.forest_.fit(encode(self.processor_, frame), y, sample_weight=sample_weight)
        self._fitted_on_array = from_array
        self.n_features_in_ = frame.shape[1]
        if not from_array:
            self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        if self.oob_score:
            self.oob_score_ = self.forest_.oob_score_
        return self

    @property
    def feature_importances_(self) -> np.ndarray:
        """The importances of :attr:`importances_by_feature_` as an array, one per processed
        feature (scikit-learn's contract)."""
        return self.importances_by_feature_.to_numpy()

    @property
    def importances_by_feature_(self) -> pd.Series:
        """Impurity-based importances of the forest, indexed by processed feature name."""
        check_is_fitted(self, "forest_")
        return pd.Series(
            self.forest_.feature_importances_,
            index=pd.Index(self.processor_.get_feature_names_out(), name="feature"),
            name="importance",
        )

    def _transform(self, X) -> np.ndarray:
        check_is_fitted(self, "forest_")
        frame, _ = self._frame(X, fitting=False)
        return encode(self.processor_, frame)

    def _encoded_view(self, X: pd.DataFrame) -> EncodedView:
        """``X`` encoded once, for permutation importance (see :mod:`tabkit.prep.encoded`)."""
        forest = self.forest_
        model = EncodedModel(
            self, forest.predict, getattr(forest, "predict_proba", None), getattr(self, "classes_", None)
        )
        return EncodedView(self._transform(X), processor_columns(self.processor_, X.columns), model)

    def _frame(self, X, *, fitting: bool) -> tuple[pd.DataFrame, bool]:
        return as_frame(self, X, fitting=fitting)

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: the estimator itself keeps its trees
        if "forest_" in state:  # trees pickle packed: what they cannot recompute (tabkit.forest.storage)
            state["forest_"] = packed_forest(state["forest_"])
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "forest_" in state:  # trees read through skops come back packed
            unpacked_forest(self.forest_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class ForestRegressor(RegressorMixin, _Forest):
    """Random forest regressor on the shared tabular preprocessing, with fast.ai's defaults.

    Parameters
    ----------
    n_estimators : int, default 100
        Number of trees.
    max_features : float, int, str or None, default 0.5
        Features considered at each split (fast.ai's ``max_features=0.5``).
    min_samples_leaf : int or float, default 3
        Smallest leaf.
    max_samples : int or float, optional
        Rows sampled for each tree (fast.ai's ``set_rf_samples``); all rows when None.
    oob_score : bool, default False
        Compute the out-of-bag R^2.
    n_jobs : int, optional
        Parallel jobs for fitting and predicting (joblib).
    random_state : int or RandomState, optional
        Makes the forest repeatable.
    cat_names, cont_names : list of str, optional
        Column roles for the :class:`tabkit.TabularProcessor`; inferred when not given.
    max_card : int, default 20
        Largest integer cardinality still treated as categorical.

    Attributes
    ----------
    processor_ : TabularProcessor
        The fitted preprocessing.
    forest_ : sklearn.ensemble.RandomForestRegressor
        The fitted forest, on ``processor_.transform(X)`` as float32.
    feature_names_in_ : ndarray of str
        Columns of the training frame (not set when fitted on a numpy array).
    n_features_in_ : int
        Number of training columns.
    feature_importances_ : ndarray
        One importance per processed feature (scikit-learn's contract).
    importances_by_feature_ : Series
        Impurity importances by processed feature.
    oob_score_ : float
        Out-of-bag R^2 (when ``oob_score=True``).
    """

    _forest_class = RandomForestRegressor

    def _check_target(self, y: np.ndarray) -> np.ndarray:
        try:
            return y.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(f"ForestRegressor needs a numeric target: {error}") from None

    def predict(self, X) -> np.ndarray:
        """Mean prediction of the trees.

        Parameters
        ----------
        X : DataFrame or array-like
            Rows to predict; must hold every column the processor needs.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        features = self._transform(X)
        return self.forest_.predict(features)

    def predict_std(self, X) -> np.ndarray:
        """Standard deviation of the per-tree predictions (the course's confidence measure).

        Parameters
        ----------
        X : DataFrame or array-like

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        features = self._transform(X)
        per_tree = np.stack([tree.predict(features, check_input=False) for tree in self.forest_.estimators_])
        return per_tree.std(axis=0)


class ForestClassifier(ClassifierMixin, _Forest):
    """Random forest classifier on the shared tabular preprocessing, with fast.ai's defaults.

    Parameters are those of :class:`ForestRegressor`; ``oob_score`` gives the out-of-bag
    accuracy.

    Attributes
    ----------
    processor_ : TabularProcessor
        The fitted preprocessing.
    forest_ : sklearn.ensemble.RandomForestClassifier
        The fitted forest, on ``processor_.transform(X)`` as float32.
    classes_ : ndarray
        Class labels.
    feature_names_in_ : ndarray of str
        Columns of the training frame (not set when fitted on a numpy array).
    n_features_in_ : int
        Number of training columns.
    feature_importances_ : ndarray
        One importance per processed feature (scikit-learn's contract).
    importances_by_feature_ : Series
        Impurity importances by processed feature.
    oob_score_ : float
        Out-of-bag accuracy (when ``oob_score=True``).
    """

    _forest_class = RandomForestClassifier

    def fit(self, X, y, sample_weight=None) -> ForestClassifier:
        super().fit(X, y, sample_weight=sample_weight)
        self.classes_ = self.forest_.classes_
        return self

    fit.__doc__ = _Forest.fit.__doc__

    def _check_target(self, y: np.ndarray) -> np.ndarray:
        check_classification_targets(y)
        return y

    def predict(self, X) -> np.ndarray:
        """Most probable class of each row.

        Parameters
        ----------
        X : DataFrame or array-like

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        features = self._transform(X)
        return self.forest_.predict(features)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities: the mean of the trees' leaf class fractions.

        Parameters
        ----------
        X : DataFrame or array-like

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        features = self._transform(X)
        return self.forest_.predict_proba(features)
