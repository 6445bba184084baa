"""The rows an entity-embedding net trains on, encoded: one function that encodes a frame,
and folders of memory-mapped ``.npy`` files that several processes fill a slice at a time
(for tables larger than memory, trained with ``fit_encoded``).

A folder holds ``cat.npy`` (int32 codes, one column per ``processor.cat_features_``: half
the bytes of the int64 the nets embed with, each batch widened as it is read),
``cont.npy`` (float32 standardised values, one column per ``processor.cont_names_``) and
``y.npy`` (the targets); ``slices/`` records each slice once it is written and flushed, and
``complete.json`` is written (atomically) by :meth:`EncodedArrays.finish` once the slices
cover every row exactly once. :meth:`EncodedArrays.open` reads only complete folders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from tabkit.files import atomic_folder, write_text
from tabkit.prep.processor import TabularProcessor

FILES = {"cat": np.int32, "cont": np.float32}
"""The dtypes of the files; ``fit_encoded`` also takes int64 codes (as :func:`encode_rows` gives)."""
ACCEPTED = {"cat": (np.int32, np.int64), "cont": (np.float32,)}
COMPLETE = "complete.json"
SLICES = "slices"


def encode_rows(processor: TabularProcessor, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``frame`` encoded as the nets read it.

    Parameters
    ----------
    processor : TabularProcessor
        Fitted.
    frame : DataFrame
        Rows holding every column of ``processor.feature_names_in_``.

    Returns
    -------
    cat : ndarray of int64, shape (n_rows, len(processor.cat_features_))
        Category codes (0: unknown or missing).
    cont : ndarray of float32, shape (n_rows, len(processor.cont_names_))
        Continuous values, filled and standardised with the training means and deviations.
    """
    encoded = processor.transform(frame, normalize=True)
    cat = encoded[processor.cat_features_].to_numpy(np.int64, copy=True)
    cont = encoded[processor.cont_names_].to_numpy(np.float32, copy=True)
    return cat, cont


class Encoded(NamedTuple):
    """Encoded training rows: ``net.fit_encoded(processor, *encoded)`` takes them."""

    cat: np.ndarray
    cont: np.ndarray
    y: np.ndarray


