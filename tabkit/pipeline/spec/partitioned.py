"""What a spec on partitioned data may ask (a source whose ``partitioned`` is true, e.g.
``[data] format = "parquet"``): the run reads the training rows one partition at a time
on a Dask cluster, so it needs one, and it refuses, before any work, what needs every
training row in one process."""

from __future__ import annotations

from tabkit.pipeline.keys import Problems
from tabkit.pipeline.kinds import EVERY_ROW, KINDS
from tabkit.pipeline.sections import Compute, Features, Split

__all__ = ["check_partitioned"]


def check_partitioned(
    task: str, features: Features, split: Split, models: list[dict], compute: Compute, problems: Problems
) -> None:
    """Record what a partitioned run cannot do with this spec (``problems.add``)."""
    why = "partitioned data (data.format)"
    if compute.cluster is None:
        problems.add(
            "compute.cluster",
            f'{why} is read one partition at a time on a Dask cluster: set one, e.g. cluster = "local:2" '
            "(or tabkit run --cluster local:2)",
        )
    if compute.sample_rows < 1:
        problems.add("compute.sample_rows", f"must be at least 1, got {compute.sample_rows}")
    if task != "regression":
        problems.add("metric", f"{why} runs a regression; a classification needs the rows loaded whole")
    for key in ("history", "target_means"):
        if getattr(features, key):
            problems.add(f"features.{key}", f"is not built on {why} yet; leave it out")
    if split.by == "random":
        problems.add("split.by", f"'random' is not available on {why}: use 'test', 'fraction' or 'days'")
    able = sorted(name for name, kind in KINDS.items() if kind.on_partitions is not None)
    for i, entry in enumerate(models):
        kind = KINDS.get(entry.get("kind"))
        if kind is None:  # an unknown kind: the model check says so
            continue
        where, way = f"model[{i}] ({entry.get('name')})", kind.on_partitions
        if way is None:
            problems.add(f"{where}.kind", f"{entry['kind']!r} is not fitted on {why}; the kinds are {', '.join(able)}")
        elif way in EVERY_ROW:
            for key in ("search", "seeds"):
                if entry.get(key):
                    problems.add(f"{where}.{key}", f"a model reading every row of {why} reads it once: leave {key} out")
        if way == "booster_on_dask" and entry.get("params", {}).get("early_stopping_rounds") is not None:
            problems.add(
                f"{where}.params.early_stopping_rounds",
                f"a booster on {why} trains a fixed number of rounds: set n_estimators and leave this out",
            )
