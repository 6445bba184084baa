"""One ONNX graph built piece by piece: the model's inputs (one per processed column,
shared by every part that reads it), nodes, constants, and whole models converted by
skl2onnx, onnxmltools or torch.onnx embedded with their names prefixed."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tabkit.export.inputs import InputColumn

OPSETS = {"": 15, "ai.onnx.ml": 4}
"""The operator sets of every exported graph (and of the converters' parts, asked for the
same): ONNX 15 and ONNX-ML 4 (its LabelEncoder maps double keys)."""

ELEMENT_TYPES = {"int64": TensorProto.INT64, "string": TensorProto.STRING, "double": TensorProto.DOUBLE}


class GraphBuilder:
    """Collects the nodes, constants, inputs and outputs of one graph."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.columns: dict[str, InputColumn] = {}
        self.outputs: list[onnx.ValueInfoProto] = []
        self._count = 0

    def fresh(self, hint: str) -> str:
        """A new tensor name."""
        self._count += 1
        return f"t{self._count}_{hint}"

    def column(self, column: InputColumn) -> str:
        """The graph input of a processed column, declared on first use.

        Raises
        ------
        ValueError
            If two parts read the column as different types (a member of a blend took it
            as categorical, another as continuous).
        """
        known = self.columns.setdefault(column.name, column)
        if (known.role, known.dtype) != (column.role, column.dtype):
            raise ValueError(
                f"column {column.name!r} is read as {known.role} ({known.dtype}) by one part of the model "
                f"and as {column.role} ({column.dtype}) by another; one ONNX input cannot be both"
            )
        return column.name

    def constant(self, value, hint: str = "const") -> str:
        """A constant tensor (an initializer)."""
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], hint: str | None = None, *, domain: str = "", **attributes) -> str:
        """Add a node with one output; returns the output's name."""
        out = self.fresh(hint or op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], domain=domain or None, **attributes))
        return out

    def embed(self, model: onnx.ModelProto, inputs: dict[str, str], prefix: str) -> list[str]:
        """Copy a converted model's graph in, its names prefixed, each of its inputs fed
        by the tensor ``inputs`` names for it (inputs it dropped are skipped); returns
        its outputs' names.

        Raises
        ------
        ValueError
            If the model needs an input ``inputs`` does not give.
        """
        renamed = onnx.compose.add_prefix(model, f"{prefix}/")
        graph = renamed.graph
        initialized = {tensor.name for tensor in graph.initializer}
        for value in graph.input:
            if value.name in initialized:
                continue
            source = value.name[len(prefix) + 1 :]
            if source not in inputs:
                raise ValueError(f"the converted {prefix} model takes an input {source!r} the export does not give")
            self.nodes.append(helper.make_node("Identity", [inputs[source]], [value.name]))
        self.nodes.extend(graph.node)
        self.initializers.extend(graph.initializer)
        return [value.name for value in graph.output]

    def output(self, tensor: str, name: str, element_type: int, shape: list) -> None:
        """Expose ``tensor`` as a graph output called ``name``."""
        self.nodes.append(helper.make_node("Identity", [tensor], [name]))
        self.outputs.append(helper.make_tensor_value_info(name, element_type, shape))

    def model(self, name: str, doc: str) -> onnx.ModelProto:
        """The finished, checked model."""
        inputs = [
            helper.make_tensor_value_info(column.name, ELEMENT_TYPES[column.dtype], [None, 1])
            for column in self.columns.values()
        ]
        graph = helper.make_graph(self.nodes, name, inputs, self.outputs, self.initializers)
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid(domain, version) for domain, version in OPSETS.items()],
            producer_name="tabkit",
            doc_string=doc,
        )
        model.ir_version = min(model.ir_version, 10)
        onnx.checker.check_model(model)
        return model
