"""The estimator base every tabkit net shares (entity-embedding nets and collaborative
filtering): checks, the processor, the one training loop, continued training, layer
groups and freezing, embedding transfer and prediction (persistence: :mod:`tabkit.nn.saving`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted
from torch import nn

from tabkit.nn import checks, training, transfer
from tabkit.nn.device import cpu_threads, select_device, use_bf16
from tabkit.nn.embeddings import embed_frame, embedding_tables
from tabkit.nn.encoding import encode_rows
from tabkit.nn.groups import GROUP_NAMES, group_rates
from tabkit.nn.lr_find import LRFindResult, find_lr
from tabkit.nn.saving import SavedNet
from tabkit.nn.seeding import Seeded
from tabkit.nn.training import ParamGroup, Tensors
from tabkit.nn.training_rows import EncodedRows, FrameRows
from tabkit.prep.processor import TabularProcessor


class NetEstimator(SavedNet, BaseEstimator):
    """Fitting, continued training, freezing, prediction, persistence and embedding export
    shared by tabkit's nets.

    A subclass supplies the module and the target handling:

    - ``_ARCHITECTURE``: the parameters that shape the module (a warm start may not
      change them);
    - ``_check_settings()``: checks of its own parameters;
    - ``_processor()``: an unfitted :class:`TabularProcessor` for its columns, and
      ``_check_processor(processor, n_rows)``: checks (or warnings) once it is fitted
      (optional);
    - ``_check_frame(X, name, training=...)``: checks of an input frame beyond the
      processor's (optional);
    - ``_module_config(processor)`` and ``_make_module(config)``: the module;
    - ``_embedding_widths(config)``: categorical feature -> embedding width;
    - ``_check_target``, ``_fit_target``, ``_encode_target``, ``_loss``, ``_metric_inputs``
      and ``_loss_scale``.
    """

    _ARCHITECTURE: tuple[str, ...] = ()
    _KEEP_UNKNOWN_ZERO = False
    _CPU_THREADS: int | None = None  # cap on torch's CPU threads while training and predicting

    def fit(
        self,
        X: pd.DataFrame,
        y,
        *,
        X_val: pd.DataFrame | None = None,
        y_val=None,
        metric=None,
        warm_start: bool = False,
    ):
        """Fit the processor and train the net, or continue training it.

        Parameters
        ----------
        X : DataFrame
            Training rows (at least 2: BatchNorm cannot train on one row).
        y : array-like of shape (n_rows,)
            Targets.
        X_val, y_val : DataFrame and array-like, optional
            Validation rows, scored after every epoch into ``history_``.
        metric : str or callable, optional
            A :mod:`tabkit.metrics` name or function, or any ``f(y_true, y_pred)``, added
            to ``history_`` (needs validation data). See the class notes for the scale
            it is computed on.
        warm_start : bool, default False
            Continue from the current weights, processor and target coding (no refit:
            categories the processor has not seen map to the unknown slot) with a fresh
            optimiser and a fresh schedule over ``epochs``, training the groups that are
            not frozen. History rows are appended, their epochs numbered on. On an
            unfitted estimator this is a plain fit. Parameters that shape the module may
            not change in between.

        Returns
        -------
        self
        """
        continuing = bool(warm_start) and hasattr(self, "module_")
        return self._train(FrameRows(X), y, X_val, y_val, metric, continuing=continuing)

    def _train(self, rows: FrameRows | EncodedRows, y, X_val, y_val, metric, *, continuing: bool):
        """Set up from the training rows (a frame, or arrays already encoded) and train."""
        train, valid, metric, sources = self._setup(rows, y, X_val, y_val, metric, continuing=continuing)
        stopping = self._early_stopping(metric) if valid is not None else None
        evaluate = None if valid is None else (lambda module: self._evaluate(module, valid, metric))
        done = int(self.history_["epoch"].max()) if continuing and len(self.history_) else 0
        with self._seeded(offset=done) as generator, cpu_threads(self._CPU_THREADS, self.device_):
            if not continuing:
                self.module_ = self._new_module(sources)
                self.frozen_ = ()
            groups = self._param_groups()
            history = training.fit(
                self.module_,
                train,
                epochs=self.epochs,
                batch_size=self.batch_size,
                lr=groups,
                weight_decay=self.weight_decay,
                optimizer=self.optimizer,
                schedule=self.schedule,
                loss_fn=self._loss,
                generator=generator,
                amp=self.mixed_precision_,
                evaluate=evaluate,
                early_stopping=stopping,
                loss_scale=self._loss_scale(),
                verbose=self.verbose,
            )
        rows = pd.DataFrame(history)
        rows["epoch"] += done
        rows["trained"] = ",".join(group.name for group in groups)
        self.history_ = pd.concat([self.history_, rows], ignore_index=True) if continuing else rows
        best = None if stopping is None else stopping.best_epoch
        self.best_epoch_ = None if best is None else best + done
        return self

    def freeze(self, groups=("embeddings", "body")):
        """Freeze layer groups of the fitted module: later ``fit(..., warm_start=True)``
        trains only the others.

        Frozen parameters get ``requires_grad=False`` and are left out of the optimiser;
        BatchNorm layers in frozen groups keep their running statistics (they stay in eval
        mode while the rest trains; fastai's ``train_bn`` would train them), so a frozen
        group computes exactly what it did.

        Parameters
        ----------
        groups : str or sequence of {"embeddings", "body", "head"}
            Groups to freeze; every other group is unfrozen. Names of groups this module
            lacks (a dot-product collab model has no body) are ignored.

        Returns
        -------
        self
        """
        check_is_fitted(self, "module_")
        wanted = (groups,) if isinstance(groups, str) else tuple(groups)
        unknown = [name for name in wanted if name not in GROUP_NAMES]
        if unknown:
            raise ValueError(f"unknown layer group(s) {unknown}; the groups are {list(GROUP_NAMES)}")
        names = [name for name, _ in self.module_.layer_groups()]
        frozen = tuple(name for name in names if name in wanted)
        if len(frozen) == len(names):
            raise ValueError(
                f"freezing {list(wanted)} would freeze every layer group of this model ({names}); "
                "nothing would be left to train"
            )
        self.frozen_ = frozen
        self.module_.freeze(frozen)
        return self

    def unfreeze(self):
        """Make every layer group trainable again. Returns self."""
        check_is_fitted(self, "module_")
        self.frozen_ = ()
        self.module_.freeze(())
        return self

    def layer_groups(self) -> list[str]:
        """The fitted module's layer groups, first to last."""
        check_is_fitted(self, "module_")
        return [name for name, _ in self.module_.layer_groups()]

    def lr_find(
        self, X: pd.DataFrame, y, *, start_lr: float = 1e-7, end_lr: float = 10.0, num_it: int = 100
    ) -> LRFindResult:
        """fastai's learning-rate finder on a fresh copy of this estimator (``self`` is left
        as it is).

        Trains for up to ``num_it`` batches with the rate growing geometrically from
        ``start_lr`` to ``end_lr`` (one rate for every layer group), stopping once the
        smoothed loss passes four times its minimum.

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
        train, _, _, sources = finder._setup(FrameRows(X), y, None, None, None, continuing=False)
        with finder._seeded() as generator, cpu_threads(self._CPU_THREADS, finder.device_):
            module = finder._new_module(sources)
            return find_lr(
                module,
                train,
                loss_fn=finder._loss,
                optimizer=self.optimizer,
                weight_decay=self.weight_decay,
                batch_size=self.batch_size,
                generator=generator,
                amp=finder.mixed_precision_,
                start_lr=start_lr,
                end_lr=end_lr,
                num_it=num_it,
            )

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Replace each categorical column of ``X`` by its embedding vectors.

        Returns
        -------
        DataFrame
            Same index as ``X`` (a Series is taken as one row): columns
            ``<col>_emb0 .. <col>_emb{k-1}`` for each categorical feature (``_na`` flags
            included), then the continuous columns with their raw (filled, unscaled)
            values: entity embeddings as features for a forest.
        """
        check_is_fitted(self, "module_")
        X = _as_frame(X)
        checks.check_columns(X, type(self).__name__, "X")
        return embed_frame(self.module_, self.processor_, X)

    @property
    def embeddings_(self) -> dict[str, pd.DataFrame]:
        """Column -> DataFrame of its learned embedding: index ``"#na#"`` (the unknown
        slot) then the training categories, one column per dimension."""
        check_is_fitted(self, "module_")
        return embedding_tables(self.module_, self.processor_)

    def __sklearn_clone__(self):
        # The init_embeddings sources are fitted models used as data: a clone shares them
        # (sklearn's clone would replace each by an unfitted copy).
        params = self.get_params(deep=False)
        sources = params.pop("init_embeddings", None)
        copy = type(self)(**{name: clone(value, safe=False) for name, value in params.items()})
        copy.init_embeddings = None if sources is None else dict(sources)
        return copy

    def _predict_raw(self, X) -> np.ndarray:
        check_is_fitted(self, "module_")
        X = _as_frame(X)
        if isinstance(X, pd.DataFrame):
            self._check_input(X, "X", training=False)
        return self._raw_of(self._tensors(X))

    def _raw_of(self, tensors: Tensors) -> np.ndarray:
        """The module's outputs for encoded rows."""
        with cpu_threads(self._CPU_THREADS, self.device_):
            return training.predict_raw(self.module_, tensors.to(self.device_), amp=self.mixed_precision_).cpu().numpy()

    def _setup(self, rows: FrameRows | EncodedRows, y, X_val, y_val, metric, *, continuing: bool):
        """Check everything, fit (or take, or, continuing, reuse) the processor and the
        target coding, build the training data."""
        self._check_settings()
        checks.check_training_settings(self)
        metric = checks.resolve_metric(metric)
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together")
        if X_val is None and (metric is not None or self.early_stopping is not False):
            raise ValueError("metric and early_stopping need validation data (X_val, y_val)")
        if continuing:
            self._check_continuation()
            device, mixed_precision = self.device_, self.mixed_precision_
        else:
            device = select_device(self.device)
            mixed_precision = use_bf16(device, self.mixed_precision)
        sources = {} if continuing else transfer.source_tables(self.init_embeddings)
        y = self._check_target(y, "y")
        rows.check(self, y)
        if X_val is not None:
            y_val = self._check_target(y_val, "y_val")
            checks.check_rows(X_val, y_val, "y_val")
            self._check_input(X_val, "X_val", training=False)

        if continuing:
            target = self._encode_target(y)
        else:
            processor = rows.processor(self)
            self._check_processor(processor, len(rows))
            if X_val is not None:
                processor.transform(X_val)  # missing columns are reported before training
            target = self._fit_target(y)
            config = self._module_config(processor)
            transfer.check_widths(sources, self._embedding_widths(processor, config))
            self.processor_ = processor
            self.feature_names_in_ = processor.feature_names_in_
            self.n_features_in_ = processor.n_features_in_
            self.device_ = device
            self.mixed_precision_ = mixed_precision
            self.module_config_ = config
            self.architecture_ = {name: self.get_params()[name] for name in self._ARCHITECTURE}
        train = rows.data(self, target, device)
        valid = None
        if X_val is not None:
            valid = (self._tensors(X_val, self._encode_target(y_val)).to(device), y_val)
        return train, valid, metric, sources

    def _check_continuation(self) -> None:
        params = self.get_params()
        for name, fitted in self.architecture_.items():
            if params[name] != fitted:
                raise ValueError(
                    f"warm_start=True continues the fitted module, but {name} changed from {fitted!r} "
                    f"to {params[name]!r}; fit without warm_start to build a new one"
                )
        trainable = [name for name, _ in self.module_.layer_groups() if name not in self.frozen_]
        if not trainable:
            raise ValueError("every layer group is frozen; unfreeze() before training")

    def _new_module(self, sources: dict[str, pd.DataFrame]) -> nn.Module:
        module = self._make_module(self.module_config_).to(self.device_)
        for index, column in enumerate(self.processor_.cat_features_):
            if column in sources:
                transfer.copy_rows(
                    module.embeds[index],
                    sources[column],
                    self.processor_.categories_[column],
                    unknown=not self._KEEP_UNKNOWN_ZERO,
                )
        return module

    def _param_groups(self) -> list[ParamGroup]:
        groups = self.module_.layer_groups()
        rates = group_rates(self.lr, len(groups))
        return [
            ParamGroup(name, params, rate, self._group_weight_decay(name))
            for (name, params), rate in zip(groups, rates)
            if name not in self.frozen_
        ]

    def _group_weight_decay(self, name: str) -> float | None:
        """A layer group's own weight decay (None: ``weight_decay``)."""
        return None

    def _check_input(self, X: pd.DataFrame, name: str, *, training: bool) -> None:
        """Every net's checks of an input frame, then the subclass's ``_check_frame``."""
        checks.check_columns(X, type(self).__name__, name)
        self._check_frame(X, name, training=training)

    def _check_frame(self, X: pd.DataFrame, name: str, *, training: bool) -> None:
        return None

    def _check_processor(self, processor: TabularProcessor, n_rows: int) -> None:
        return None

    def _tensors(self, X: pd.DataFrame, target: np.ndarray | None = None) -> Tensors:
        cat, cont = encode_rows(self.processor_, X)
        y = None if target is None else torch.from_numpy(target)
        return Tensors(torch.from_numpy(cat), torch.from_numpy(cont), y)

    def _evaluate(self, module, valid, metric) -> dict[str, float]:
        tensors, y_val = valid
        raw = training.predict_raw(module, tensors, amp=self.mixed_precision_)
        scores = {"valid_loss": float(self._loss(raw, tensors.y)) * self._loss_scale()}
        if metric is not None:
            name, func, _ = metric
            extra = {"classes": self.classes_} if getattr(func, "needs", None) == "probabilities" else {}
            scores[name] = float(func(*self._metric_inputs(func, y_val, raw.cpu().numpy()), **extra))
        return scores

    def _early_stopping(self, metric) -> training.EarlyStopping | None:
        if self.early_stopping is False:
            return None
        monitor, greater = ("valid_loss", False) if metric is None else (metric[0], metric[2])
        return training.EarlyStopping(monitor, greater, checks.patience(self.early_stopping))

    def _seeded(self, offset: int = 0):
        return Seeded(self.random_state, self.device_, offset)

    def _loss_scale(self) -> float:
        return 1.0

    def _processor(self) -> TabularProcessor:
        raise NotImplementedError


def _as_frame(X) -> pd.DataFrame:
    """A row of a frame (``X.iloc[0]``, a Series) as a one-row frame; frames pass through."""
    if isinstance(X, pd.Series):
        return X.to_frame().T.infer_objects()
    return X
