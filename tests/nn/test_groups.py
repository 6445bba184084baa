"""Layer groups, discriminative learning rates, freezing and continued training."""

import io

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError

import tabkit as tk
from tabkit.nn.groups import group_rates
from tabkit.nn.schedule import one_cycle


def round_trip(model):
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


@pytest.mark.parametrize(
    "lr,n,expected",
    [
        (1e-3, 3, [1e-3, 1e-3, 1e-3]),
        ((1e-5, 1e-3), 3, [1e-5, 1e-4, 1e-3]),
        ([1e-5, 1e-3], 2, [1e-5, 1e-3]),
        ((1e-5, 1e-3), 1, [1e-3]),
        ((3e-3,), 3, [1e-3, 1e-3, 3e-3]),
        ([3e-3], 2, [1e-3, 3e-3]),
    ],
)
def test_group_rates(lr, n, expected):
    np.testing.assert_allclose(group_rates(lr, n), expected, rtol=1e-12)


def test_net_layer_groups(fitted):
    groups = fitted.module_.layer_groups()
    assert [name for name, _ in groups] == ["embeddings", "body", "head"] == fitted.layer_groups()
    every = [p for _, params in groups for p in params]
    assert len(every) == len(list(fitted.module_.parameters()))
    assert {id(p) for p in every} == {id(p) for p in fitted.module_.parameters()}
    assert groups[2][1][0] is fitted.module_.layers[-1].weight


