"""The steps of a run on partitioned data (a source whose ``partitions`` is set, e.g.
``[data] format = "parquet"``): the same steps, files and report as any run, with the
training rows never held in one process.

- features: each partition built by a Dask task and written to the work folder;
- split: the first validation date from the merged per-date counts, then each partition
  split by a task that writes its training rows back, summarises them for the processors
  and the baseline, and draws a sample; the validation and test rows (the latest weeks)
  come to this process, as every run's scores, explanations and report need them;
- baseline: the group means merged from the partitions' sums;
- models: LightGBM on every training row through ``lightgbm.dask``, the net from the
  training rows encoded into memory-mapped arrays, the other kinds (forests, blends) on
  the sample, each model on the cluster, one after another.
"""

from __future__ import annotations

import dataclasses
import traceback

import numpy as np
import pandas as pd

from tabkit.pipeline.features import FeatureSet
from tabkit.pipeline.kinds import PARTITIONED_FITS, get_kind
from tabkit.pipeline.models.scoring import MeanBaseline
from tabkit.pipeline.partitioned.faults import gather_parts, worker_memory
from tabkit.pipeline.partitioned.fits import PartitionedFits
from tabkit.pipeline.partitioned.tasks import BuiltPart, SplitPart, build_part, split_part
from tabkit.pipeline.partitioned.work import PartitionWork
from tabkit.pipeline.sources import get_source
from tabkit.pipeline.steps.cluster_fits import ModelFailed, ModelsFailed, died_or_raised
from tabkit.pipeline.steps.run import RunSteps
from tabkit.pipeline.steps.splitting import SplitData
from tabkit.prep.partition_fit import fitted, merge
from tabkit.prep.split import first_valid_date

__all__ = ["PartitionedRunSteps"]


