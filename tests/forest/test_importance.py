"""permutation_importance: agreement with scikit-learn, n_jobs independence, groups, scoring, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.ensemble import RandomForestRegressor
from sklearn.inspection import permutation_importance as sklearn_permutation_importance
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tabkit import metrics
from tabkit.forest.importance import permutation_importance


@pytest.fixture(scope="module")
def duplicated():
    """y depends on a (twice, as a and its copy) and b; c is noise."""
    rng = np.random.RandomState(0)
    a, b, c = rng.normal(size=(3, 500))
    X = np.c_[a, a, b, c]
    y = 3 * a + b + rng.normal(scale=0.1, size=500)
    return X, y, RandomForestRegressor(n_estimators=20, max_features=1, random_state=0).fit(X, y)


def test_output_layout(regressor, sales_valid):
    X, y = sales_valid
    result = permutation_importance(regressor, X, y, n_repeats=3, random_state=0)
    assert list(result.columns) == ["feature", "importance", "std", "repeat_0", "repeat_1", "repeat_2"]
    assert sorted(result["feature"]) == sorted(X.columns)
    assert result["importance"].is_monotonic_decreasing
    repeats = result[["repeat_0", "repeat_1", "repeat_2"]].to_numpy()
    np.testing.assert_allclose(result["importance"], repeats.mean(axis=1))
    np.testing.assert_allclose(result["std"], repeats.std(axis=1))
    assert result["feature"].iloc[0] in {"Promo", "CompetitionDistance", "StoreType"}
    assert abs(result.set_index("feature").loc["Noise", "importance"]) < 0.05


def test_ranks_like_sklearn(regressor, sales_valid):
    X, y = sales_valid
    ours = permutation_importance(regressor, X, y, n_repeats=5, random_state=0).set_index("feature")["importance"]
    theirs = sklearn_permutation_importance(regressor, X, y, n_repeats=5, random_state=0)
    theirs = pd.Series(theirs.importances_mean, index=X.columns)
    informative = theirs[theirs > 0.01].index
    assert len(informative) >= 3
    assert spearmanr(ours[informative], theirs[informative]).statistic == pytest.approx(1.0)
    np.testing.assert_allclose(ours[informative], theirs[informative], rtol=0.2)
    assert (ours.drop(informative).abs() < 0.01).all()


@pytest.mark.parametrize("data", ["frame", "array"])
def test_independent_of_n_jobs(regressor, sales_valid, duplicated, data):
    if data == "frame":
        model, (X, y) = regressor, sales_valid
    else:
        X, y, model = duplicated
    serial = permutation_importance(model, X, y, n_repeats=2, n_jobs=1, random_state=3)
    parallel = permutation_importance(model, X, y, n_repeats=2, n_jobs=2, random_state=3)
    pd.testing.assert_frame_equal(serial, parallel)


def test_random_state_repeats_and_varies(duplicated):
    X, y, model = duplicated
    first = permutation_importance(model, X, y, n_repeats=2, random_state=1)
    pd.testing.assert_frame_equal(first, permutation_importance(model, X, y, n_repeats=2, random_state=1))
    other = permutation_importance(model, X, y, n_repeats=2, random_state=2)
    assert not np.allclose(first["repeat_0"], other["repeat_0"])


def test_groups_permute_columns_together(duplicated):
    X, y, model = duplicated
    alone = permutation_importance(model, X, y, random_state=0).set_index("feature")["importance"]
    grouped = permutation_importance(model, X, y, groups={"a": [0, 1]}, random_state=0).set_index("feature")[
        "importance"
    ]
    assert list(grouped.index) == ["a", 2, 3]
    assert grouped["a"] > 2 * max(alone[0], alone[1])
    assert grouped["a"] > grouped[2] > grouped[3]


def test_groups_by_name_on_frames(regressor, sales_valid):
    X, y = sales_valid
    date_parts = [col for col in X.columns if col not in {"Promo", "StoreType", "CompetitionDistance", "Noise"}]
    result = permutation_importance(regressor, X, y, groups={"Date": date_parts}, n_repeats=2, random_state=0)
    assert sorted(result["feature"]) == sorted(["Date", "Promo", "StoreType", "CompetitionDistance", "Noise"])


def test_caller_data_untouched(regressor, sales_valid):
    X, y = sales_valid
    before = X.copy()
    permutation_importance(regressor, X, y, n_repeats=1, n_jobs=1, random_state=0)
    pd.testing.assert_frame_equal(X, before)


def test_default_scoring_follows_model(regressor, classifier, sales_valid):
    X, y = sales_valid
    pd.testing.assert_frame_equal(
        permutation_importance(regressor, X, y, n_repeats=1, random_state=0),
        permutation_importance(regressor, X, y, n_repeats=1, random_state=0, scoring="r2"),
    )
    labels = classifier.predict(X)
    default = permutation_importance(classifier, X, labels, n_repeats=1, random_state=0)
    pd.testing.assert_frame_equal(
        default, permutation_importance(classifier, X, labels, n_repeats=1, random_state=0, scoring="accuracy")
    )
    assert default["importance"].between(-1, 1).all() and default["importance"].iloc[0] > 0


@pytest.mark.parametrize("scoring", ["rmspe", metrics.rmspe, "neg_mean_absolute_error"])
def test_scoring_metrics(regressor, sales_valid, scoring):
    X, y = sales_valid
    result = permutation_importance(regressor, X, y, scoring=scoring, n_repeats=2, random_state=0).set_index("feature")
    assert result.loc["Promo", "importance"] > 0
    assert result.loc["Promo", "importance"] > result.loc["Noise", "importance"]


def test_error_metric_drop_is_error_increase(duplicated):
    X, y, model = duplicated
    result = permutation_importance(model, X, y, scoring=metrics.rmse, n_repeats=3, random_state=0).set_index("feature")
    baseline = metrics.rmse(y, model.predict(X))
    assert result.loc[2, "importance"] > baseline  # shuffling b (sd 1) adds far more error than the fit has
    assert result.loc[3, "importance"] < result.loc[2, "importance"] / 4


def test_any_estimator_with_predict(duplicated):
    X, y, _ = duplicated
    pipe = make_pipeline(StandardScaler(), Ridge()).fit(X, y)
    result = permutation_importance(pipe, X, y, random_state=0).set_index("feature")["importance"]
    assert result[2] > result[3] and result[0] + result[1] > result[2]


def test_tabkit_net(sales_data, sales_valid):
    estimators = pytest.importorskip("tabkit.nn.estimators")
    X, y = sales_data
    net = estimators.EmbeddingNetRegressor(
        layers=(16,), dropout=0.0, epochs=2, batch_size=128, device="cpu", random_state=0, verbose=0
    )
    net.fit(X, y)
    result = permutation_importance(net, sales_valid[0], sales_valid[1], n_repeats=1, random_state=0)
    assert sorted(result["feature"]) == sorted(X.columns) and np.isfinite(result["importance"]).all()


@pytest.mark.parametrize("max_samples", [100, 0.25])
def test_max_samples(duplicated, max_samples):
    X, y, model = duplicated
    sub = permutation_importance(model, X, y, max_samples=max_samples, n_repeats=2, random_state=0)
    full = permutation_importance(model, X, y, n_repeats=2, random_state=0)
    assert not np.allclose(sub["importance"], full["importance"][sub.index])
    assert sub["feature"].iloc[0] in (0, 1)
    pd.testing.assert_frame_equal(
        sub, permutation_importance(model, X, y, max_samples=max_samples, n_repeats=2, random_state=0)
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"groups": {"g": [0, 9]}}, r"group 'g' names column\(s\) not in X: \[9\]"),
        ({"groups": {"g": [0, 1], "h": [1, 2]}}, "column 1 is in two groups"),
        ({"groups": {"g": []}}, "group 'g' has no columns"),
        ({"n_repeats": 0}, "n_repeats must be a positive integer"),
        ({"max_samples": 0}, "max_samples must be between 1"),
        ({"max_samples": 1.5}, "max_samples must be a row count or a fraction"),
    ],
)
def test_bad_arguments(duplicated, kwargs, message):
    X, y, model = duplicated
    with pytest.raises(ValueError, match=message):
        permutation_importance(model, X, y, **kwargs)


def test_bad_data(duplicated):
    X, y, model = duplicated
    with pytest.raises(ValueError, match="X has 500 rows but y has 499"):
        permutation_importance(model, X, y[:-1])
    with pytest.raises(TypeError, match="with predict"):
        permutation_importance(StandardScaler().fit(X), X, y)
