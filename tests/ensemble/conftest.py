"""Synthetic regression splits shared by the blend tests."""

from __future__ import annotations

import pytest
from blend_data import make_regression


@pytest.fixture(scope="session")
def train():
    return make_regression(400, seed=0)


@pytest.fixture(scope="session")
def valid():
    return make_regression(200, seed=1)


@pytest.fixture(scope="session")
def test_rows():
    return make_regression(1000, seed=2)
