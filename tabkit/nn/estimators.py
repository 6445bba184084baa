"""scikit-learn estimators around the entity-embedding network."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.base import ClassifierMixin, RegressorMixin
from torch.nn import functional as F

from tabkit.nn import checks
from tabkit.nn.tabular import TabularNet
from tabkit.prep.target import target_transform


class EmbeddingNetRegressor(RegressorMixin, TabularNet):
    """Entity-embedding network for regression (Guo & Berkhahn; fastai's TabularModel).

    One embedding per categorical column (fastai's width ``min(600, round(1.6 * n **
    0.56))``, with ``max_embedding_width`` for 600, unless ``emb_sizes`` says otherwise),
    embedding dropout, BatchNorm on the continuous columns, blocks of Linear -> ReLU ->
    BatchNorm -> Dropout and a final Linear, trained with mean squared error. The shared
    :class:`tabkit.TabularProcessor` (standardised view) encodes the frame once; the whole
    training set sits on the device and each epoch slices a shuffled index into batches.

    Parameters
    ----------
    layers : sequence of int, default (1000, 500)
        Hidden block widths.
    dropout : float or sequence of float, default (0.001, 0.01)
        Dropout after each hidden block.
    emb_dropout : float, default 0.04
        Dropout on the concatenated embeddings.
    emb_sizes : dict of str to int, optional
        Embedding width per categorical column, overriding the rule (and
        ``max_embedding_width``).
    max_embedding_width : int, default 600
        Cap on the rule's widths. The default is fastai's 600, so results do not change;
        lower it for columns with thousands of levels, whose tables otherwise reach 600
        columns (a lower default would have changed every such net).
    y_range : (float, float), optional
        fastai's output range: the output is ``low + (high - low) * sigmoid(x + offset)``,
        on the scale the net is trained on (``log(y)`` when ``log_target``), so
        predictions can never leave ``(low, high)``; ``offset`` is the logit of the
        training targets' mean within the range, so the untrained net predicts that mean
        (fastai's sigmoid starts at the middle of the range: for log prices near 10.4 in
        ``(0, 12.1)``, a price of e^6, which a few epochs did not get back from, RMSLE
        2.8 on bulldozers-like data). Without it (the default) the target is
        standardised internally (mean 0, standard deviation 1) and predictions are
        mapped back. Pipeline specs accept ``y_range = "auto"``: fastai's ``(min(0, low),
        high + log(1.2))`` of the training targets on the training scale for a log target
        (its ``[0, log(1.2 * max)]``), ``(min(0, 1.2 * low), 1.2 * high)`` otherwise:
        headroom above the largest target, which the sigmoid only reaches asymptotically.
        Near the ends of the range the sigmoid's gradient vanishes, so with few optimiser
        steps rows near ``low`` or ``high`` can stay underfit.
    log_target : bool, default False
        Train on ``log(y)`` and predict ``exp`` of the output (y must be > 0), through
        :class:`tabkit.prep.target.TargetTransform`.
    epochs : int, default 5
    lr : float or tuple, default 1e-3
        Peak learning rate of the schedule. A number gives every layer group
        (``embeddings``, ``body``, ``head``) that rate; a pair ``(low, high)`` spaces the
        groups' rates geometrically from ``low`` (embeddings) to ``high`` (head), like
        fastai's ``slice(low, high)``; ``(high,)`` gives the head ``high`` and the other
        groups ``high / 3``, like ``slice(high)``. Lists (from TOML) count as tuples.
    batch_size : int, default 512
    weight_decay : float, default 0.2
        Decoupled weight decay for AdamW; L2 penalty for SGD.
    optimizer : {"adamw", "sgd"}, default "adamw"
        AdamW (betas 0.9/0.99, eps 1e-5, as fastai) or SGD with momentum 0.9.
    schedule : {"one_cycle", "constant"}, default "one_cycle"
        fastai's ``fit_one_cycle`` (cosine warm-up over the first 25 % of steps from
        ``lr / 25`` to ``lr``, cosine annealing to ``lr / 1e5``, momentum 0.95 -> 0.85
        -> 0.95) or a constant rate and momentum 0.9.
    early_stopping : bool or int, default False
        With validation data: keep the weights of the best epoch (by the metric, else
        the validation loss) and stop after 3 (or the given number of) epochs without
        improvement.
    device : {"auto", "cpu", "cuda", "cuda:N"}, default "auto"
        ``"auto"``: CUDA when available, else the CPU.
    mixed_precision : {"auto", True, False}, default "auto"
        bf16 autocast; ``"auto"`` turns it on for CUDA only.
    cat_names, cont_names, max_card
        Column roles, passed to :class:`tabkit.TabularProcessor`.
    max_levels : int, optional
    min_count : int, default 1
        Limits on category levels, passed to :class:`tabkit.TabularProcessor`: levels
        seen fewer than ``min_count`` times in training, and beyond the ``max_levels``
        most frequent, share the unknown slot. Fitting warns (``UserWarning``) about a
        categorical column with at least 1,000 levels and more than one level per two
        training rows (an id-like column).
    init_embeddings : dict of str to fitted model, optional
        Start the embedding of each named categorical column from another fitted
        model's embedding of the same column: an ``EmbeddingNetRegressor`` or
        ``EmbeddingNetClassifier``, or a :class:`tabkit.CollabRegressor` (its user or
        item column). Rows are matched by category label, not code; labels the source
        lacks keep a fresh row, and the unknown slot is copied too. Widths must match
        (``emb_sizes``). Used by a fresh fit; a warm start keeps the current weights.
    random_state : int, RandomState or None
        Seeds weight initialisation, dropout and shuffling; on the CPU a fixed value
        gives the same history and predictions.
    verbose : int, default 1
        Show a progress bar per epoch.

    Attributes
    ----------
    processor_ : TabularProcessor
    module_ : torch.nn.Module
        Its layer groups are ``embeddings``, ``body`` (the continuous inputs' BatchNorm
        and the hidden blocks) and ``head`` (the last Linear).
    history_ : DataFrame
        One row per epoch: epoch, train_loss, then with validation data valid_loss and
        the metric, then lr (the head's, at the end of the epoch), seconds and trained
        (the layer groups trained, e.g. ``"head"`` or ``"embeddings,body,head"``).
        Losses are mean squared errors on the training scale (``log(y)`` with
        ``log_target``). A warm start appends rows, numbering epochs on.
    best_epoch_ : int or None
        The epoch whose weights were kept by early stopping.
    embeddings_ : dict of str to DataFrame
    frozen_ : tuple of str
        The frozen layer groups (see :meth:`freeze`).
    device_ : torch.device

    Notes
    -----
    The metric compares ``y_val`` with :meth:`predict` (the original scale). A metric
    whose declared ``scale`` is the one the net learns on (``"exp_rmspe"``, scale
    ``"log"``, with ``log_target=True``) gets ``log(y_val)`` and the raw log-scale output
    instead, as in fastai, which gives the same number as ``"rmspe"`` on the original
    scale.

    Examples
    --------
    Reuse what one net learned in another, then fine-tune it fastai's way:

    >>> first = EmbeddingNetRegressor((200, 100), log_target=True).fit(X, y)  # doctest: +SKIP
    >>> net = EmbeddingNetRegressor((200, 100), log_target=True, epochs=2,
    ...                             init_embeddings={"Store": first})        # doctest: +SKIP
    >>> net.fit(X, y).freeze(("embeddings", "body"))                         # doctest: +SKIP
    >>> net.fit(X, y, warm_start=True)            # trains the head only     # doctest: +SKIP
    >>> net.set_params(lr=(1e-5, 1e-3)).unfreeze()                           # doctest: +SKIP
    >>> net.fit(X, y, warm_start=True)  # embeddings 1e-5, body 1e-4, head 1e-3  # doctest: +SKIP
    """

    _ARCHITECTURE = (*TabularNet._ARCHITECTURE, "y_range", "log_target")

    def __init__(
        self,
        layers: Sequence[int] = (1000, 500),
        *,
        dropout: float | Sequence[float] = (0.001, 0.01),
        emb_dropout: float = 0.04,
        emb_sizes: dict[str, int] | None = None,
        max_embedding_width: int = 600,
        y_range: tuple[float, float] | None = None,
        log_target: bool = False,
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
        self.y_range = y_range
        self.log_target = log_target
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

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted values (``exp`` of the output with ``log_target``).

        Unseen categories use the unknown slot; a Series (``X.iloc[0]``) is one row.
        """
        return self._predict_from_raw(self._predict_raw(X))

    def _predict_from_raw(self, raw: np.ndarray) -> np.ndarray:
        return self._from_raw(raw)

    def _check_target_settings(self) -> None:
        checks.check_y_range(self.y_range)
        if not isinstance(self.log_target, bool):
            raise ValueError(f"log_target must be True or False, got {self.log_target!r}")

    def _check_target(self, y, what: str) -> np.ndarray:
        return checks.regression_target(y, what, transform=target_transform(self.log_target))

    def _fit_target(self, y: np.ndarray) -> np.ndarray:
        self.target_transform_ = target_transform(self.log_target)
        values = self.target_transform_.forward(y)
        if self.y_range is None:
            self.target_shift_ = float(values.mean())
            spread = float(values.std())
            self.target_scale_ = spread if spread > 0 else 1.0
        else:
            self.target_shift_, self.target_scale_ = 0.0, 1.0
        self.target_mean_ = float(values.mean())
        return self._encode_target(y)

    def _encode_target(self, y: np.ndarray) -> np.ndarray:
        values = self.target_transform_.forward(y)
        return ((values - self.target_shift_) / self.target_scale_).astype(np.float32).reshape(-1, 1)

    def _from_raw(self, raw: np.ndarray, *, model_scale: bool = False) -> np.ndarray:
        values = raw[:, 0].astype(np.float64) * self.target_scale_ + self.target_shift_
        return values if model_scale else self.target_transform_.inverse(values)

    def _metric_inputs(self, func, y_val: np.ndarray, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # a metric declaring the scale the net learns on reads that scale (fastai's exp_rmspe)
        if getattr(func, "scale", "original") == self.target_transform_.name:
            return self.target_transform_.forward(y_val), self._from_raw(raw, model_scale=True)
        return y_val, self._from_raw(raw)

    def _loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(out, target)

    def _loss_scale(self) -> float:
        return self.target_scale_**2

    def _n_out(self) -> int:
        return 1

    def _module_y_range(self):
        return checks.check_y_range(self.y_range)

    def _module_y_offset(self) -> float:
        y_range = checks.check_y_range(self.y_range)
        if y_range is None:
            return 0.0
        low, high = y_range
        share = min(max((self.target_mean_ - low) / (high - low), 1e-6), 1 - 1e-6)
        return float(np.log(share / (1 - share)))


class EmbeddingNetClassifier(ClassifierMixin, TabularNet):
    """Entity-embedding network for classification, trained with cross-entropy.

    Same architecture, training and parameters as :class:`EmbeddingNetRegressor`
    (without ``y_range`` and ``log_target``; ``lr`` tuples, :meth:`freeze`, warm starts
    and ``init_embeddings`` alike); the head has one output per class.

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
        return F.cross_entropy(out, target)

    def _n_out(self) -> int:
        return len(self.classes_)

    def _module_y_range(self):
        return None

    def _module_y_offset(self) -> float:
        return 0.0
