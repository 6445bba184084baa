"""Partial dependence of the models a pipeline saves (forest, net, forest on embeddings)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tabkit.inspection import partial_dependence, top_features
from tabkit.plots import plot_partial_dependence
from tabkit.runs import RunReader


@pytest.mark.parametrize("model_name", ["forest", "net", "embedding_forest"])
def test_curves_of_the_top_features(run_dir, model_name):
    model = RunReader(run_dir).model(model_name)
    X = pd.read_parquet(run_dir / "valid_sample.parquet").drop(columns="actual")
    importance = pd.read_csv(run_dir / model_name / "importance.csv")
    features = top_features(importance, X, k=3)
    scale = json.loads((run_dir / "metrics.json").read_text())["models"][model_name]["target_transform"]
    assert features == [f for f in importance["feature"] if f in X and X[f].nunique() > 1][:3]
    for feature in features:
        frame = partial_dependence(model, X, feature, max_rows=100, resolution=5, n_ice=3, target_transform=scale)
        average = frame[frame["row"] == -1]
        assert len(average) >= 2 and np.isfinite(frame["prediction"]).all() and (frame["prediction"] > 0).all()
        assert plot_partial_dependence(frame).axes[0].get_xlabel().startswith(feature)


def test_matches_the_mean_prediction_on_the_same_rows(run_dir):
    model = RunReader(run_dir).model("forest")
    X = pd.read_parquet(run_dir / "valid_sample.parquet").drop(columns="actual")
    frame = partial_dependence(model, X, "CompetitionDistance", max_rows=None, n_ice=0, resolution=6)
    for value, prediction in zip(frame["CompetitionDistance"], frame["prediction"]):
        assert prediction == pytest.approx(model.predict(X.assign(CompetitionDistance=value)).mean(), rel=1e-12)
    assert frame["CompetitionDistance"].min() >= X["CompetitionDistance"].min()
