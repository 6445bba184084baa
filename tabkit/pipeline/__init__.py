"""Kaggle-style pipeline runs from TOML specs (``tabkit run SPEC``).

Rooms, from the top: ``command`` (the CLI), ``runner`` (:func:`run_pipeline`) and ``predict``
(:func:`load_run`); ``steps`` (features, split, baseline, models, explanations, submission);
``spec`` (loading, checks, schema, reference page and JSON Schema); ``kinds`` (model kinds),
``features`` (feature builders) and ``sources`` (data sources), each a registry; ``models``
(predictions, scorer, baseline); ``keys`` (the vocabulary every declaration uses). The
layers are contracts in ``.importlinter``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tabkit.lazy import lazy_names

_PUBLIC_NAMES = {
    "run_pipeline": "tabkit.pipeline.runner",
    "load_run": "tabkit.pipeline.predict",
    "LoadedRun": "tabkit.pipeline.predict",
    "load_spec": "tabkit.pipeline.spec",
    "Spec": "tabkit.pipeline.spec",
    "SpecError": "tabkit.pipeline.keys",
    "PipelineError": "tabkit.pipeline.steps.result",
    "RunResult": "tabkit.pipeline.steps.result",
}
__all__ = sorted(_PUBLIC_NAMES)
__getattr__, __dir__ = lazy_names(__name__, _PUBLIC_NAMES)

if TYPE_CHECKING:
    from tabkit.pipeline.keys import SpecError
    from tabkit.pipeline.predict import LoadedRun, load_run
    from tabkit.pipeline.runner import run_pipeline
    from tabkit.pipeline.spec import Spec, load_spec
    from tabkit.pipeline.steps.result import PipelineError, RunResult
