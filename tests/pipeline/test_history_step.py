"""History features in a spec: fitted on the training rows after the split with the run's
horizon as the gap, added to the inputs, saved with the run and recomputed by predict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pipeline_helpers import read_json

from tabkit import runs
from tabkit.pipeline.predict import load_run
from tabkit.pipeline.runner import run_pipeline
from tabkit.pipeline.spec import SpecError, validate

HISTORY = [
    {"group": "Store", "windows": [28, 91], "columns": ["Customers"], "events": ["Promo"]},
    {"group": ["Store", "DayOfWeek"], "windows": [91]},
]


@pytest.fixture
def history_run(tmp_path, tiny_forest_spec):
    spec = {**tiny_forest_spec, "features": {"log_target": True, "history": HISTORY}}
    return run_pipeline(spec, out_dir=tmp_path, verbose=False)


def test_history_columns_join_the_inputs_with_the_horizon_as_gap(history_run):
    metrics = read_json(history_run.run_dir / "metrics.json")
    valid = metrics["data"]["valid_dates"]
    conts = metrics["data"]["cont_names"]
    history = runs.RunReader(history_run.run_dir).load(runs.HISTORY_FEATURES)
    gap = history[0].gap
    last_train = pd.Timestamp(metrics["data"]["train_dates"][1])
    assert gap >= (pd.Timestamp(valid[1]) - last_train).days  # the test rows come later still
    assert f"log_Sales_mean_28d_gap{gap}" in conts and f"Customers_mean_91d_gap{gap}" in conts
    assert f"log_Sales_mean_91d_gap{gap}_by_Store_DayOfWeek" in conts
    assert "Promo_next_7d" in conts and "Promo_past_7d" in conts
    assert "history: added" in (history_run.run_dir / "log.txt").read_text()


def test_predict_recomputes_the_history_from_the_stored_training_rows(history_run, tmp_path):
    run = load_run(history_run.run_dir)
    submission = pd.read_csv(history_run.submission)
    from tabkit.datasets import make_rossmann

    again = run.submission(make_rossmann(8, seed=1))
    np.testing.assert_allclose(again["Sales"].to_numpy(), submission["Sales"].to_numpy(), rtol=1e-9)


def test_history_tables_are_checked(tiny_forest_spec):
    spec = {**tiny_forest_spec, "features": {"history": [{"windows": [7], "gapp": 3}]}}
    with pytest.raises(SpecError) as info:
        validate(spec)
    text = str(info.value)
    assert "features.history[0].group: missing required value" in text
    assert "features.history[0].gapp: unknown key; did you mean 'gap'?" in text


def test_history_needs_a_regression_with_dates(tiny_forest_spec):
    spec = {**tiny_forest_spec, "metric": "accuracy", "features": {"history": [{"group": "Store"}]}}
    with pytest.raises(SpecError, match="features.history: needs a regression target"):
        validate(spec)
