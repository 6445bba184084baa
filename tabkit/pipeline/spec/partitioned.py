"""What a spec on partitioned data may ask (a source whose ``partitioned`` is true, e.g.
``[data] format = "parquet"``): the run reads the training rows one partition at a time
on a Dask cluster, so it needs one, and it refuses, before any work, what needs every
training row in one process."""

from __future__ import annotations

from tabkit.pipeline.keys import Problems
from tabkit.pipeline.sections import Compute, Features, Split

__all__ = ["SAMPLE_KINDS", "WHOLE_ROW_KINDS", "check_partitioned"]

WHOLE_ROW_KINDS = ("lightgbm", "embedding_net")
"""Kinds fitted on every training row of partitioned data."""
SAMPLE_KINDS = ("forest", "embedding_forest", "ensemble")
"""Kinds fitted on a random sample of the training rows (``[compute] sample_rows``)."""


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
    for i, entry in enumerate(models):
        where, kind = f"model[{i}] ({entry.get('name')})", entry.get("kind")
        if kind not in (*WHOLE_ROW_KINDS, *SAMPLE_KINDS):
            problems.add(
                f"{where}.kind",
                f"{kind!r} is not fitted on {why}; the kinds are {', '.join((*WHOLE_ROW_KINDS, *SAMPLE_KINDS))}",
            )
        elif kind in WHOLE_ROW_KINDS:
            for key in ("search", "seeds"):
                if entry.get(key):
                    problems.add(f"{where}.{key}", f"a {kind} model reads every row of {why} once: leave {key} out")
            if kind == "lightgbm" and entry.get("params", {}).get("early_stopping_rounds") is not None:
                problems.add(
                    f"{where}.params.early_stopping_rounds",
                    f"LightGBM on {why} trains a fixed number of rounds: set n_estimators and leave this out",
                )
