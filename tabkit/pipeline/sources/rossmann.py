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
        "format": Key(
            str,
            "csv",
            ("csv", "parquet"),
            doc='"csv": Kaggle\'s files, loaded whole; "parquet": a folder written by `tabkit data partition` '
            "(train and test as Parquet partitions by store, the small tables as Kaggle's files), read one "
            "partition at a time on the run's Dask cluster, for data larger than memory",
            example='"parquet"',
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
        if self.partitioned(data):
            from tabkit.datasets.partitioned import check_partitions

            try:
                check_partitions(folder)
            except ValueError as exc:
                problems.add(
                    "data.path",
                    f'{exc} (with format = "parquet", the folder `tabkit data partition` or `tabkit data rossmann '
                    "--synthetic --partitions` wrote)",
                )
            return
        missing = [f"{t}.csv" for t in REQUIRED_TABLES if not (folder / f"{t}.csv").is_file()]
        if missing:
            partitioned = any((folder / "train").glob("part-*.parquet"))
            hint = '; it holds Parquet partitions: set data.format = "parquet"' if partitioned else ""
            problems.add("data.path", f"{resolved(data['path'])} lacks Kaggle's {', '.join(missing)}{hint}")

    def load(self, data: dict) -> dict:
        return read_rossmann_tables(data["path"])

    def partitioned(self, data: dict) -> bool:
        return data.get("format") == "parquet"

    def partition_files(self, data: dict) -> list[str]:
        from tabkit.datasets.partitioned import partition_files

        return [str(path) for path in partition_files(data["path"], "train")]

    def load_partition(self, data: dict, index: int) -> dict:
        from tabkit.datasets.partitioned import load_partition_tables

        return load_partition_tables(data["path"], index)

    def read_new(self, data: dict, new: Any) -> dict:
        return read_rossmann_tables(new)

    def input_files(self, data: dict) -> dict[str, Path]:
        root = Path(data["path"])
        patterns = ("*.csv", "*.parquet") if self.partitioned(data) else ("*.csv",)
        files = sorted(path for pattern in patterns for path in root.rglob(pattern))
        return {str(p.relative_to(root)): p for p in files if p.is_file()}

    def describe(self, data: dict) -> str:
        if self.partitioned(data):
            n_parts = len(self.partition_files(data))
            return f"Kaggle Rossmann tables in {data['path']}, partitioned by store ({n_parts} partitions)"
        return f"Kaggle Rossmann files in {data['path']}"


register(RossmannSource())
