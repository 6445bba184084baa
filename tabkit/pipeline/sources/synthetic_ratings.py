"""``source = "synthetic_ratings"``: ratings generated from known factors and biases
(:func:`tabkit.datasets.make_ratings`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tabkit.pipeline.keys import Key, Problems
from tabkit.pipeline.sources.base import DataSource, register
from tabkit.pipeline.sources.ratings_files import NEW_DATA, read_pairs


class SyntheticRatingsSource(DataSource):
    """Users' ratings of items, generated."""

    name = "synthetic_ratings"
    doc = "ratings generated from known factors"
    keys = {
        "n_users": Key(int, 943, doc="number of users", example="300"),
        "n_items": Key(int, 1682, doc="number of items", example="500"),
        "seed": Key(int, 0, doc="the generator's seed", example="1"),
    }
    builders = ("ratings",)
    new_data = NEW_DATA

    def check(self, data: dict, problems: Problems, *, read_files: bool) -> None:
        for key in ("n_users", "n_items"):
            if data[key] < 1:
                problems.add(f"data.{key}", f"must be at least 1, got {data[key]}")

    def has_test(self, data: dict) -> bool:
        return False

    def load(self, data: dict) -> dict[str, pd.DataFrame]:
        from tabkit.datasets import make_ratings

        return make_ratings(data["n_users"], data["n_items"], seed=data["seed"])

    def read_new(self, data: dict, new: Any) -> pd.DataFrame:
        return read_pairs(new)

    def describe(self, data: dict) -> str:
        return f"synthetic ratings (n_users={data['n_users']}, n_items={data['n_items']}, seed={data['seed']})"


register(SyntheticRatingsSource())
