"""Collaborative filtering: :class:`CollabRegressor` (fastai's ``collab_learner``) on the
shared net estimator base."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted
from torch.nn import functional as F

from tabkit.nn import checks
from tabkit.nn.base import NetEstimator
from tabkit.nn.collab_module import collab_module
from tabkit.nn.factors import cosine_neighbours
from tabkit.prep.processor import TabularProcessor
from tabkit.prep.target import TargetTransform

AUTO_HEADROOM = 1.1


class CollabRegressor(RegressorMixin, NetEstimator):
    """Collaborative filtering on (user, item, rating) rows, as fastai's ``collab_learner``.

    The prediction is ``dot(user factors, item factors) + user bias + item bias + global
    bias``, passed through ``low + (high - low) * sigmoid(.)`` when ``y_range`` is set
    (fastai's EmbeddingDotBias, plus a learned global bias that starts at the training
    mean); with ``use_nn=True`` the two factor vectors are concatenated and go through a
    small MLP instead (fastai's EmbeddingNN). The unknown slot's factors and biases are
    zero and stay zero, so an unseen user with a known item gets that item's bias, and
    a row whose user and item are both unseen predicts the training mean rating exactly
    (the module returns the fixed mean, its logit within ``y_range``, for such rows).
    Users and items may be any labels; they are coded by the shared
    :class:`tabkit.TabularProcessor`, and the training loop, schedule, optimiser,
    history, early stopping, freezing, warm starts and persistence are the embedding
    nets'.

    Parameters
    ----------
    n_factors : int, default 50
        Width of the user and item factor vectors (both modes).
    y_range : (float, float), "auto" or None, default None
        Squash predictions into ``(low, high)`` with a sigmoid; fastai uses ``(0, 5.5)``
        for 1-5 star ratings. ``"auto"`` is ``(0, 1.1 * the largest training rating)``.
        Training ratings outside the range are refused.
    use_nn : bool, default False
        The MLP model instead of the dot product.
    layers : sequence of int, default (100, 50)
        Hidden widths of the MLP (``use_nn=True`` only).
    epochs : int, default 5
    lr : float or tuple, default 5e-3
        Peak learning rate of the one-cycle schedule; ``(low, high)`` or ``(high,)`` give
        the layer groups their own rates as for :class:`tabkit.EmbeddingNetRegressor`.
        The groups are ``embeddings`` (factors) and ``head`` (biases) for the dot
        product; ``embeddings``, ``body`` and ``head`` for the MLP.
    batch_size : int, default 64
    weight_decay : float, default 0.2
        AdamW's decoupled weight decay of the factors (and of the MLP).
    bias_decay : float or None, default 0.02
        Weight decay of the dot-product model's user, item and global biases; None
        gives them ``weight_decay`` too, as fastai does. Measured on MovieLens 100k
        (three random 80/20 splits, 5 epochs, ``benchmarks/collab.py --quality``):
        fastai's recipe (wd 0.1 on everything, no global bias) RMSE 0.9030 / 0.9068 /
        0.9012, these defaults 0.8961 / 0.9018 / 0.8942: factors need more decay than
        biases.
    optimizer, schedule, early_stopping, device, mixed_precision, random_state, verbose
        As for :class:`tabkit.EmbeddingNetRegressor`. On the CPU, training and prediction
        use one torch thread: small-batch steps are per-operation overhead, which extra
        threads only add synchronisation to (MovieLens 100k, 5 epochs, on a busy 2-core
        machine: 19.5 s with one thread, 247 s with two, the same model).
    user_col, item_col : str, default "user", "item"
        The columns holding the user and the item of each rating; other columns are
        ignored.
    init_embeddings : dict of str to fitted model, optional
        Start the user or item factors (keyed by ``user_col`` / ``item_col``) from
        another fitted model's embedding of that column, matched by label; widths must be
        ``n_factors``. The unknown slot stays zero.

    Attributes
    ----------
    processor_ : TabularProcessor
    module_ : torch.nn.Module
    history_ : DataFrame
        As for the embedding nets; losses are mean squared errors of the ratings.
    y_range_ : (float, float) or None
        The range used (``"auto"`` resolved).
    global_mean_ : float
        The mean training rating.
    counts_ : dict
        ``{"user": Series, "item": Series}``: training ratings per label.
    factors_, biases_, embeddings_
        See the properties.

    Examples
    --------
    >>> tables = tk.datasets.load_movielens("ml-100k")                   # doctest: +SKIP
    >>> ratings, titles = tables["ratings"], tables["items"].set_index("item")["title"]  # doctest: +SKIP
    >>> model = CollabRegressor(y_range=(0, 5.5)).fit(ratings, ratings["rating"])  # doctest: +SKIP
    >>> tk.top_biases(model, labels=titles)  # best and worst liked, whoever rates  # doctest: +SKIP
    >>> model.similar(50)  # the items whose factors are closest to item 50's     # doctest: +SKIP
    >>> tk.plot_factors(model, labels=titles)                              # doctest: +SKIP
    """

    _ARCHITECTURE = ("n_factors", "y_range", "use_nn", "layers", "user_col", "item_col")
    _KEEP_UNKNOWN_ZERO = True
    _CPU_THREADS = 1

    def __init__(
        self,
        n_factors: int = 50,
        *,
        y_range: tuple[float, float] | str | None = None,
        use_nn: bool = False,
        layers: Sequence[int] = (100, 50),
        epochs: int = 5,
        lr: float | tuple[float, ...] = 5e-3,
        batch_size: int = 64,
        weight_decay: float = 0.2,
        bias_decay: float | None = 0.02,
        optimizer: str = "adamw",
        schedule: str = "one_cycle",
        early_stopping: bool | int = False,
        user_col: Hashable = "user",
        item_col: Hashable = "item",
        init_embeddings: dict | None = None,
        device: str = "auto",
        mixed_precision: bool | str = "auto",
        random_state=None,
        verbose: int = 1,
    ):
        self.n_factors = n_factors
        self.y_range = y_range
        self.use_nn = use_nn
        self.layers = layers
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.bias_decay = bias_decay
        self.optimizer = optimizer
        self.schedule = schedule
        self.early_stopping = early_stopping
        self.user_col = user_col
        self.item_col = item_col
        self.init_embeddings = init_embeddings
        self.device = device
        self.mixed_precision = mixed_precision
        self.random_state = random_state
        self.verbose = verbose

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted ratings (a Series, ``X.iloc[0]``, is one row). Unseen users or items
        use the unknown slot (zero factors and bias)."""
        return self._predict_raw(X)[:, 0].astype(np.float64)

    @property
    def factors_(self) -> dict[str, pd.DataFrame]:
        """``{"user": DataFrame, "item": DataFrame}``: the learned factor vectors, indexed
        by the training labels (the unknown slot, always zero, left out)."""
        check_is_fitted(self, "module_")
        return {side: table.iloc[1:] for side, table in zip(("user", "item"), self.embeddings_.values())}

    @property
    def biases_(self) -> dict[str, pd.Series]:
        """``{"user": Series, "item": Series}``: the learned biases, indexed by the
        training labels (the dot-product model only)."""
        check_is_fitted(self, "module_")
        if self.module_config_["use_nn"]:
            raise AttributeError("biases_: a use_nn=True model has no bias terms")
        out = {}
        for side, column, embed in zip(("user", "item"), self._columns(), self.module_.biases):
            values = embed.weight.detach().float().cpu().numpy()[1:, 0].astype(np.float64)
            index = pd.Index(self.processor_.categories_[column], dtype=object, name=column)
            out[side] = pd.Series(values, index=index, name="bias")
        return out

    def similar(self, item, n: int = 10, *, side: str = "item") -> pd.Series:
        """The ``n`` items (or users, ``side="user"``) whose factor vectors are closest to
        ``item``'s by cosine similarity, most similar first (``item`` itself left out).

        Raises
        ------
        KeyError
            If ``item`` was not in the training data.
        """
        factors = self.factors_[_check_side(side)]
        if item not in factors.index:
            raise KeyError(
                f"{side} {item!r} was not in the training data ({len(factors)} {side}s); "
                "an unseen label has no factors of its own"
            )
        return cosine_neighbours(factors, item, n)

    def _columns(self) -> list:
        return [self.user_col, self.item_col]

    def _check_settings(self) -> None:
        checks.check_positive(self.n_factors, "n_factors", integer=True)
        if not isinstance(self.use_nn, bool):
            raise TypeError(f"use_nn must be True or False, got {self.use_nn!r}")
        if self.use_nn:
            checks.check_layers(self.layers, 0.0)
        if not (isinstance(self.y_range, str) and self.y_range == "auto"):
            checks.check_y_range(self.y_range)
        if self.bias_decay is not None and (
            isinstance(self.bias_decay, bool)
            or not isinstance(self.bias_decay, (int, float))
            or not self.bias_decay >= 0
        ):
            raise ValueError(f"bias_decay must be None or a number >= 0, got {self.bias_decay!r}")
        if self.user_col == self.item_col:
            raise ValueError(f"user_col and item_col must differ, both are {self.user_col!r}")

    def _processor(self) -> TabularProcessor:
        return TabularProcessor(cat_names=self._columns(), cont_names=[])

    def _check_frame(self, X: pd.DataFrame, name: str, *, training: bool) -> None:
        for role, column in zip(("user_col", "item_col"), self._columns()):
            if column not in X.columns:
                raise ValueError(f"{name} has no column {column!r} ({role}); its columns are {list(X.columns)[:10]}")
            if training and X[column].isna().any():
                raise ValueError(
                    f"{name}: {role} {column!r} has {int(X[column].isna().sum())} missing value(s); "
                    "every training rating needs a user and an item"
                )

    def _check_target(self, y, what: str) -> np.ndarray:
        return checks.regression_target(y, what, transform=TargetTransform())

    def _fit_target(self, y: np.ndarray) -> np.ndarray:
        y_range = self.y_range
        if isinstance(y_range, str):
            y_range = (0.0, AUTO_HEADROOM * float(y.max()))
        self.y_range_ = checks.check_y_range(y_range)
        self.global_mean_ = float(y.mean())
        return self._encode_target(y)

    def _encode_target(self, y: np.ndarray) -> np.ndarray:
        if self.y_range_ is not None:
            low, high = self.y_range_
            outside = (y < low) | (y > high)
            if outside.any():
                raise ValueError(
                    f"{int(outside.sum())} rating(s) outside y_range ({low:g}, {high:g}), "
                    f"e.g. {y[outside][0]:g}; widen y_range or use y_range='auto'"
                )
        return y.astype(np.float32).reshape(-1, 1)

    def _setup(self, rows, y, X_val, y_val, metric, *, continuing: bool):
        out = super()._setup(rows, y, X_val, y_val, metric, continuing=continuing)
        X = rows.frame
        counts = {
            side: X[column].value_counts().rename("ratings") for side, column in zip(("user", "item"), self._columns())
        }
        if continuing:
            counts = {side: self.counts_[side].add(counts[side], fill_value=0).astype(np.int64) for side in counts}
        self.counts_ = counts
        return out

    def _module_config(self, processor: TabularProcessor) -> dict:
        offset = self.global_mean_
        if self.y_range_ is not None:
            low, high = self.y_range_
            share = min(max((offset - low) / (high - low), 1e-6), 1 - 1e-6)
            offset = float(np.log(share / (1 - share)))
        return {
            "n_users": processor.cardinalities_[self.user_col],
            "n_items": processor.cardinalities_[self.item_col],
            "n_factors": int(self.n_factors),
            "use_nn": self.use_nn,
            "layers": [int(size) for size in self.layers] if self.use_nn else [],
            "y_range": self.y_range_,
            "offset": offset,
        }

    def _make_module(self, config: dict) -> torch.nn.Module:
        return collab_module(**config)

    def _embedding_widths(self, processor: TabularProcessor, config: dict) -> dict:
        return {column: config["n_factors"] for column in self._columns()}

    def _group_weight_decay(self, name: str) -> float | None:
        if name == "head" and not self.use_nn and self.bias_decay is not None:
            return float(self.bias_decay)
        return None

    def _loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(out, target)

    def _metric_inputs(self, func, y_val: np.ndarray, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return y_val, raw[:, 0].astype(np.float64)


def _check_side(side: str) -> str:
    if side not in ("user", "item"):
        raise ValueError(f"side must be 'user' or 'item', got {side!r}")
    return side
