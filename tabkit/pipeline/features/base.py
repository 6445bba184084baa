"""What a feature builder makes (:class:`FeatureSet`), the builder interface and the
column-role rules every builder shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tabkit.pipeline.keys import Problems, did_you_mean
from tabkit.pipeline.sections import Features
from tabkit.prep.lineage import lineage_of

__all__ = ["FeatureBuilder", "FeatureSet", "column_roles", "unknown_columns"]


@dataclass
class FeatureSet:
    """Feature frames and column roles of one data set.

    Attributes
    ----------
    train : DataFrame
        Training rows: features, the date column and the target.
    test : DataFrame or None
        Rows to predict for the submission: features, the date column and the id column.
    target : str
        The target column.
    date : str or None
        The date column (None for data without dates, split at random).
    id : str or None
        The test id column (the submission's first column).
    group : str or None
        The column predictions are grouped by in reports (Rossmann: Store).
    cat_names, cont_names : list of str
        The model inputs.
    closed : str or None
        Column whose 0 values mean "closed": those rows are predicted 0.
    baseline_by : list of str
        Default group columns of the mean baseline.
    keys : list of str
        Columns that name a row for a reader (Rossmann: Store and Date).
    notes : list of str
        What loading or building did that the run's log should say, one line each (rows
        dropped, a cache entry rebuilt).
    """

    train: pd.DataFrame
    test: pd.DataFrame | None
    target: str
    date: str | None
    id: str | None
    group: str | None
    cat_names: list[str]
    cont_names: list[str]
    closed: str | None = None
    baseline_by: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def feature_names(self) -> list[str]:
        """The model input columns, categorical first."""
        return [*self.cat_names, *self.cont_names]

    def roles(self) -> dict:
        """Everything but the frames, as plain data (for the cache and the run's metrics)."""
        return {
            "target": self.target,
            "date": self.date,
            "id": self.id,
            "group": self.group,
            "cat_names": self.cat_names,
            "cont_names": self.cont_names,
            "closed": self.closed,
            "baseline_by": self.baseline_by,
            "keys": self.keys,
            "lineage": lineage_of(self.train),
        }


class FeatureBuilder:
    """Turns what a data source loads into a :class:`FeatureSet`; the one place that knows
    its data's column roles (target, date, id, group).

    Attributes
    ----------
    name : str
        The ``features.builder`` value.
    doc : str
        What it builds, one phrase (the spec reference).
    """

    name: str = ""
    doc: str = ""

    def check(self, data: dict, features: Features, columns: list[str] | None, problems: Problems) -> None:
        """Check ``[features]`` against the source's raw ``columns`` (None when unknown)."""

    def known_columns(self, data: dict, features: Features, columns: list[str] | None) -> set[str] | None:
        """The columns of the built training rows (what ``baseline.by``, target mean groups
        and dependence pairs may name), from the source's raw ``columns``; None when they
        cannot be known before loading (then nothing is checked)."""
        return None

    def build(self, loaded: Any, data: dict, features: Features) -> FeatureSet:
        """The training (and test) features of what the source loaded."""
        raise NotImplementedError

    def new_rows(self, loaded: Any, data: dict, features: Features) -> pd.DataFrame:
        """Features of new rows, read by the source's ``read_new``."""
        raise NotImplementedError


def unknown_columns(names, known, where: str, problems: Problems) -> None:
    """A problem for each name that is not a known column, with a "did you mean"."""
    for name in names:
        if name not in known:
            problems.add(where, f"{name!r} is not a column of the data" + did_you_mean(name, sorted(map(str, known))))


def column_roles(features: Features, default_cat, default_cont, frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The categorical and continuous inputs: the spec's lists, else the builder's
    defaults, else every other non-date column; ``features.drop`` left out.

    Raises
    ------
    ValueError
        If a listed column is not among the built features.
    """
    drop = set(features.drop)
    cat = features.cat_names if features.cat_names is not None else default_cat
    cont = features.cont_names if features.cont_names is not None else default_cont
    if cat is None:
        cat = [c for c in frame.columns if c not in set(cont) and not _temporal(frame[c])]
    if cont is None:
        cont = [c for c in frame.columns if c not in set(cat) and not _temporal(frame[c])]
    cat = [c for c in cat if c not in drop]
    cont = [c for c in cont if c not in drop]
    missing = [c for c in [*cat, *cont] if c not in frame.columns]
    if missing:
        raise ValueError(
            f"features: column(s) {missing} are not in the built features; available: {sorted(frame.columns)}"
        )
    return list(cat), list(cont)


def _temporal(values: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(values)
