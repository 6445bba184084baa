"""Package fronts: every package declares ``__all__``, and every name in it resolves (lazy
names included), so ``from tabkit.X import *`` and editors see the same public API."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tabkit

PACKAGES = sorted(name for _, name, is_package in pkgutil.walk_packages(tabkit.__path__, "tabkit.") if is_package) + [
    "tabkit"
]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_declares_its_public_names_and_they_resolve(package):
    module = importlib.import_module(package)
    assert isinstance(module.__all__, (list, tuple)), f"{package} has no __all__"
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name}"


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'tabkit.forest' has no attribute 'Forest'"):
        tabkit.forest.Forest  # noqa: B018