class EncodedArrays:
    """A folder of encoded training rows as memory-mapped ``.npy`` files.

    Make one with :meth:`create`; each partition is then encoded and written into its own
    rows with :meth:`write` (by any process: the object pickles as its folder and
    processor), :meth:`finish` checks that every row was written and marks the folder
    complete, and :meth:`open` maps the files read-only.

    Parameters
    ----------
    folder : str or Path
        A folder made by :meth:`create`.
    processor : TabularProcessor
        The fitted processor that encodes the rows (the one the folder was created with).

    Examples
    --------
    >>> arrays = EncodedArrays.create("rows", n_rows, processor)         # doctest: +SKIP
    >>> arrays.write(0, part_0, y_0)   # in one process ...              # doctest: +SKIP
    >>> arrays.write(len(part_0), part_1, y_1)   # ... and in another    # doctest: +SKIP
    >>> arrays.finish()                                                  # doctest: +SKIP
    >>> net.fit_encoded(processor, *EncodedArrays.open("rows"))          # doctest: +SKIP
    """

    def __init__(self, folder: str | Path, processor: TabularProcessor):
        self.folder = Path(folder)
        self.processor = processor

    @classmethod
    def create(
        cls, folder: str | Path, n_rows: int, processor: TabularProcessor, *, y_dtype=np.float64
    ) -> EncodedArrays:
        """Make ``folder`` with ``cat.npy``, ``cont.npy`` and ``y.npy`` sized for ``n_rows``
        rows (zero-filled, sparse where the file system allows).

        The files are made in a temporary folder beside ``folder``, which is renamed into
        place once they are all there.

        Parameters
        ----------
        folder : str or Path
            Must not exist yet.
        n_rows : int
            Rows of the whole table (at least 1).
        processor : TabularProcessor
            Fitted; it decides the number of columns of each file.
        y_dtype : numpy dtype, default float64
            Dtype of ``y.npy`` (a fixed-width type: numbers, or e.g. ``"<U8"`` for labels).

        Returns
        -------
        EncodedArrays
        """
        folder = Path(folder)
        check_fitted_processor(processor)
        if isinstance(n_rows, bool) or not isinstance(n_rows, (int, np.integer)) or n_rows < 1:
            raise ValueError(f"n_rows must be a positive integer, got {n_rows!r}")
        if folder.exists():
            raise FileExistsError(f"{folder} already exists; encoded arrays go into a new folder")
        y_dtype = np.dtype(y_dtype)
        if y_dtype.hasobject:
            raise ValueError("y_dtype must be a fixed-width dtype (numbers, or e.g. '<U8' for labels), not object")
        widths = {"cat": len(processor.cat_features_), "cont": len(processor.cont_names_)}

        def allocate(building: Path) -> None:
            for name, dtype in FILES.items():
                _allocate(building / f"{name}.npy", dtype, (int(n_rows), widths[name]))
            _allocate(building / "y.npy", y_dtype, (int(n_rows),))
            (building / SLICES).mkdir()

        atomic_folder(folder, allocate)
        return cls(folder, processor)

    def write(self, start: int, frame: pd.DataFrame, y) -> None:
        """Encode ``frame`` and write it, with its targets ``y``, into rows
        ``[start, start + len(frame))``; the slice is recorded once its rows are flushed.

        Parameters
        ----------
        start : int
            The first row of the slice in the whole table.
        frame : DataFrame
            The partition's rows (the processor's columns).
        y : array-like of shape (len(frame),)
            Their targets.
        """
        n_rows = self._n_rows()
        y = np.asarray(y).ravel()
        if isinstance(start, bool) or not isinstance(start, (int, np.integer)) or start < 0:
            raise ValueError(f"start must be an integer >= 0, got {start!r}")
        if not len(frame) or len(y) != len(frame):
            raise ValueError(f"the frame has {len(frame)} rows and y {len(y)} values: a slice needs both, the same")
        stop = int(start) + len(frame)
        if stop > n_rows:
            raise ValueError(f"rows {start}..{stop - 1} are not a slice of the {n_rows} rows of {self.folder}")
        if (self.folder / COMPLETE).exists():
            raise ValueError(f"{self.folder} is complete already; its rows are not written again")
        targets = {name: np.load(self.folder / f"{name}.npy", mmap_mode="r+") for name in ("cat", "cont", "y")}
        if targets["y"].dtype.kind in "US" and not np.array_equal(y.astype(targets["y"].dtype), y.astype(str)):
            raise ValueError(f"y holds labels longer than y.npy's {targets['y'].dtype} (see create's y_dtype)")
        cat, cont = encode_rows(self.processor, frame)
        for name, values in (("cat", cat), ("cont", cont)):
            if values.shape[1] != targets[name].shape[1]:
                raise ValueError(
                    f"the processor encodes {values.shape[1]} {name} columns, {name}.npy has {targets[name].shape[1]}: "
                    "write with the processor the folder was created with"
                )
        for name, values in (("cat", cat), ("cont", cont), ("y", y)):
            targets[name][start:stop] = values
            targets[name].flush()
        del targets
        write_text(self.folder / SLICES / f"{start:015d}-{stop:015d}", "")

    def finish(self) -> Encoded:
        """Check that the written slices cover every row exactly once, mark the folder
        complete and return its arrays (read-only, see :meth:`open`)."""
        n_rows = self._n_rows()
        written = [path.name for path in (self.folder / SLICES).iterdir() if not path.name.startswith(".")]
        slices = sorted(tuple(int(part) for part in name.split("-")) for name in written)
        expected = 0
        for start, stop in slices:
            if start > expected:
                raise ValueError(f"{self.folder}: rows {expected}..{start - 1} were never written")
            if start < expected:
                raise ValueError(f"{self.folder}: rows {start}..{min(stop, expected) - 1} were written twice")
            expected = stop
        if expected < n_rows:
            raise ValueError(f"{self.folder}: rows {expected}..{n_rows - 1} were never written")
        layout = {
            "n_rows": n_rows,
            "cat_features": list(self.processor.cat_features_),
            "cont_names": list(self.processor.cont_names_),
        }
        write_text(self.folder / COMPLETE, json.dumps(layout, indent=1))
        return self.open(self.folder)

    @staticmethod
    def open(folder: str | Path) -> Encoded:
        """The arrays of a complete folder, memory-mapped read-only.

        Returns
        -------
        Encoded
            ``(cat, cont, y)``; ``net.fit_encoded(processor, *EncodedArrays.open(folder))``
            trains on them.
        """
        folder = Path(folder)
        if not (folder / COMPLETE).is_file():
            raise ValueError(f"{folder} is not a complete folder of encoded arrays (no {COMPLETE}: finish() it first)")
        layout = json.loads((folder / COMPLETE).read_text(encoding="utf-8"))
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in ("cat", "cont", "y")}
        widths = {"cat": len(layout["cat_features"]), "cont": len(layout["cont_names"])}
        for name, array in arrays.items():
            expected = (layout["n_rows"], widths[name]) if name in widths else (layout["n_rows"],)
            if array.shape != expected:
                raise ValueError(f"{folder / (name + '.npy')} has shape {array.shape}, {COMPLETE} says {expected}")
        return Encoded(arrays["cat"], arrays["cont"], arrays["y"])

    def _n_rows(self) -> int:
        if not (self.folder / "y.npy").is_file():
            raise FileNotFoundError(f"{self.folder} holds no encoded arrays (make them with EncodedArrays.create)")
        return int(np.load(self.folder / "y.npy", mmap_mode="r").shape[0])


def _allocate(path: Path, dtype, shape: tuple[int, ...]) -> None:
    """An ``.npy`` file of ``shape``, zero-filled."""
    array = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape)
    array.flush()
    del array


def check_fitted_processor(processor) -> None:
    """``processor`` is a fitted :class:`TabularProcessor`."""
    if not isinstance(processor, TabularProcessor):
        raise TypeError(f"processor must be a TabularProcessor, got {type(processor).__name__}")
    check_is_fitted(processor, "feature_names_in_", msg="the processor is not fitted: fit it before encoding rows")
