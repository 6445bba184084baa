"""What a data source is, and the registry of sources.

A source is declared once, by a subclass of :class:`DataSource` registered with
:func:`register`: the ``[data]`` keys it reads, its checks, how it loads (and reads new rows
for ``tabkit predict``), the feature builders it can feed, the files its cache key hashes
and the one line that names its data in the log and the report. The spec check, the
feature step, the cache and ``tabkit predict`` only ever ask the registry; nothing else
compares source names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tabkit.pipeline.keys import Key, Problems, Registry

__all__ = ["SOURCES", "DataSource", "get_source", "register"]


class DataSource:
    """A data source: subclass it, set the class attributes, override what differs.

    Attributes
    ----------
    name : str
        The ``source`` value of a ``[data]`` table.
    doc : str
        What the source reads, one phrase (the spec reference).
    keys : dict of str to Key
        The other ``[data]`` keys it reads; a spec may give no others.
    builders : tuple of str
        The feature builders it can feed (``features.builder``), its default first.
    file_keys : tuple of str
        Keys naming files or folders: the cache key hashes what they hold, not their names.
    new_data : str
        What ``tabkit predict --data`` takes for a run of this source.
    """

    name: str = ""
    doc: str = ""
    keys: dict[str, Key] = {}
    builders: tuple[str, ...] = ()
    file_keys: tuple[str, ...] = ()
    new_data: str = "new rows as the run read its data"

    def check(self, data: dict, problems: Problems, *, read_files: bool) -> None:
        """Checks of the source's keys (and, with ``read_files``, of its files) before any
        work; none by default."""

    def columns(self, data: dict) -> list[str] | None:
        """The raw columns the source gives its builder, when known before loading (read
        from file headers); None otherwise."""
        return None

    def target_values(self, data: dict) -> Any:
        """The first values of the training target (a Series), when they can be read
        before loading (from a file's first rows); None otherwise."""
        return None

    def has_test(self, data: dict) -> bool:
        """Whether the source has rows to predict for a submission."""
        return True

    def has_dates(self, data: dict) -> bool:
        """Whether its rows carry a date (a time split needs one)."""
        return True

    def load(self, data: dict) -> Any:
        """The data its builder reads (tables, or training and test frames); what loading
        did to the rows that a reader should know (rows dropped) goes under ``"notes"``, a
        list of lines the builder passes on to the run's log."""
        raise NotImplementedError

    def partitioned(self, data: dict) -> bool:
        """Whether a run reads the data one partition at a time (each partition holding
        every row of a block of groups), on a Dask cluster; False (the default) for data
        loaded whole."""
        return False

    def partition_files(self, data: dict) -> list[str]:
        """Partitioned data's partitions, one name each (its training file), in order."""
        raise NotImplementedError(f"source {self.name!r} is not partitioned")

    def load_partition(self, data: dict, index: int) -> Any:
        """Partition ``index`` of partitioned data, in the form :meth:`load` gives its
        builder."""
        raise NotImplementedError(f"source {self.name!r} is not partitioned")

    def read_new(self, data: dict, new: Any) -> Any:
        """New rows for ``tabkit predict``, in the form :meth:`load` gives its builder."""
        raise NotImplementedError(f"source {self.name!r} cannot read new rows")

    def input_files(self, data: dict) -> dict[str, Path]:
        """The files it reads, by a name that does not depend on where they lie (their
        bytes go into the feature cache key); none for generated data."""
        return {}

    def describe(self, data: dict) -> str:
        """One line naming the data (the log and the report)."""
        return self.name


SOURCES: Registry[DataSource] = Registry("data source")
"""Source name -> source."""


def register(source: DataSource) -> DataSource:
    """Add a source to the registry (a later registration of the same name replaces it)."""
    if not source.builders:
        raise ValueError(f"data source {source.name!r} names no feature builder")
    return SOURCES.register(source)


def get_source(name: str) -> DataSource:
    """The registered source ``name``; a KeyError lists the registered sources."""
    return SOURCES.get_entry(name)
