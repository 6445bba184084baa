"""Models of a finished run as ONNX: ``tabkit export RUN_DIR --format onnx`` and
``tk.load_run(run_dir).export_onnx(folder)``.

Each model becomes one graph taking the run's processed columns (one input each), with
the processor's category maps, fills, ``_na`` flags and scaling as ONNX-ML operators in
the same graph: forests through skl2onnx, LightGBM through onnxmltools, nets through
``torch.onnx``, blends (ensembles, seed averages) as their members' graphs and weights.
What has no operator, the run's feature builder (date parts and the rest), stays in
Python: :func:`onnx_inputs` feeds a graph from the features ``LoadedRun.features`` builds.
The JSON beside each model names its inputs. Needs ``pip install tabkit[onnx]``.

Modules: ``inputs`` (the inputs and the feeding function), ``graph`` (building one
graph), ``processor`` (the processor's operators), ``forest``, ``lightgbm``, ``net`` and
``blend`` (one per family), ``families`` (which exporter takes an estimator),
``refusals`` (what cannot be exported, and why), ``writer`` (the files).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tabkit.lazy import lazy_names

_PUBLIC_NAMES = {
    "export_model": "tabkit.export.writer",
    "onnx_inputs": "tabkit.export.inputs",
    "InputColumn": "tabkit.export.inputs",
    "ExportError": "tabkit.export.refusals",
}
__all__ = sorted(_PUBLIC_NAMES)
__getattr__, __dir__ = lazy_names(__name__, _PUBLIC_NAMES)

if TYPE_CHECKING:
    from tabkit.export.inputs import InputColumn, onnx_inputs
    from tabkit.export.refusals import ExportError
    from tabkit.export.writer import export_model
