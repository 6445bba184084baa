"""The semantic checks of a spec's sections (after the schema's types): sources and
their files, features, the split, the models and their kinds, the output; each adds what
it finds to one list of problems, so a spec's mistakes are reported at once."""

from __future__ import annotations

import importlib.util

import pandas as pd

from tabkit.metrics import METRICS
from tabkit.pipeline.features import BUILDERS
from tabkit.pipeline.features.base import unknown_columns
from tabkit.pipeline.keys import Problems, describe, did_you_mean
from tabkit.pipeline.kinds import get_kind
from tabkit.pipeline.sections import DEFAULT_FRACTION, Baseline, Compute, Features, Output, Split
from tabkit.pipeline.sources import DataSource

__all__ = [
    "check_columns",
    "check_compute",
    "check_features",
    "check_models",
    "check_output",
    "check_split",
    "check_target",
    "local_workers",
]


def check_features(
    source: DataSource, data: dict, features: Features, task: str, problems: Problems, read_files: bool
) -> None:
    if features.builder is None:
        features.builder = source.builders[0]
    elif features.builder not in BUILDERS:
        problems.add(
            "features.builder",
            f"{features.builder!r} is not a feature builder (builders: {', '.join(BUILDERS)})"
            + did_you_mean(features.builder, BUILDERS),
        )
        return
    elif features.builder not in source.builders:
        problems.add(
            "features.builder",
            f"{features.builder!r} does not read source = {source.name!r} (it feeds {', '.join(source.builders)})",
        )
        return
    for key in ("drop", "cat_names", "cont_names"):
        values = getattr(features, key)
        if values is not None and not all(isinstance(v, str) for v in values):
            problems.add(f"features.{key}", "must be a list of column names")
            return
    if features.max_card < 1:
        problems.add("features.max_card", f"must be at least 1, got {features.max_card}")
    if task == "classification":
        if features.log_target:
            problems.add("features.log_target", "applies to a regression; the metric makes this run a classification")
        if features.target_means:
            problems.add(
                "features.target_means", "needs a regression target; the metric makes this run a classification"
            )
        if features.history:
            problems.add("features.history", "needs a regression target; the metric makes this run a classification")
    if features.history and not source.has_dates(data):
        problems.add("features.history", f"needs dates, and this {source.name} data has none (data.date)")
    for group in features.target_means:
        keys = [group] if isinstance(group, str) else group
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            problems.add(
                "features.target_means", f"each group must be a column name or a list of them, got {describe(group)}"
            )
            return
    if read_files:
        BUILDERS[features.builder].check(data, features, source.columns(data), problems)


def check_split(split: Split, source: DataSource, data: dict, problems: Problems) -> None:
    by = split.by
    if by == "days":
        if split.days is None:
            problems.add("split.days", "missing required value for by = 'days'")
        elif split.days < 1:
            problems.add("split.days", f"must be at least 1, got {split.days}")
    if by in ("fraction", "random"):
        if split.fraction is None:
            split.fraction = DEFAULT_FRACTION
        elif not 0 < split.fraction < 1:
            problems.add("split.fraction", f"must be between 0 and 1, got {split.fraction}")
    if by == "test" and not source.has_test(data):
        hint = " (data.test)" if "test" in source.keys else ""
        problems.add(
            "split.by",
            f"'test' holds out as many rows as the test set, and this {source.name} data has none{hint}; "
            "use by = 'days', 'fraction' or 'random'",
        )
    if by != "random" and not source.has_dates(data):
        problems.add(
            "split.by", f"{by!r} holds out the latest dates and needs data.date; without dates use by = 'random'"
        )
    if split.days is not None and by != "days":
        problems.add("split.days", f"applies only to by = 'days', not {by!r}")
    if split.fraction is not None and by not in ("fraction", "random"):
        problems.add("split.fraction", f"applies only to by = 'fraction' or 'random', not {by!r}")


def check_models(models: list[dict], task: str, problems: Problems) -> None:
    for i, model in enumerate(models):
        where = f"model[{i}] ({model['name']})"
        kind = get_kind(model["kind"])
        try:
            allowed = kind.allowed_params(task)
        except ImportError as exc:
            problems.add(where, f"model kind {kind.name!r} is not available: {exc}")
            continue
        except ValueError as exc:
            problems.add(f"{where}.kind", str(exc))
            continue
        for key in model["params"]:
            if key not in allowed:
                problems.add(
                    f"{where}.params.{key}",
                    f"not a parameter of {kind.name} for a {task}" + did_you_mean(key, sorted(allowed)),
                )
        if all(key in allowed for key in model["params"]):
            try:
                kind.check_params(model["params"], task)
            except (TypeError, ValueError) as exc:
                problems.add(f"{where}.params", str(exc))
        for key, values in model["search"].items():
            if key not in allowed:
                problems.add(
                    f"{where}.search.{key}", f"not a parameter of {kind.name}" + did_you_mean(key, sorted(allowed))
                )
            elif not isinstance(values, list) or not values:
                problems.add(f"{where}.search.{key}", f"must be a non-empty list, got {describe(values)}")
        seeds = model["seeds"]
        if seeds and (
            not all(isinstance(v, int) and not isinstance(v, bool) for v in seeds) or len(set(seeds)) != len(seeds)
        ):
            problems.add(f"{where}.seeds", f"must be distinct integers, got {seeds!r}")
        elif seeds and "random_state" in model["params"]:
            problems.add(f"{where}.seeds", "gives each model its random_state; leave params.random_state out")
        kind.check_entry(model, models[:i], task, problems)


