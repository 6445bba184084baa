"""Entity-embedding nets (:class:`tabkit.EmbeddingNetRegressor`,
:class:`tabkit.EmbeddingNetClassifier`) through ``torch.onnx``: the processor's operators
(standardised continuous columns), the module in eval mode, then the net's own output
mapping (its target scaling and ``log_target``, or a softmax)."""

from __future__ import annotations

import copy
import tempfile
import warnings
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto

from tabkit.export.graph import OPSETS, GraphBuilder
from tabkit.export.processor import processed


def net_graph(builder: GraphBuilder, net, prefix: str) -> str:
    """Add a fitted tabkit net; returns its double output: the prediction ``(n_rows, 1)``
    in the units of ``net.predict`` or the class probabilities ``(n_rows, n_classes)``."""
    codes, values = processed(builder, net.processor_, normalize=True)
    tensors = {}
    if codes:
        tensors["cat"] = builder.node("Concat", codes, "cat", axis=1)
    if values:
        tensors["cont"] = builder.node("Concat", values, "cont", axis=1)
    raw = builder.embed(_module_onnx(net.module_, len(codes), len(values)), tensors, prefix)[0]
    raw = builder.node("Cast", [raw], "raw", to=TensorProto.DOUBLE)
    if hasattr(net, "classes_"):
        return builder.node("Softmax", [raw], "probabilities", axis=1)
    scaled = builder.node("Mul", [raw, builder.constant(np.float64(net.target_scale_))], "scaled")
    shifted = builder.node("Add", [scaled, builder.constant(np.float64(net.target_shift_))], "shifted")
    return builder.node("Exp", [shifted], "net") if net.target_transform_.name == "log" else shifted


def _module_onnx(module, n_cat: int, n_cont: int) -> onnx.ModelProto:
    """The module, on the CPU and in eval mode, as ONNX with inputs ``cat`` (int64) and
    ``cont`` (float) and output ``raw``, any number of rows."""
    import torch

    module = copy.deepcopy(module).to("cpu").eval()
    example = (torch.zeros(2, n_cat, dtype=torch.int64), torch.zeros(2, n_cont, dtype=torch.float32))
    rows = {0: "rows"}
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings(), torch.no_grad():
        path = Path(folder) / "module.onnx"
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notes
        torch.onnx.export(
            module,
            example,
            path,
            dynamo=False,
            input_names=["cat", "cont"],
            output_names=["raw"],
            dynamic_axes={"cat": rows, "cont": rows, "raw": rows},
            opset_version=OPSETS[""],
        )
        return onnx.load(str(path))
