"""Shared Rossmann fixtures: small synthetic sets, and the real Kaggle files when present."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tabkit.datasets import load_rossmann, make_rossmann, rossmann_features

REAL_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "rossmann"


@pytest.fixture(scope="session")
def real_dir() -> Path:
    if not (REAL_DATA / "train.csv").is_file():
        pytest.skip(f"the real Kaggle Rossmann files are not at {REAL_DATA}")
    return REAL_DATA


@pytest.fixture(scope="session")
def real_tables(real_dir: Path) -> dict[str, pd.DataFrame]:
    return load_rossmann(real_dir)


@pytest.fixture(scope="session")
def small() -> dict[str, pd.DataFrame]:
    """30 stores over the full date range: what most tests check."""
    return make_rossmann(30, seed=0)


@pytest.fixture(scope="session")
def medium() -> dict[str, pd.DataFrame]:
    """300 stores, for statistics over stores (rare events such as refurbishments)."""
    return make_rossmann(300, seed=1)


@pytest.fixture(scope="session")
def small_features(small) -> tuple[pd.DataFrame, pd.DataFrame]:
    return rossmann_features(small)
