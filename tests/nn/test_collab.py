"""CollabRegressor: the scikit-learn API, unseen labels, reading the factors, bad input,
persistence, determinism and recovery of planted structure."""

import io

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import norm
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import tabkit as tk
from tabkit.datasets.ratings import make_ratings

QUICK = {"n_factors": 3, "y_range": (0, 5.5), "epochs": 5, "batch_size": 128, "lr": 1e-2, "verbose": 0, "device": "cpu"}


def round_trip(model):
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


@pytest.fixture(scope="module")
def planted():
    """300 users, 120 items, 3 planted factors; a random 20 % of the ratings validate."""
    data = make_ratings(300, 120, 3, seed=0)
    valid = np.random.default_rng(0).random(len(data["ratings"])) < 0.2
    return data, valid


@pytest.fixture(scope="module")
def model(planted):
    data, valid = planted
    train = data["ratings"][~valid]
    return tk.CollabRegressor(**QUICK, random_state=0).fit(train, train["rating"])


def expected_rating(score, noise):
    """E[rating | planted score]: the best any model can predict (rounding and clipping
    of Gaussian noise)."""
    edges = np.array([-np.inf, 1.5, 2.5, 3.5, 4.5, np.inf])
    cdf = norm.cdf((edges[None, :] - np.asarray(score)[:, None]) / noise)
    return (np.diff(cdf, axis=1) * np.arange(1, 6)).sum(axis=1)


def test_defaults_and_conventions():
    params = tk.CollabRegressor().get_params()
    assert params == {
        "n_factors": 50,
        "y_range": None,
        "use_nn": False,
        "layers": (100, 50),
        "epochs": 5,
        "lr": 5e-3,
        "batch_size": 64,
        "weight_decay": 0.2,
        "bias_decay": 0.02,
        "optimizer": "adamw",
        "schedule": "one_cycle",
        "early_stopping": False,
        "user_col": "user",
        "item_col": "item",
        "init_embeddings": None,
        "device": "auto",
        "mixed_precision": "auto",
        "random_state": None,
        "verbose": 1,
    }
    model = tk.CollabRegressor(n_factors=7)
    assert clone(model).get_params() == model.get_params()
    frame = pd.DataFrame({"user": [1], "item": [2]})
    with pytest.raises(NotFittedError):
        model.predict(frame)
    for attribute in ("factors_", "biases_", "embeddings_"):
        with pytest.raises(NotFittedError):
            getattr(model, attribute)
    with pytest.raises(NotFittedError):
        model.similar(1)


def test_recovers_the_planted_structure(planted, model):
    data, valid = planted
    truth, test = data["truth"], data["ratings"][valid]
    biases = model.biases_["item"]
    assert np.corrcoef(biases, truth["item_bias"].loc[biases.index])[0, 1] > 0.9
    users = model.biases_["user"]
    assert np.corrcoef(users, truth["user_bias"].loc[users.index])[0, 1] > 0.9
    floor = np.sqrt(np.mean((test["rating"] - expected_rating(truth["score"][valid], truth["noise"])) ** 2))
    rmse = np.sqrt(np.mean((model.predict(test) - test["rating"]) ** 2))
    assert rmse < 1.1 * floor


def test_fitted_state(planted, model):
    data, valid = planted
    train = data["ratings"][~valid]
    assert model.layer_groups() == ["embeddings", "head"]
    assert list(model.history_.columns) == ["epoch", "train_loss", "lr", "seconds", "trained"]
    assert model.history_["trained"].eq("embeddings,head").all()
    assert model.global_mean_ == pytest.approx(train["rating"].mean())
    assert model.y_range_ == (0.0, 5.5)
    factors, biases = model.factors_, model.biases_
    assert factors["item"].shape == (train["item"].nunique(), 3)
    assert list(factors["user"].index) == sorted(train["user"].unique())
    assert biases["item"].index.equals(factors["item"].index)
    pd.testing.assert_series_equal(
        model.counts_["item"].sort_index(), train["item"].value_counts().rename("ratings").sort_index()
    )
    assert list(model.embeddings_) == ["user", "item"]
    assert (model.embeddings_["item"].loc["#na#"] == 0).all()


def test_unseen_labels(model):
    known_item = model.factors_["item"].index[0]
    rows = pd.DataFrame({"user": [10**6, 10**6, np.nan], "item": [10**6, known_item, None]})
    both_unseen, new_user, missing = model.predict(rows)
    assert both_unseen == pytest.approx(model.global_mean_, rel=1e-6) == missing
    global_bias = float(model.module_.global_bias.value.detach())
    expected = 5.5 / (1 + np.exp(-(model.biases_["item"].loc[known_item] + global_bias)))
    assert new_user == pytest.approx(expected, rel=1e-6)


