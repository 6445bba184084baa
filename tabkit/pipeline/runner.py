"""Run a pipeline spec: load -> features -> split -> baseline -> models -> explain ->
submission, every artefact written into a fresh run folder (see
:mod:`tabkit.pipeline.artifacts` for its layout)."""
from __future__ import annotations

import platform
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import tabkit
from tabkit.pipeline import artifacts, explain, toml_writer
from tabkit.pipeline.cache import cache_key, cached_features
from tabkit.pipeline.features import FeatureSet, build_features
from tabkit.pipeline.models import PIPELINE_SET, EmbeddingForest, make_estimator
from tabkit.pipeline.progress import RunLog, format_leaderboard
from tabkit.pipeline.scoring import (
    MeanBaseline,
    OriginalScaleScorer,
    greater_is_better,
    row_errors,
    score,
)
from tabkit.pipeline.spec import Spec, load_spec
from tabkit.prep.split import time_split
from tabkit.prep.target import TargetTransform, target_transform
from tabkit.prep.target_means import TargetMeans

LEADERBOARD_COLUMNS = ["model", "kind", "score", "fit_seconds", "predict_seconds"]


@dataclass
class RunResult:
    """What a pipeline run produced.

    Attributes
    ----------
    run_dir : Path
        The run folder.
    status : str
        "complete", "failed" or "interrupted".
    metric : str
        The spec's metric.
    scores : dict of str to float
        Validation score of the baseline (key "baseline") and of every finished model.
    leaderboard : DataFrame
        model, kind, score, fit_seconds, predict_seconds; best first.
    features_cached : bool
        Whether the features came from the cache (feature building was skipped).
    submission : Path or None
        The submission file, when one was written.
    report : Path or None
        The HTML report, when one was built.
    error : str or None
        The error of a failed or interrupted run, or of a failed report.
    duration_s : float
        Seconds the run took.
    """

    run_dir: Path
    status: str
    metric: str
    scores: dict[str, float] = field(default_factory=dict)
    leaderboard: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LEADERBOARD_COLUMNS))
    features_cached: bool = False
    submission: Path | None = None
    report: Path | None = None
    error: str | None = None
    duration_s: float = 0.0


class PipelineError(RuntimeError):
    """A run that failed after its run folder was created; ``result`` describes it."""

    def __init__(self, message: str, result: RunResult):
        super().__init__(message)
        self.result = result


def run_pipeline(
    spec: str | Path | Mapping | Spec,
    *,
    overrides: Sequence[str] | Mapping[str, Any] | None = None,
    out_dir: str | Path | None = None,
    verbose: bool = True,
) -> RunResult:
    """Run a pipeline spec end to end.

    Parameters
    ----------
    spec : path, mapping or Spec
        A TOML spec file (see :mod:`tabkit.pipeline.spec`), its parsed mapping, or a
        validated :class:`~tabkit.pipeline.spec.Spec`.
    overrides : list of "key=value" or mapping, optional
        Changes to the spec, e.g. ``["data.n_stores=20"]`` (values are TOML literals).
    out_dir : path, optional
        The runs folder, instead of the spec's ``output.runs``; the run lands in
        ``out_dir/<spec name>/<UTC timestamp>/``.
    verbose : bool, default True
        Print progress and the leaderboard (the log file is written either way).

    Returns
    -------
    RunResult

    Raises
    ------
    SpecError
        The spec is invalid; raised before any file is written.
    PipelineError
        A step failed; the run is marked failed (error and traceback in ``status.json``)
        and keeps every artefact of the steps that finished. Its ``result`` and its
        ``__cause__`` (the original error) say more.
    KeyboardInterrupt
        After marking the run interrupted.
    """
    if isinstance(spec, Spec):
        if overrides:
            raise ValueError("overrides apply to a spec file or mapping, not to a validated Spec")
    else:
        spec = load_spec(spec, overrides)
    root = Path(out_dir) if out_dir is not None else Path(spec.output["runs"])
    folder = artifacts.RunFolder(root, spec.name)
    log = RunLog(folder.file("log.txt"), echo=verbose)
    run = _Run(spec, folder, log, root)
    try:
        run.execute()
    except BaseException as exc:
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        run.result.duration_s = folder.finish(status, error=exc, traceback=traceback.format_exc())
        run.result.status = status
        run.result.error = f"{type(exc).__name__}: {exc}"
        log(f"run {status} after {run.result.duration_s:.1f}s: {run.result.error}")
        log(f"artefacts of the finished steps are in {folder.path}")
        if isinstance(exc, Exception):
            raise PipelineError(f"pipeline run failed: {run.result.error} (run folder: {folder.path})",
                                run.result) from exc
        raise
    run.result.status = "complete"
    run.result.duration_s = folder.finish("complete")
    log(f"run complete in {run.result.duration_s:.1f}s: {folder.path}")
    if spec.output["report"]:
        run.build_report()
    return run.result


