"""scikit-learn estimators around the entity-embedding network."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from torch.nn import functional as F

from tabkit.nn import checks, training
from tabkit.nn.device import placement_after_load, select_device, use_bf16
from tabkit.nn.embeddings import embed_frame, embedding_tables
from tabkit.nn.lr_find import LRFindResult, find_lr
from tabkit.nn.module import EmbeddingNet, emb_size
from tabkit.nn.training import Tensors
from tabkit.prep.processor import TabularProcessor
from tabkit.prep.target import target_transform


class _EmbeddingNet(BaseEstimator):
    """Shared fitting, prediction, persistence and embedding export.

    Subclasses define the target handling: ``_fit_target``, ``_encode_target``,
    ``_loss``, ``_n_out`` and ``_module_y_range``.
    """

    def fit(self, X: pd.DataFrame, y, *, X_val: pd.DataFrame | None = None, y_val=None, metric=None):
        """Fit the processor and train the net.

        Parameters
        ----------
        X : DataFrame
            Training rows.
        y : array-like of shape (n_rows,)
            Targets.
        X_val, y_val : DataFrame and array-like, optional
            Validation rows, scored after every epoch into ``history_``.
        metric : str or callable, optional
            A :mod:`tabkit.metrics` name or function, or any ``f(y_true, y_pred)``, added
            to ``history_`` (needs validation data). See the class notes for the scale
            it is computed on.

        Returns
        -------
        self
        """
        train, valid, metric = self._setup(X, y, X_val, y_val, metric)
        stopping = self._early_stopping(metric) if valid is not None else None
        evaluate = None if valid is None else (lambda module: self._evaluate(module, valid, metric))
        with self._seeded() as generator:
            self.module_ = EmbeddingNet(**self.module_config_).to(self.device_)
            history = training.fit(
                self.module_, train, epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                weight_decay=self.weight_decay, optimizer=self.optimizer, schedule=self.schedule,
                loss_fn=self._loss, generator=generator, amp=self.mixed_precision_, evaluate=evaluate,
                early_stopping=stopping, loss_scale=self._loss_scale(), verbose=self.verbose,
            )
        self.history_ = pd.DataFrame(history)
        self.best_epoch_ = None if stopping is None else stopping.best_epoch
        return self

    def lr_find(
        self, X: pd.DataFrame, y, *, start_lr: float = 1e-7, end_lr: float = 10.0, num_it: int = 100
    ) -> LRFindResult:
        """fastai's learning-rate finder on a fresh copy of this estimator (``self`` is left
        as it is).

        Trains for up to ``num_it`` batches with the rate growing geometrically from
        ``start_lr`` to ``end_lr``, stopping once the smoothed loss passes four times its
        minimum.

        Returns
        -------
        LRFindResult
            ``curve`` (DataFrame: lr, loss, smoothed_loss) and ``suggestion`` (the rate of
            the lowest smoothed loss divided by 10).
        """
        checks.check_positive(start_lr, "start_lr")
        checks.check_positive(end_lr, "end_lr", minimum=start_lr)
        checks.check_positive(num_it, "num_it", integer=True, minimum=1)
        finder = clone(self)
        train, _, _ = finder._setup(X, y, None, None, None)
        with finder._seeded() as generator:
            module = EmbeddingNet(**finder.module_config_).to(finder.device_)
            return find_lr(
                module, train, loss_fn=finder._loss, optimizer=self.optimizer, weight_decay=self.weight_decay,
                batch_size=self.batch_size, generator=generator, amp=finder.mixed_precision_,
                start_lr=start_lr, end_lr=end_lr, num_it=num_it,
            )

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Replace each categorical column of ``X`` by its embedding vectors.

        Returns
        -------
        DataFrame
            Same index as ``X``: columns ``<col>_emb0 .. <col>_emb{k-1}`` for each
            categorical feature (``_na`` flags included), then the continuous columns
            with their raw (filled, unscaled) values: entity embeddings as features for
            a forest.
        """
        check_is_fitted(self, "module_")
        return embed_frame(self.module_, self.processor_, X)

    @property
    def embeddings_(self) -> dict[str, pd.DataFrame]:
        """Column -> DataFrame of its learned embedding: index ``"#na#"`` (the unknown
        slot) then the training categories, one column per dimension."""
        check_is_fitted(self, "module_")
        return embedding_tables(self.module_, self.processor_)

    def _predict_raw(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "module_")
        tensors = self._tensors(X).to(self.device_)
        return training.predict_raw(self.module_, tensors, amp=self.mixed_precision_).cpu().numpy()

    def _setup(self, X, y, X_val, y_val, metric) -> tuple[Tensors, tuple[Tensors, np.ndarray] | None, tuple | None]:
        """Check everything, fit the processor and the target coding, build the tensors."""
        layers, dropout = checks.check_layers(self.layers, self.dropout)
        checks.check_training_settings(self)
        self._check_target_settings()
        metric = checks.resolve_metric(metric)
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together")
        if X_val is None and (metric is not None or self.early_stopping is not False):
            raise ValueError("metric and early_stopping need validation data (X_val, y_val)")
        device = select_device(self.device)
        mixed_precision = use_bf16(device, self.mixed_precision)
        y = self._check_target(y, "y")
        checks.check_rows(X, y, "y")
        if X_val is not None:
            y_val = self._check_target(y_val, "y_val")
            checks.check_rows(X_val, y_val, "y_val")

        processor = TabularProcessor(self.cat_names, self.cont_names, max_card=self.max_card).fit(X)
        if X_val is not None:
            processor.transform(X_val)  # missing columns are reported before training
        sizes = checks.check_emb_sizes(self.emb_sizes, processor.cat_features_)
        cardinalities = [processor.cardinalities_[col] for col in processor.cat_features_]
        self.processor_ = processor
        self.feature_names_in_ = processor.feature_names_in_
        self.n_features_in_ = processor.n_features_in_
        self.device_ = device
        self.mixed_precision_ = mixed_precision
        target = self._fit_target(y)
        self.module_config_ = {
            "cardinalities": cardinalities,
            "emb_sizes": [sizes.get(col, emb_size(n)) for col, n in zip(processor.cat_features_, cardinalities)],
            "n_cont": len(processor.cont_names_),
            "layers": layers,
            "dropout": dropout,
            "emb_dropout": float(self.emb_dropout),
            "n_out": self._n_out(),
            "y_range": self._module_y_range(),
        }
        train = self._tensors(X, target).to(device)
        valid = None
        if X_val is not None:
            valid = (self._tensors(X_val, self._encode_target(y_val)).to(device), y_val)
        return train, valid, metric

    def _tensors(self, X: pd.DataFrame, target: np.ndarray | None = None) -> Tensors:
        encoded = self.processor_.transform(X, normalize=True)
        cat = torch.from_numpy(encoded[self.processor_.cat_features_].to_numpy(np.int64, copy=True))
        cont = torch.from_numpy(encoded[self.processor_.cont_names_].to_numpy(np.float32, copy=True))
        return Tensors(cat, cont, None if target is None else torch.from_numpy(target))

    def _evaluate(self, module, valid, metric) -> dict[str, float]:
        tensors, y_val = valid
        raw = training.predict_raw(module, tensors, amp=self.mixed_precision_)
        scores = {"valid_loss": float(self._loss(raw, tensors.y)) * self._loss_scale()}
        if metric is not None:
            name, func, _ = metric
            scores[name] = float(func(*self._metric_inputs(func, y_val, raw.cpu().numpy())))
        return scores

    def _early_stopping(self, metric) -> training.EarlyStopping | None:
        if self.early_stopping is False:
            return None
        monitor, greater = ("valid_loss", False) if metric is None else (metric[0], metric[2])
        return training.EarlyStopping(monitor, greater, checks.patience(self.early_stopping))

    def _seeded(self):
        return _Seeded(self.random_state, self.device_)

    def _loss_scale(self) -> float:
        return 1.0

    def __getstate__(self):
        state = dict(super().__getstate__())
        module = state.pop("module_", None)
        if module is not None:
            state["module_weights_"] = {k: v.detach().to("cpu", copy=True) for k, v in module.state_dict().items()}
            state["device_"] = str(state["device_"])
        return state

    def __setstate__(self, state):
        weights = state.pop("module_weights_", None)
        super().__setstate__(state)
        if weights is not None:
            self.device_ = placement_after_load(self.device_)
            self.mixed_precision_ = self.mixed_precision_ and self.device_.type == "cuda"
            with torch.device("meta"):
                module = EmbeddingNet(**self.module_config_)
            module.load_state_dict(weights, assign=True)
            self.module_ = module.to(self.device_).eval()


