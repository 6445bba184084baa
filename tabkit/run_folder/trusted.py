"""The types a run folder may name, and the ``skops`` files read with them.

``TRUSTED_TYPES`` is the one list of what loading a run may construct: the classes an
``object.json`` names and every type inside a ``state.skops`` file. Anything else is refused,
with its name, before any object is built; so reading a run folder runs tabkit's, NumPy's
and scikit-learn's own code on data, never code the folder brings. A model kind declared
outside tabkit adds its estimator's classes with :func:`trust`.
"""

from __future__ import annotations

import io
import json
import zipfile
from importlib import import_module
from typing import Any

_BASIC = [
    "builtins.bool",
    "builtins.dict",
    "builtins.float",
    "builtins.int",
    "builtins.list",
    "builtins.str",
    "builtins.tuple",
    "collections.OrderedDict",
    "collections.defaultdict",
    "numpy.bool",
    "numpy.dtype",
    "numpy.float32",
    "numpy.float64",
    "numpy.int8",
    "numpy.int16",
    "numpy.int32",
    "numpy.int64",
    "numpy.ndarray",
    "numpy.uint8",
]
_SCIKIT_LEARN = [
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.ensemble._forest.RandomForestRegressor",
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._classes.DecisionTreeRegressor",
]
_TABKIT = [
    "tabkit.boosting.estimators.LightGBMClassifier",
    "tabkit.boosting.estimators.LightGBMRegressor",
    "tabkit.ensemble.blend.BlendClassifier",
    "tabkit.ensemble.blend.BlendRegressor",
    "tabkit.forest.embedding_forest.EmbeddingForest",
    "tabkit.forest.embedding_forest.EmbeddingForestClassifier",
    "tabkit.forest.embedding_forest.EmbeddingForestRegressor",
    "tabkit.forest.estimators.ForestClassifier",
    "tabkit.forest.estimators.ForestRegressor",
    "tabkit.forest.storage.PackedTree",
    "tabkit.nn.classifier.EmbeddingNetClassifier",
    "tabkit.nn.collab.CollabRegressor",
    "tabkit.nn.estimators.EmbeddingNetRegressor",
    "tabkit.pipeline.models.predictions.OnModelScale",
    "tabkit.pipeline.models.scoring.MeanBaseline",
    "tabkit.prep.history.HistoryFeatures",
    "tabkit.prep.history_windows.DayKeys",
    "tabkit.prep.processor.TabularProcessor",
    "tabkit.prep.target.TargetTransform",
    "tabkit.prep.target_means.TargetMeans",
]
TRUSTED_TYPES: set[str] = {*_BASIC, *_SCIKIT_LEARN, *_TABKIT}
"""Fully qualified names (``module.Class``) of every type a run folder may construct."""


class UntrustedFileError(ValueError):
    """A file of a run names a type that is not on the trusted list, or is not in the format
    its name says."""


def trust(*names: str) -> None:
    """Add types (``"package.module.Class"``) to ``TRUSTED_TYPES``: the estimator classes of
    a model kind declared outside tabkit, and the types their state holds."""
    TRUSTED_TYPES.update(names)


def trusted_class(name: str, where: str) -> type[Any]:
    """The class ``name`` (``"package.module.Class"``) once it is found on the trusted list.

    Raises
    ------
    UntrustedFileError
        If it is not on the list (``where`` says which file named it).
    """
    if name not in TRUSTED_TYPES:
        raise UntrustedFileError(f"{where} names the class {name!r}, which is not on tabkit's trusted list")
    module, _, attribute = name.rpartition(".")
    return getattr(import_module(module), attribute)


def dump_skops(obj: Any) -> bytes:
    """``obj`` in the skops format."""
    import skops.io  # imported when used: it imports every scikit-learn estimator

    return skops.io.dumps(obj)


def load_skops(data: bytes, where: str) -> Any:
    """The object in a skops file, built only when every type it names is trusted.

    Raises
    ------
    UntrustedFileError
        If ``data`` is not a skops file or names a type off the list (the message names
        the types and ``where``, the file).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            schema = json.loads(archive.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise UntrustedFileError(f"{where} is not a skops file ({error}); refusing to load it") from None
    untrusted = sorted(_type_names(schema) - TRUSTED_TYPES)
    if untrusted:
        raise UntrustedFileError(
            f"{where} names type(s) not on tabkit's trusted list: {', '.join(untrusted)}; refusing to load it"
        )
    import skops.io

    return skops.io.loads(data, trusted=sorted(TRUSTED_TYPES))


def _type_names(schema: Any) -> set[str]:
    """Every ``module.Class`` a skops schema names, at any depth."""
    names: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__class__" in node or "__module__" in node:
                names.add(f"{node.get('__module__')}.{node.get('__class__')}")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names
