"""A run's correction factor: every regression model gets one on the leaderboard with its
split-half score, and the submission applies it only where that score improves."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pipeline_helpers import read_json

from tabkit.pipeline.runner import run_pipeline


def test_the_leaderboard_shows_both_scores_and_the_submission_applies_the_factor(tmp_path, tiny_forest_spec):
    corrected = run_pipeline(tiny_forest_spec, out_dir=tmp_path / "auto", verbose=False)
    plain = run_pipeline(
        {**tiny_forest_spec, "output": {**tiny_forest_spec["output"], "correction": "none"}},
        out_dir=tmp_path / "none",
        verbose=False,
    )
    board = corrected.leaderboard.set_index("model")
    info = read_json(corrected.run_dir / "metrics.json")["models"]["forest"]["correction"]
    assert board.loc["forest", "factor"] == info["factor"] and board.loc["forest", "corrected"] == info["score"]
    assert info["plain"] == board.loc["forest", "score"] == plain.leaderboard.set_index("model").loc["forest", "score"]
    assert info["applied"] == (info["score"] < info["plain"] and info["factor"] != 1)
    assert plain.leaderboard["factor"].isna().all()
    ratio = pd.read_csv(corrected.submission)["Sales"] / pd.read_csv(plain.submission)["Sales"]
    np.testing.assert_allclose(ratio.dropna(), info["factor"] if info["applied"] else 1.0, rtol=1e-9)
    submitted = read_json(corrected.run_dir / "metrics.json")["submission"]
    assert submitted["factor"] == (info["factor"] if info["applied"] else None)
