import io

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import tabkit as tk
from tabkit import metrics
from tabkit.nn.module import emb_size


def dump_and_load(model):
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


@pytest.mark.parametrize("cls", [tk.EmbeddingNetRegressor, tk.EmbeddingNetClassifier])
def test_sklearn_conventions(cls, frame):
    model = cls(layers=(8,), dropout=0.1, epochs=3, random_state=4)
    assert model.get_params()["layers"] == (8,) and model.get_params()["epochs"] == 3
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(model, "module_")
    X, _ = frame
    for method in ("predict", "transform"):
        with pytest.raises(NotFittedError):
            getattr(model, method)(X)
    with pytest.raises(NotFittedError):
        _ = model.embeddings_


def test_issue_defaults():
    params = tk.EmbeddingNetRegressor().get_params()
    expected = {
        "layers": (1000, 500),
        "dropout": (0.001, 0.01),
        "emb_dropout": 0.04,
        "emb_sizes": None,
        "max_embedding_width": 600,
        "cont_embedding": None,
        "cont_embedding_dim": 16,
        "n_frequencies": 16,
        "frequency_scale": 0.1,
        "n_bins": 16,
        "n_members": 1,
        "y_range": None,
        "log_target": False,
        "epochs": 5,
        "lr": 1e-3,
        "batch_size": 512,
        "weight_decay": 0.2,
        "optimizer": "adamw",
        "schedule": "one_cycle",
        "early_stopping": False,
        "device": "auto",
        "mixed_precision": "auto",
        "cat_names": None,
        "cont_names": None,
        "max_card": 20,
        "max_levels": None,
        "min_count": 1,
        "init_embeddings": None,
        "random_state": None,
        "verbose": 1,
    }
    assert params == expected


def test_fitted_state(fitted):
    proc = fitted.processor_
    assert proc.cat_features_ == ["Store", "DayOfWeek", "Kind", "x_na"]
    assert proc.cont_names_ == ["x"]
    assert list(fitted.feature_names_in_) == ["Store", "DayOfWeek", "Kind", "x"]
    sizes = [embed.weight.shape for embed in fitted.module_.embeds]
    assert sizes == [(16, emb_size(16)), (8, emb_size(8)), (4, emb_size(4)), (3, emb_size(3))]
    assert fitted.device_ == torch.device("cpu") and fitted.mixed_precision_ is False
    assert list(fitted.history_.columns) == ["epoch", "train_loss", "valid_loss", "rmspe", "lr", "seconds", "trained"]
    assert fitted.history_["epoch"].tolist() == [1, 2]


def test_history_metric_matches_predictions(fitted, frame):
    X, y = frame
    valid_rows = slice(500, None)
    last = fitted.history_.iloc[-1]
    assert last["rmspe"] == pytest.approx(metrics.rmspe(y[valid_rows], fitted.predict(X.iloc[valid_rows])), rel=1e-5)
    log_error = np.log(y[valid_rows]) - np.log(fitted.predict(X.iloc[valid_rows]))
    assert last["valid_loss"] == pytest.approx(np.mean(log_error**2), rel=1e-4)


def test_exp_metric_on_log_scale_equals_metric_on_original_scale(small, frame):
    X, y = frame
    runs = {}
    for metric in ("rmspe", "exp_rmspe"):
        model = tk.EmbeddingNetRegressor(**small, log_target=True, random_state=1)
        runs[metric] = model.fit(X.iloc[:500], y[:500], X_val=X.iloc[500:], y_val=y[500:], metric=metric).history_
    np.testing.assert_allclose(runs["rmspe"]["rmspe"], runs["exp_rmspe"]["exp_rmspe"], rtol=1e-6)


def test_custom_metric_function(small, frame):
    X, y = frame

    def mean_error(y_true, y_pred):
        return float(np.mean(y_pred - y_true))

    model = tk.EmbeddingNetRegressor(**small, random_state=0)
    model.fit(X.iloc[:500], y[:500], X_val=X.iloc[500:], y_val=y[500:], metric=mean_error)
    expected = np.mean(model.predict(X.iloc[500:]) - y[500:])
    assert model.history_["mean_error"].iloc[-1] == pytest.approx(expected, rel=1e-5)


