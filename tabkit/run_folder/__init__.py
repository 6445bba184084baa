"""The run folder's parts: its layout, the writer and the reader, and how the fitted objects
of a run are saved in formats that load without running code. :mod:`tabkit.runs` is their
front: import the names from there."""

__all__: list[str] = []  # the names are in tabkit.runs
