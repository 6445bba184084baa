"""The Dask tasks of a partitioned run, each reading and writing one partition's files in
the run's :class:`~tabkit.pipeline.partitioned.work.PartitionWork` and giving back only what
is small: counts, summaries, the validation rows, a sample.

1. :func:`build_part`: the source loads the partition, the builder builds its features
   (every row of a block of stores, so per-store features are whole), written to disk.
2. :func:`split_part`: the partition's rows split at the run's first validation date; the
   training rows written back, summarised for the processors and the baseline and sampled;
   the validation rows returned.
3. :func:`encoded_part`: a processor's encoding of the partition's training rows (the
   trees' float32 matrix and the target), for LightGBM's Dask training.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tabkit.pipeline.features import BUILDERS, FeatureSet
from tabkit.pipeline.partitioned.faults import process_peak
from tabkit.pipeline.partitioned.work import PartitionWork, write_rows
from tabkit.pipeline.sections import Features
from tabkit.pipeline.sources import get_source
from tabkit.prep.fit_inputs import encode
from tabkit.prep.partition_fit import summarize
from tabkit.prep.processor import TabularProcessor

__all__ = ["BuiltPart", "SplitPart", "build_part", "encoded_part", "split_part"]


@dataclass
class BuiltPart:
    """What building one partition's features gave back.

    Attributes
    ----------
    index : int
    n_train, n_test : int
        Rows written (training rows after those a log target cannot take).
    dropped : int
        Training rows left out because the target is <= 0 under a log target.
    date_counts : Series
        Training rows per date.
    roles : FeatureSet
        The builder's columns and roles, with the frames cut to no rows.
    peak_bytes : int
        The most memory the worker process has held so far.
    """

    index: int
    n_train: int
    n_test: int
    dropped: int
    date_counts: pd.Series
    roles: FeatureSet
    peak_bytes: int


@dataclass
class SplitPart:
    """What splitting one partition gave back.

    Attributes
    ----------
    index : int
    n_fit : int
        Training rows left after the validation rows were taken out.
    valid : DataFrame
        The partition's validation rows.
    sample : DataFrame
        A random share of its training rows (the models fitted on a sample).
    summaries : dict of str to ProcessorSummary
        The training rows summarised for each processor, by its name.
    baseline : DataFrame
        Target sum and count of the training rows per baseline group.
    y_min, y_max : float
        The training rows' lowest and highest target (NaN without rows).
    peak_bytes : int
        The most memory the worker process has held so far.
    """

    index: int
    n_fit: int
    valid: pd.DataFrame
    sample: pd.DataFrame
    summaries: dict[str, Any]
    baseline: pd.DataFrame
    y_min: float
    y_max: float
    peak_bytes: int


def build_part(data: dict, features: Features, index: int, work: PartitionWork, log_target: bool) -> BuiltPart:
    """Build partition ``index``'s features and write its training and test rows."""
    source = get_source(data["source"])
    built = BUILDERS[features.builder].build(source.load_partition(data, index), data, features)
    train, test = _floats(built.train, built.cont_names), _floats(built.test, built.cont_names)
    dropped = 0
    if log_target:
        keep = train[built.target].to_numpy(dtype=float) > 0
        dropped = int((~keep).sum())
        train = train.loc[keep].reset_index(drop=True)
    write_rows(work.features("train", index), train)
    n_test = 0
    if test is not None:
        write_rows(work.features("test", index), test)
        n_test = len(test)
    return BuiltPart(
        index=index,
        n_train=len(train),
        n_test=n_test,
        dropped=dropped,
        date_counts=train[built.date].value_counts(),
        roles=dataclasses.replace(built, train=train.iloc[:0], test=None if test is None else test.iloc[:0], notes=[]),
        peak_bytes=process_peak(),
    )


def _floats(frame: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame | None:
    """Integer continuous columns as floats: a builder's merge gives integers in a
    partition where every row finds its match and floats where one does not, and the
    partitions must agree on dtypes."""
    if frame is None:
        return None
    integers = [c for c in columns if c in frame.columns and pd.api.types.is_integer_dtype(frame[c].dtype)]
    return frame.astype(dict.fromkeys(integers, "float64")) if integers else frame


def split_part(
    work: PartitionWork,
    index: int,
    roles: FeatureSet,
    first_valid: Any,
    processors: dict[str, TabularProcessor],
    baseline_by: list[str],
    sample_share: float,
    seed: int,
) -> SplitPart:
    """Split partition ``index``'s training rows at ``first_valid`` (the run's first
    validation date): write back the rows left for training (the model inputs, the
    target and the date), summarise them for each (unfitted) processor and the baseline,
    and draw each row into the sample with probability ``sample_share``."""
    train = pd.read_parquet(work.features("train", index))
    is_valid = (train[roles.date] >= first_valid).to_numpy()
    columns = [*roles.cat_names, *roles.cont_names]
    kept = list(dict.fromkeys([*columns, roles.target, roles.date, *baseline_by]))
    fit = train.loc[~is_valid, kept].reset_index(drop=True)
    valid = train.loc[is_valid].reset_index(drop=True)
    write_rows(work.fit_rows(index), fit)
    label = work.features("train", index).name
    summaries = {name: summarize(processor, fit[columns], label=label) for name, processor in processors.items()}
    target = fit[roles.target].astype(float)
    if baseline_by:
        baseline = target.groupby([fit[c] for c in baseline_by], observed=True).agg(["sum", "count"])
    else:
        baseline = pd.DataFrame({"sum": [target.sum()], "count": [len(target)]})
    drawn = np.random.default_rng([seed, index]).random(len(fit)) < sample_share
    return SplitPart(
        index=index,
        n_fit=len(fit),
        valid=valid,
        sample=fit.loc[drawn].reset_index(drop=True),
        summaries=summaries,
        baseline=baseline,
        y_min=float(target.min()) if len(target) else np.nan,
        y_max=float(target.max()) if len(target) else np.nan,
        peak_bytes=process_peak(),
    )


def encoded_part(work: PartitionWork, index: int, processor: TabularProcessor, target: str, transform) -> tuple:
    """The trees' input matrix (float32) of partition ``index``'s training rows under a
    fitted processor, and their target on the model scale (``transform``)."""
    fit = pd.read_parquet(work.fit_rows(index))
    return encode(processor, fit), transform.forward(fit[target].to_numpy(dtype=float))
