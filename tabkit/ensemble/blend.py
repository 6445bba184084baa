"""Weighted blends of fitted models: ``BlendRegressor`` and ``BlendClassifier``.

A blend fits a clone of each member on the same rows and predicts the weighted mean of
their outputs: regressors on the scale the members learn (``target_transform="log"``: the
members learn ``log(y)`` and the blend predicts ``exp`` of the weighted mean of their
outputs), classifiers as the weighted mean of their class probabilities. Weights are
equal, given, or fitted on validation rows (:func:`tabkit.ensemble.fit_blend_weights`).
A blend of members fitted elsewhere (the pipeline fits each model itself) is built with
``from_fitted``, without refitting them.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from tabkit.ensemble.base import Blend
from tabkit.ensemble.weights import blend_predictions
from tabkit.prep.encoded import EncodedModel
from tabkit.prep.target import target_transform


class BlendRegressor(RegressorMixin, Blend):
    """Weighted mean of regressors, on the scale the members learn.

    Parameters
    ----------
    estimators : list of (str, estimator)
        The members; each is cloned and fitted by ``fit``.
    weights : {"equal", "validation"}, list of float or dict of str to float, default "equal"
        ``"equal"``: 1/k each. ``"validation"``: non-negative weights summing to 1 that
        minimise the squared error of the blend on the validation rows (on the model
        scale). Numbers (a list in member order, or a dict by name, missing names 0) are
        normalised to sum to 1.
    target_transform : {None, "identity", "log"} or TargetTransform, default None
        ``"log"``: the members learn ``log(y)``, the weights are fitted in log units and
        the blend predicts ``exp`` of the weighted mean of the members' outputs.

    Attributes
    ----------
    estimators_ : list
        The fitted members.
    named_estimators_ : dict
        The fitted members by name.
    weights_ : ndarray of shape (k,)
        The weights used (summing to 1).
    transform_ : TargetTransform
        The target transform.
    n_features_in_, feature_names_in_
        Those of the first member, when it has them.
    """

    _member_method = "predict"
    _own_params = ("estimators", "weights", "target_transform")

    def __init__(self, estimators, weights="equal", target_transform=None):
        self.estimators = estimators
        self.weights = weights
        self.target_transform = target_transform

    def fit(self, X, y, X_val=None, y_val=None) -> BlendRegressor:
        """Fit each member (a clone) on ``X`` and the transformed ``y``, then the weights.

        Parameters
        ----------
        X : DataFrame or array-like
            Training rows.
        y : array-like of shape (n_samples,)
            Targets in original units.
        X_val, y_val : optional
            Validation rows, needed for ``weights="validation"``.

        Returns
        -------
        self
        """
        self._fit(X, y, X_val, y_val)
        return self

    @classmethod
    def from_fitted(
        cls, estimators, *, weights="equal", target_transform=None, val_predictions=None, X_val=None, y_val=None
    ) -> BlendRegressor:
        """A fitted blend of members that are already fitted (they are used as they are).

        Parameters
        ----------
        estimators : list of (str, fitted estimator)
            Members fitted on the target on the model scale (``log(y)`` for a log target).
        weights : see the class
        target_transform : see the class
        val_predictions : array-like (n_rows, k) or list of k arrays, optional
            The members' validation predictions on the model scale, in member order.
        X_val : DataFrame or array-like, optional
            Validation rows to predict instead (when ``val_predictions`` is not given).
        y_val : array-like, optional
            Validation targets in original units; needed for ``weights="validation"``.

        Returns
        -------
        BlendRegressor
        """
        params = {"target_transform": target_transform}
        return cls._from_fitted(estimators, weights, params, val_predictions=val_predictions, X_val=X_val, y_val=y_val)

    def _prepare(self) -> None:
        self.transform_ = target_transform(self.target_transform)

    def _saved_params(self) -> dict:
        return {**super()._saved_params(), "target_transform": self.transform_.name}

    def _model_target(self, y, what: str = "y") -> np.ndarray:
        try:
            if np.iscomplexobj(y):
                raise TypeError("Complex data not supported")
            values = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{type(self).__name__} needs a numeric {what}: {error}") from None
        return self.transform_.forward(self.transform_.check(values, what))

    def member_predictions(self, X) -> np.ndarray:
        """Each member's prediction on the model scale: shape (n_samples, k)."""
        check_is_fitted(self, "weights_")
        return self._member_outputs(self.estimators_, X)

    def predict(self, X) -> np.ndarray:
        """``transform.inverse`` of the weighted mean of the members' predictions.

        Parameters
        ----------
        X : DataFrame or array-like

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self._blended(self.member_predictions(X))

    def _blended(self, matrix: np.ndarray) -> np.ndarray:
        return self.transform_.inverse(blend_predictions(matrix, self.weights_))

    def _encoded_model(self, outputs) -> EncodedModel:
        return EncodedModel(self, lambda rows: self._blended(outputs(rows)))


class BlendClassifier(ClassifierMixin, Blend):
    """Weighted mean of classifiers' class probabilities.

    Parameters
    ----------
    estimators : list of (str, estimator)
        The members, each with ``predict_proba``; they must share ``classes_``.
    weights : {"equal", "validation"}, list of float or dict of str to float, default "equal"
        ``"validation"``: non-negative weights summing to 1 that minimise the log loss of
        the blended probabilities on the validation rows. Numbers are normalised.

    Attributes
    ----------
    estimators_ : list
        The fitted members.
    named_estimators_ : dict
        The fitted members by name.
    weights_ : ndarray of shape (k,)
        The weights used (summing to 1).
    classes_ : ndarray
        The members' common class labels.
    n_features_in_, feature_names_in_
        Those of the first member, when it has them.
    """

    _member_method = "predict_proba"
    _own_params = ("estimators", "weights")

    def __init__(self, estimators, weights="equal"):
        self.estimators = estimators
        self.weights = weights

    def fit(self, X, y, X_val=None, y_val=None) -> BlendClassifier:
        """Fit each member (a clone) on ``X, y``, then the weights.

        Parameters
        ----------
        X : DataFrame or array-like
            Training rows.
        y : array-like of shape (n_samples,)
            Labels.
        X_val, y_val : optional
            Validation rows, needed for ``weights="validation"``.

        Returns
        -------
        self
        """
        self._fit(X, y, X_val, y_val)
        return self

    @classmethod
    def from_fitted(
        cls, estimators, *, weights="equal", val_predictions=None, X_val=None, y_val=None
    ) -> BlendClassifier:
        """A fitted blend of members that are already fitted (they are used as they are).

        Parameters
        ----------
        estimators : list of (str, fitted classifier)
            Members sharing ``classes_``.
        weights : see the class
        val_predictions : array-like (n_rows, k, n_classes) or list of k arrays, optional
            The members' validation probabilities (columns in ``classes_`` order).
        X_val : DataFrame or array-like, optional
            Validation rows to predict instead (when ``val_predictions`` is not given).
        y_val : array-like, optional
            Validation labels; needed for ``weights="validation"``.

        Returns
        -------
        BlendClassifier
        """
        return cls._from_fitted(estimators, weights, {}, val_predictions=val_predictions, X_val=X_val, y_val=y_val)

    def _check_members_agree(self, members) -> None:
        first_name, first = members[0]
        for name, estimator in members[1:]:
            if not np.array_equal(np.asarray(estimator.classes_), np.asarray(first.classes_)):
                raise ValueError(
                    f"members {first_name!r} and {name!r} have different classes_ "
                    f"({list(first.classes_)[:10]} vs {list(estimator.classes_)[:10]}): were they trained on "
                    "the same target?"
                )
        self.classes_ = np.asarray(first.classes_)

    def _weight_options(self) -> dict:
        return {"classes": self.classes_}

    def predict_proba(self, X) -> np.ndarray:
        """Weighted mean of the members' class probabilities.

        Parameters
        ----------
        X : DataFrame or array-like

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self, "weights_")
        return blend_predictions(self._member_outputs(self.estimators_, X), self.weights_)

    def predict(self, X) -> np.ndarray:
        """The most probable class of the blended probabilities.

        Parameters
        ----------
        X : DataFrame or array-like

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)  # raises NotFittedError before classes_ is read
        return self.classes_[proba.argmax(axis=1)]

    def _encoded_model(self, outputs) -> EncodedModel:
        def proba(rows):
            return blend_predictions(outputs(rows), self.weights_)

        return EncodedModel(self, lambda rows: self.classes_[proba(rows).argmax(axis=1)], proba, self.classes_)
