"""What the explain step computes once per run, not once per model: every model's
predictions of the inputs it is explained on, and its explanations of rows, kept by
content.

Every model of a run is explained on the same inputs: the same shuffles of the same
validation rows (permutation importance draws them from the run's seed and the columns),
the same grids (partial dependence), the same explained and sampled rows. A blend predicts
the weighted mean of its members' outputs, so its explanation needs no prediction of its
own: through :meth:`SharedWork.estimator` its members answer from what they predicted in
their own explain steps, and :meth:`SharedWork.explanation` assembles its contributions
from theirs (:func:`tabkit.ensemble.explanation.blend_explanation`). Inputs are told apart
by a digest of their values: a float array is hashed as float64, so the float32 rows a
forest predicts and the same rows widened beside a net's (a blend's encoded rows) are one
input.
"""

from __future__ import annotations

import copy
import hashlib
import pickle
from collections.abc import Callable

import numpy as np
import pandas as pd

from tabkit.ensemble.base import Blend
from tabkit.explain import contributions
from tabkit.explanation import Explanation
from tabkit.pipeline.models import OnModelScale
from tabkit.pipeline.steps.fitted import FittedModel
from tabkit.prep.encoded import EncodedModel, EncodedView


def digest(data) -> bytes:
    """A digest of a frame's or an array's values (and its columns' names and kinds)."""
    hashed = hashlib.blake2b(digest_size=16)
    if isinstance(data, pd.DataFrame):
        hashed.update(repr([(str(c), str(t)) for c, t in data.dtypes.items()]).encode())
        try:
            hashed.update(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
        except TypeError:  # a text column holding values of several types
            hashed.update(pickle.dumps(data.reset_index(drop=True)))
        return hashed.digest()
    array = np.asarray(data)
    if array.dtype.kind == "f":
        array = array.astype(np.float64, copy=False)
    array = np.ascontiguousarray(array)
    hashed.update(repr((array.shape, array.dtype.str)).encode())
    hashed.update(memoryview(array).cast("B"))
    return hashed.digest()


class SharedWork:
    """The predictions and explanations of a run's explain step, by model and input.

    Attributes
    ----------
    predicted, reused : int
        Predictions computed, and predictions answered from the store (a blend's members
        answering from their own explain step's work).
    """

    def __init__(self) -> None:
        self._predictions: dict[tuple, np.ndarray] = {}
        self._explanations: dict[tuple, Explanation] = {}
        self._kept: dict[int, object] = {}  # the estimators whose ids key the stores, kept alive
        self.predicted = 0
        self.reused = 0

    def estimator(self, model: FittedModel):
        """The model's estimator, its predictions kept and looked up in the store; a
        blend's members' predictions, so the blend predicts nothing twice."""
        estimator = model.estimator
        if not isinstance(estimator, Blend):
            return _Remembered(estimator, self)
        shown = copy.copy(estimator)
        shown.estimators_ = [self._member(member) for member in estimator.estimators_]
        shown.named_estimators_ = dict(zip(estimator.named_estimators_, shown.estimators_))
        return shown

    def explanation(self, model: FittedModel, X: pd.DataFrame) -> Explanation:
        """The model's explanation of the rows ``X`` (its kind's ``explain_rows``),
        computed once; a blend's from its members' explanations of the same rows, those
        of members explained before looked up."""
        estimator = model.estimator
        key = self._key(estimator, X)
        if key not in self._explanations:
            members = estimator.estimators_ if isinstance(estimator, Blend) else []
            if any(self._key(_inner(m), X) in self._explanations for m in members):
                self._explanations[key] = contributions(estimator, X, members=lambda m: self._of_member(m, X))
            else:
                self._explanations[key] = model.kind.explain_rows(estimator, X)
        return self._explanations[key]

    def predictions(self, estimator, method: str, X, predict: Callable) -> np.ndarray:
        """``predict(X)`` of an estimator's ``method``, computed once per input."""
        key = (*self._key(estimator, X), method)
        if key in self._predictions:
            self.reused += 1
        else:
            self._predictions[key] = np.asarray(predict(X))
            self.predicted += 1
        return self._predictions[key]

    def _of_member(self, member, X: pd.DataFrame) -> Explanation:
        key = self._key(member, X)
        if key not in self._explanations:
            self._explanations[key] = contributions(member, X)
        return self._explanations[key]

    def _member(self, member):
        """A blend's member, remembered (inside its rescaling wrapper, which the member's own
        model does not have)."""
        if isinstance(member, OnModelScale):
            return OnModelScale(_Remembered(member.estimator, self), member.fit_transform, member.run_transform)
        return _Remembered(member, self)

    def _key(self, estimator, X) -> tuple[int, bytes]:
        self._kept[id(estimator)] = estimator
        return id(estimator), digest(X)


def _inner(member):
    return member.estimator if isinstance(member, OnModelScale) else member


class _Remembered:
    """An estimator whose predictions, and its encoded view's, go through the store; every
    other attribute is the estimator's."""

    def __init__(self, estimator, store: SharedWork):
        self._estimator = estimator
        self._store = store

    def predict(self, X):
        return self._store.predictions(self._estimator, "predict", X, self._estimator.predict)

    def predict_proba(self, X):
        return self._store.predictions(self._estimator, "predict_proba", X, self._estimator.predict_proba)

    def _encoded_view(self, X) -> EncodedView | None:
        view = getattr(self._estimator, "_encoded_view", lambda _: None)(X)
        if view is None:
            return None
        encoded, store = view.model, self._store

        def predict(rows):
            return store.predictions(self._estimator, "encoded predict", rows, encoded.predict)

        def predict_proba(rows):
            return store.predictions(self._estimator, "encoded predict_proba", rows, encoded.predict_proba)

        proba = None if encoded._predict_proba is None else predict_proba
        return EncodedView(view.data, view.columns, EncodedModel(encoded.source, predict, proba, encoded.classes_))

    def __sklearn_tags__(self):
        return self._estimator.__sklearn_tags__()

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def __getattr__(self, name: str):
        if name.startswith("__") or name in ("_estimator", "_store"):
            raise AttributeError(name)
        return getattr(self._estimator, name)