def test_same_random_state_same_history_and_predictions(small, frame, fitted):
    X, y = frame
    again = tk.EmbeddingNetRegressor(**small, log_target=True, random_state=0)
    again.fit(X.iloc[:500], y[:500], X_val=X.iloc[500:], y_val=y[500:], metric="rmspe")
    columns = ["train_loss", "valid_loss", "rmspe", "lr"]
    pd.testing.assert_frame_equal(again.history_[columns], fitted.history_[columns])
    np.testing.assert_array_equal(again.predict(X), fitted.predict(X))
    other = tk.EmbeddingNetRegressor(**small, log_target=True, random_state=1).fit(X.iloc[:500], y[:500])
    assert not np.array_equal(other.predict(X), fitted.predict(X))


def test_fit_leaves_global_torch_rng_alone(small, frame):
    X, y = frame
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    tk.EmbeddingNetRegressor(**small, random_state=0).fit(X, y)
    assert torch.equal(torch.rand(3), expected)


def test_joblib_round_trip_is_bit_for_bit(fitted, frame):
    X, _ = frame
    loaded = dump_and_load(fitted)
    np.testing.assert_array_equal(loaded.predict(X), fitted.predict(X))
    pd.testing.assert_frame_equal(loaded.history_, fitted.history_)
    assert loaded.get_params() == fitted.get_params()
    for name in fitted.embeddings_:
        pd.testing.assert_frame_equal(loaded.embeddings_[name], fitted.embeddings_[name])
    assert hasattr(fitted, "module_")  # dumping leaves the original usable


def test_saved_weights_are_device_independent(fitted):
    state = fitted.__getstate__()
    assert "module_" not in state
    assert all(tensor.device.type == "cpu" for tensor in state["module_weights_"].values())
    assert isinstance(state["device_"], str)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the load path of a machine without CUDA")
def test_model_trained_on_cuda_loads_on_cpu(fitted, frame):
    # What a GPU-trained model records: device "cuda" and bf16 on. Its weights are stored
    # on the CPU by __getstate__, so only the recorded device differs.
    X, _ = frame
    state = fitted.__getstate__()
    state.update(device_="cuda:0", mixed_precision_=True, device="cuda", mixed_precision=True)
    gpu_trained = tk.EmbeddingNetRegressor.__new__(tk.EmbeddingNetRegressor)
    gpu_trained.__setstate__(state)
    loaded = dump_and_load(gpu_trained)
    assert loaded.device_ == torch.device("cpu") and loaded.mixed_precision_ is False
    np.testing.assert_array_equal(loaded.predict(X), fitted.predict(X))


def test_cpu_model_loads_with_device_auto(small, frame):
    X, y = frame
    model = tk.EmbeddingNetRegressor(**small, random_state=0).fit(X, y)
    model.set_params(device="auto")
    loaded = dump_and_load(model)
    assert loaded.device_ == torch.device("cpu")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_unseen_categories_use_unknown_slot(fitted, frame):
    X, _ = frame
    row = X.iloc[:1].copy()
    unseen = row.assign(Store=999, Kind="zzz")
    missing = row.assign(Store=np.nan, Kind=None)
    np.testing.assert_array_equal(fitted.predict(unseen), fitted.predict(missing))
    assert not np.array_equal(fitted.predict(unseen), fitted.predict(row))
    vectors = fitted.transform(unseen)
    unknown = fitted.embeddings_["Store"].loc["#na#"].to_numpy()
    np.testing.assert_allclose(vectors.filter(like="Store_emb").iloc[0].to_numpy(), unknown)


def test_embeddings_tables(fitted):
    tables = fitted.embeddings_
    assert list(tables) == ["Store", "DayOfWeek", "Kind", "x_na"]
    store = tables["Store"]
    assert list(store.index) == ["#na#", *range(1, 16)]
    assert store.shape == (16, emb_size(16))
    np.testing.assert_array_equal(store.to_numpy(), fitted.module_.embeds[0].weight.detach().numpy())
    assert list(tables["Kind"].index) == ["#na#", "a", "b", "c"]


