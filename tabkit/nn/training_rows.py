"""Where a net's training rows come from: a frame (``fit``: the processor is fitted on it
and the rows are encoded into tensors) or arrays already encoded by a fitted processor
(``fit_encoded``: checked, then read a batch at a time). The estimator's ``_setup`` asks
either for the same three things: checks, the processor, the rows to train on."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from tabkit.nn import checks
from tabkit.nn.encoding import ACCEPTED, check_fitted_processor
from tabkit.nn.training import ArrayRows, Tensors
from tabkit.prep.processor import TabularProcessor

CHECK_BYTES = 1 << 20  # the arrays are checked a chunk of about this many bytes at a time
# the processor's own setting, which no net parameter decides
PROCESSOR_ONLY = ("fill",)


class FrameRows:
    """Training rows as a DataFrame: the processor is fitted on them."""

    def __init__(self, X: pd.DataFrame):
        self.frame = X

    def __len__(self) -> int:
        return len(self.frame)

    def check(self, net, y: np.ndarray) -> None:
        """The frame's checks (rows, columns, the net's own), against the targets ``y``."""
        checks.check_rows(self.frame, y, "y")
        checks.check_min_rows(len(self.frame), type(net).__name__)
        net._check_input(self.frame, "X", training=True)

    def processor(self, net) -> TabularProcessor:
        """The net's processor, fitted on the frame."""
        return net._processor().fit(self.frame)

    def data(self, net, target: np.ndarray, device: torch.device) -> Tensors:
        """The encoded rows and targets, on ``device``."""
        return net._tensors(self.frame, target).to(device)


class EncodedRows:
    """Training rows encoded by a fitted processor (see :mod:`tabkit.nn.encoding`), in
    numpy arrays or memory maps that are never read whole into memory."""

    def __init__(self, processor: TabularProcessor, cat: np.ndarray, cont: np.ndarray):
        self._processor = processor
        self.cat = cat
        self.cont = cont

    def __len__(self) -> int:
        return int(self.cat.shape[0])

    def check(self, net, y: np.ndarray) -> None:
        """The processor (fitted, made with the net's settings), the arrays (types,
        shapes, rows as many as ``y``, columns as the processor's) and their values
        (codes within the processor's cardinalities, finite continuous values), read a
        chunk at a time.

        Raises
        ------
        TypeError, ValueError
            Naming the array, the column and the first bad value.
        """
        processor = self._processor
        check_fitted_processor(processor)
        _check_settings(net._processor(), processor)
        columns = {"cat": list(processor.cat_features_), "cont": list(processor.cont_names_)}
        for name, array in (("cat", self.cat), ("cont", self.cont)):
            if not isinstance(array, np.ndarray):
                raise TypeError(f"{name} must be a numpy array or memmap, got {type(array).__name__}")
            if array.ndim != 2 or array.dtype not in ACCEPTED[name]:
                allowed = " or ".join(str(np.dtype(dtype)) for dtype in ACCEPTED[name])
                raise ValueError(
                    f"{name} must be a 2-d {allowed} array (as encode_rows or EncodedArrays make it), "
                    f"got {array.ndim}-d {array.dtype}"
                )
        if not len(self.cat) == len(self.cont) == len(y):
            raise ValueError(
                f"cat has {len(self.cat)} rows, cont {len(self.cont)} and y {len(y)}: they must be the same rows"
            )
        for name, array in (("cat", self.cat), ("cont", self.cont)):
            if array.shape[1] != len(columns[name]):
                role = "categorical features (cat_features_)" if name == "cat" else "continuous columns (cont_names_)"
                raise ValueError(
                    f"{name} has {array.shape[1]} columns but the processor has {len(columns[name])} {role}: "
                    f"{columns[name]}"
                )
        checks.check_min_rows(len(self.cat), type(net).__name__)
        cardinalities = [processor.cardinalities_[column] for column in columns["cat"]]
        for start, chunk in _chunks(self.cat):
            _check_codes(chunk, start, cardinalities, columns["cat"])
        for start, chunk in _chunks(self.cont):
            _check_finite(chunk, start, columns["cont"])

    def processor(self, net) -> TabularProcessor:
        """A copy of the given processor (the net keeps its own)."""
        return copy.deepcopy(self._processor)

    def data(self, net, target: np.ndarray, device: torch.device) -> ArrayRows:
        """The arrays, read a batch at a time onto ``device``, and the encoded targets."""
        return ArrayRows(self.cat, self.cont, torch.from_numpy(target), device)


def _check_settings(expected: TabularProcessor, given: TabularProcessor) -> None:
    """``given`` was made with the settings the net would make its processor with."""

    def plain(value):
        return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else value

    mine, theirs = expected.get_params(), given.get_params()
    differ = [name for name in mine if name not in PROCESSOR_ONLY and plain(mine[name]) != plain(theirs[name])]
    if differ:
        said = ", ".join(f"{name}={theirs[name]!r} (the net: {mine[name]!r})" for name in differ)
        raise ValueError(
            f"the processor was made with {said}; make it with the net's settings, or set the net's to the "
            "processor's, so that the net's parameters describe its processor"
        )


def _chunks(array: np.ndarray):
    """``(start, rows)`` of ``array``, about :data:`CHECK_BYTES` at a time."""
    step = max(1, CHECK_BYTES // max(1, array.shape[1] * array.itemsize))
    for start in range(0, len(array), step):
        yield start, np.asarray(array[start : start + step])


def _check_codes(chunk: np.ndarray, start: int, cardinalities: list[int], names: list[str]) -> None:
    if not chunk.size:
        return
    low, high = chunk.min(axis=0), chunk.max(axis=0)
    for index, (name, n_codes) in enumerate(zip(names, cardinalities)):
        if low[index] < 0 or high[index] >= n_codes:
            row = int(np.flatnonzero((chunk[:, index] < 0) | (chunk[:, index] >= n_codes))[0])
            raise ValueError(
                f"cat column {index} ({name!r}) holds code {chunk[row, index]} at row {start + row}, outside "
                f"0..{n_codes - 1} (the processor's {n_codes} codes for it)"
            )


def _check_finite(chunk: np.ndarray, start: int, names: list[str]) -> None:
    finite = np.isfinite(chunk)
    if finite.all():
        return
    row, index = (int(where[0]) for where in np.nonzero(~finite))
    raise ValueError(
        f"cont column {index} ({names[index]!r}) holds {chunk[row, index]} at row {start + row}; "
        "encoded continuous values are finite (the processor fills missing ones)"
    )