def test_nn_model_and_auto_range(planted):
    data, valid = planted
    train = data["ratings"][~valid]
    net = tk.CollabRegressor(
        **{**QUICK, "epochs": 2, "y_range": "auto"}, use_nn=True, layers=(16,), random_state=0
    ).fit(train, train["rating"])
    assert net.y_range_ == pytest.approx((0.0, 1.1 * 5))
    assert net.layer_groups() == ["embeddings", "body", "head"]
    unseen = net.predict(pd.DataFrame({"user": [-1], "item": [-1]}))
    assert unseen[0] == pytest.approx(train["rating"].mean(), rel=1e-6)
    predictions = net.predict(data["ratings"][valid])
    assert ((predictions > 0) & (predictions < 5.5)).all()
    with pytest.raises(AttributeError, match="a use_nn=True model has no bias terms"):
        _ = net.biases_
    assert net.factors_["item"].shape[1] == 3


def test_any_labels_and_one_row_series():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"who": rng.choice(["ann", "bob", "cy"], 300), "what": rng.choice(["x", "y"], 300)})
    rating = np.where(frame["what"] == "x", 4.0, 2.0) + rng.normal(0, 0.1, 300)
    model = tk.CollabRegressor(**{**QUICK, "n_factors": 2}, user_col="who", item_col="what", random_state=0)
    model.fit(frame.assign(extra="ignored"), rating)
    assert list(model.biases_["item"].index) == ["x", "y"]
    assert model.biases_["item"]["x"] > model.biases_["item"]["y"]
    one = model.predict(frame.iloc[0])
    assert one.shape == (1,) and one[0] == model.predict(frame.iloc[:1])[0]


def test_similar_is_cosine_of_item_factors(model):
    factors = model.factors_["item"]
    item = factors.index[5]
    top = model.similar(item, n=4)
    values = factors.to_numpy(np.float64)
    unit = values / np.linalg.norm(values, axis=1, keepdims=True)
    cosine = pd.Series(unit @ unit[5], index=factors.index).drop(item).sort_values(ascending=False)
    pd.testing.assert_series_equal(top, cosine.head(4), check_names=False, rtol=1e-12)
    assert top.name == "similarity" and item not in top.index
    assert len(model.similar(factors.index[0], n=3, side="user")) == 3
    with pytest.raises(KeyError, match=r"item 'nope' was not in the training data \(1\d\d items\)"):
        model.similar("nope")
    with pytest.raises(ValueError, match="side must be 'user' or 'item'"):
        model.similar(item, side="movie")


def test_top_biases(model):
    table = tk.top_biases(model, n=3, labels={label: f"Item {label}" for label in model.biases_["item"].index})
    biases = model.biases_["item"]
    assert list(table.columns) == ["end", "bias", "ratings", "title"]
    assert list(table.index[:3]) == list(biases.nlargest(3).index)
    assert list(table.index[3:]) == list(biases.nsmallest(3).index)
    assert table["end"].tolist() == ["largest"] * 3 + ["smallest"] * 3
    assert table["title"].iloc[0] == f"Item {table.index[0]}"
    assert (table["ratings"] == model.counts_["item"].loc[table.index]).all()
    users = tk.top_biases(model, n=2, side="user")
    assert list(users.columns) == ["end", "bias", "ratings"] and len(users) == 4


def test_joblib_clone_and_determinism(planted, model):
    data, valid = planted
    train, test = data["ratings"][~valid], data["ratings"][valid]
    loaded = round_trip(model)
    np.testing.assert_array_equal(loaded.predict(test), model.predict(test))
    pd.testing.assert_frame_equal(loaded.factors_["item"], model.factors_["item"])
    again = clone(model).fit(train, train["rating"])
    np.testing.assert_array_equal(again.predict(test), model.predict(test))
    columns = ["train_loss", "lr"]
    pd.testing.assert_frame_equal(again.history_[columns], model.history_[columns])
    other = tk.CollabRegressor(**QUICK, random_state=1).fit(train, train["rating"])
    assert not np.array_equal(other.predict(test), model.predict(test))


def test_validation_metric_and_lr_groups(planted):
    data, valid = planted
    train, test = data["ratings"][~valid], data["ratings"][valid]
    model = tk.CollabRegressor(**{**QUICK, "epochs": 2, "lr": (1e-3, 1e-2)}, random_state=0)
    model.fit(train, train["rating"], X_val=test, y_val=test["rating"], metric="rmse")
    rmse = np.sqrt(np.mean((model.predict(test) - test["rating"]) ** 2))
    assert model.history_["rmse"].iloc[-1] == pytest.approx(rmse, rel=1e-5)
    assert model.history_["valid_loss"].iloc[-1] == pytest.approx(rmse**2, rel=1e-4)
    groups = model._param_groups()
    assert [(g.name, g.lr, g.weight_decay) for g in groups] == [("embeddings", 1e-3, None), ("head", 1e-2, 0.02)]


