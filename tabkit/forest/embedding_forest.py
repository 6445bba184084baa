"""A forest on the entity embeddings of a fitted net (Guo and Berkhahn): each categorical
column is replaced by its embedding vectors before the forest sees it."""

from __future__ import annotations

import re
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from tabkit.run_folder.model_files import ModelParts


class EmbeddingForest(BaseEstimator):
    """A forest fitted on the entity embeddings of an embedding net (shared base class).

    Parameters
    ----------
    net : EmbeddingNetRegressor or EmbeddingNetClassifier
        A fitted net (used as it is) or an unfitted one (cloned and fitted on ``X, y``).
    forest : ForestRegressor or ForestClassifier
        The forest to fit on the embeddings of ``X`` (cloned).
    components : int, optional
        Keep only the first ``components`` principal components of each embedding (fewer,
        denser columns: a faster forest); all dimensions when None.
    codes : bool, default False
        Also give the forest each categorical column's own code.

    Attributes
    ----------
    net_ : the fitted net
    forest_ : the fitted forest
    projections_ : dict of str to (ndarray, ndarray)
        Per categorical column, the mean and the principal axes its embedding is projected
        on (only with ``components``).
    """

    _parameter_constraints: dict = {
        "net": [HasMethods(["fit", "transform"]), None],
        "forest": [HasMethods(["fit", "predict"]), None],
        "components": [Interval(Integral, 1, None, closed="left"), None],
        "codes": ["boolean"],
    }

    def __init__(self, net=None, forest=None, components: int | None = None, codes: bool = False):
        self.net = net
        self.forest = forest
        self.components = components
        self.codes = codes

    def with_net(self, net) -> EmbeddingForest:
        """Take a fitted net (and its embeddings' principal axes); the forest is left to fit
        on :meth:`transform`'s output. Returns self."""
        check_is_fitted(net, "module_")
        self._validate_params()
        self.net_ = net
        self.projections_ = {}
        if self.components is not None:
            for column, table in net.embeddings_.items():
                values = table.iloc[1:].to_numpy(np.float64)  # the unknown slot is never learnt
                mean = values.mean(axis=0)
                axes = np.linalg.svd(values - mean, full_matrices=False)[2][: self.components]
                self.projections_[column] = (mean, axes)
        return self

    @classmethod
    def from_fitted(cls, net, forest, **params) -> EmbeddingForest:
        """Wrap an already fitted net and a forest already fitted on :meth:`transform`'s output."""
        check_is_fitted(forest)
        if cls is EmbeddingForest:
            cls = EmbeddingForestClassifier if is_classifier(forest) else EmbeddingForestRegressor
        model = cls(net=net, forest=forest, **params).with_net(net)
        model.forest_ = forest
        return model

    def _model_parts(self) -> ModelParts:
        """As a run saves it: the options (JSON), the projections, and the net and the
        forest (each saved on its own, or as a reference to the run's net)."""
        check_is_fitted(self, "forest_")
        return ModelParts(
            config={"components": self.components, "codes": self.codes},
            state={"projections_": self.projections_},
            members={"net": self.net_, "forest": self.forest_},
        )

    @classmethod
    def _from_model_parts(cls, parts: ModelParts) -> EmbeddingForest:
        """The model :meth:`_model_parts` saved."""
        net, forest = parts.members["net"], parts.members["forest"]
        model = cls(net=net, forest=forest, **parts.config)
        model.net_, model.forest_ = net, forest
        model.projections_ = parts.state["projections_"]
        return model

    def fit(self, X: pd.DataFrame, y) -> EmbeddingForest:
        """Fit the net (unless it is fitted already), then the forest on its embeddings."""
        self._validate_params()
        if self.net is None or self.forest is None:
            raise ValueError("EmbeddingForest needs both a net and a forest")
        try:
            check_is_fitted(self.net, "module_")
            net = self.net
        except NotFittedError:
            net = clone(self.net).fit(X, y)
        self.with_net(net)
        self.forest_ = clone(self.forest).fit(self.transform(X), y)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """The forest's inputs: ``X`` with each categorical column replaced by its embedding
        (``<col>_emb<k>``, or ``<col>_pc<k>`` principal components), the categories' codes
        too with ``codes``, and the continuous columns."""
        check_is_fitted(self, "net_")
        embedded = self.net_.transform(X)
        if not self.projections_ and not self.codes:
            return embedded
        parts = []
        for column, table in self.net_.embeddings_.items():
            block = embedded[[f"{column}_emb{k}" for k in range(table.shape[1])]]
            if column in self.projections_:
                mean, axes = self.projections_[column]
                block = pd.DataFrame(
                    (block.to_numpy(np.float64) - mean) @ axes.T,
                    index=X.index,
                    columns=[f"{column}_pc{k}" for k in range(len(axes))],
                )
            parts.append(block)
        if self.codes:
            parts.append(self.net_.processor_.transform(X)[self.net_.processor_.cat_features_])
        parts.append(embedded[list(self.net_.processor_.cont_names_)])
        return pd.concat(parts, axis=1)

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
        """The input column an embedding feature (``<col>_emb<k>``, ``<col>_pc<k>``) comes from."""
        check_is_fitted(self, "forest_")
        match = re.fullmatch(r"(.+)_(?:emb|pc)\d+", feature)
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