def test_transform_replaces_categories_with_vectors(fitted, frame):
    X, _ = frame
    out = fitted.transform(X)
    assert out.index.equals(X.index)
    width = emb_size(16)
    assert [f"Store_emb{i}" for i in range(width)] == list(out.columns[:width])
    assert "Store" not in out and "Kind" not in out and out.columns[-1] == "x"
    codes = fitted.processor_.transform(X)
    weights = fitted.embeddings_["Kind"].to_numpy()
    np.testing.assert_allclose(out.filter(like="Kind_emb").to_numpy(), weights[codes["Kind"].to_numpy()])
    filled = X["x"].fillna(fitted.processor_.fill_values_["x"]).to_numpy(np.float32)
    np.testing.assert_array_equal(out["x"].to_numpy(), filled)  # raw, not standardised


def test_emb_sizes_override(small, frame):
    X, y = frame
    model = tk.EmbeddingNetRegressor(**small, emb_sizes={"Store": 7}, random_state=0).fit(X, y)
    assert model.embeddings_["Store"].shape == (16, 7)
    assert model.embeddings_["Kind"].shape[1] == emb_size(4)


def test_log_target_with_y_range(small, frame):
    X, y = frame
    high = float(np.log(y.max() * 1.2))
    model = tk.EmbeddingNetRegressor(**small, log_target=True, y_range=(0, high), random_state=0).fit(X, y)
    predictions = model.predict(X)
    assert model.module_.y_range == (0.0, high)
    assert np.all((predictions > 0) & (predictions <= np.exp(high)))


def test_regressor_learns(small, frame):
    X, y = frame
    settings = {**small, "layers": (32, 16), "epochs": 15, "batch_size": 32, "lr": 1e-2}
    model = tk.EmbeddingNetRegressor(**settings, log_target=True, random_state=0)
    model.fit(X.iloc[:500], y[:500])
    mean_only = metrics.rmspe(y[500:], np.full(100, np.exp(np.log(y[:500]).mean())))
    assert metrics.rmspe(y[500:], model.predict(X.iloc[500:])) < 0.5 * mean_only