class PartitionedRunSteps(RunSteps):
    """:class:`~tabkit.pipeline.steps.run.RunSteps` for partitioned data, on the run's cluster."""

    def execute(self) -> None:
        self.work = PartitionWork(self.root / ".work" / self.writer.run_id)
        try:
            super().execute()
        finally:
            self.work.remove()

    # -- features and split ------------------------------------------------------------

    def _features(self) -> FeatureSet:
        spec, client = self.spec, self.cluster.client
        files = get_source(spec.data["source"]).partition_files(spec.data)
        self.log(f"cluster: {self.cluster.describe()}")
        self.memory_limit = worker_memory(client)
        self.log(f"features: building {len(files)} partition(s) on the cluster")
        log_target = self.transform.name == "log"
        futures = [
            client.submit(build_part, spec.data, spec.features, k, self.work, log_target, pure=False)
            for k in range(len(files))
        ]
        self.built: list[BuiltPart] = gather_parts(client, futures, "features", lambda k: files[k], self.memory_limit)
        tests = [pd.read_parquet(self.work.features("test", part.index)) for part in self.built if part.n_test]
        n_train, n_test = sum(p.n_train for p in self.built), sum(p.n_test for p in self.built)
        return dataclasses.replace(
            self.built[0].roles,
            test=pd.concat(tests, ignore_index=True) if tests else None,
            notes=[
                f"{n_train:,} training and {n_test:,} test rows built in {len(files)} partitions; none is held here"
            ],
        )

    def _split(self) -> None:
        spec, fs, client = self.spec, self.features, self.cluster.client
        counts = pd.concat([part.date_counts for part in self.built]).groupby(level=0).sum()
        first_valid = self._first_valid(counts)
        self.fits = PartitionedFits(spec, fs, self.cluster, self.work, self.log, quiet=not self.log.echo)
        processors = self.fits.processors()
        share = min(1.0, spec.compute.sample_rows / max(1, int(counts[counts.index < first_valid].sum())))
        futures = [
            client.submit(
                split_part,
                self.work,
                part.index,
                self.built[0].roles,  # the roles without rows
                first_valid,
                processors,
                self._baseline_by(),
                share,
                spec.seed,
                pure=False,
            )
            for part in self.built
        ]
        parts: list[SplitPart] = gather_parts(
            client,
            futures,
            "split",
            lambda k: f"partition {k} ({self.built[k].n_train:,} training rows)",
            self.memory_limit,
        )
        self.parts = parts
        self.fits.use_parts(
            parts, {name: fitted(proc, merge(p.summaries[name] for p in parts)) for name, proc in processors.items()}
        )
        sums, by = pd.concat([p.baseline for p in parts]), self._baseline_by()
        self.baseline_sums = sums.groupby(level=list(range(len(by)))).sum() if by else sums.sum().to_frame().T
        sample = pd.concat([p.sample for p in parts], ignore_index=True)
        valid = pd.concat([p.valid for p in parts], ignore_index=True)
        self.n_fit = sum(p.n_fit for p in parts)
        self.fit_dates = [counts.index.min(), counts.index[counts.index < first_valid].max()]
        split = SplitData(
            train=sample,
            valid=valid,
            test=fs.test,
            cat_names=list(fs.cat_names),
            cont_names=list(fs.cont_names),
            y_train=sample[fs.target].to_numpy(),
            y_valid=valid[fs.target].to_numpy(),
            dropped=sum(part.dropped for part in self.built),
        )
        self.log(
            f"split: {self.n_fit:,} training rows stay in the partitions; a random {len(sample):,} of them "
            f"({100 * share:.3g}%) come here for the models fitted on a sample ([compute] sample_rows)"
        )
        self._use_split(split)
        self.fits.fit_data = self.fit_data

    def _first_valid(self, counts: pd.Series):
        """The first validation date, as :func:`~tabkit.pipeline.steps.splitting.split_rows`
        chooses it for whole data (``by = "test"``, ``"fraction"`` or ``"days"``)."""
        split, n_rows = self.spec.split, int(counts.sum())
        if split.by == "days":
            return counts.index.max() - pd.Timedelta(days=split.days - 1)
        if split.by == "fraction":
            return first_valid_date(counts, max(1, int(round(split.fraction * n_rows))))
        n_test = sum(part.n_test for part in self.built)
        return first_valid_date(counts, min(n_test, n_rows - 1))

    def _data_facts(self) -> dict:
        facts = super()._data_facts()
        facts["n_train"] = self.n_fit
        facts["n_sample"] = len(self.split.train)
        facts["partitions"] = len(self.parts)
        facts["train_dates"] = [date.date().isoformat() for date in self.fit_dates]
        return facts

    # -- baseline and models -------------------------------------------------------------

    def _fitted_baseline(self) -> MeanBaseline:
        baseline = MeanBaseline(by=self._baseline_by(), classification=False)
        sums = self.baseline_sums
        baseline.overall_ = np.array([sums["sum"].sum() / sums["count"].sum()])
        baseline.table_ = (sums["sum"] / sums["count"]).to_frame(0) if baseline.by else None
        return baseline

    def _rows_fitted(self, entry: dict) -> int:
        return self.n_fit if self.fits.on_every_row(entry) else len(self.fit_data.X_train)

    def _fit_on_cluster(self) -> None:
        """Every model on the cluster, one after another in the spec's order: a model that
        fails fails alone (with those that need it); the run fails once the others are
        recorded."""
        failed: dict[str, str] = {}
        for entry in self.spec.models:
            name = entry["name"]
            lost = [need for need in self.fits.needs(entry) if need in failed]
            self._announce(entry)
            try:
                with self._step(f"model:{name}"):
                    if lost:
                        raise ModelFailed(f"not fitted: it needs {', '.join(lost)}, which failed")
                    self._record_model(entry, self.fits.fit(entry))
            except Exception as exc:
                failed[name] = str(exc) if isinstance(exc, ModelFailed) else died_or_raised(exc)
                self.log(f"model {name}: failed: {failed[name]}")
                if not isinstance(exc, ModelFailed):
                    self.log("".join(traceback.format_exception(exc)).rstrip())
        if failed:
            raise ModelsFailed(failed)

    def _announce(self, entry: dict) -> None:
        way = get_kind(entry["kind"]).on_partitions
        rows = f" ({self._rows_fitted(entry):,})" if way != "predictions" else ""
        self.log(f"model {entry['name']} ({entry['kind']}): fitting on {PARTITIONED_FITS[way]}{rows}")
