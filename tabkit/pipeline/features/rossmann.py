"""``builder = "rossmann"``: fastai's Rossmann features from Kaggle's tables (or the
synthetic generator's)."""

from __future__ import annotations

import pandas as pd

from tabkit.pipeline.features.base import FeatureBuilder, FeatureSet, column_roles, unknown_columns
from tabkit.pipeline.keys import Problems
from tabkit.pipeline.sections import Features


class RossmannBuilder(FeatureBuilder):
    """fastai's Rossmann features: the tables joined, elapsed-event features, date parts."""

    name = "rossmann"
    doc = "fastai's Rossmann features"

    def check(self, data: dict, features: Features, columns: list[str] | None, problems: Problems) -> None:
        """Listed columns are Rossmann features; the date is not dropped."""
        from tabkit.datasets import ROSSMANN_CAT, ROSSMANN_CONT

        if "Date" in features.drop:
            problems.add(
                "features.drop",
                "'Date' is the date column (it splits the rows and is not a "
                "model input); drop its parts instead, e.g. 'Year'",
            )
        known = {*ROSSMANN_CAT, *ROSSMANN_CONT}
        unknown_columns([c for c in features.drop if c != "Date"], known, "features.drop", problems)

    def known_columns(self, data: dict, features: Features, columns: list[str] | None) -> set[str] | None:
        """fastai's features, the columns of Kaggle's tables they come from, the date parts
        and the days since and until each event (the same for every Rossmann data set)."""
        from tabkit.datasets import ROSSMANN_CAT, ROSSMANN_CONT
        from tabkit.datasets.features import EVENT_COLUMNS
        from tabkit.datasets.schema import SCHEMAS
        from tabkit.prep.dates import DATE_PARTS

        tables = [c for t in ("train", "test", "store", "store_states", "weather") for c in SCHEMAS[t] if c != "file"]
        elapsed = [f"{when}{event}" for event in EVENT_COLUMNS for when in ("After", "Before")]
        return {*ROSSMANN_CAT, *ROSSMANN_CONT, *tables, *DATE_PARTS, "Elapsed", *elapsed, "trend", "trend_DE"}

    def build(self, loaded: dict, data: dict, features: Features) -> FeatureSet:
        from tabkit.datasets import ROSSMANN_CAT, ROSSMANN_CONT, rossmann_features

        train, test = rossmann_features(loaded)
        cat_names, cont_names = column_roles(features, list(ROSSMANN_CAT), list(ROSSMANN_CONT), train)
        return FeatureSet(
            train=train,
            test=test,
            target="Sales",
            date="Date",
            id="Id",
            group="Store",
            cat_names=cat_names,
            cont_names=cont_names,
            closed="Open",
            baseline_by=["Store", "DayOfWeek"],
            keys=["Store", "Date"],
        )

    def new_rows(self, loaded: dict, data: dict, features: Features) -> pd.DataFrame:
        """Features of the test rows of the tables (whose train table gives the history the
        elapsed-event features need)."""
        from tabkit.datasets import rossmann_features

        return rossmann_features(loaded)[1]