def test_freeze_factors_and_continue(model, planted):
    data, valid = planted
    train = data["ratings"][~valid]
    tuned = round_trip(model).freeze(("embeddings", "body"))
    before = tuned.factors_["item"].copy()
    tuned.fit(train, train["rating"], warm_start=True)
    pd.testing.assert_frame_equal(tuned.factors_["item"], before)
    assert tuned.history_["trained"].tolist()[-1] == "head"
    assert tuned.history_["epoch"].tolist() == list(range(1, 11))
    assert not tuned.biases_["item"].equals(model.biases_["item"])
    assert (tuned.counts_["item"] == 2 * model.counts_["item"]).all()


@pytest.fixture(scope="module")
def ratings():
    frame = make_ratings(40, 30, 2, seed=3)["ratings"]
    return frame, frame["rating"].to_numpy()


@pytest.mark.parametrize(
    "change,error,match",
    [
        ({"y_range": (1, 4)}, ValueError, r"\d+ rating\(s\) outside y_range \(1, 4\), e.g. 5"),
        ({"y_range": (5, 1)}, ValueError, "low < high"),
        ({"y_range": "max"}, ValueError, "y_range must be None or"),
        ({"lr": (1e-3, 1e-2, 1e-1)}, ValueError, r"lr must be a number, \(low, high\) or \(high,\)"),
        ({"lr": [1e-2, 1e-3]}, ValueError, r"needs low <= high"),
        ({"n_factors": 0}, ValueError, "n_factors must be an integer greater than 0"),
        ({"use_nn": "yes"}, TypeError, "use_nn must be True or False"),
        ({"use_nn": True, "layers": (8, 0)}, ValueError, "layers must be a sequence of positive integers"),
        ({"bias_decay": -1}, ValueError, "bias_decay must be None or a number >= 0"),
        ({"item_col": "user"}, ValueError, "user_col and item_col must differ"),
    ],
)
def test_bad_settings(ratings, change, error, match):
    frame, y = ratings
    with pytest.raises(error, match=match):
        tk.CollabRegressor(**{**QUICK, **change}).fit(frame, y)


def test_bad_frames_and_targets(ratings):
    frame, y = ratings
    model = tk.CollabRegressor(**QUICK)
    with pytest.raises(ValueError, match=r"X has no column 'item' \(item_col\); its columns are \['user', 'rating'"):
        model.fit(frame.drop(columns="item"), y)
    with pytest.raises(ValueError, match=r"X has no column 'movie' \(item_col\)"):
        tk.CollabRegressor(**QUICK, item_col="movie").fit(frame, y)
    broken = y.copy()
    broken[[3, 8, 9]] = np.nan
    with pytest.raises(ValueError, match=r"y has 3 NaN or infinite value\(s\)"):
        model.fit(frame, broken)
    with pytest.raises(ValueError, match=r"X: user_col 'user' has 2 missing value\(s\)"):
        model.fit(frame.assign(user=frame["user"].astype(float).mask(frame.index < 2)), y)
    with pytest.raises(ValueError, match="needs at least 2 training rows, got 1"):
        model.fit(frame.iloc[:1], y[:1])
    with pytest.raises(ValueError, match=r"X_val has no column 'user' \(user_col\)"):
        model.fit(frame, y, X_val=frame.drop(columns="user"), y_val=y)
    assert not hasattr(model, "module_")
    fitted = tk.CollabRegressor(**QUICK).fit(frame, y)
    with pytest.raises(ValueError, match=r"X has no column 'item' \(item_col\)"):
        fitted.predict(frame[["user"]])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU path")
def test_cpu_threads_do_not_change_results(ratings):
    frame, y = ratings
    first = tk.CollabRegressor(**QUICK, random_state=5).fit(frame, y).predict(frame)
    second = tk.CollabRegressor(**QUICK, random_state=5).fit(frame, y).predict(frame)
    np.testing.assert_array_equal(first, second)


def test_training_uses_one_cpu_thread_and_restores_the_setting(ratings, monkeypatch):
    frame, y = ratings
    seen = []
    model = tk.CollabRegressor(**QUICK, random_state=0)
    original = model._loss

    def counting_loss(out, target):
        seen.append(torch.get_num_threads())
        return original(out, target)

    monkeypatch.setattr(model, "_loss", counting_loss)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        model.fit(frame, y)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(threads)
    assert set(seen) == {1}
