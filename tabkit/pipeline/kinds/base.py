"""What a model kind is, the registry of kinds, and what a kind gets to fit with.

A kind is declared once, by a subclass of :class:`ModelKind` registered with
:func:`register`: its estimator class per task, the parameters the pipeline sets, the extra
keys of its ``[[model]]`` table, what it needs from earlier models and what it can explain.
The spec checks, the runner, the explain step and ``tabkit predict`` only ever ask the
registry; nothing else compares kind names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

import numpy as np
import pandas as pd

from tabkit import runs
from tabkit.pipeline.keys import Registry
from tabkit.pipeline.kinds.selection import latest_days, random_holdout, search_and_refit
from tabkit.prep.target import TargetTransform

TASKS = ("regression", "classification")


@dataclass
class FitContext:
    """Everything a kind may use to build and fit its estimator.

    Attributes
    ----------
    task : {"regression", "classification"}
    metric : str
        The spec's metric.
    seed : int
        ``random_state`` of a model that does not set its own.
    transform : TargetTransform
        The run's target transform (identity for a classification).
    X_train, X_valid : DataFrame
        The model inputs (categorical then continuous columns).
    y_train, y_valid : ndarray
        Targets in their original units.
    cat_names, cont_names : list of str
        The input columns by role.
    models : dict of str to FittedModel
        The models fitted earlier in the run.
    predictions : dict of str to Predictions
        Their predictions of the validation rows.
    log : callable
        Writes a line to the run's log.
    search_backend : str or None
        The joblib backend a ``search`` fits its candidates on (``"dask"`` on a cluster);
        None fits them one after another in this process.
    """

    task: str
    metric: str
    seed: int
    transform: TargetTransform
    X_train: pd.DataFrame
    X_valid: pd.DataFrame
    y_train: np.ndarray
    y_valid: np.ndarray
    cat_names: list[str]
    cont_names: list[str]
    models: dict[str, Any] = field(default_factory=dict)
    predictions: dict[str, Any] = field(default_factory=dict)
    log: Callable[[str], None] = print
    dates_train: pd.Series | None = None
    dates_valid: pd.Series | None = None
    notes: list[str] = field(default_factory=list)
    search_backend: str | None = None

    def holdout(self) -> np.ndarray:
        """The training rows a model chooses its rounds or parameters on (see
        :mod:`tabkit.pipeline.kinds.selection`): the latest training days, as many as the
        validation rows span, or, without dates, a random share as large as validation's."""
        if self.dates_train is not None and self.dates_valid is not None:
            return latest_days(self.dates_train, self.dates_valid)
        return random_holdout(len(self.y_train), len(self.y_valid), self.seed)

    def holdout_rule(self, hold: np.ndarray) -> str:
        """How :meth:`holdout` chose its rows, for the leaderboard's note."""
        if self.dates_train is not None and self.dates_valid is not None:
            days = pd.to_datetime(self.dates_train[hold]).dt.normalize().nunique()
            return f"the latest {days} training days ({int(hold.sum()):,} rows)"
        return f"a random {hold.mean():.0%} of the training rows"

    def fit_transform_for(self, kind: ModelKind) -> TargetTransform:
        """The transform the pipeline applies around a kind's estimator: none when the
        estimator takes the run's transform itself."""
        return TargetTransform("identity") if kind.learns_target_transform else self.transform

    def targets_for(self, kind: ModelKind) -> tuple[np.ndarray, np.ndarray]:
        """Training and validation targets in the units the kind's estimator learns."""
        transform = self.fit_transform_for(kind)
        return transform.forward(self.y_train), transform.forward(self.y_valid)


PARTITIONED_FITS = {
    "booster_on_dask": "every training row, through the booster's own Dask training",
    "encoded_arrays": "every training row, from memory-mapped arrays the partitions are encoded into",
    "sample": "a random sample of the training rows",
    "predictions": "the validation predictions of its members",
}
"""The ways a kind fits on partitioned data (``ModelKind.on_partitions``)."""
EVERY_ROW = ("booster_on_dask", "encoded_arrays")
"""The ways that read every training row (the others hold a sample or nothing)."""


