"""``builder = "auto"``: any table; the date column expanded into fastai's date parts and
column roles chosen by type and cardinality (or as the spec lists them).

It reads the ``target``, ``date`` and ``id`` keys of ``[data]`` and the frames the csv
source loads (``{"train": frame, "test": frame or None}``, dates parsed).
"""

from __future__ import annotations

import re

import pandas as pd

from tabkit.pipeline.features.base import FeatureBuilder, FeatureSet, column_roles, unknown_columns
from tabkit.pipeline.keys import Problems, resolved
from tabkit.pipeline.sections import Features
from tabkit.prep.dates import DATE_PARTS, TIME_PARTS, add_datepart
from tabkit.prep.processor import TabularProcessor


class AutoBuilder(FeatureBuilder):
    """Date parts of the date column; roles by type and cardinality."""

    name = "auto"
    doc = "date parts of the date column, column roles by type and cardinality"

    def check(self, data: dict, features: Features, columns: list[str] | None, problems: Problems) -> None:
        """``features.drop`` and the role lists name columns of the data or date parts, and
        not the date, target or id column."""
        if columns is None:
            return
        date = data["date"]
        reserved = {
            date: "the date column (data.date)",
            data["target"]: "the target (data.target)",
            data["id"]: "the id column (data.id)",
        }
        parts = _date_parts(date)
        known = set(columns) | set(parts)
        for name in features.drop:
            if name in reserved:
                extra = "; drop its parts instead, e.g. " + repr(parts[0]) if name == date else ""
                problems.add("features.drop", f"{name!r} is {reserved[name]}, not a feature{extra}")
        unknown_columns([c for c in features.drop if c not in reserved], known, "features.drop", problems)
        for key in ("cat_names", "cont_names"):
            if getattr(features, key):
                unknown_columns(getattr(features, key), known, f"features.{key}", problems)

    def known_columns(self, data: dict, features: Features, columns: list[str] | None) -> set[str] | None:
        """The header's columns and the date column's parts, less ``features.drop``."""
        if columns is None:
            return None
        return (set(columns) | set(_date_parts(data["date"]))) - set(features.drop)

    def build(self, loaded: dict, data: dict, features: Features) -> FeatureSet:
        target, date, id_column = data["target"], data["date"], data["id"]
        train = self._features(loaded["train"], data, features)
        test = self._features(loaded["test"], data, features) if loaded["test"] is not None else None
        inputs = [c for c in train.columns if c not in {target, date, id_column}]
        if test is not None:
            absent = [c for c in inputs if c not in test.columns]
            if absent:
                raise ValueError(
                    f"{resolved(data['test'])}: lacks the training column(s) {absent}; list them in features.drop"
                )
        if features.cat_names is None and features.cont_names is None:
            roles = TabularProcessor(max_card=features.max_card).fit(train[inputs])
            cat_names, cont_names = roles.cat_names_, roles.cont_names_
        else:
            cat_names, cont_names = column_roles(features, None, None, train[inputs])
        keys = [c for c in (date, id_column) if c is not None and c in train.columns]
        return FeatureSet(
            train=train,
            test=test,
            target=target,
            date=date,
            id=id_column,
            group=None,
            cat_names=list(cat_names),
            cont_names=list(cont_names),
            keys=keys,
            notes=list(loaded.get("notes", [])),
        )

    def new_rows(self, loaded: pd.DataFrame, data: dict, features: Features) -> pd.DataFrame:
        return self._features(loaded, data, features)

    @staticmethod
    def _features(frame: pd.DataFrame, data: dict, features: Features) -> pd.DataFrame:
        frame = frame.drop(columns=[c for c in features.drop if c in frame.columns])
        if data["date"] is None:
            return frame
        return add_datepart(frame, data["date"], drop=False, time=features.date_time)


def _prefix(date: str) -> str:
    return re.sub("[Dd]ate$", "", date)


def _date_parts(date: str | None) -> list[str]:
    """The columns ``add_datepart`` makes of the date column (time parts included)."""
    return [f"{_prefix(date)}{p}" for p in (*DATE_PARTS, *TIME_PARTS, "Elapsed")] if date else []
