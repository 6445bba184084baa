"""The steps of one pipeline run: load -> features -> split -> baseline -> models ->
explanations -> submission -> report, every artefact written through
:class:`tabkit.runs.RunWriter` (its layout is in :mod:`tabkit.runs`)."""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tabkit import metrics, runs
from tabkit.pipeline.features import FeatureSet
from tabkit.pipeline.models import Predictions
from tabkit.pipeline.models.scoring import MeanBaseline, baseline_predictions, greater_is_better
from tabkit.pipeline.spec import Spec, dumps
from tabkit.pipeline.steps import explain
from tabkit.pipeline.steps.cluster import Cluster
from tabkit.pipeline.steps.cluster_fits import ClusterFits, ModelFailed, ModelsFailed
from tabkit.pipeline.steps.correction import describe_correction, fit_correction
from tabkit.pipeline.steps.facts import data_facts, model_facts, versions
from tabkit.pipeline.steps.features import cached_build
from tabkit.pipeline.steps.fitted import FittedModel
from tabkit.pipeline.steps.fitting import FitData, FitOutcome, fit_entry
from tabkit.pipeline.steps.history import add_history
from tabkit.pipeline.steps.progress import RunLog, format_leaderboard, format_split, format_steps
from tabkit.pipeline.steps.result import RunResult
from tabkit.pipeline.steps.scoreboard import Scoreboard
from tabkit.pipeline.steps.shared_work import SharedWork
from tabkit.pipeline.steps.splitting import SplitData, check_class_target, split_rows
from tabkit.pipeline.steps.submission import submission_frame
from tabkit.prep.target import target_transform


