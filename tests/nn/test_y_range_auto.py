"""``y_range = "auto"`` (fastai's range, as pipeline specs compute it) must not wreck a net
trained for a few epochs on a log-price target (issue 22: bulldozers scored RMSLE 2.83 with
the range, 0.367 without). The sigmoid used to start at the middle of the range (a price of
e^6 ~ 400 for prices near 30k), far from every target."""

import numpy as np
import pandas as pd
import pytest

import tabkit as tk


@pytest.fixture(scope="module")
def prices():
    """Bulldozers-like rows: a model id effect, the year made, machine hours; prices
    log-normal between 5k and 150k."""
    rng = np.random.default_rng(0)
    n = 2000
    model, year, hours = rng.integers(0, 300, n), rng.integers(1990, 2012, n), rng.gamma(2, 2000, n)
    log_y = 10.3 + rng.normal(0, 0.5, 300)[model] + 0.04 * (year - 2000) - 3e-5 * hours + rng.normal(0, 0.25, n)
    X = pd.DataFrame({"ModelID": model, "YearMade": year, "hours": hours, "state": rng.choice(list("ABCDEFGH"), n)})
    return X, np.exp(np.clip(log_y, np.log(5000), np.log(150000)))


def fastai_log_range(log_y):
    """The pipeline's ``y_range = "auto"`` for a log target: ``(min(0, low), high + log(1.2))``."""
    return min(0.0, float(log_y.min())), float(log_y.max()) + float(np.log(1.2))


def rmsle(y, predicted):
    return float(np.sqrt(np.mean((np.log(y) - np.log(predicted)) ** 2)))


@pytest.mark.parametrize("path", ["log_target", "fitted_on_log_y"])
def test_auto_range_scores_close_to_no_range_after_three_epochs(prices, path):
    X, y = prices
    train, valid = slice(0, 1600), slice(1600, None)
    y_range = fastai_log_range(np.log(y[train]))
    settings = {
        "layers": (64, 32),
        "epochs": 3,
        "verbose": 0,
        "device": "cpu",
        "random_state": 0,
        "cat_names": ["ModelID", "YearMade", "state"],
    }
    scores = {}
    for name, extra in (("none", {}), ("auto", {"y_range": y_range})):
        if path == "log_target":
            net = tk.EmbeddingNetRegressor(**settings, **extra, log_target=True).fit(X[train], y[train])
            predicted = net.predict(X[valid])
        else:
            net = tk.EmbeddingNetRegressor(**settings, **extra).fit(X[train], np.log(y[train]))
            predicted = np.exp(net.predict(X[valid]))
        scores[name] = rmsle(y[valid], predicted)
    assert scores["auto"] < 1.5 * scores["none"], scores


def test_untrained_net_starts_at_the_mean_target(prices):
    X, y = prices
    y_range = fastai_log_range(np.log(y))
    settings = {"dropout": 0.0, "epochs": 1, "lr": 1e-9, "verbose": 0, "device": "cpu", "random_state": 0}
    net = tk.EmbeddingNetRegressor((8,), y_range=y_range, log_target=True, **settings).fit(X, y)
    middle = np.exp(np.mean(np.log(y)))
    assert np.median(net.predict(X)) == pytest.approx(middle, rel=0.2)
    assert net.module_.y_range == pytest.approx(y_range)
