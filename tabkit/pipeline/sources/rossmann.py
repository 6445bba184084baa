"""``source = "rossmann"``: Kaggle's Rossmann files (and the external tables) in a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tabkit.pipeline.keys import REQUIRED, Key, Problems, resolved
from tabkit.pipeline.sources.base import DataSource, register


def read_rossmann_tables(new: Any) -> dict:
    """Rossmann tables from a folder in Kaggle's layout, or the tables themselves."""
    from tabkit.datasets import load_rossmann

    return new if isinstance(new, dict) else load_rossmann(new)


class RossmannSource(DataSource):
    """Kaggle's train.csv, test.csv and store.csv (and the external tables) in one folder."""

    name = "rossmann"
    doc = "Kaggle's Rossmann files"
    keys = {
        "path": Key(
            str,
            REQUIRED,
            doc="the folder holding Kaggle's train.csv, test.csv, store.csv and the external tables",
            example='"data/raw/rossmann"',
        ),
    }
    builders = ("rossmann",)
    file_keys = ("path",)
    new_data = "a folder of Kaggle's Rossmann files (its train.csv gives the history)"

    def check(self, data: dict, problems: Problems, *, read_files: bool) -> None:
        from tabkit.datasets.schema import REQUIRED_TABLES

        if not read_files:
            return
        folder = Path(data["path"])
        if not folder.is_dir():
            problems.add("data.path", f"folder not found: {resolved(data['path'])}")
            return
        missing = [f"{t}.csv" for t in REQUIRED_TABLES if not (folder / f"{t}.csv").is_file()]
        if missing:
            problems.add("data.path", f"{resolved(data['path'])} lacks Kaggle's {', '.join(missing)}")

    def load(self, data: dict) -> dict:
        return read_rossmann_tables(data["path"])

    def read_new(self, data: dict, new: Any) -> dict:
        return read_rossmann_tables(new)

    def input_files(self, data: dict) -> dict[str, Path]:
        root = Path(data["path"])
        return {str(p.relative_to(root)): p for p in sorted(root.rglob("*.csv")) if p.is_file()}

    def describe(self, data: dict) -> str:
        return f"Kaggle Rossmann files in {data['path']}"


register(RossmannSource())
