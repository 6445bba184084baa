"""The model fits of a partitioned run, each on the cluster, each scored here on the
validation rows:

- ``lightgbm``: every training row, encoded partition by partition on the workers by a
  processor fitted from the partitions' summaries, trained with ``lightgbm.dask``;
- ``embedding_net``: every training row, encoded partition by partition into
  memory-mapped arrays (:class:`~tabkit.nn.encoding.EncodedArrays`) in the work folder,
  trained by one worker task with ``fit_encoded``;
- the other kinds (forests, embedding forests, blends): :func:`fit_entry` on the run's
  random sample of the training rows, as one worker task.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from tabkit.boosting.booster import processor_for
from tabkit.pipeline.features import FeatureSet
from tabkit.pipeline.kinds import EVERY_ROW, FitContext, as_params, get_kind
from tabkit.pipeline.kinds.embedding_net import auto_y_range
from tabkit.pipeline.partitioned.tasks import SplitPart, encoded_part
from tabkit.pipeline.partitioned.work import PartitionWork
from tabkit.pipeline.spec import Spec
from tabkit.pipeline.steps.cluster_fits import fit_on_worker, use_threads
from tabkit.pipeline.steps.fitting import FitData, FitOutcome, scored_outcome
from tabkit.prep.processor import TabularProcessor

__all__ = ["PartitionedFits"]


class PartitionedFits:
    """The model fits of one partitioned run (see the module notes).

    Parameters
    ----------
    spec : Spec
    features : FeatureSet
        The built features' roles.
    cluster : Cluster
    work : PartitionWork
    log : callable
    quiet : bool
        Silence the nets' progress on the workers (``tabkit run --quiet``).
    """

    def __init__(
        self, spec: Spec, features: FeatureSet, cluster: Any, work: PartitionWork, log: Callable, quiet: bool = False
    ):
        self.quiet = quiet
        self.spec = spec
        self.features = features
        self.client = cluster.client
        self.work = work
        self.log = log
        self.entries = {entry["name"]: entry for entry in spec.models}
        self.outcomes: dict[str, FitOutcome] = {}
        self.fit_data: FitData | None = None
        self.parts: list[SplitPart] = []
        self.fitted_processors: dict[str, TabularProcessor] = {}
        self.shared: Any = None

    def on_every_row(self, entry: dict) -> bool:
        """Whether a model entry is fitted on every training row (else on the sample)."""
        return get_kind(entry["kind"]).on_partitions in EVERY_ROW

    def needs(self, entry: dict) -> tuple[str, ...]:
        return get_kind(entry["kind"]).needs(entry)

    def processors(self) -> dict[str, TabularProcessor]:
        """The unfitted processor of each model fitted on every row, by model name."""
        found = {}
        for name, entry in self.entries.items():
            if self.on_every_row(entry):
                estimator = self._bare_estimator(entry)
                found[name] = estimator._processor() if hasattr(estimator, "_processor") else processor_for(estimator)
        return found

    def use_parts(self, parts: list[SplitPart], processors: dict[str, TabularProcessor]) -> None:
        """The split partitions, and the processors fitted from their summaries."""
        self.parts = parts
        self.fitted_processors = processors

    def fit(self, entry: dict) -> FitOutcome:
        """Fit a model entry on the cluster and score it here."""
        way = get_kind(entry["kind"]).on_partitions
        fit = {"booster_on_dask": self._booster, "encoded_arrays": self._net}.get(way, self._on_sample)
        outcome = fit(entry)
        self.outcomes[entry["name"]] = outcome
        return outcome

    # -- the fits ------------------------------------------------------------------------

    def _on_sample(self, entry: dict) -> FitOutcome:
        earlier = {need: self.outcomes[need] for need in self.needs(entry)}
        if self.shared is None:  # the sample and the validation rows, sent once
            self.shared = self.client.scatter(self.fit_data, hash=False)
        return self.client.submit(fit_on_worker, entry, self.shared, earlier, self.quiet, pure=False).result()

    def _booster(self, entry: dict) -> FitOutcome:
        """LightGBM through ``lightgbm.dask``: each partition encoded on one worker, its
        rows dealt out to every worker in turn (row ``i`` to worker ``i % n``). LightGBM
        trains data parallel and builds each feature's bins from one worker's rows: with
        whole partitions per worker (whole blocks of stores), a categorical feature such
        as Store would know only that worker's stores."""
        import operator

        import dask.array as da

        from tabkit.boosting.dask_training import fit_on_dask

        kind, processor = get_kind(entry["kind"]), self.fitted_processors[entry["name"]]
        ctx = self._context(entry)
        transform = ctx.fit_transform_for(kind)
        width = len(processor.get_feature_names_out())
        workers = sorted(self.client.scheduler_info(n_workers=-1)["workers"])
        n = len(workers)
        X_parts, y_parts = [], []
        for i, part in enumerate(p for p in self.parts if p.n_fit):
            home = {"workers": [workers[i % n]], "allow_other_workers": False, "pure": False}
            block = self.client.submit(
                encoded_part, self.work, part.index, processor, self.features.target, transform, **home
            )
            for j, worker in enumerate(workers):
                rows = len(range(j, part.n_fit, n))
                if not rows:
                    continue
                there = {"workers": [worker], "allow_other_workers": False, "pure": False}
                piece = self.client.submit(_every_nth, block, j, n, **there)
                X = self.client.submit(operator.itemgetter(0), piece, **there)
                y = self.client.submit(operator.itemgetter(1), piece, **there)
                X_parts.append(da.from_delayed(X, (rows, width), dtype=np.float32))
                y_parts.append(da.from_delayed(y, (rows,), dtype=float))
        started = time.perf_counter()
        estimator = fit_on_dask(
            kind.make_estimator(entry, ctx), processor, da.concatenate(X_parts), da.concatenate(y_parts), self.client
        )
        del X_parts, y_parts
        return scored_outcome(entry, kind, estimator, self.fit_data, ctx, time.perf_counter() - started)

    def _net(self, entry: dict) -> FitOutcome:
        from tabkit.nn.encoding import EncodedArrays

        processor = self.fitted_processors[entry["name"]]
        folder = self.work.arrays(entry["name"])
        arrays = EncodedArrays.create(folder, sum(part.n_fit for part in self.parts), processor)
        starts = np.cumsum([0] + [part.n_fit for part in self.parts])
        writes = [
            self.client.submit(_write_part, arrays, self.work, part.index, int(start), self.features.target, pure=False)
            for part, start in zip(self.parts, starts)
            if part.n_fit
        ]
        self.client.gather(writes)
        arrays.finish()
        kind = get_kind(entry["kind"])
        ctx = self._context(entry)
        estimator = kind.make_estimator(entry, ctx)
        if entry["params"].get("y_range") == "auto":  # the range of every training row, not the sample's
            low, high = np.nanmin([p.y_min for p in self.parts]), np.nanmax([p.y_max for p in self.parts])
            y_model = self.fit_data.transform.forward(np.array([low, high]))
            estimator.set_params(y_range=auto_y_range(y_model, log=self.fit_data.transform.name == "log"))
        started = time.perf_counter()
        estimator = self.client.submit(
            _fit_net,
            estimator,
            processor,
            folder,
            *self.client.scatter([self.fit_data.X_valid, self.fit_data.y_valid], hash=False),
            self.spec.metric,
            self.quiet,
            pure=False,
        ).result()
        return scored_outcome(entry, kind, estimator, self.fit_data, ctx, time.perf_counter() - started)

    def _context(self, entry: dict) -> FitContext:
        """A kind's fit context, with the earlier models the entry needs."""
        earlier = {need: self.outcomes[need] for need in self.needs(entry)}
        return self.fit_data.context(
            {name: done.model for name, done in earlier.items()},
            {name: done.valid for name, done in earlier.items()},
            self.log,
        )

    def _bare_estimator(self, entry: dict):
        """A model entry's estimator before the split, for its processor's settings."""
        params = {key: value for key, value in entry["params"].items() if not (key == "y_range" and value == "auto")}
        values = as_params(params)
        values.update(cat_names=list(self.features.cat_names), cont_names=list(self.features.cont_names))
        return get_kind(entry["kind"]).estimator_class(self.spec.task)(**values)


def _every_nth(block: tuple, first: int, step: int) -> tuple:
    """Rows ``first, first + step, ...`` of an encoded block (its matrix and target), copied."""
    X, y = block
    return np.ascontiguousarray(X[first::step]), np.ascontiguousarray(y[first::step])


def _write_part(arrays, work: PartitionWork, index: int, start: int, target: str) -> int:
    """Encode partition ``index``'s training rows into the net's arrays at ``start``."""
    import pandas as pd

    fit = pd.read_parquet(work.fit_rows(index))
    arrays.write(start, fit, fit[target].to_numpy(dtype=float))
    return len(fit)


def _fit_net(estimator, processor: TabularProcessor, folder, X_valid, y_valid, metric: str, quiet: bool):
    """The net trained on a worker from the memory-mapped arrays, with the worker's threads
    (its progress silent with ``quiet``)."""
    from distributed import get_worker

    from tabkit.nn.encoding import EncodedArrays
    from tabkit.nn.progress import silenced

    use_threads(get_worker().state.nthreads)
    cat, cont, y = EncodedArrays.open(folder)
    with silenced(quiet):
        return estimator.fit_encoded(processor, cat, cont, y, X_val=X_valid, y_val=y_valid, metric=metric)