class _Seeded:
    """Seed torch from ``random_state`` for one fit, restoring the caller's global RNG
    state afterwards; yields the generator that shuffles the batches."""

    def __init__(self, random_state, device: torch.device):
        self.seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
        devices = [device.index or 0] if device.type == "cuda" else []
        self.fork = torch.random.fork_rng(devices=devices)

    def __enter__(self) -> torch.Generator:
        self.fork.__enter__()
        torch.manual_seed(self.seed)
        return torch.Generator().manual_seed(self.seed)

    def __exit__(self, *exc):
        return self.fork.__exit__(*exc)


class EmbeddingNetRegressor(RegressorMixin, _EmbeddingNet):
    """Entity-embedding network for regression (Guo & Berkhahn; fastai's TabularModel).

    One embedding per categorical column (width ``min(600, round(1.6 * n ** 0.56))``
    unless ``emb_sizes`` says otherwise), embedding dropout, BatchNorm on the
    continuous columns, blocks of Linear -> ReLU -> BatchNorm -> Dropout and a final
    Linear, trained with mean squared error. The shared :class:`tabkit.TabularProcessor`
    (standardised view) encodes the frame once; the whole training set sits on the
    device and each epoch slices a shuffled index into batches.

    Parameters
    ----------
    layers : sequence of int, default (1000, 500)
        Hidden block widths.
    dropout : float or sequence of float, default (0.001, 0.01)
        Dropout after each hidden block.
    emb_dropout : float, default 0.04
        Dropout on the concatenated embeddings.
    emb_sizes : dict of str to int, optional
        Embedding width per categorical column, overriding the rule.
    y_range : (float, float), optional
        Output range, on the scale the net is trained on (``log(y)`` when
        ``log_target``): the output is ``low + (high - low) * sigmoid(x)``. Without it the
        target is standardised internally and predictions are mapped back.
    log_target : bool, default False
        Train on ``log(y)`` and predict ``exp`` of the output (y must be > 0).
    epochs : int, default 5
    lr : float, default 1e-3
        Learning rate (the peak rate with the one-cycle schedule).
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
    random_state : int, RandomState or None
        Seeds weight initialisation, dropout and shuffling; on the CPU a fixed value
        gives the same history and predictions.
    verbose : int, default 1
        Show a progress bar per epoch.

    Attributes
    ----------
    processor_ : TabularProcessor
    module_ : torch.nn.Module
    history_ : DataFrame
        One row per epoch: epoch, train_loss, then with validation data valid_loss and
        the metric, then lr (at the end of the epoch) and seconds. Losses are mean
        squared errors on the training scale (``log(y)`` with ``log_target``).
    best_epoch_ : int or None
        The epoch whose weights were kept by early stopping.
    embeddings_ : dict of str to DataFrame
    device_ : torch.device

    Notes
    -----
    The metric compares ``y_val`` with :meth:`predict` (the original scale). The one
    exception is a log-scale metric such as ``"exp_rmspe"`` with ``log_target=True``: it
    gets ``log(y_val)`` and the raw log-scale output, as in fastai, which gives the same
    number as ``"rmspe"`` on the original scale.
    """

    def __init__(
        self,
        layers: Sequence[int] = (1000, 500),
        *,
        dropout: float | Sequence[float] = (0.001, 0.01),
        emb_dropout: float = 0.04,
        emb_sizes: dict[str, int] | None = None,
        y_range: tuple[float, float] | None = None,
        log_target: bool = False,
        epochs: int = 5,
        lr: float = 1e-3,
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
        random_state=None,
        verbose: int = 1,
    ):
        self.layers = layers
        self.dropout = dropout
        self.emb_dropout = emb_dropout
        self.emb_sizes = emb_sizes
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
        self.random_state = random_state
        self.verbose = verbose

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted values (``exp`` of the output with ``log_target``).

        Unseen categories use the unknown slot.
        """
        return self._from_raw(self._predict_raw(X))

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
        return self._encode_target(y)

    def _encode_target(self, y: np.ndarray) -> np.ndarray:
        values = self.target_transform_.forward(y)
        return ((values - self.target_shift_) / self.target_scale_).astype(np.float32).reshape(-1, 1)

    def _from_raw(self, raw: np.ndarray, *, log_scale: bool = False) -> np.ndarray:
        values = raw[:, 0].astype(np.float64) * self.target_scale_ + self.target_shift_
        return values if log_scale else self.target_transform_.inverse(values)

    def _metric_inputs(self, func, y_val: np.ndarray, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # a metric declaring the scale the net learns on reads that scale (fastai's exp_rmspe)
        if getattr(func, "scale", "original") == self.target_transform_.name:
            return self.target_transform_.forward(y_val), self._from_raw(raw, log_scale=True)
        return y_val, self._from_raw(raw)

    def _loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(out, target)

    def _loss_scale(self) -> float:
        return self.target_scale_**2

    def _n_out(self) -> int:
        return 1

    def _module_y_range(self):
        return checks.check_y_range(self.y_range)


class EmbeddingNetClassifier(ClassifierMixin, _EmbeddingNet):
    """Entity-embedding network for classification, trained with cross-entropy.

    Same architecture, training and parameters as :class:`EmbeddingNetRegressor`
    (without ``y_range`` and ``log_target``); the head has one output per class.

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
        epochs: int = 5,
        lr: float = 1e-3,
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
        random_state=None,
        verbose: int = 1,
    ):
        self.layers = layers
        self.dropout = dropout
        self.emb_dropout = emb_dropout
        self.emb_sizes = emb_sizes
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
        self.random_state = random_state
        self.verbose = verbose

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities, shape (n_rows, n_classes), columns in ``classes_`` order."""
        raw = torch.from_numpy(self._predict_raw(X))
        return torch.softmax(raw.double(), dim=1).numpy()

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The most probable class of each row."""
        raw = self._predict_raw(X)
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
        return y_val, self.classes_[np.argmax(raw, axis=1)]

    def _loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(out, target)

    def _n_out(self) -> int:
        return len(self.classes_)

    def _module_y_range(self):
        return None
