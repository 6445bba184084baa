"""Hyperparameter search scored on a fixed validation set (every candidate fitted in parallel)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tabkit.lazy import lazy_names

_PUBLIC_NAMES = {
    "ValidationSearch": "tabkit.search.validation_search",
}
__all__ = sorted(_PUBLIC_NAMES)
__getattr__, __dir__ = lazy_names(__name__, _PUBLIC_NAMES)

if TYPE_CHECKING:
    from tabkit.search.validation_search import ValidationSearch
