"""``builder = "ratings"``: users' ratings of items; the user and item are the categorical
inputs, the rating the target, the timestamp the date."""

from __future__ import annotations

import pandas as pd

from tabkit.pipeline.features.base import FeatureBuilder, FeatureSet
from tabkit.pipeline.keys import Problems
from tabkit.pipeline.sections import Features


class RatingsBuilder(FeatureBuilder):
    """One row per rating, the items' titles kept for reading."""

    name = "ratings"
    doc = "user, item and rating"

    def check(self, data: dict, features: Features, columns: list[str] | None, problems: Problems) -> None:
        if features.drop:
            problems.add("features.drop", "ratings have only their user and item as inputs; nothing can be dropped")

    def build(self, loaded: dict, data: dict, features: Features) -> FeatureSet:
        ratings = loaded["ratings"].merge(loaded["items"], on="item", how="left")
        return FeatureSet(
            train=ratings,
            test=None,
            target="rating",
            date="timestamp",
            id=None,
            group=None,
            cat_names=["user", "item"],
            cont_names=[],
            keys=["user", "item", "title"],
        )

    def new_rows(self, loaded: pd.DataFrame, data: dict, features: Features) -> pd.DataFrame:
        return loaded
