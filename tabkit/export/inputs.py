"""The inputs of an exported model: one per processed column, and the Python function that
turns a frame of processed columns into them.

The graph takes the columns as the run's feature builder makes them (after date parts,
elapsed counts, history features and target means, which have no ONNX operators); the
category maps, fills, ``_na`` flags and scaling are operators inside the graph. Each input
has shape ``(n_rows, 1)`` and one type:

- a continuous column: ``double``;
- a categorical column whose training levels are all integers (or booleans): ``int64``;
  all text: ``string``; all numbers, some fractional: ``double``.

A missing categorical value is fed as the input's ``missing`` value, which is no level
of the column, so the graph gives it code 0 as :class:`tabkit.TabularProcessor` does; so is a
value of another type than the levels' (a number in a text column), which the processor
cannot match either. :func:`onnx_inputs` does all this; the JSON written beside each model
lists its inputs in the same terms.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd

__all__ = ["InputColumn", "categorical_input", "continuous_input", "onnx_inputs"]

DTYPES = {"int64": np.int64, "string": object, "double": np.float64}


@dataclass(frozen=True)
class InputColumn:
    """One input of an exported model.

    Attributes
    ----------
    name : str
        The processed column (and the graph input's name).
    role : {"categorical", "continuous"}
    dtype : {"int64", "string", "double"}
    missing : int, str or None
        What a missing categorical value is fed as (NaN for a ``double`` one).
    """

    name: str
    role: str
    dtype: str
    missing: int | str | None = None

    def as_dict(self) -> dict:
        """The column as the model's JSON lists it."""
        return asdict(self)

    def keys(self, levels: Sequence) -> np.ndarray:
        """The training levels as the graph's category-map keys, in the levels' order."""
        return np.asarray(list(levels), dtype=DTYPES[self.dtype])

    def values(self, column: pd.Series) -> np.ndarray:
        """The column fed to this input: shape ``(n_rows, 1)``, in its dtype."""
        if self.role == "continuous":
            try:
                return pd.to_numeric(column, errors="raise").to_numpy(np.float64).reshape(-1, 1)
            except (TypeError, ValueError) as error:
                raise ValueError(f"continuous column {self.name!r} holds a non-numeric value: {error}") from None
        return self._keys(column).reshape(-1, 1)

    def _keys(self, column: pd.Series) -> np.ndarray:
        """A categorical column's values as keys of this input's type, values of another type
        and missing values as :attr:`missing` (whole columns at once where the dtype allows)."""
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        missing = np.nan if self.dtype == "double" else self.missing
        numeric = pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
        if self.dtype == "string" and pd.api.types.is_string_dtype(column) and column.dtype != object:
            return column.to_numpy(dtype=object, na_value=missing)
        if self.dtype != "string" and numeric and column.dtype != object:
            if pd.api.types.is_integer_dtype(column) and not column.hasnans:
                return column.to_numpy(DTYPES[self.dtype])
            numbers = column.to_numpy(np.float64, na_value=np.nan)
            if self.dtype == "double":
                return numbers
            whole = np.isfinite(numbers) & (numbers == np.round(numbers))
            return np.asarray(np.where(whole, numbers, missing), dtype=np.int64)
        matches = _KEY_TESTS[self.dtype]  # object columns: value by value
        return np.asarray([v if matches(v) else missing for v in column.to_numpy(dtype=object)], DTYPES[self.dtype])


def _is_integer(value) -> bool:
    if isinstance(value, (Integral, np.bool_)):
        return True
    return isinstance(value, Real) and np.isfinite(float(value)) and float(value).is_integer()


def _is_text(value) -> bool:
    return isinstance(value, str)


def _is_number(value) -> bool:
    return isinstance(value, (Real, np.bool_)) and not pd.isna(value)


_KEY_TESTS = {"int64": _is_integer, "string": _is_text, "double": _is_number}


def categorical_input(name: str, levels: Sequence) -> InputColumn:
    """The input of a categorical column with these training levels.

    Raises
    ------
    ValueError
        When the levels mix text and numbers: an ONNX input has one type.
    """
    if all(isinstance(level, (Integral, np.bool_)) for level in levels):
        return InputColumn(name, "categorical", "int64", min((int(level) for level in levels), default=0) - 1)
    if all(isinstance(level, str) for level in levels):
        return InputColumn(name, "categorical", "string", _unused_text(levels))
    if all(isinstance(level, (Real, np.bool_)) for level in levels):
        return InputColumn(name, "categorical", "double")
    kinds = sorted({type(level).__name__ for level in levels})
    raise ValueError(
        f"categorical column {name!r} mixes value types ({', '.join(kinds)}); an ONNX input has one type: "
        "give the column one type (e.g. text) and rerun"
    )


def continuous_input(name: str) -> InputColumn:
    """The input of a continuous column."""
    return InputColumn(name, "continuous", "double")


def _unused_text(levels: Iterable[str]) -> str:
    """``"#na#"`` (fastai's name for the unknown level), lengthened until no level has it."""
    taken, text = set(levels), "#na#"
    while text in taken:
        text += "#"
    return text


def onnx_inputs(frame: pd.DataFrame, inputs: Sequence[InputColumn | dict]) -> dict[str, np.ndarray]:
    """Feed an exported model: the processed columns of ``frame`` as its inputs.

    Parameters
    ----------
    frame : DataFrame
        Rows with the run's processed columns, e.g. ``tk.load_run(run).features(data)``
        (the run's feature builder: date parts and the rest, which ONNX cannot compute).
    inputs : sequence of InputColumn or dict
        The model's inputs: the ``"inputs"`` list of the JSON beside its ``.onnx`` file.

    Returns
    -------
    dict of str to ndarray
        Input name -> array of shape ``(n_rows, 1)``, for ``InferenceSession.run(None, feed)``.

    Raises
    ------
    ValueError
        If ``frame`` lacks an input column (named), or a continuous column holds text.
    """
    columns = [column if isinstance(column, InputColumn) else InputColumn(**column) for column in inputs]
    missing = [column.name for column in columns if column.name not in frame.columns]
    if missing:
        raise ValueError(f"the frame lacks the model's input column(s) {missing}")
    return {column.name: column.values(frame[column.name]) for column in columns}
