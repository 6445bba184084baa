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

import inspect
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted

from tabkit.boosting.inputs import check_target
from tabkit.ensemble.weights import (
    blend_predictions,
    fit_blend_weights,
    prediction_matrix,
)
from tabkit.prep.target import target_transform

WEIGHT_RULES = ("equal", "validation")


def _n_rows(X) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(np.asarray(X))


def _is(rule: str | np.ndarray, name: str) -> bool:
    """Whether the checked weights are the named rule (not given numbers)."""
    return isinstance(rule, str) and rule == name


class _Blend(BaseEstimator):
    """Member handling, parameters and weights shared by the two blends."""

    _member_method: str
    _own_params: tuple[str, ...]

    def get_params(self, deep: bool = True) -> dict:
        """Parameters of the blend; with ``deep``, also each member (``name``) and its
        parameters (``name__param``), as scikit-learn's voting estimators do."""
        params = super().get_params(deep=False)
        if deep:
            for name, estimator in self._listed():
                params[name] = estimator
                if hasattr(estimator, "get_params"):
                    params.update({f"{name}__{key}": value for key, value in estimator.get_params(deep=True).items()})
        return params

    def set_params(self, **params) -> _Blend:
        """Set blend parameters, replace a member (``name=estimator``) or set a member's
        parameter (``name__param=value``)."""
        if "estimators" in params:
            self.estimators = params.pop("estimators")
        names = [name for name, _ in self._listed()]
        replaced = {name: params.pop(name) for name in list(params) if name in names}
        if replaced:
            self.estimators = [(name, replaced.get(name, estimator)) for name, estimator in self.estimators]
        return super().set_params(**params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        members = [member[1] for member in self._listed() if hasattr(member[1], "__sklearn_tags__")]
        if members:
            member_tags = [get_tags(estimator).input_tags for estimator in members]
            tags.input_tags.sparse = all(t.sparse for t in member_tags)
            tags.input_tags.allow_nan = all(t.allow_nan for t in member_tags)
        return tags

    def _listed(self) -> list[tuple]:
        """The well-formed (name, estimator) pairs of ``estimators`` (unchecked)."""
        if not isinstance(self.estimators, (list, tuple)):
            return []
        return [member for member in self.estimators if isinstance(member, tuple) and len(member) == 2]

    def _members(self) -> list[tuple[str, object]]:
        """The ``estimators`` list, checked: (name, estimator) pairs, names unique."""
        kind = type(self).__name__
        if not isinstance(self.estimators, (list, tuple)) or len(self.estimators) == 0:
            raise ValueError(f"{kind} needs a non-empty list of (name, estimator) pairs, got {self.estimators!r}")
        seen = set()
        for member in self.estimators:
            if not (isinstance(member, tuple) and len(member) == 2 and isinstance(member[0], str)):
                raise ValueError(f"{kind}: each member must be a (name, estimator) pair, got {member!r}")
            name, estimator = member
            if name in seen:
                raise ValueError(f"{kind}: member {name!r} is listed twice; give each member its own name")
            if "__" in name or name in self._own_params:
                raise ValueError(f"{kind}: member name {name!r} must not contain '__' or be one of {self._own_params}")
            if not (hasattr(estimator, "fit") and hasattr(estimator, self._member_method)):
                raise TypeError(
                    f"{kind}: member {name!r} is a {type(estimator).__name__}, which has no fit and "
                    f"{self._member_method} methods"
                )
            seen.add(name)
        return list(self.estimators)

    def _weight_rule(self, names: list[str]) -> str | np.ndarray:
        """``"equal"``, ``"validation"``, or the given weights normalised to sum 1."""
        weights = self.weights
        if isinstance(weights, str):
            if weights not in WEIGHT_RULES:
                raise ValueError(f"weights must be one of {WEIGHT_RULES}, a list or a dict of numbers, got {weights!r}")
            return weights
        if isinstance(weights, dict):
            unknown = [name for name in weights if name not in names]
            if unknown:
                raise ValueError(f"weights name unknown member(s) {unknown}; the members are {names}")
            weights = [weights.get(name, 0.0) for name in names]
        values = list(weights) if isinstance(weights, (list, tuple, np.ndarray)) else None
        if values is None or not all(isinstance(v, Real) and not isinstance(v, bool) for v in values):
            raise ValueError(f"weights must be one of {WEIGHT_RULES}, a list or a dict of numbers, got {weights!r}")
        values = np.asarray(values, dtype=np.float64)
        if len(values) != len(names):
            raise ValueError(f"weights has {len(values)} value(s) but there are {len(names)} members {names}")
        if not np.isfinite(values).all() or (values < 0).any() or values.sum() <= 0:
            raise ValueError(f"weights must be finite, non-negative and not all zero, got {values.tolist()}")
        return values / values.sum()

    def _setup(self, members, rule, *, fitted: list, validation: np.ndarray | None, y_val) -> None:
        """Record the fitted members and the weights (fitted on ``validation`` predictions)."""
        names = [name for name, _ in members]
        self.estimators_ = fitted
        self.named_estimators_ = dict(zip(names, fitted))
        if isinstance(rule, np.ndarray):
            self.weights_ = rule
        elif rule == "equal":
            self.weights_ = np.full(len(names), 1.0 / len(names))
        else:
            self.weights_ = fit_blend_weights(validation, y_val, **self._weight_options())
        first = fitted[0]
        if hasattr(first, "n_features_in_"):
            self.n_features_in_ = first.n_features_in_
        if hasattr(first, "feature_names_in_"):
            self.feature_names_in_ = first.feature_names_in_

    def _weight_options(self) -> dict:
        return {}

    def _fit_members(self, X, y, X_val, y_val) -> tuple[list, str | np.ndarray, list]:
        """Clones of the members fitted on ``X, y`` (members whose ``fit`` takes ``X_val``
        and ``y_val`` get the validation rows too, e.g. for early stopping)."""
        members = self._members()
        rule = self._weight_rule([name for name, _ in members])
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together")
        if _is(rule, "validation") and X_val is None:
            raise ValueError("weights='validation' needs validation rows: fit(X, y, X_val=..., y_val=...)")
        fitted = []
        for _, estimator in members:
            extra = {}
            if X_val is not None and {"X_val", "y_val"} <= set(inspect.signature(estimator.fit).parameters):
                extra = {"X_val": X_val, "y_val": y_val}
            fitted.append(clone(estimator).fit(X, y, **extra))
        return members, rule, fitted

    @classmethod
    def _from_fitted(cls, estimators, weights, params: dict, *, val_predictions, X_val, y_val):
        blend = cls(estimators, weights=weights, **params)
        members = blend._members()
        rule = blend._weight_rule([name for name, _ in members])
        validating = _is(rule, "validation") or val_predictions is not None or X_val is not None
        if validating and (y_val is None or (val_predictions is None and X_val is None)):
            raise ValueError("validation weights need y_val and either val_predictions or X_val")
        for _, estimator in members:
            check_is_fitted(estimator)
        blend._check_members_agree(members)
        fitted = [estimator for _, estimator in members]
        blend._prepare()
        validation = y_model = None
        if validating:
            y_model = blend._model_target(y_val, "y_val")
            if val_predictions is not None:
                validation = prediction_matrix(val_predictions, n_members=len(members))
            else:
                validation = blend._member_outputs(fitted, X_val)
            if validation.shape[0] != len(y_model):
                raise ValueError(
                    f"the validation predictions have {validation.shape[0]} rows but y_val has {len(y_model)}: "
                    "were the members scored on the same validation rows?"
                )
        blend._setup(members, rule, fitted=fitted, validation=validation, y_val=y_model)
        return blend

    def _prepare(self) -> None:
        """Fitted state needed before the members' outputs are read (regressors: the transform)."""

    def _check_members_agree(self, members) -> None:
        """Classifiers: every member has the same ``classes_``."""

    def _model_target(self, y, what: str = "y"):
        return np.asarray(y)

    def _member_outputs(self, fitted: list, X) -> np.ndarray:
        return prediction_matrix([getattr(member, self._member_method)(X) for member in fitted])


class BlendRegressor(RegressorMixin, _Blend):
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
        self._prepare()
        y_model = self._model_target(check_target(self, y, _n_rows(X)))
        y_val_model = None if y_val is None else self._model_target(y_val, "y_val")
        members, rule, fitted = self._fit_members(X, y_model, X_val, y_val_model)
        validation = self._member_outputs(fitted, X_val) if _is(rule, "validation") else None
        self._setup(members, rule, fitted=fitted, validation=validation, y_val=y_val_model)
        return self

    @classmethod
    def from_fitted(cls, estimators, *, weights="equal", target_transform=None, val_predictions=None,
                    X_val=None, y_val=None) -> BlendRegressor:
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

    def _model_target(self, y, what: str = "y") -> np.ndarray:
        try:
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
        matrix = self.member_predictions(X)
        return self.transform_.inverse(blend_predictions(matrix, self.weights_))


class BlendClassifier(ClassifierMixin, _Blend):
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
        y = check_target(self, y, _n_rows(X))
        members, rule, fitted = self._fit_members(X, y, X_val, y_val)
        self._check_members_agree(list(zip([name for name, _ in members], fitted)))
        validation = self._member_outputs(fitted, X_val) if _is(rule, "validation") else None
        self._setup(members, rule, fitted=fitted, validation=validation, y_val=y_val)
        return self

    @classmethod
    def from_fitted(cls, estimators, *, weights="equal", val_predictions=None, X_val=None,
                    y_val=None) -> BlendClassifier:
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
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]
