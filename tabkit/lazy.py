"""Package fronts whose public names are imported on first use (``import tabkit`` stays fast,
and the command line pays for PyTorch or LightGBM only when a model needs them)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(package: str, names: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose public ``names`` (name -> the
    module defining it, or the name itself for a submodule) load on first use.

    Examples
    --------
    In a package's ``__init__.py``::

        __all__ = ["Thing"]
        __getattr__, __dir__ = lazy_names(__name__, {"Thing": "pkg.things"})
    """
    namespace = import_module(package).__dict__

    def get(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = import_module(names[name])
        value = module if names[name] == f"{package}.{name}" else getattr(module, name)
        namespace[name] = value
        return value

    def listing() -> list[str]:
        return sorted(names)

    return get, listing
