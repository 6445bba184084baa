"""Write one model of a run as ONNX: ``<name>.onnx`` and, beside it, ``<name>.json`` naming
its inputs and outputs and saying how to feed it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto

from tabkit.export.families import model_graph
from tabkit.export.graph import OPSETS, GraphBuilder
from tabkit.export.refusals import ExportError
from tabkit.files import atomic_write, write_text
from tabkit.prep.target import TargetTransform

FORMAT = "tabkit-onnx"
VERSION = 1
FEEDING = (
    "The inputs are the run's processed columns, one (n_rows, 1) tensor each: what "
    "tk.load_run(run_dir).features(data) builds from new rows (date parts, elapsed counts, history "
    "features and target means have no ONNX operators). tabkit.export.onnx_inputs(frame, inputs) "
    "turns such a frame into the feed; the category maps, fills, _na flags and scaling are in the graph."
)


def export_model(
    estimator,
    folder: str | Path,
    *,
    name: str,
    kind: str,
    task: str,
    transform: TargetTransform,
    factor: float | None = None,
    about: dict | None = None,
) -> Path:
    """Write a fitted model as ``<folder>/<name>.onnx`` and its description ``<name>.json``.

    Parameters
    ----------
    estimator : fitted estimator
        A tabkit forest, LightGBM model or net, or a blend of them.
    folder : path
        Where the two files go (created when missing).
    name, kind : str
        The model's name and kind in the run (named in the files and in errors).
    task : {"regression", "classification"}
    transform : TargetTransform
        Regression: the scale ``estimator.predict`` gives; the graph's ``prediction`` is
        its inverse (target units).
    factor : float, optional
        Regression: the correction factor the run applies to the model's predictions.
    about : dict, optional
        More to record in the JSON (the run, its target and id columns).

    Returns
    -------
    Path
        The ``.onnx`` file.

    Raises
    ------
    ExportError
        For a model that cannot be exported, naming its kind and why; nothing is written.
    """
    builder = GraphBuilder()
    try:
        output = model_graph(builder, estimator, name)
    except ExportError as error:
        raise ExportError(f"model {name!r} (kind {kind}) cannot be exported to ONNX: {error}") from None
    if task == "classification":
        classes = np.asarray(estimator.classes_)
        builder.output(output, "probabilities", TensorProto.DOUBLE, [None, len(classes)])
        outputs = {"probabilities": f"class probabilities, columns in the order of classes ({len(classes)})"}
        extra: dict = {"classes": classes.tolist()}
    else:
        if transform.name == "log":
            output = builder.node("Exp", [output], "target_units")
        if factor is not None:
            output = builder.node("Mul", [output, builder.constant(np.float64(factor))], "corrected")
        builder.output(output, "prediction", TensorProto.DOUBLE, [None, 1])
        outputs = {"prediction": "the prediction in the target's units" + (f", times {factor}" if factor else "")}
        extra = {"correction_factor": factor}
    model = builder.model(name, f"tabkit model {name!r} (kind {kind}); inputs and use: {name}.json")
    description = {
        "format": FORMAT,
        "version": VERSION,
        "model": name,
        "kind": kind,
        "task": task,
        "file": f"{name}.onnx",
        "opsets": OPSETS,
        "inputs": [column.as_dict() for column in builder.columns.values()],
        "outputs": outputs,
        **extra,
        "feeding": FEEDING,
        **(about or {}),
    }
    folder = Path(folder)
    path = atomic_write(folder / f"{name}.onnx", lambda tmp: onnx.save_model(model, str(tmp)))
    write_text(folder / f"{name}.json", json.dumps(description, indent=2, default=_plain) + "\n")
    return path


def _plain(value):
    """JSON for numpy scalars (class labels, missing markers)."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON")