class RunSteps:
    """The steps of one run, in order, and the state they share."""

    def __init__(self, spec: Spec, writer: runs.RunWriter, log: RunLog, root: Path, cluster: Cluster | None = None):
        self.spec = spec
        self.cluster = cluster if cluster is not None and cluster.client is not None else None
        self.writer = writer
        self.log = log
        self.root = root
        self.metric = spec.metric
        self.task = spec.task
        self.transform = target_transform(spec.features.log_target)
        self.result = RunResult(run_dir=writer.path, status="running", metric=self.metric)
        self.models: dict[str, FittedModel] = {}
        self.test_predictions: dict[str, Predictions] = {}
        self.scores: Scoreboard | None = None
        self.metrics: dict[str, Any] = {
            "spec_name": spec.name,
            "run_id": writer.run_id,
            "metric": self.metric,
            "task": self.task,
            "steps": {},
        }

    # -- steps -------------------------------------------------------------------------

    def execute(self) -> None:
        spec = self.spec
        self.log(
            f"run {self.writer.run_id} of spec {spec.name!r}"
            + (f" ({spec.path})" if spec.path else "")
            + (f" with {', '.join(spec.overrides)}" if spec.overrides else "")
        )
        self.writer.write_text(runs.SPEC, dumps(spec))
        with self._step("features"):
            self.features = self._features()
            for note in self.features.notes:
                self.log(f"features: {note}")
        with self._step("split"):
            self._split()
        with self._step("baseline"):
            self._baseline()
        if self.cluster is not None:
            self._fit_on_cluster()
        else:
            for entry in spec.models:
                with self._step(f"model:{entry['name']}"):
                    self._fit_model(entry)
        rows, shared = self._rows_to_explain(), SharedWork()
        for entry in spec.models:
            if entry["explain"] and (spec.output.importance or len(rows)):
                with self._step(f"explain:{entry['name']}"):
                    self._explain(entry, rows, shared)
        if self.split.test is not None and spec.output.submission != "none":
            with self._step("submission"):
                self._submission()
        self.log(
            f"leaderboard (validation {self.metric}):\n"
            + format_leaderboard(self.result.leaderboard, self.metric)
            + f"\nsteps: {format_steps(self.result.steps)}"
        )

    @contextmanager
    def _step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        self.result.steps[name] = self.metrics["steps"][name] = seconds
        self.writer.step_done(name)
        self._write_scores()

    def fail(self, exc: BaseException) -> None:
        """Mark the run failed or interrupted and say so in the log."""
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        self.result.duration_s = self.writer.finish(status, error=exc, traceback=traceback.format_exc())
        self.result.status = status
        self.result.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        self.log(f"run {status} after {self.result.duration_s:.1f}s: {self.result.error}")
        self.log(f"artefacts of the finished steps are in {self.writer.path}")

    def _features(self) -> FeatureSet:
        spec = self.spec
        cache_dir = None
        if spec.features.cache:
            cache_dir = Path(spec.output.cache) if spec.output.cache else self.root / ".cache"
        features, self.result.features_cached = cached_build(spec.data, spec.features, cache_dir, self.log)
        return features

    def _split(self) -> None:
        spec = self.spec
        self._use_split(split_rows(self.features, spec.split, self.transform, spec.features.target_means, spec.seed))

    def _use_split(self, split: SplitData) -> None:
        """Everything that follows from the split: history, target means, the fit inputs,
        the data facts, the validation sample and the scoreboard."""
        fs, spec = self.features, self.spec
        self.split = split
        if self.task == "classification":
            check_class_target(split.y_train, split.y_valid, fs.target, self.metric)
        if split.dropped:
            self._warn(f"log target: dropped {split.dropped} training row(s) with {fs.target} <= 0")
        history = add_history(split, spec.features.history, fs, log_target=self.transform.name == "log")
        if history:
            self.writer.write_object(runs.HISTORY_FEATURES, history)
            self.log(
                f"history: added {sum(len(h.names_) for h in history)} column(s) with a gap of {history[0].gap} days"
                f" ({', '.join(h.names_[0] for h in history)}, ...), from the training rows"
            )
        if split.target_means is not None:
            self.writer.write_object(runs.TARGET_MEANS, split.target_means)
            self.log(f"target means: added {', '.join(split.target_means.names_)} (from the training rows)")
        self.keys = split.valid[[c for c in fs.keys if c in split.valid.columns]]
        self.fit_data = FitData.from_split(
            split, task=self.task, metric=self.metric, seed=spec.seed, transform=self.transform, date=fs.date
        )
        self.metrics.update(
            target=fs.target,
            target_transform=None if self.transform.is_identity else self.transform.name,
            data=self._data_facts(),
            versions=versions(),
            baseline=None,
            models={},
        )
        self.log(format_split(spec.split.by, self.metrics["data"]))
        for note in split.notes:
            self.log(f"split: {note}")
        n_sample = min(spec.output.sample_rows, len(split.valid))
        sample_rows = np.sort(np.random.default_rng(spec.seed).choice(len(split.valid), n_sample, replace=False))
        sample = split.X_valid.iloc[sample_rows].reset_index(drop=True)
        sample["actual"] = split.y_valid[sample_rows]
        self.writer.write_parquet(runs.VALID_SAMPLE, sample)
        shown = [c for c in (fs.date, fs.group) if c is not None and c in split.valid.columns]
        self.scores = Scoreboard(self.metric, split.valid[shown].assign(actual=split.y_valid))

    def _data_facts(self) -> dict:
        return data_facts(self.spec.data, self.features, self.split, self.task)

    def _baseline_by(self) -> list[str]:
        by = self.spec.baseline.by if self.spec.baseline.by is not None else self.features.baseline_by
        return list(by)

    def _fitted_baseline(self) -> MeanBaseline:
        baseline = MeanBaseline(by=self._baseline_by(), classification=self.task == "classification")
        return baseline.fit(self.split.train, self.split.y_train)

    def _baseline(self) -> None:
        by = self._baseline_by()
        started = time.perf_counter()
        baseline = self._fitted_baseline()
        fit_seconds = time.perf_counter() - started
        started = time.perf_counter()
        predicted = baseline_predictions(baseline, self.split.valid, self.transform)
        predict_seconds = time.perf_counter() - started
        if self.split.test is not None:
            self.test_predictions[runs.BASELINE] = baseline_predictions(baseline, self.split.test, self.transform)
        self.writer.write_object(runs.model_file(runs.BASELINE), baseline)
        name = "mean by " + ", ".join(by) if by else "overall mean"
        value = self.fit_data.score(predicted)
        self.metrics["baseline"] = {"name": name, "score": value}
        self._record(runs.BASELINE, runs.BASELINE, value, fit_seconds, predict_seconds, predicted)
        self.log(f"baseline ({name}): {self.metric} {value:.5f}")

    def _fit_model(self, entry: dict) -> None:
        self._announce(entry)
        outcome = fit_entry(entry, self.fit_data, self.models, self.scores.predictions, self.log)
        self._record_model(entry, outcome)

    def _fit_on_cluster(self) -> None:
        """Every model fitted on the cluster at once, each after those it needs, and recorded
        here in the spec's order; a model that fails there fails alone (with those that
        need it), and the run fails once the others are recorded."""
        self.log(f"cluster: {self.cluster.describe()}")
        for entry in self.spec.models:
            self._announce(entry)
        fits = ClusterFits(
            self.cluster.client, self.spec.models, self.fit_data, self.spec.compute.timeout, quiet=not self.log.echo
        )
        for entry in self.spec.models:
            try:
                with self._step(f"model:{entry['name']}"):
                    self._record_model(entry, fits.outcome(entry["name"]))
            except ModelFailed as exc:
                self.log(f"model {entry['name']}: failed: {exc}")
                if exc.__cause__ is not None:
                    self.log("".join(traceback.format_exception(exc.__cause__)).rstrip())
        if fits.failed:
            raise ModelsFailed(fits.failed)

    def _rows_fitted(self, entry: dict) -> int:
        return len(self.fit_data.X_train)

    def _announce(self, entry: dict) -> None:
        grid = int(np.prod([len(v) for v in entry["search"].values()])) if entry["search"] else 0
        self.log(
            f"model {entry['name']} ({entry['kind']}): fitting on {len(self.fit_data.X_train):,} rows"
            + (f", searching {grid} candidates" if grid else "")
        )

    def _record_model(self, entry: dict, outcome: FitOutcome) -> None:
        """Record a fitted entry: its scores, predictions and files."""
        model, name, predicted = outcome.model, entry["name"], outcome.valid
        kind, estimator, search = model.kind, model.estimator, outcome.search
        for line in outcome.said:
            self.log(line)
        value, note = outcome.score, "; ".join(outcome.notes)
        if outcome.override is not None:
            in_sample = value
            value, note = outcome.override
            self.log(
                f"model {name}: {self.metric} {in_sample:.5f} with weights fitted on every validation row; "
                f"{value:.5f} {note}"
            )
        if outcome.test is not None:
            self.test_predictions[name] = outcome.test
        self.models[name] = model
        self._log_inputs(name, estimator)
        size = self.writer.write_object(runs.model_file(name), kind.stored(estimator, entry))
        if search is not None:
            self.writer.write_csv(runs.model_artifact(name, runs.SEARCH), search.results_)
        history = getattr(estimator, "history_", None)
        if isinstance(history, pd.DataFrame):
            named_index = history.index.name is not None  # a booster's rounds
            self.writer.write_csv(
                runs.model_artifact(name, runs.HISTORY), history.reset_index() if named_index else history
            )
        for file, table in kind.tables(estimator).items():
            self.writer.write_table(runs.model_artifact(name, file), table)
        correction = None
        if self.task == "regression" and self.spec.output.correction != "none":
            correction = fit_correction(predicted.values, self.split.y_valid, self.metric, self.spec.seed)
            self.log(f"model {name}: {describe_correction(correction, self.metric)}")
        info = model_facts(
            model,
            entry,
            search=search,
            seed_scores=outcome.seed_scores,
            note=note,
            score=value,
            fit_seconds=outcome.fit_seconds,
            predict_seconds=outcome.predict_seconds,
            file_bytes=size,
            n_train=self._rows_fitted(entry),
            n_valid=len(self.fit_data.X_valid),
        )
        if correction is not None:
            info["correction"] = correction
        self.metrics["models"][name] = info
        self._record(name, kind.name, value, outcome.fit_seconds, outcome.predict_seconds, predicted, note)
        if correction is not None:
            self.scores.corrected(name, correction["score"], correction["factor"])
        self.log(
            f"model {name}: {self.metric} {value:.5f} (fit {outcome.fit_seconds:.1f}s, "
            f"predict {outcome.predict_seconds:.1f}s, "
            f"{runs.model_file(name)} {size / 1e6:.1f} MB)"
            + (f", best {info['best_params']}" if search is not None else "")
        )
        baseline = self.result.scores[runs.BASELINE]
        if (value < baseline) if greater_is_better(self.metric) else (value > baseline):
            self._warn(
                f"model {name} scores worse than the baseline ({self.metric} {value:.5f} against "
                f"{baseline:.5f}): check its settings"
            )

    def _log_inputs(self, name: str, estimator) -> None:
        """Say what the model's processor changed in its inputs: infinite values treated as
        missing, rare levels sent to the unknown code."""
        processor = getattr(estimator, "processor_", None)
        for counts, what in (
            (getattr(processor, "n_infinite_", {}), "infinite value(s) treated as missing"),
            (getattr(processor, "n_dropped_levels_", {}), "level(s) sent to the unknown code (max_levels, min_count)"),
        ):
            if counts:
                listed = ", ".join(f"{column} {count:,}" for column, count in counts.items())
                self.log(f"model {name}: {what}: {listed}")

    def _rows_to_explain(self) -> pd.DataFrame:
        output = self.spec.output
        models = [m for m in self.scores.ranked_models() if m in self.models]
        if not models or output.explain_worst + output.explain_random == 0:
            return pd.DataFrame({"row": [], "reason": []})
        best = self.scores.predictions[models[0]]
        errors = metrics.row_errors(self.metric, self.split.y_valid, self.fit_data.scored(best), classes=best.classes)
        return explain.choose_rows(errors, output.explain_worst, output.explain_random, self.spec.seed)

    def _explain(self, entry: dict, rows: pd.DataFrame, shared: SharedWork) -> None:
        name, started = entry["name"], time.perf_counter()
        explain.explain_model(
            self.writer,
            self.models[name],
            self.split,
            rows,
            self.keys,
            self.spec.output,
            metric=self.metric,
            seed=self.spec.seed,
            log=self.log,
            shared=shared,
        )
        seconds = time.perf_counter() - started
        self.scores.explained(name, seconds)
        self.metrics["models"][name]["explain_seconds"] = seconds
        self.log(f"model {name}: explained in {seconds:.1f}s")

    def _submission(self) -> None:
        fs, choice = self.features, self.spec.output.submission
        if choice == "best":
            choice = next(iter(self.scores.ranked_models()), runs.BASELINE)
        correction = self.metrics["models"].get(choice, {}).get("correction")
        submission = submission_frame(
            self.split.test,
            self.test_predictions[choice].corrected(correction),
            id_column=fs.id,
            target=fs.target,
            closed=fs.closed,
            probabilities=self.spec.output.probabilities,
        )
        self.result.submission = self.writer.write_csv(runs.SUBMISSION, submission)
        factor = correction["factor"] if correction and correction["applied"] else None
        self.metrics["submission"] = {
            "model": choice,
            "rows": len(submission),
            "probabilities": self.spec.output.probabilities,
            "factor": factor,
        }
        self.log(
            f"submission: {len(submission):,} rows from model {choice}"
            + (f" (x{factor:.4f})" if factor else "")
            + f" -> {self.result.submission}"
        )

    def build_report(self) -> None:
        from tabkit.report.builder import build_report

        started = time.perf_counter()
        try:
            self.result.report = Path(build_report(self.writer.path, out=self.spec.output.reports))
        except Exception as exc:  # the run itself is complete; the report can be rebuilt
            self.result.error = f"report failed: {type(exc).__name__}: {exc}"
            self.log(f"{self.result.error}\n{traceback.format_exc()}")
            return
        self.result.steps["report"] = time.perf_counter() - started
        self.log(f"report: {self.result.report} ({self.result.steps['report']:.1f}s)")

    # -- scores and artefacts ----------------------------------------------------------

    def _warn(self, message: str) -> None:
        self.result.warnings.append(message)
        self.log(f"warning: {message}")

    def _record(
        self,
        name: str,
        kind: str,
        value: float,
        fit_seconds: float,
        predict_seconds: float,
        predicted: Predictions,
        note: str = "",
    ) -> None:
        self.scores.record(name, kind, value, fit_seconds, predict_seconds, predicted, note)
        self.result.scores[name] = value

    def _write_scores(self) -> None:
        """Rewrite the score files (after every step, so a failed run keeps what finished)."""
        if self.scores is not None:
            self.scores.write(self.writer)
            self.result.leaderboard = self.scores.leaderboard
        self.writer.write_json(runs.METRICS, self.metrics)