class _Run:
    """The state of one run as its steps go."""

    def __init__(self, spec: Spec, folder: artifacts.RunFolder, log: RunLog, root: Path):
        self.spec = spec
        self.folder = folder
        self.log = log
        self.root = root
        self.metric = spec.metric
        self.transform = target_transform(spec.features["log_target"])
        self.scorer = OriginalScaleScorer(self.metric, self.transform)
        self.result = RunResult(run_dir=folder.path, status="running", metric=self.metric)
        self.models: dict[str, Any] = {}
        self.test_predictions: dict[str, np.ndarray] = {}
        self.leaderboard: list[dict] = []
        self.metrics: dict[str, Any] = {}

    # -- steps -------------------------------------------------------------------------

    def execute(self) -> None:
        spec = self.spec
        self.log(f"run {self.folder.run_id} of spec {spec.name!r}"
                 + (f" ({spec.path})" if spec.path else "")
                 + (f" with {', '.join(spec.overrides)}" if spec.overrides else ""))
        artifacts.write_text(self.folder.file("spec.toml"), toml_writer.dumps(spec.to_dict()))
        self.features = self._features()
        self.folder.step_done("features")
        self._split()
        self.folder.step_done("split")
        self._baseline()
        self.folder.step_done("baseline")
        for entry in spec.models:
            self._fit_model(entry)
            self.folder.step_done(f"model:{entry['name']}")
            if entry["explain"] and (spec.output["importance"] or self._wants_rows(entry)):
                self._explain(entry)
                self.folder.step_done(f"explain:{entry['name']}")
        if self.features.test is not None and spec.output["submission"] != "none":
            self._submission()
            self.folder.step_done("submission")
        self.log("leaderboard (validation " + self.metric + "):\n"
                 + format_leaderboard(self.result.leaderboard, self.metric))

    def _features(self) -> FeatureSet:
        spec = self.spec
        started = time.perf_counter()
        build = lambda: build_features(spec.data, spec.features)  # noqa: E731
        if not spec.features["cache"]:
            self.log("features: building (cache off)")
            features = build()
            self.log(f"features: built in {time.perf_counter() - started:.1f}s")
            return features
        cache_dir = Path(spec.output["cache"]) if spec.output["cache"] else self.root / ".cache"
        key = cache_key(spec.data, spec.features)
        features, hit = cached_features(cache_dir, key, build)
        self.result.features_cached = hit
        if hit:
            self.log(f"features: loaded from cache {cache_dir / key} in "
                     f"{time.perf_counter() - started:.1f}s (feature building skipped)")
        else:
            self.log(f"features: built in {time.perf_counter() - started:.1f}s, cached as {cache_dir / key}")
        return features

    def _split(self) -> None:
        fs, spec = self.features, self.spec
        train = fs.train
        if not self.transform.is_identity:
            keep = train[fs.target].to_numpy(dtype=float) > 0
            if not keep.all():
                self.log(f"log target: dropped {int((~keep).sum())} training row(s) with {fs.target} <= 0")
                train = train.loc[keep].reset_index(drop=True)
        n_test = len(fs.test) if fs.test is not None else 0
        by = spec.split["by"]
        if by == "test":
            train_pos, valid_pos = time_split(train, date=fs.date, valid_size=min(n_test, len(train) - 1))
        elif by == "fraction":
            train_pos, valid_pos = time_split(train, date=fs.date, valid_size=spec.split["fraction"])
        else:
            first = train[fs.date].max() - pd.Timedelta(days=spec.split["days"] - 1)
            is_valid = (train[fs.date] >= first).to_numpy()
            if is_valid.all():
                raise ValueError(f"split: the last {spec.split['days']} days hold every training row")
            train_pos, valid_pos = np.flatnonzero(~is_valid), np.flatnonzero(is_valid)
        self.train = train.iloc[train_pos].reset_index(drop=True)
        self.valid = train.iloc[valid_pos].reset_index(drop=True)
        for frame in (self.train, self.valid):
            frame.attrs = dict(train.attrs)
        self.y_train = self.train[fs.target].to_numpy()
        self.y_valid = self.valid[fs.target].to_numpy()
        self.y_train_model = self.transform.forward(self.y_train)
        self.y_valid_model = self.transform.forward(self.y_valid)
        self.cont_names = list(fs.cont_names)
        test = self._add_target_means(fs.test)
        names = [*fs.cat_names, *self.cont_names]
        self.X_train, self.X_valid = self.train[names], self.valid[names]
        self.X_test = test[names] if test is not None else None

        predictions = {fs.date: self.valid[fs.date].to_numpy()}
        if fs.group is not None:
            predictions[fs.group] = self.valid[fs.group].to_numpy()
        predictions["actual"] = self.y_valid
        self.predictions = pd.DataFrame(predictions)

        n_sample = min(spec.output["sample_rows"], len(self.valid))
        rows = np.sort(np.random.default_rng(spec.seed).choice(len(self.valid), n_sample, replace=False))
        sample = self.X_valid.iloc[rows].reset_index(drop=True)
        sample["actual"] = self.y_valid[rows]
        artifacts.write_parquet(self.folder.file("valid_sample.parquet"), sample)

        dates = lambda frame: [frame[fs.date].min().date().isoformat(), frame[fs.date].max().date().isoformat()]  # noqa: E731
        self.metrics = {
            "spec_name": spec.name, "run_id": self.folder.run_id, "metric": self.metric,
            "target": fs.target, "target_transform": None if self.transform.is_identity else self.transform.name,
            "data": {"source": _describe_source(spec.data), "n_train": len(self.train),
                     "n_valid": len(self.valid), "n_test": n_test,
                     "train_dates": dates(self.train), "valid_dates": dates(self.valid)},
            "versions": _versions(), "baseline": None, "models": {},
        }
        self.log(f"split: {len(self.train):,} training rows {dates(self.train)[0]}..{dates(self.train)[1]}, "
                 f"{len(self.valid):,} validation rows {dates(self.valid)[0]}..{dates(self.valid)[1]}, "
                 f"{n_test:,} test rows; {len(fs.cat_names)} categorical + {len(self.cont_names)} continuous features")

    def _add_target_means(self, test: pd.DataFrame | None) -> pd.DataFrame | None:
        """Fit ``[features] target_means`` on the training rows, add its columns to the training
        and validation frames and to the continuous inputs; return the test frame with them."""
        groups = self.spec.features["target_means"]
        if not groups:
            return test
        means = TargetMeans(groups).fit(self.train, self.y_train_model)
        self.train, self.valid = means.transform(self.train), means.transform(self.valid)
        self.cont_names += means.names_
        artifacts.write_joblib(self.folder.file("target_means.joblib"), means)
        self.log(f"target means: added {', '.join(means.names_)} (from the training rows)")
        return means.transform(test) if test is not None else None

    def _baseline(self) -> None:
        fs = self.features
        by = self.spec.baseline["by"] if self.spec.baseline["by"] is not None else fs.baseline_by
        started = time.perf_counter()
        baseline = MeanBaseline(by=list(by), classification=self.spec.task == "classification")
        baseline.fit(self.train, self.y_train)
        fit_seconds = time.perf_counter() - started
        started = time.perf_counter()
        predicted = baseline.predict(self.valid)
        predict_seconds = time.perf_counter() - started
        value = score(self.metric, self.y_valid, predicted)
        name = "mean by " + ", ".join(by) if by else "overall mean"
        self.metrics["baseline"] = {"name": name, "score": value}
        self.models["baseline"] = baseline
        if self.X_test is not None:
            self.test_predictions["baseline"] = baseline.predict(fs.test)
        self._record("baseline", "baseline", value, fit_seconds, predict_seconds, predicted)
        self.log(f"baseline ({name}): {self.metric} {value:.5f}")

    def _fit_model(self, entry: dict) -> None:
        name, kind = entry["name"], entry["kind"]
        self.log(f"model {name} ({kind}): fitting on {len(self.X_train):,} rows"
                 + (f", searching {_grid_size(entry['search'])} candidates" if entry["search"] else ""))
        started = time.perf_counter()
        model, search = self._fit(entry)
        fit_seconds = time.perf_counter() - started
        started = time.perf_counter()
        predicted_model = model.predict(self.X_valid)
        predict_seconds = time.perf_counter() - started
        predicted = self.transform.inverse(predicted_model)
        value = score(self.metric, self.y_valid, predicted)
        if self.X_test is not None:
            self.test_predictions[name] = self.transform.inverse(model.predict(self.X_test))
        self.models[name] = model

        out = self.folder.file(name)
        artifacts.write_joblib(self.folder.file("models", f"{name}.joblib"), model)
        if search is not None:
            artifacts.write_csv(out / "search.csv", search.results_)
        history = getattr(model, "history_", None)
        if isinstance(history, pd.DataFrame):
            artifacts.write_csv(out / "history.csv", history)
        params = model.forest_.get_params(deep=False) if isinstance(model, EmbeddingForest) else model.get_params(deep=False)
        info = {
            "kind": kind, "score": value, "fit_seconds": fit_seconds, "predict_seconds": predict_seconds,
            "n_train": len(self.X_train), "n_valid": len(self.X_valid),
            "params": {k: _plain(v) for k, v in params.items() if k not in PIPELINE_SET},
        }
        if kind == "embedding_forest":
            info["net"] = entry["net"]
        if search is not None:
            info["best_params"] = {k: _plain(v) for k, v in search.best_params_.items()}
        self.metrics["models"][name] = info
        self._record(name, kind, value, fit_seconds, predict_seconds, predicted)
        self.log(f"model {name}: {self.metric} {value:.5f} (fit {fit_seconds:.1f}s, predict {predict_seconds:.1f}s)"
                 + (f", best {info['best_params']}" if search is not None else ""))

    def _fit(self, entry: dict):
        from tabkit.search.validation_search import ValidationSearch

        kind, fs = entry["kind"], self.features
        if kind == "embedding_forest":
            net = self.models[entry["net"]]
            Z_train, Z_valid = net.transform(self.X_train), net.transform(self.X_valid)
            estimator = self._estimator(entry, cat_names=[], cont_names=None)
            X_fit, X_val = Z_train, Z_valid
        else:
            estimator = self._estimator(entry, cat_names=fs.cat_names, cont_names=self.cont_names)
            X_fit, X_val = self.X_train, self.X_valid
        search = None
        if entry["search"]:
            search = ValidationSearch(estimator, entry["search"], scoring=self.scorer, n_jobs=1)
            search.fit(X_fit, self.y_train_model, X_val=X_val, y_val=self.y_valid_model)
            fitted = search.best_estimator_
        elif kind == "embedding_net":
            fitted = estimator.fit(X_fit, self.y_train_model, X_val=X_val, y_val=self.y_valid_model,
                                   metric=_HistoryMetric(self.metric, self.transform))
        else:
            fitted = estimator.fit(X_fit, self.y_train_model)
        if kind == "embedding_forest":
            fitted = EmbeddingForest.from_fitted(self.models[entry["net"]], fitted)
        return fitted, search

    def _estimator(self, entry: dict, *, cat_names, cont_names):
        y = self.y_train_model
        if self.spec.task == "regression":
            y = y.astype(float)
            if not self.transform.is_identity:
                y_range = (min(0.0, float(y.min())), float(y.max()) + float(np.log(1.2)))
            else:
                y_range = (min(0.0, 1.2 * float(y.min())), 1.2 * float(y.max()))
        else:
            y_range = None
        return make_estimator(entry["kind"], self.spec.task, entry["params"], cat_names=cat_names,
                              cont_names=cont_names, seed=self.spec.seed, y_range_auto=y_range)

    def _wants_rows(self, entry: dict) -> bool:
        output = self.spec.output
        return (output["explain_worst"] + output["explain_random"]) > 0 and entry["kind"] != "embedding_net"

    def _explain(self, entry: dict) -> None:
        name, output = entry["name"], self.spec.output
        model = self.models[name]
        out = self.folder.file(name)
        started = time.perf_counter()
        if output["importance"]:
            table = explain.importance(model, self.X_valid, self.y_valid_model, self.scorer,
                                       n_repeats=output["importance_repeats"],
                                       max_rows=output["importance_rows"], seed=self.spec.seed)
            artifacts.write_csv(out / "importance.csv", table)
            top = ", ".join(table["feature"].head(3).astype(str))
            self.log(f"model {name}: permutation importance done, top features {top}")
        if explain.explains_rows(model) and self._wants_rows(entry):
            predicted = self.predictions[name].to_numpy()
            rows = explain.choose_rows(row_errors(self.metric, self.y_valid, predicted),
                                       output["explain_worst"], output["explain_random"], self.spec.seed)
            table = explain.contributions_table(model, self.X_valid, self.y_valid_model, rows)
            artifacts.write_csv(out / "contributions.csv", table)
            artifacts.write_csv(out / "explained_rows.csv", explain.explained_rows(self.X_valid, rows))
            self.log(f"model {name}: contributions of {len(rows)} validation rows")
        self.log(f"model {name}: explained in {time.perf_counter() - started:.1f}s")

    def _submission(self) -> None:
        fs, choice = self.features, self.spec.output["submission"]
        if choice == "best":
            ranked = [m for m in self.result.leaderboard["model"] if m != "baseline"]
            choice = ranked[0] if ranked else "baseline"
        predicted = np.asarray(self.test_predictions[choice])
        if fs.closed is not None:
            predicted = np.where(fs.test[fs.closed].fillna(1).to_numpy() == 0, 0, predicted)
        submission = pd.DataFrame({fs.id: fs.test[fs.id].to_numpy(), fs.target: predicted})
        submission = submission.sort_values(fs.id, kind="stable").reset_index(drop=True)
        path = artifacts.write_csv(self.folder.file("submission.csv"), submission)
        self.result.submission = path
        self.log(f"submission: {len(submission):,} rows from model {choice} -> {path}")

    def build_report(self) -> None:
        from tabkit.report.builder import build_report

        try:
            self.result.report = Path(build_report(self.folder.path, out=self.spec.output["reports"]))
        except Exception as exc:  # the run itself is complete; the report can be rebuilt
            self.result.error = f"report failed: {type(exc).__name__}: {exc}"
            self.log(f"{self.result.error}\n{traceback.format_exc()}")
            return
        self.log(f"report: {self.result.report}")

    # -- artefacts ---------------------------------------------------------------------

    def _record(self, name: str, kind: str, value: float, fit_seconds: float, predict_seconds: float,
                predicted: np.ndarray) -> None:
        """Add a model's row and predictions, and rewrite the score files."""
        self.leaderboard.append({"model": name, "kind": kind, "score": value,
                                 "fit_seconds": fit_seconds, "predict_seconds": predict_seconds})
        table = pd.DataFrame(self.leaderboard, columns=LEADERBOARD_COLUMNS)
        table = table.sort_values("score", ascending=not greater_is_better(self.metric), kind="stable")
        self.result.leaderboard = table.reset_index(drop=True)
        self.result.scores[name] = value
        self.predictions[name] = predicted
        artifacts.write_parquet(self.folder.file("valid_predictions.parquet"), self.predictions)
        artifacts.write_json(self.folder.file("metrics.json"), self.metrics)
        artifacts.write_csv(self.folder.file("leaderboard.csv"), self.result.leaderboard)


class _HistoryMetric:
    """The run's metric on the original scale, for a net's per-epoch history."""

    def __init__(self, metric: str, transform: TargetTransform):
        self.__name__ = metric
        self.greater_is_better = greater_is_better(metric)
        self.metric = metric
        self.transform = transform

    def __call__(self, y_true, y_pred) -> float:
        return score(self.metric, self.transform.inverse(y_true), self.transform.inverse(y_pred))


def _describe_source(data: dict) -> str:
    if data["source"] == "synthetic":
        return f"synthetic Rossmann (n_stores={data['n_stores']}, seed={data['seed']})"
    if data["source"] == "rossmann":
        return f"Kaggle Rossmann files in {data['path']}"
    return f"csv {data['train']}" + (f" + {data['test']}" if data["test"] else "")


def _versions() -> dict[str, str | None]:
    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    return {"tabkit": tabkit.__version__, "python": platform.python_version(),
            "numpy": np.__version__, "pandas": pd.__version__,
            "sklearn": version("scikit-learn"), "torch": version("torch")}


def _grid_size(grid: dict) -> int:
    return int(np.prod([len(v) for v in grid.values()]))


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "item"):
        return value.item()
    return repr(value)
