"""A forest on the entity embeddings of a fitted net (Guo and Berkhahn): each categorical
column is replaced by its embedding vectors before the forest sees it."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted


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
    def from_fitted(cls, net, forest) -> EmbeddingForest:
        """Wrap an already fitted net and a forest already fitted on its embeddings."""
        check_is_fitted(net, "module_")
        check_is_fitted(forest)
        if cls is EmbeddingForest:
            cls = EmbeddingForestClassifier if is_classifier(forest) else EmbeddingForestRegressor
        model = cls(net=net, forest=forest)
        model.net_, model.forest_ = net, forest
        return model

    def fit(self, X: pd.DataFrame, y) -> EmbeddingForest:
        """Fit the net (unless it is fitted already), then the forest on its embeddings."""
        if self.net is None or self.forest is None:
            raise ValueError("EmbeddingForest needs both a net and a forest")
        try:
            check_is_fitted(self.net, "module_")
            net = self.net
        except NotFittedError:
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

    def _encoded_view(self, X: pd.DataFrame):
        """The forest's encoded view of the embeddings of ``X``, each input column mapped to
        the encoded columns of its embedding dimensions (for permutation importance)."""
        inner = self.forest_._encoded_view(self.transform(X))
        columns: dict[str, list[int]] = {column: [] for column in X.columns}
        for feature, positions in inner.columns.items():
            source = self.source_of(feature)  # a flag "<col>_na" comes from its column
            if source not in columns and source.endswith("_na") and source[:-3] in columns:
                source = source[:-3]
            columns.setdefault(source, []).extend(positions)
        inner.columns = columns
        return inner

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