def check_output(output: Output, models: list[dict], task: str, problems: Problems) -> None:
    names = [m["name"] for m in models]
    choice = output.submission
    choices = ["best", "none", "baseline", *names]
    if choice not in choices:
        problems.add(
            "output.submission",
            f'{choice!r} is not "best", "none", "baseline" or a model name' + did_you_mean(choice, choices),
        )
    if output.probabilities and task != "classification":
        problems.add("output.probabilities", "applies to a classification; the metric makes this run a regression")
    for pair in output.dependence_pairs:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(c, str) for c in pair)):
            problems.add("output.dependence_pairs", f"each pair must be two column names, got {describe(pair)}")
    for key in ("explain_worst", "explain_random", "importance_repeats", "importance_rows", "sample_rows"):
        minimum = 1 if key in ("importance_repeats", "importance_rows", "sample_rows") else 0
        if getattr(output, key) < minimum:
            problems.add(f"output.{key}", f"must be at least {minimum}, got {getattr(output, key)}")
    if output.mlflow and importlib.util.find_spec("mlflow") is None:
        problems.add("output.mlflow", "needs MLflow, which is not installed: pip install 'tabkit[mlflow]'")


def local_workers(cluster: str) -> int | None:
    """The worker count of ``cluster = "local:N"``; None for a scheduler address.

    Raises
    ------
    ValueError
        If ``cluster`` is neither.
    """
    scheme, colon, rest = cluster.partition(":")
    if scheme == "local" and colon:
        if rest.isdigit() and int(rest) >= 1:
            return int(rest)
        raise ValueError(f'{cluster!r}: "local:N" needs N, the number of worker processes, a whole number from 1')
    if colon and rest.startswith("//") and len(rest) > 2:
        return None
    raise ValueError(
        f'{cluster!r} is neither "local:N" (N worker processes here) nor a scheduler address ("tcp://host:8786")'
    )


def check_compute(compute: Compute, problems: Problems) -> None:
    workers = None
    if compute.cluster is not None:
        try:
            workers = local_workers(compute.cluster)
        except ValueError as exc:
            problems.add("compute.cluster", str(exc))
            return
    if compute.timeout < 1:
        problems.add("compute.timeout", f"must be at least 1 second, got {compute.timeout}")
    for key in ("threads", "memory_limit"):
        if getattr(compute, key) is not None and workers is None:
            problems.add(
                f"compute.{key}",
                'applies to cluster = "local:N" (the workers of a running scheduler were started with their own)',
            )
    if workers is not None and compute.threads is not None and compute.threads < 1:
        problems.add("compute.threads", f"must be at least 1, got {compute.threads}")
    if workers is not None and compute.memory_limit is not None:
        try:
            from dask.utils import parse_bytes
        except ImportError:  # connecting says the extra is missing
            return
        try:
            valid = parse_bytes(compute.memory_limit) > 0
        except ValueError:
            valid = False
        if not valid:
            problems.add("compute.memory_limit", f'{compute.memory_limit!r} is not an amount of memory such as "4GB"')


def check_columns(
    source: DataSource, data: dict, features: Features, baseline: Baseline, output: Output, problems: Problems
) -> None:
    """The columns ``baseline.by``, ``features.target_means`` and ``output.dependence_pairs``
    name are columns of the built rows (the source's header, the builder's derived columns,
    the target mean columns), each unknown one with a "did you mean"; nothing is checked
    when the builder cannot know its columns before loading."""
    by = baseline.by
    if by is not None and not all(isinstance(c, str) for c in by):
        problems.add("baseline.by", f"must be a list of column names, got {describe(by)}")
        return
    if features.builder not in source.builders or features.drop is None:  # check_features reports it
        return
    known = BUILDERS[features.builder].known_columns(data, features, source.columns(data))
    if known is None:
        return
    groups = [[g] if isinstance(g, str) else g for g in features.target_means]
    groups = [g for g in groups if isinstance(g, list) and all(isinstance(c, str) for c in g)]
    means = {"_".join(group) + "_mean" for group in groups}
    unknown_columns(by or [], known | means, "baseline.by", problems)
    unknown_columns(dict.fromkeys(c for group in groups for c in group), known, "features.target_means", problems)
    pairs = [c for pair in output.dependence_pairs if isinstance(pair, list) for c in pair if isinstance(c, str)]
    unknown_columns(dict.fromkeys(pairs), known | means, "output.dependence_pairs", problems)


def check_target(source: DataSource, data: dict, metric: str, problems: Problems) -> None:
    """A regression's target holds numbers: a target whose first values (read before
    loading) include text is refused, with a sample value."""
    values = source.target_values(data)
    if values is None or METRICS[metric].task != "regression":
        return
    values = values.dropna()
    text = values[pd.to_numeric(values, errors="coerce").isna()]
    if len(text):
        choices = ", ".join(name for name, m in METRICS.items() if m.task == "classification")
        problems.add(
            "data.target",
            f"the target column {values.name!r} holds text (e.g. {text.iloc[0]!r}), but metric {metric!r} makes "
            f"this run a regression; choose a classification metric ({choices}) or a target of numbers",
        )
