"""The work folder of a partitioned run: the files its Dask tasks write and read, one per
partition, on a disk every worker sees. It sits beside the run folder, under
``<output.runs>/.work/<run id>/``, and is removed when the run ends."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from tabkit.files import atomic_write

__all__ = ["PartitionWork"]


class PartitionWork:
    """Paths of a partitioned run's intermediate files.

    Parameters
    ----------
    root : path
        The folder (created; it must be visible to every worker).
    """

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()  # the workers may not share this process's working folder
        self.root.mkdir(parents=True, exist_ok=True)

    def features(self, table: str, index: int) -> Path:
        """The built features of partition ``index``'s ``"train"`` or ``"test"`` rows."""
        return self.root / "features" / f"{table}-{index:05d}.parquet"

    def fit_rows(self, index: int) -> Path:
        """The training rows of partition ``index`` left after the validation split."""
        return self.root / "fit" / f"part-{index:05d}.parquet"

    def arrays(self, model: str) -> Path:
        """The folder of a model's encoded training arrays."""
        return self.root / "arrays" / model

    def remove(self) -> None:
        """Delete the folder and everything in it."""
        shutil.rmtree(self.root, ignore_errors=True)


def write_rows(path: Path, frame: pd.DataFrame) -> Path:
    """Write a frame as Parquet (no index) under a temporary name, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))
