"""Fixtures of the pipeline tests."""

from __future__ import annotations

import pytest
from pipeline_helpers import TINY_FOREST, spec_dict


@pytest.fixture
def tiny_forest_spec() -> dict:
    """A forest-only tiny spec (fast, in-process runs)."""
    return spec_dict(
        model=[{"name": "forest", "kind": "forest", "params": TINY_FOREST}],
        output={
            "report": False,
            "importance_repeats": 1,
            "importance_rows": 200,
            "sample_rows": 50,
            "explain_worst": 2,
            "explain_random": 2,
        },
    )
