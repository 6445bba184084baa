"""The model kinds a spec can name, and the forest-on-embeddings estimator.

``forest`` -> :class:`tabkit.ForestRegressor` (or ``ForestClassifier`` for accuracy),
``embedding_net`` -> :class:`tabkit.EmbeddingNetRegressor` (``EmbeddingNetClassifier``),
``embedding_forest`` -> :class:`EmbeddingForestRegressor` (``EmbeddingForestClassifier``): a forest on a fitted net's entity
embeddings (each categorical column replaced by its embedding vectors), as in Guo and
Berkhahn's paper. Its ``params`` are the forest's.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone, is_classifier
from sklearn.utils.validation import check_is_fitted

PIPELINE_SET = ("cat_names", "cont_names")
"""Parameters the pipeline sets from ``[features]``; a spec may not set them in ``params``."""
NET_PIPELINE_SET = (*PIPELINE_SET, "log_target")


def estimator_class(kind: str, task: str) -> type:
    """The estimator class of a model kind (``embedding_forest``: its forest's class)."""
    classification = task == "classification"
    if kind in ("forest", "embedding_forest"):
        from tabkit.forest.estimators import ForestClassifier, ForestRegressor

        return ForestClassifier if classification else ForestRegressor
    if kind == "embedding_net":
        from tabkit.nn.estimators import EmbeddingNetClassifier, EmbeddingNetRegressor

        return EmbeddingNetClassifier if classification else EmbeddingNetRegressor
    raise ValueError(f"unknown model kind {kind!r}")


def estimator_params(kind: str, task: str) -> set[str]:
    """The parameters a spec may set for a model kind."""
    reserved = NET_PIPELINE_SET if kind == "embedding_net" else PIPELINE_SET
    return set(estimator_class(kind, task)().get_params(deep=False)) - set(reserved)


def make_estimator(kind: str, task: str, params: dict, *, cat_names: list[str] | None,
                   cont_names: list[str] | None, seed: int, y_range_auto: tuple[float, float] | None = None):
    """A configured, unfitted estimator for a model entry.

    ``random_state`` defaults to the spec's seed; a net's ``y_range = "auto"`` becomes
    ``y_range_auto`` (fastai's ``[0, 1.2 * max]`` on the training scale); lists become tuples.
    """
    cls = estimator_class(kind, task)
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    values.setdefault("random_state", seed)
    if kind == "embedding_net":
        if values.get("y_range") == "auto":
            values["y_range"] = y_range_auto
        values["log_target"] = False
    values["cat_names"] = cat_names
    values["cont_names"] = cont_names
    return cls(**values)


class EmbeddingForest(BaseEstimator):
    """A forest fitted on the entity embeddings of an embedding net (shared base class).

    Parameters
    ----------
    net : EmbeddingNetRegressor or EmbeddingNetClassifier
        A fitted net (used as it is) or an unfitted one (cloned and fitted on ``X, y``).
    forest : ForestRegressor or ForestClassifier
        The forest to fit on ``net.transform(X)`` (cloned).

    Attributes
    ----------
    net_ : the fitted net
    forest_ : the fitted forest
    """

    def __init__(self, net=None, forest=None):
        self.net = net
        self.forest = forest

    @classmethod
    def from_fitted(cls, net, forest) -> "EmbeddingForest":
        """Wrap an already fitted net and a forest already fitted on its embeddings."""
        check_is_fitted(net, "module_")
        check_is_fitted(forest)
        if cls is EmbeddingForest:
            cls = EmbeddingForestClassifier if is_classifier(forest) else EmbeddingForestRegressor
        model = cls(net=net, forest=forest)
        model.net_, model.forest_ = net, forest
        return model

    def fit(self, X: pd.DataFrame, y) -> "EmbeddingForest":
        """Fit the net (unless it is fitted already), then the forest on its embeddings."""
        if self.net is None or self.forest is None:
            raise ValueError("EmbeddingForest needs both a net and a forest")
        try:
            check_is_fitted(self.net, "module_")
            net = self.net
        except Exception:
            net = clone(self.net).fit(X, y)
        self.net_ = net
        self.forest_ = clone(self.forest).fit(net.transform(X), y)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """The forest's inputs: ``X`` with categorical columns replaced by embeddings."""
        check_is_fitted(self, "forest_")
        return self.net_.transform(X)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The forest's predictions on the embeddings of ``X``."""
        return self.forest_.predict(self.transform(X))

    def predict_std(self, X: pd.DataFrame) -> np.ndarray:
        """The spread of the trees' predictions (regression)."""
        return self.forest_.predict_std(self.transform(X))

    def source_of(self, feature: str) -> str:
        """The input column an embedding feature (``<col>_emb<k>``) comes from."""
        check_is_fitted(self, "forest_")
        match = re.fullmatch(r"(.+)_emb\d+", feature)
        if match and match.group(1) in self.net_.processor_.cat_features_:
            return match.group(1)
        return feature


class EmbeddingForestRegressor(RegressorMixin, EmbeddingForest):
    """A forest regressor on a net's entity embeddings (see :class:`EmbeddingForest`)."""


class EmbeddingForestClassifier(ClassifierMixin, EmbeddingForest):
    """A forest classifier on a net's entity embeddings (see :class:`EmbeddingForest`)."""

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities of the forest."""
        return self.forest_.predict_proba(self.transform(X))

    @property
    def classes_(self) -> np.ndarray:
        """The class labels."""
        return self.forest_.classes_
