"""A fitted :class:`tabkit.TabularProcessor` as ONNX-ML operators: each category map a
``LabelEncoder`` (unknown and missing levels -> code 0), each fill an ``Imputer`` (infinite
values count as missing, as in the processor), each ``_na`` flag ``IsNaN`` (1 or 2), and
the nets' standardisation a ``Scaler``."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, numpy_helper

from tabkit.export.graph import GraphBuilder
from tabkit.export.inputs import categorical_input, continuous_input
from tabkit.prep.processor import TabularProcessor

ML = "ai.onnx.ml"


def processed(builder: GraphBuilder, processor: TabularProcessor, *, normalize: bool) -> tuple[list[str], list[str]]:
    """Add the processor's operators on the graph's inputs.

    Parameters
    ----------
    builder : GraphBuilder
    processor : TabularProcessor
        Fitted.
    normalize : bool
        Standardise the continuous columns (the nets' view).

    Returns
    -------
    codes : list of str
        One int64 ``(n_rows, 1)`` tensor per feature of ``processor.cat_features_``.
    values : list of str
        One float ``(n_rows, 1)`` tensor per column of ``processor.cont_names_``.
    """
    codes = [_codes(builder, column, processor.categories_[column]) for column in processor.cat_names_]
    flags, values = {}, []
    for column in processor.cont_names_:
        finite = _finite(builder, builder.column(continuous_input(column)))
        if f"{column}_na" in processor.na_names_:
            flags[f"{column}_na"] = builder.node(
                "Where",
                [builder.node("IsNaN", [finite]), builder.constant(np.int64(2)), builder.constant(np.int64(1))],
                f"{column}_na",
            )
        filled = builder.node(
            "Imputer",
            [finite],
            f"{column}_filled",
            domain=ML,
            imputed_value_floats=[float(processor.fill_values_[column])],
            replaced_value_float=float("nan"),
        )
        if normalize:
            filled = builder.node(
                "Scaler",
                [filled],
                f"{column}_scaled",
                domain=ML,
                offset=[float(processor.means_[column])],
                scale=[1.0 / float(processor.stds_[column])],
            )
        values.append(filled)
    return codes + [flags[name] for name in processor.na_names_], values


def tree_matrix(builder: GraphBuilder, processor: TabularProcessor) -> str:
    """The trees' float ``(n_rows, n_features)`` matrix: codes, then raw filled values, in
    ``processor.get_feature_names_out()`` order (what ``tabkit.prep.fit_inputs.encode``
    gives)."""
    codes, values = processed(builder, processor, normalize=False)
    columns = [builder.node("Cast", [code], "code", to=TensorProto.FLOAT) for code in codes] + values
    return builder.node("Concat", columns, "features", axis=1)


def _codes(builder: GraphBuilder, name: str, levels: list) -> str:
    column = categorical_input(name, levels)
    if levels:
        keys, codes = column.keys(levels), np.arange(1, len(levels) + 1, dtype=np.int64)
    else:  # no level in training: every value is code 0
        keys, codes = column.keys([column.missing]), np.zeros(1, dtype=np.int64)
    return builder.node(
        "LabelEncoder",
        [builder.column(column)],
        f"{name}_code",
        domain=ML,
        keys_tensor=numpy_helper.from_array(keys),
        values_tensor=numpy_helper.from_array(codes),
        default_tensor=numpy_helper.from_array(np.zeros(1, dtype=np.int64)),
    )


def _finite(builder: GraphBuilder, column: str) -> str:
    """The column as float, infinite values as NaN."""
    values = builder.node("Cast", [column], "float", to=TensorProto.FLOAT)
    nan = builder.constant(np.float32(np.nan), "nan")
    return builder.node("Where", [builder.node("IsInf", [values]), nan, values], "finite")