class ModelKind:
    """A model kind: subclass it, set the class attributes, override what differs.

    Attributes
    ----------
    name : str
        The ``kind`` value of a ``[[model]]`` table.
    estimators : dict of str to str or type
        The estimator class per task, or its ``"module:Class"`` (imported on first use, so
        declaring a kind costs nothing); a task absent here is refused by the spec check.
    entry_keys : dict of str to Key
        Extra keys of the kind's ``[[model]]`` table (see :mod:`tabkit.pipeline.sections`).
    provides : tuple of str
        Capabilities later models can build on (``"embeddings"``).
    learns_target_transform : bool
        The estimator takes the run's target transform as a parameter and learns from
        targets in their original units (its predictions are in those units too).
    explains_rows : bool
        Whether :meth:`explain_rows` gives per-row contributions (for the kind's models
        that :meth:`explains`).
    on_partitions : str or None
        How the kind fits on partitioned data (:data:`PARTITIONED_FITS`); None: it does not.
    """

    name: str = ""
    estimators: dict[str, str | type] = {}
    entry_keys: dict = {}
    provides: tuple[str, ...] = ()
    learns_target_transform: bool = False
    explains_rows: bool = False
    on_partitions: str | None = None

    def estimator_class(self, task: str) -> type:
        """The estimator class for a task (imported on first use).

        Raises
        ------
        ValueError
            If the kind has no estimator for the task.
        """
        if task not in self.estimators:
            raise ValueError(f"model kind {self.name!r} has no {task} estimator (it does {', '.join(self.estimators)})")
        estimator = self.estimators[task]
        if isinstance(estimator, type):
            return estimator
        module, _, name = estimator.partition(":")
        return getattr(import_module(module), name)

    def pipeline_params(self, task: str) -> tuple[str, ...]:
        """Estimator parameters the pipeline sets (a spec may not set them in ``params``)."""
        return ("cat_names", "cont_names")

    def allowed_params(self, task: str) -> set[str]:
        """The estimator parameters a spec may set."""
        return set(self.estimator_class(task)().get_params(deep=False)) - set(self.pipeline_params(task))

    def check_entry(self, entry: dict, earlier: list[dict], task: str, problems) -> None:
        """Checks of the kind's own keys (``problems.add(where, message)``); none by default."""

    def needs(self, entry: dict) -> tuple[str, ...]:
        """The earlier models of the run whose fitted estimators or validation predictions
        a model entry's fit reads (``ctx.models``, ``ctx.predictions``); on a cluster it is
        fitted once they are. None by default."""
        return ()

    def check_params(self, params: dict, task: str) -> None:
        """Raise ValueError for settings the estimator would refuse when fitting, before any
        work: its declared parameter constraints (scikit-learn's ``_parameter_constraints``)
        and, for the nets, their own ``_check_settings``."""
        if not params:
            return
        estimator = self.estimator_class(task)(**as_params(params))
        if getattr(estimator, "_parameter_constraints", None):
            estimator._validate_params()
        if hasattr(estimator, "_check_settings"):
            estimator._check_settings()

    def make_estimator(self, entry: dict, ctx: FitContext):
        """An unfitted estimator for a model entry: its params (lists as tuples),
        ``random_state`` from the spec's seed unless set, and the input columns."""
        values = as_params(entry["params"])
        values.setdefault("random_state", ctx.seed)
        values.update(self.pipeline_values(entry, ctx))
        return self.estimator_class(ctx.task)(**values)

    def pipeline_values(self, entry: dict, ctx: FitContext) -> dict:
        """Values of :meth:`pipeline_params` for an estimator."""
        return {"cat_names": list(ctx.cat_names), "cont_names": list(ctx.cont_names)}

    def fit(self, entry: dict, ctx: FitContext):
        """Fit a model entry; returns ``(fitted estimator, ValidationSearch or None)``.

        The default fits :meth:`make_estimator` on the training rows, or searches
        ``entry["search"]`` on a holdout of them first (never on the validation rows).
        """
        return fit_or_search(self.make_estimator(entry, ctx), entry, ctx, self, ctx.X_train)

    def fit_params(self, entry: dict, ctx: FitContext) -> dict:
        """Extra keyword arguments of the estimator's ``fit`` (validation data for a net)."""
        return {}

    def validation_score(self, model, entry: dict, ctx: FitContext) -> tuple[float, str] | None:
        """A score to show instead of the plain validation score, with a note saying how it
        was taken (a blend whose weights were fitted on the validation rows); None for
        the plain score."""
        return None

    def explains(self, model) -> bool:
        """Whether :meth:`explain_rows` explains this fitted model: every model of a kind
        that ``explains_rows`` (an ensemble looks at its members)."""
        return self.explains_rows

    def explain_rows(self, model, X: pd.DataFrame):
        """Per-row contributions (an :class:`tabkit.Explanation`) of ``X``, on the scale the
        model learns, from :func:`tabkit.explain.contributions`; only for kinds with
        ``explains_rows``."""
        if not self.explains_rows:
            raise NotImplementedError(f"model kind {self.name!r} does not explain rows")
        from tabkit.explain import contributions

        return contributions(model, X)

    def saved_params(self, model) -> dict:
        """The parameters recorded in ``metrics.json``."""
        return model.get_params(deep=False)

    def stored(self, model, entry: dict):
        """What the run saves of a fitted model (an ensemble or an embedding forest refers
        to the folders of the models it uses instead of holding copies of them)."""
        return model

    def tables(self, model) -> dict[str, pd.DataFrame]:
        """Tables the run keeps of a fitted model (file name in :mod:`tabkit.runs` ->
        frame): the learnt embeddings of a kind that provides them."""
        if "embeddings" in self.provides and model.embeddings_:
            return {runs.EMBEDDINGS: embedding_frame(model.embeddings_)}
        return {}