@pytest.mark.parametrize("lr", [(1e-4, 1e-2), [1e-4, 1e-2], (1e-2,)])
def test_lr_tuple_gives_each_group_its_one_cycle(small, frame, lr):
    X, y = frame
    model = tk.EmbeddingNetRegressor(**small, lr=lr, random_state=0).fit(X, y)
    steps = 2 * (len(X) // small["batch_size"])
    assert model.history_["lr"].iloc[-1] == pytest.approx(one_cycle(steps, 1e-2)[0][-1])
    # the optimiser of the last epoch is gone; check the rates it would use
    rates = [group.lr for group in model._param_groups()]
    expected = [1e-4, 1e-3, 1e-2] if len(lr) == 2 else [1e-2 / 3, 1e-2 / 3, 1e-2]
    np.testing.assert_allclose(rates, expected, rtol=1e-12)


def test_group_rates_reach_the_optimizer(small, frame, monkeypatch):
    X, y = frame
    seen = []
    from tabkit.nn import training

    original = training.set_hyper

    def record(optimizer, lr, momentum):
        original(optimizer, lr, momentum)
        seen.append([group["lr"] for group in optimizer.param_groups])

    monkeypatch.setattr(training, "set_hyper", record)
    tk.EmbeddingNetRegressor(**{**small, "epochs": 1}, lr=(1e-4, 1e-2), random_state=0).fit(X, y)
    ratios = np.array(seen)[:, 2] / np.array(seen)[:, 0]
    np.testing.assert_allclose(ratios, 100.0, rtol=1e-9)  # the schedule scales every group alike
    np.testing.assert_allclose(np.array(seen)[:, 1], np.sqrt(np.array(seen)[:, 0] * np.array(seen)[:, 2]))


@pytest.mark.parametrize(
    "lr,match",
    [
        ((1e-3, 1e-2, 1e-1), r"lr must be a number, \(low, high\) or \(high,\), got \(0.001, 0.01, 0.1\) \(3 values\)"),
        ((), r"\(0 values\)"),
        ((1e-2, 1e-4), r"lr=\(low, high\) needs low <= high, got \(0.01, 0.0001\)"),
        ((0, 1e-3), "lr values must be numbers greater than 0"),
        ([-1e-3], "lr values must be numbers greater than 0"),
        ("fast", "lr must be a number greater than 0, got 'fast'"),
    ],
)
def test_bad_lr(small, frame, lr, match):
    X, y = frame
    with pytest.raises(ValueError, match=match):
        tk.EmbeddingNetRegressor(**small, lr=lr).fit(X, y)


def test_freeze_needs_a_fit_and_known_groups(small, fitted):
    with pytest.raises(NotFittedError):
        tk.EmbeddingNetRegressor(**small).freeze()
    with pytest.raises(ValueError, match=r"unknown layer group\(s\) \['bodies'\]"):
        round_trip(fitted).freeze(("bodies",))
    with pytest.raises(ValueError, match="would freeze every layer group"):
        round_trip(fitted).freeze(("embeddings", "body", "head"))


def test_frozen_groups_do_not_change(small, frame):
    X, y = frame
    model = tk.EmbeddingNetRegressor(**small, random_state=0).fit(X, y)
    before = {k: v.clone() for k, v in model.module_.state_dict().items()}
    model.freeze()  # embeddings and body
    assert model.frozen_ == ("embeddings", "body")
    assert all(not p.requires_grad for p in model.module_.embeds.parameters())
    model.fit(X, y, warm_start=True)
    after = model.module_.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed == {"layers.6.weight", "layers.6.bias"}  # the head only; BatchNorm statistics too stay
    assert model.history_["trained"].tolist() == ["embeddings,body,head"] * 2 + ["head"] * 2
    model.unfreeze().fit(X, y, warm_start=True)
    assert model.frozen_ == () and model.history_["trained"].iloc[-1] == "embeddings,body,head"
    assert not torch.equal(model.module_.embeds[0].weight, before["embeds.0.weight"])


def test_warm_start_continues_history_and_weights(small, frame):
    X, y = frame
    model = tk.EmbeddingNetRegressor(**small, random_state=0).fit(X.iloc[:500], y[:500])
    first = model.history_.copy()
    processor = model.processor_
    predictions = model.predict(X)
    model.fit(X.iloc[:500], y[:500], X_val=X.iloc[500:], y_val=y[500:], metric="rmse", warm_start=True)
    assert model.processor_ is processor
    assert model.history_["epoch"].tolist() == [1, 2, 3, 4]
    pd.testing.assert_frame_equal(model.history_.iloc[:2][first.columns], first)
    assert model.history_["rmse"].iloc[:2].isna().all() and model.history_["rmse"].iloc[2:].notna().all()
    assert not np.array_equal(model.predict(X), predictions)
    # a fresh fit starts over
    model.fit(X.iloc[:500], y[:500])
    assert model.history_["epoch"].tolist() == [1, 2]
    np.testing.assert_array_equal(model.predict(X), predictions)


def test_warm_start_maps_unseen_categories_to_the_unknown_slot(small, frame):
    X, y = frame
    model = tk.EmbeddingNetRegressor(**small, random_state=0).fit(X[X["Kind"] != "c"], y[X["Kind"] != "c"])
    assert model.processor_.categories_["Kind"] == ["a", "b"]
    model.fit(X, y, warm_start=True)
    assert model.processor_.categories_["Kind"] == ["a", "b"]
    assert model.module_.embeds[2].weight.shape[0] == 3


def test_warm_start_refuses_a_changed_architecture(small, frame):
    X, y = frame
    model = tk.EmbeddingNetRegressor(**small, random_state=0).fit(X, y)
    model.set_params(layers=(8,), dropout=0.0)
    with pytest.raises(
        ValueError,
        match=r"warm_start=True continues the fitted module, but layers changed from "
        r"\(16, 8\) to \(8,\)",
    ):
        model.fit(X, y, warm_start=True)


def test_warm_start_on_an_unfitted_net_is_a_fit(small, frame):
    X, y = frame
    warm = tk.EmbeddingNetRegressor(**small, random_state=0).fit(X, y, warm_start=True)
    cold = tk.EmbeddingNetRegressor(**small, random_state=0).fit(X, y)
    np.testing.assert_array_equal(warm.predict(X), cold.predict(X))


def test_frozen_state_survives_joblib_and_training_is_repeatable(small, frame):
    X, y = frame
    model = tk.EmbeddingNetRegressor(**small, random_state=0).fit(X, y).freeze(("embeddings",))
    loaded = round_trip(model)
    assert loaded.frozen_ == ("embeddings",)
    assert not any(p.requires_grad for p in loaded.module_.embeds.parameters())
    model.fit(X, y, warm_start=True)
    loaded.fit(X, y, warm_start=True)
    np.testing.assert_array_equal(model.predict(X), loaded.predict(X))
    assert loaded.history_["trained"].iloc[-1] == "body,head"


def test_classifier_warm_start_and_freeze(small, frame):
    X, y = frame
    labels = np.where(y > np.median(y), "high", "low")
    model = tk.EmbeddingNetClassifier(**small, random_state=0).fit(X, labels)
    model.freeze(("embeddings", "body")).fit(X, labels, warm_start=True)
    assert model.history_["trained"].tolist() == ["embeddings,body,head"] * 2 + ["head"] * 2
    unseen = labels.copy()
    unseen[0] = "new"
    with pytest.raises(ValueError, match=r"labels not seen in training y: \['new'\]"):
        model.fit(X, unseen, warm_start=True)
