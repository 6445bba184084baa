"""The entity-embedding network for classification (re-exported by
:mod:`tabkit.nn.estimators`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.base import ClassifierMixin
from torch.nn import functional as F

from tabkit.nn import checks
from tabkit.nn.tabular import TabularNet


class EmbeddingNetClassifier(ClassifierMixin, TabularNet):
    """Entity-embedding network for classification, trained with cross-entropy.

    Same architecture, training and parameters as :class:`EmbeddingNetRegressor`
    (without ``y_range`` and ``log_target``; ``lr`` tuples, :meth:`freeze`, warm starts,
    ``init_embeddings``, ``cont_embedding`` and ``n_members`` alike); the head has one
    output per class, and members are averaged by their probabilities.

    Attributes
    ----------
    classes_ : ndarray
        The class labels, sorted; ``predict_proba`` columns follow this order.
    processor_, module_, history_, best_epoch_, embeddings_, device_
        As for :class:`EmbeddingNetRegressor`; losses are mean cross-entropy, and the
        metric compares ``y_val`` with :meth:`predict`.
    """

    def __init__(
        self,
        layers: Sequence[int] = (1000, 500),
        *,
        dropout: float | Sequence[float] = (0.001, 0.01),
        emb_dropout: float = 0.04,
        emb_sizes: dict[str, int] | None = None,
        max_embedding_width: int = 600,
        cont_embedding: str | None = None,
        cont_embedding_dim: int = 16,
        n_frequencies: int = 16,
        frequency_scale: float = 0.1,
        n_bins: int = 16,
        n_members: int = 1,
        epochs: int = 5,
        lr: float | tuple[float, ...] = 1e-3,
        batch_size: int = 512,
        weight_decay: float = 0.2,
        optimizer: str = "adamw",
        schedule: str = "one_cycle",
        early_stopping: bool | int = False,
        device: str = "auto",
        mixed_precision: bool | str = "auto",
        cat_names: Sequence[str] | None = None,
        cont_names: Sequence[str] | None = None,
        max_card: int = 20,
        max_levels: int | None = None,
        min_count: int = 1,
        init_embeddings: dict | None = None,
        random_state=None,
        verbose: int = 1,
    ):
        self.layers = layers
        self.dropout = dropout
        self.emb_dropout = emb_dropout
        self.emb_sizes = emb_sizes
        self.max_embedding_width = max_embedding_width
        self.cont_embedding = cont_embedding
        self.cont_embedding_dim = cont_embedding_dim
        self.n_frequencies = n_frequencies
        self.frequency_scale = frequency_scale
        self.n_bins = n_bins
        self.n_members = n_members
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.schedule = schedule
        self.early_stopping = early_stopping
        self.device = device
        self.mixed_precision = mixed_precision
        self.cat_names = cat_names
        self.cont_names = cont_names
        self.max_card = max_card
        self.max_levels = max_levels
        self.min_count = min_count
        self.init_embeddings = init_embeddings
        self.random_state = random_state
        self.verbose = verbose

    _MEMBER_AVERAGE = "probabilities"

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities, shape (n_rows, n_classes), columns in ``classes_`` order
        (a Series, ``X.iloc[0]``, is one row)."""
        return self._proba_from_raw(self._predict_raw(X))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The most probable class of each row."""
        return self._predict_from_raw(self._predict_raw(X))

    def _proba_from_raw(self, raw: np.ndarray) -> np.ndarray:
        return torch.softmax(torch.from_numpy(raw).double(), dim=1).numpy()

    def _predict_from_raw(self, raw: np.ndarray) -> np.ndarray:
        return self.classes_[np.argmax(raw, axis=1)]

    def _check_target_settings(self) -> None:
        return None

    def _check_target(self, y, what: str) -> np.ndarray:
        return checks.class_labels(y, what)

    def _fit_target(self, y: np.ndarray) -> np.ndarray:
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(f"y must hold at least 2 classes, got {len(classes)}: {classes.tolist()}")
        self.classes_ = classes
        return self._encode_target(y)

    def _encode_target(self, y: np.ndarray) -> np.ndarray:
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if len(unseen):
            raise ValueError(f"labels not seen in training y: {unseen.tolist()[:10]}")
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _metric_inputs(self, func, y_val: np.ndarray, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if getattr(func, "needs", None) == "probabilities":
            return y_val, torch.softmax(torch.from_numpy(raw).double(), dim=1).numpy()
        return y_val, self.classes_[np.argmax(raw, axis=1)]

    def _loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if out.dim() == 3:  # the members' logits: the mean of their losses
            return F.cross_entropy(out.flatten(0, 1), target.repeat_interleave(out.shape[1]))
        return F.cross_entropy(out, target)

    def _n_out(self) -> int:
        return len(self.classes_)

    def _module_y_range(self):
        return None

    def _module_y_offset(self) -> float:
        return 0.0