def embedding_frame(embeddings: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Embedding tables as one long frame: column, label, then dimensions ``e0, e1, ...``
    (missing where a column's embedding is narrower)."""
    parts = []
    for column, table in embeddings.items():
        part = table.set_axis([f"e{i}" for i in range(table.shape[1])], axis=1).reset_index(drop=True)
        part.insert(0, "label", [str(v) for v in table.index])
        part.insert(0, "column", str(column))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def fit_or_search(estimator, entry: dict, ctx: FitContext, kind: ModelKind, X_fit: pd.DataFrame):
    """Fit ``estimator`` on ``X_fit`` (the training rows, as the kind's estimator reads them),
    or search ``entry["search"]`` on the holdout of those rows and refit the best candidate
    on all of them (:func:`~tabkit.pipeline.kinds.selection.search_and_refit`)."""
    y_fit, _ = ctx.targets_for(kind)
    if not entry["search"]:
        return estimator.fit(X_fit, y_fit, **kind.fit_params(entry, ctx)), None
    hold = ctx.holdout()
    best, search = search_and_refit(
        estimator,
        entry["search"],
        X_fit,
        y_fit,
        hold,
        metric=ctx.metric,
        transform=ctx.fit_transform_for(kind),
        fit_params=kind.fit_params(entry, ctx),
        backend=ctx.search_backend,
    )
    ctx.notes.append(f"parameters chosen on {ctx.holdout_rule(hold)}, refit on every training row")
    return best, search


def check_embedding_source(entry: dict, key: str, earlier: list[dict], problems, *, required: bool) -> None:
    """``entry[key]`` names a model listed before it whose kind provides embeddings."""
    where = f"model {entry['name']!r}.{key}"
    source = entry.get(key)
    if source is None:
        if required:
            problems.add(where, "missing required value: the model whose embeddings it uses")
        return
    entries = {e["name"]: e for e in earlier}
    if source not in entries:
        problems.add(where, f"{source!r} is not a model listed before it")
    elif "embeddings" not in get_kind(entries[source]["kind"]).provides:
        problems.add(where, f"{source!r} is a {entries[source]['kind']} model, which has no embeddings")
    elif entries[source].get("seeds"):
        problems.add(where, f"{source!r} averages several seeds, whose embeddings differ; name a model fitted once")


def embedding_source(entry: dict) -> tuple[str, ...]:
    """The model named by ``init_embeddings_from``, if any (what such an entry needs)."""
    source = entry.get("init_embeddings_from")
    return () if source is None else (source,)


def transferred_embeddings(entry: dict, ctx: FitContext) -> dict:
    """``init_embeddings`` for a net whose entry says ``init_embeddings_from``: every
    categorical input the source model has an embedding of."""
    source = entry.get("init_embeddings_from")
    if source is None:
        return {}
    model = ctx.models[source].estimator
    shared = {column: model for column in ctx.cat_names if column in model.embeddings_}
    if not shared:
        raise ValueError(
            f"model {entry['name']!r}: {source!r} has no embedding of any of the categorical inputs {ctx.cat_names}"
        )
    return {"init_embeddings": shared}


KINDS: Registry[ModelKind] = Registry("model kind")
"""Kind name -> kind."""


def register(kind: ModelKind) -> ModelKind:
    """Add a kind to the registry (a later registration of the same name replaces it)."""
    return KINDS.register(kind)


def get_kind(name: str) -> ModelKind:
    """The registered kind ``name``; a KeyError lists the registered kinds."""
    return KINDS.get_entry(name)


def as_params(params: dict) -> dict:
    """A spec's params as estimator arguments: TOML lists as tuples."""
    return {key: tuple(value) if isinstance(value, list) else value for key, value in params.items()}
