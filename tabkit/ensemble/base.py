"""What the two blends share: their members (checked, cloned, fitted), nested parameters
(``name__param``, as scikit-learn's voting estimators), weights, ``from_fitted`` and how a
run saves a blend (JSON of its weights, its members saved on their own)."""

from __future__ import annotations

import inspect
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted

from tabkit.ensemble.weights import fit_blend_weights, prediction_matrix
from tabkit.prep.encoded import EncodedView, side_by_side
from tabkit.prep.fit_inputs import check_target
from tabkit.run_folder.model_files import ModelParts

WEIGHT_RULES = ("equal", "validation")


def _n_rows(X) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(np.asarray(X))


def _is(rule: str | np.ndarray, name: str) -> bool:
    """Whether the checked weights are the named rule (not given numbers)."""
    return isinstance(rule, str) and rule == name


class Blend(BaseEstimator):
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

    def set_params(self, **params) -> Blend:
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

    def _fit(self, X, y, X_val, y_val) -> None:
        """Fit clones of the members on ``X`` and ``y`` (on the model scale), then the
        weights. Members whose ``fit`` takes ``X_val`` and ``y_val`` get the validation
        rows too (e.g. for early stopping)."""
        members = self._members()
        rule = self._weight_rule([name for name, _ in members])
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together")
        if _is(rule, "validation") and X_val is None:
            raise ValueError("weights='validation' needs validation rows: fit(X, y, X_val=..., y_val=...)")
        self._prepare()
        y_model = self._model_target(check_target(self, y, _n_rows(X)))
        y_val_model = None
        if X_val is not None:
            y_val = check_target(self, y_val, _n_rows(X_val), what="y_val", rows_of="X_val")
            y_val_model = self._model_target(y_val, "y_val")
        fitted = []
        for _, estimator in members:
            extra = {}
            if X_val is not None and {"X_val", "y_val"} <= set(inspect.signature(estimator.fit).parameters):
                extra = {"X_val": X_val, "y_val": y_val_model}
            fitted.append(clone(estimator).fit(X, y_model, **extra))
        self._check_members_agree([(name, member) for (name, _), member in zip(members, fitted)])
        validation = self._member_outputs(fitted, X_val) if _is(rule, "validation") else None
        self._setup(members, rule, fitted=fitted, validation=validation, y_val=y_val_model)

    @classmethod
    def _from_fitted(cls, estimators, weights, params: dict, *, val_predictions, X_val, y_val):
        blend = cls(estimators, weights=weights, **params)
        members = blend._members()
        rule = blend._weight_rule([name for name, _ in members])
        validating = _is(rule, "validation") or val_predictions is not None or X_val is not None
        if validating and (y_val is None or (val_predictions is None and X_val is None)):
            raise ValueError("validation weights need y_val and either val_predictions or X_val")
        for name, estimator in members:
            try:
                check_is_fitted(estimator)
            except NotFittedError:
                raise NotFittedError(
                    f"from_fitted: member {name!r} ({type(estimator).__name__}) is not fitted"
                ) from None
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

    def _model_parts(self) -> ModelParts:
        """A fitted blend as a run saves it: its parameters and weights as JSON, its members
        (or references to the run's models) on their own."""
        check_is_fitted(self, "weights_")
        names = [name for name, _ in self._listed()]
        return ModelParts(
            config={"params": self._saved_params(), "weights_": [float(w) for w in self.weights_]},
            members=dict(zip(names, self.estimators_)),
        )

    @classmethod
    def _from_model_parts(cls, parts: ModelParts) -> Blend:
        """The blend :meth:`_model_parts` saved, its members loaded."""
        members = list(parts.members.items())
        blend = cls(members, **parts.config["params"])
        blend._prepare()
        blend._check_members_agree(members)
        weights = np.asarray(parts.config["weights_"], dtype=np.float64)
        blend._setup(members, weights, fitted=[member for _, member in members], validation=None, y_val=None)
        return blend

    def _saved_params(self) -> dict:
        """The blend's own parameters as JSON values."""
        weights = self.weights
        if isinstance(weights, np.ndarray):
            weights = weights.tolist()
        return {"weights": weights}

    def _prepare(self) -> None:
        """Fitted state needed before the members' outputs are read (regressors: the transform)."""

    def _check_members_agree(self, members) -> None:
        """Classifiers: every member has the same ``classes_``."""

    def _model_target(self, y, what: str = "y"):
        return np.asarray(y)

    def _member_outputs(self, fitted: list, X) -> np.ndarray:
        return prediction_matrix([getattr(member, self._member_method)(X) for member in fitted])

    def _encoded_view(self, X) -> EncodedView | None:
        """``X`` encoded once for every member, side by side, for permutation importance
        (see :mod:`tabkit.prep.encoded`); None when a member has no encoded view."""
        check_is_fitted(self, "weights_")
        views = [getattr(member, "_encoded_view", lambda _: None)(X) for member in self.estimators_]
        if any(view is None for view in views):
            return None
        data, columns, split = side_by_side(views)

        def outputs(rows):
            return prediction_matrix([getattr(model, self._member_method)(part) for model, part in split(rows)])

        return EncodedView(data, columns, self._encoded_model(outputs))
