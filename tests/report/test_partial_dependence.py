"""Partial dependence of saved pipeline models, through scikit-learn."""
from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.inspection import partial_dependence

from tabkit.report.partial_dependence import dependence_features, partial_dependences


@pytest.mark.parametrize("model_name", ["forest", "net"])
def test_curves_of_the_top_features(run_dir, model_name):
    model = joblib.load(run_dir / "models" / f"{model_name}.joblib")
    sample = pd.read_parquet(run_dir / "valid_sample.parquet")
    importance = pd.read_csv(run_dir / model_name / "importance.csv")
    features = dependence_features(importance, sample, k=4)
    assert features == [f for f in importance["feature"] if f in sample][:4]
    curves = partial_dependences(model, sample, features)
    assert [c.feature for c in curves] == features
    for curve in curves:
        assert len(curve.grid) == len(curve.average) >= 2 and np.isfinite(curve.average).all()
        assert curve.categorical == (curve.feature in model.processor_.cat_names_)


def test_matches_scikit_learn_on_the_same_grid(run_dir):
    model = joblib.load(run_dir / "models" / "forest.joblib")
    sample = pd.read_parquet(run_dir / "valid_sample.parquet")
    (curve,) = partial_dependences(model, sample, ["CompetitionDistance"], max_rows=len(sample))
    X = sample.drop(columns="actual").astype({"CompetitionDistance": "float64"})
    expected = partial_dependence(model, X, ["CompetitionDistance"], kind="average",
                                  custom_values={"CompetitionDistance": curve.grid})
    np.testing.assert_allclose(curve.average, expected["average"][0])
    assert curve.grid.min() >= sample["CompetitionDistance"].min()
