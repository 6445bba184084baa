"""scikit-learn estimators around the entity-embedding network: the regressor, and the
classifier (defined in :mod:`tabkit.nn.classifier`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.base import RegressorMixin
from torch.nn import functional as F

from tabkit.nn import checks
from tabkit.nn.classifier import EmbeddingNetClassifier
from tabkit.nn.tabular import TabularNet
from tabkit.prep.target import target_transform

__all__ = ["EmbeddingNetClassifier", "EmbeddingNetRegressor"]


class EmbeddingNetRegressor(RegressorMixin, TabularNet):
    """Entity-embedding network for regression (Guo & Berkhahn; fastai's TabularModel).

    One embedding per categorical column (fastai's width ``min(600, round(1.6 * n **
    0.56))``, with ``max_embedding_width`` for 600, unless ``emb_sizes`` says otherwise),
    embedding dropout, BatchNorm on the continuous columns, blocks of Linear -> ReLU ->
    BatchNorm -> Dropout and a final Linear, trained with mean squared error. The shared
    :class:`tabkit.TabularProcessor` (standardised view) encodes the frame once; the whole
    training set sits on the device and each epoch slices a shuffled index into batches.
    For tables larger than memory, :meth:`fit_encoded` trains on rows encoded beforehand
    into memory-mapped files (:class:`tabkit.nn.encoding.EncodedArrays`), a batch at a time.

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
    cont_embedding : {None, "periodic", "piecewise"}, default None
        How the continuous inputs (standardised) enter the net. None: as they are, through
        a BatchNorm. ``"periodic"``: each feature ``x`` becomes ``ReLU(Linear([sin(2 pi
        c x), cos(2 pi c x)]))`` with ``n_frequencies`` learned frequencies ``c`` drawn
        from ``N(0, frequency_scale)`` (Gorishniy et al. 2022, "PLR"). ``"piecewise"``:
        the piecewise-linear encoding of ``x`` on ``n_bins`` quantile bins of the
        training rows (component ``t`` is ``clip((x - b_{t-1}) / (b_t - b_{t-1}), 0,
        1)``), then a Linear. Each feature gets its own ``cont_embedding_dim`` columns
        and weights, in the ``embeddings`` layer group. The ``_na`` flags stay
        categorical, and :meth:`transform` still gives the raw continuous values.
    cont_embedding_dim : int, default 16
        Width of each continuous feature's embedding.
    n_frequencies : int, default 16
        Frequencies per feature (``"periodic"``).
    frequency_scale : float, default 0.1
        Standard deviation of the initial frequencies (``"periodic"``), in units of the
        standardised input.
    n_bins : int, default 16
        Quantile bins per feature (``"piecewise"``); fewer for a feature with fewer
        distinct quantiles.
    n_members : int, default 1
        Members trained at once, TabM's way (Gorishniy et al. 2025): every hidden Linear
        is shared by the members, each of which scales its inputs and outputs with its own
        vectors and adds its own bias, ``s_i * (W (r_i * x)) + b_i``; each member has its
        own BatchNorm statistics and head, and the embeddings are shared. The loss is the
        mean of the members' losses; predictions average the members on the scale the net
        learns (``log(y)`` with ``log_target``; probabilities for a classifier). Training
        costs about ``n_members`` times as much in the hidden layers.
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
        ``log_target``); with ``n_members`` above 1 the training loss is the members'
        mean and the validation loss that of their average. A warm start appends rows,
        numbering epochs on.
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
        cont_embedding: str | None = None,
        cont_embedding_dim: int = 16,
        n_frequencies: int = 16,
        frequency_scale: float = 0.1,
        n_bins: int = 16,
        n_members: int = 1,
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
        self.cont_embedding = cont_embedding
        self.cont_embedding_dim = cont_embedding_dim
        self.n_frequencies = n_frequencies
        self.frequency_scale = frequency_scale
        self.n_bins = n_bins
        self.n_members = n_members
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
        if out.dim() == 3:  # the members' outputs: the mean of their losses
            return F.mse_loss(out, target.unsqueeze(1).expand_as(out))
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
