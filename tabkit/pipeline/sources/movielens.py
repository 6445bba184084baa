"""``source = "movielens"``: MovieLens ratings files (the 100k or the latest-small layout)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from tabkit.pipeline.keys import REQUIRED, Key, Problems, resolved
from tabkit.pipeline.sources.base import DataSource, register
from tabkit.pipeline.sources.ratings_files import NEW_DATA, read_pairs


class MovieLensSource(DataSource):
    """A MovieLens folder: u.data + u.item (100k) or ratings.csv + movies.csv (latest-small)."""

    name = "movielens"
    doc = "MovieLens ratings files"
    keys = {
        "path": Key(
            str,
            REQUIRED,
            doc="the folder holding u.data + u.item (100k) or ratings.csv + movies.csv (latest-small)",
            example='"data/raw/movielens"',
        ),
    }
    builders = ("ratings",)
    file_keys = ("path",)
    new_data = NEW_DATA

    def check(self, data: dict, problems: Problems, *, read_files: bool) -> None:
        if read_files and not Path(data["path"]).is_dir():
            problems.add("data.path", f"folder not found: {resolved(data['path'])}")

    def has_test(self, data: dict) -> bool:
        return False

    def load(self, data: dict) -> dict[str, pd.DataFrame]:
        from tabkit.datasets import load_movielens

        return load_movielens(data["path"])

    def read_new(self, data: dict, new: Any) -> pd.DataFrame:
        return read_pairs(new)

    def input_files(self, data: dict) -> dict[str, Path]:
        from tabkit.datasets.movielens import LAYOUTS

        root = Path(data["path"])
        names = [name for files in LAYOUTS.values() for name in files]
        return {name: root / name for name in names if (root / name).is_file()}

    def describe(self, data: dict) -> str:
        return f"MovieLens ratings in {data['path']}"


register(MovieLensSource())