def test_classifier(small, frame):
    X, y = frame
    labels = np.where(y > np.median(y), "high", "low")
    settings = {**small, "layers": (32,), "epochs": 10, "lr": 1e-2}
    model = tk.EmbeddingNetClassifier(**settings, random_state=0)
    model.fit(X.iloc[:500], labels[:500], X_val=X.iloc[500:], y_val=labels[500:], metric="accuracy")
    assert list(model.classes_) == ["high", "low"]
    proba = model.predict_proba(X)
    assert proba.shape == (600, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    predicted = model.predict(X.iloc[500:])
    assert set(predicted) <= {"high", "low"}
    np.testing.assert_array_equal(predicted, model.classes_[proba[500:].argmax(axis=1)])
    assert model.history_["accuracy"].iloc[-1] == pytest.approx(metrics.accuracy(labels[500:], predicted))
    assert model.score(X.iloc[500:], labels[500:]) > 0.8
    np.testing.assert_array_equal(dump_and_load(model).predict_proba(X), proba)


@pytest.mark.parametrize("stopping", [True, 1])
def test_early_stopping_keeps_best_epoch(small, frame, stopping):
    X, y = frame
    model = tk.EmbeddingNetRegressor(
        **{**small, "epochs": 6, "lr": 0.3, "schedule": "constant"}, early_stopping=stopping, random_state=0
    )
    model.fit(X.iloc[:500], y[:500], X_val=X.iloc[500:], y_val=y[500:], metric="rmspe")
    best = model.history_["rmspe"].min()
    assert model.best_epoch_ == int(model.history_.loc[model.history_["rmspe"].idxmin(), "epoch"])
    assert metrics.rmspe(y[500:], model.predict(X.iloc[500:])) == pytest.approx(best, rel=1e-5)
    if stopping is not True:
        assert len(model.history_) <= model.best_epoch_ + 1


def test_lr_find(frame, fitted):
    X, y = frame
    before = fitted.predict(X)
    result = fitted.lr_find(X, y, num_it=40)
    curve = result.curve
    assert list(curve.columns) == ["lr", "loss", "smoothed_loss"]
    assert 5 <= len(curve) <= 40 and curve["lr"].is_monotonic_increasing
    assert curve["lr"].iloc[0] == pytest.approx(1e-7)
    best_lr = curve["lr"].iloc[curve["smoothed_loss"].to_numpy().argmin()]
    assert result.suggestion == pytest.approx(best_lr / 10)
    np.testing.assert_array_equal(fitted.predict(X), before)  # the estimator is untouched


def test_lr_find_stops_when_loss_explodes(small, frame):
    X, y = frame
    model = tk.EmbeddingNetRegressor(**small, random_state=0)
    result = model.lr_find(X, y, start_lr=1e-3, end_lr=1e6, num_it=100)
    assert len(result.curve) < 100
    assert not hasattr(model, "module_")


def test_verbose_shows_a_bar_per_epoch(small, frame, capsys):
    X, y = frame
    tk.EmbeddingNetRegressor(**{**small, "verbose": 1}, random_state=0).fit(X, y, X_val=X, y_val=y, metric="rmspe")
    err = capsys.readouterr().err
    assert "epoch 1/2" in err and "epoch 2/2" in err and "valid_loss" in err
    tk.EmbeddingNetRegressor(**small, random_state=0).fit(X, y)
    assert capsys.readouterr().err == ""


def test_history_without_validation(small, frame):
    X, y = frame
    model = tk.EmbeddingNetRegressor(**small, random_state=0).fit(X, y)
    assert list(model.history_.columns) == ["epoch", "train_loss", "lr", "seconds", "trained"]
    assert model.best_epoch_ is None


def test_cpu_and_auto_devices_agree_on_cpu_machine(small, frame):
    if torch.cuda.is_available():
        pytest.skip("auto picks CUDA here")
    X, y = frame
    cpu = tk.EmbeddingNetRegressor(**small, random_state=0).fit(X, y)
    auto = tk.EmbeddingNetRegressor(**{**small, "device": "auto"}, random_state=0).fit(X, y)
    np.testing.assert_array_equal(cpu.predict(X), auto.predict(X))


def test_losses_are_on_the_target_scale(small, frame):
    # the target is standardised inside; both losses are reported as MSE of log(y)
    X, y = frame
    model = tk.EmbeddingNetRegressor(**{**small, "epochs": 4}, log_target=True, random_state=0)
    model.fit(X, y, X_val=X, y_val=y)
    last = model.history_.iloc[-1]
    assert 0.3 < last["train_loss"] / last["valid_loss"] < 3
    assert last["valid_loss"] == pytest.approx(np.mean((np.log(y) - np.log(model.predict(X))) ** 2), rel=1e-4)


def test_a_row_of_a_frame_is_one_row(fitted, frame, small):
    X, y = frame
    row = X.iloc[3]
    assert isinstance(row, pd.Series)
    np.testing.assert_array_equal(fitted.predict(row), fitted.predict(X.iloc[3:4]))
    pd.testing.assert_frame_equal(fitted.transform(row), fitted.transform(X.iloc[3:4]), check_dtype=False)
    labels = np.where(y > np.median(y), "high", "low")
    classifier = tk.EmbeddingNetClassifier(**small, random_state=0).fit(X, labels)
    np.testing.assert_array_equal(classifier.predict_proba(row), classifier.predict_proba(X.iloc[3:4]))
    assert classifier.predict(row).tolist() == classifier.predict(X.iloc[3:4]).tolist()


def test_log_scale_metric_reads_the_model_scale(fitted, frame):
    X, y = frame
    raw = np.log(fitted.predict(X.iloc[500:]))
    assert metrics.exp_rmspe.scale == fitted.target_transform_.name == "log"
    y_in, p_in = fitted._metric_inputs(metrics.exp_rmspe, y[500:], fitted._predict_raw(X.iloc[500:]))
    np.testing.assert_allclose(y_in, np.log(y[500:]))
    np.testing.assert_allclose(p_in, raw, rtol=1e-12)
    y_in, p_in = fitted._metric_inputs(metrics.rmspe, y[500:], fitted._predict_raw(X.iloc[500:]))
    np.testing.assert_array_equal(y_in, y[500:])
