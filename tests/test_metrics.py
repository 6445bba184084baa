import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from tabkit import metrics


def test_values():
    assert metrics.rmse([1, 2], [1, 4]) == pytest.approx(np.sqrt(2))
    assert metrics.rmspe([0, 100, 200], [5, 110, 180]) == pytest.approx(0.1)
    assert metrics.exp_rmspe(np.log([100, 200]), np.log([110, 180])) == pytest.approx(0.1)
    assert metrics.rmsle([0, np.e - 1], [0, 0]) == pytest.approx(np.sqrt(0.5))
    assert metrics.accuracy(["a", "b", "c"], ["a", "b", "d"]) == pytest.approx(2 / 3)


@pytest.mark.parametrize("name", ["rmse", "rmspe", "exp_rmspe", "rmsle", "accuracy"])
def test_shape_and_nan_checks(name):
    func = getattr(metrics, name)
    with pytest.raises(ValueError, match="y_true has 2 values but y_pred has 3"):
        func([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="y_pred has 1 NaN"):
        func([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(ValueError, match="no values"):
        func([], [])


def test_rmspe_needs_a_nonzero_target_and_rmsle_a_valid_log():
    with pytest.raises(ValueError, match="every true value is 0"):
        metrics.rmspe([0, 0], [1, 2])
    with pytest.raises(ValueError, match="greater than -1"):
        metrics.rmsle([-2.0], [1.0])


def test_get_scorer_signs():
    X = np.arange(10.0).reshape(-1, 1)
    y = 2 * X.ravel() + 1
    model = LinearRegression().fit(X, y + np.r_[0.5, -0.5].repeat(5))
    for scoring in ("rmspe", metrics.rmspe):
        scorer = metrics.get_scorer(scoring)
        assert scorer(model, X, y + 1) == pytest.approx(-metrics.rmspe(y + 1, model.predict(X)))
    assert metrics.get_scorer("r2")(model, X, y) == pytest.approx(model.score(X, y))
    assert metrics.get_scorer(None) is None
    custom = lambda est, X, y: 1.0
    assert metrics.get_scorer(custom) is custom
    with pytest.raises(ValueError, match="scoring must be"):
        metrics.get_scorer(3)


def test_declared_scales_and_needs():
    assert metrics.exp_rmspe.scale == "log" and metrics.rmspe.scale == "original"
    assert metrics.logloss.needs == "probabilities" and metrics.accuracy.needs == "labels"
    assert metrics.f1.task == "classification" and metrics.rmse.task == "regression"
    actual, predicted = np.array([100.0, 250.0, 40.0]), np.array([90.0, 260.0, 50.0])
    assert metrics.score("exp_rmspe", actual, predicted) == pytest.approx(metrics.rmspe(actual, predicted), rel=1e-12)
    with pytest.raises(ValueError, match="unknown metric 'rmspee'"):
        metrics.score("rmspee", actual, predicted)


def test_classification_metrics_equal_scikit_learn():
    from sklearn import metrics as sk

    rng = np.random.default_rng(0)
    y = rng.choice(["cat", "dog", "eel"], 300)
    proba = rng.dirichlet([1, 1, 1], 300)
    labels = np.array(["cat", "dog", "eel"])[proba.argmax(1)]
    assert metrics.logloss(y, proba) == pytest.approx(sk.log_loss(y, proba))
    assert metrics.roc_auc(y, proba) == pytest.approx(sk.roc_auc_score(y, proba, multi_class="ovr"))
    assert metrics.f1(y, labels) == pytest.approx(sk.f1_score(y, labels, average="macro"))
    binary = (y == "dog").astype(int)
    assert metrics.roc_auc(binary, proba[:, 1]) == pytest.approx(sk.roc_auc_score(binary, proba[:, 1]))
    assert metrics.f1(binary, binary[::-1]) == pytest.approx(sk.f1_score(binary, binary[::-1]))
    assert metrics.score("logloss", y, proba, classes=["cat", "dog", "eel"]) == pytest.approx(sk.log_loss(y, proba))


def test_probability_metrics_check_their_inputs():
    with pytest.raises(ValueError, match="3 columns but there are 2 classes"):
        metrics.logloss(["a", "b"], np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match="single class"):
        metrics.roc_auc([1, 1], [0.2, 0.9], classes=[0, 1])
    with pytest.raises(ValueError, match=r"label\(s\) \['z'\] not among the classes"):
        metrics.logloss(["a", "z"], [[0.5, 0.5], [0.5, 0.5]], classes=["a", "b"])


def test_probability_scorer_reads_predict_proba():
    from sklearn.linear_model import LogisticRegression

    X = np.arange(20.0).reshape(-1, 1)
    y = np.array(["lo"] * 10 + ["hi"] * 10)
    model = LogisticRegression().fit(X, y)
    scorer = metrics.get_scorer("logloss")
    assert scorer(model, X, y) == pytest.approx(-metrics.logloss(y, model.predict_proba(X), classes=model.classes_))
