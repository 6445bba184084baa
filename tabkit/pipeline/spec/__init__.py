"""Pipeline specs: read a TOML file, apply ``--set`` overrides, validate everything before
any work (:func:`load_spec`), and publish the format as ``docs/spec.md`` and a JSON Schema
(:mod:`tabkit.pipeline.spec.reference`)."""

from tabkit.pipeline.keys import SpecError
from tabkit.pipeline.spec.loading import Spec, dumps, load_spec, validate

__all__ = ["Spec", "SpecError", "dumps", "load_spec", "validate"]
