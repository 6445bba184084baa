import numpy as np
import pytest

import tabkit as tk


@pytest.mark.parametrize(
    "bad,match",
    [
        (np.nan, r"y has 1 NaN or infinite value\(s\)"),
        (np.inf, r"y has 1 NaN or infinite value\(s\)"),
    ],
)
def test_y_not_finite(small, frame, bad, match):
    X, y = frame
    y = y.copy()
    y[7] = bad
    with pytest.raises(ValueError, match=match):
        tk.EmbeddingNetRegressor(**small).fit(X, y)


def test_log_target_needs_positive_y_and_counts_rows(small, frame):
    X, y = frame
    y = y.copy()
    y[[1, 5, 9]] = [0, -1, 0]
    with pytest.raises(ValueError, match=r"3 of 600 row\(s\) have y <= 0"):
        tk.EmbeddingNetRegressor(**small, log_target=True).fit(X, y)
    tk.EmbeddingNetRegressor(**small).fit(X, y)  # fine without log_target


def test_missing_columns_named(small, fitted, frame):
    X, y = frame
    with pytest.raises(ValueError, match=r"missing required column\(s\): \['Kind'\]"):
        fitted.predict(X.drop(columns="Kind"))
    with pytest.raises(ValueError, match=r"missing required column\(s\): \['Kind'\]"):
        tk.EmbeddingNetRegressor(**small, cat_names=["Store", "Kind"]).fit(X.drop(columns="Kind"), y)
    with pytest.raises(ValueError, match=r"missing required column\(s\): \['x'\]"):
        tk.EmbeddingNetRegressor(**small).fit(X, y, X_val=X.drop(columns="x"), y_val=y)


@pytest.mark.parametrize(
    "params,match",
    [
        ({"layers": (10, -1)}, "layers must be"),
        ({"layers": (10, 5), "dropout": (0.1,)}, "one rate per layer"),
        ({"dropout": 1.0}, r"dropout rates must be numbers in \[0, 1\)"),
        ({"emb_dropout": -0.1}, "emb_dropout"),
        ({"epochs": 0}, "epochs must be an integer"),
        ({"lr": 0}, "lr must be a number"),
        ({"batch_size": 1}, "batch_size"),
        ({"weight_decay": -1}, "weight_decay"),
        ({"optimizer": "adam"}, "optimizer must be one of"),
        ({"schedule": "cosine"}, "schedule must be one of"),
        ({"early_stopping": 0}, "early_stopping must be"),
        ({"device": "gpu"}, "device must be"),
        ({"device": "cuda"}, "CUDA is not available"),
        ({"mixed_precision": True}, "needs a CUDA device"),
        ({"y_range": (3, 1)}, "low < high"),
        ({"y_range": 5}, "y_range must be None or"),
        ({"log_target": "yes"}, "log_target must be"),
        ({"emb_sizes": {"Nope": 3}}, r"not categorical features: \['Nope'\]"),
        ({"emb_sizes": {"Store": 0}}, "positive integer"),
    ],
)
def test_bad_settings(small, frame, params, match):
    if params.get("device") == "cuda":
        pytest.importorskip("torch")
        import torch

        if torch.cuda.is_available():
            pytest.skip("CUDA is available here")
    X, y = frame
    with pytest.raises(ValueError, match=match):
        tk.EmbeddingNetRegressor(**{**small, "device": "cpu", **params}).fit(X, y)


def test_bad_fit_arguments(small, frame):
    X, y = frame
    model = tk.EmbeddingNetRegressor(**small)
    with pytest.raises(ValueError, match="X has 600 rows but y has 599 values"):
        model.fit(X, y[:-1])
    with pytest.raises(ValueError, match="X_val and y_val must be given together"):
        model.fit(X, y, X_val=X)
    with pytest.raises(ValueError, match="need validation data"):
        model.fit(X, y, metric="rmspe")
    with pytest.raises(ValueError, match="need validation data"):
        tk.EmbeddingNetRegressor(**small, early_stopping=True).fit(X, y)
    with pytest.raises(ValueError, match="unknown metric 'mape'"):
        model.fit(X, y, X_val=X, y_val=y, metric="mape")
    with pytest.raises(ValueError, match="X_val has 600 rows but y_val has 10 values"):
        model.fit(X, y, X_val=X, y_val=y[:10])
    with pytest.raises(TypeError, match="X must be a pandas DataFrame"):
        model.fit(X.to_numpy(), y)
    assert not hasattr(model, "module_")


def test_classifier_bad_labels(small, frame):
    X, y = frame
    model = tk.EmbeddingNetClassifier(**{**small, "dropout": 0.0})
    labels = np.where(y > np.median(y), "high", "low").astype(object)
    with pytest.raises(ValueError, match="at least 2 classes"):
        model.fit(X, np.full(len(X), "one"))
    broken = labels.copy()
    broken[3] = None
    with pytest.raises(ValueError, match=r"y has 1 missing label\(s\)"):
        model.fit(X, broken)
    unseen = labels.copy()
    unseen[:5] = "new"
    with pytest.raises(ValueError, match=r"labels not seen in training y: \['new'\]"):
        model.fit(X, labels, X_val=X, y_val=unseen)


def test_lr_find_bad_arguments(small, frame):
    X, y = frame
    with pytest.raises(ValueError, match="end_lr"):
        tk.EmbeddingNetRegressor(**small).lr_find(X, y, start_lr=1.0, end_lr=0.1)


@pytest.mark.parametrize("cls", [tk.EmbeddingNetRegressor, tk.EmbeddingNetClassifier])
def test_one_training_row_is_refused(small, frame, cls):
    X, y = frame
    target = y[:1] if cls is tk.EmbeddingNetRegressor else np.array(["a"])
    model = cls(**small)
    with pytest.raises(ValueError, match=rf"{cls.__name__} needs at least 2 training rows, got 1 \(BatchNorm"):
        model.fit(X.iloc[:1], target)
    assert not hasattr(model, "module_")


def test_log_target_message_names_y_and_counts(small, frame):
    X, y = frame
    y = y.copy()
    y[[2, 4]] = [-5.0, 0.0]
    with pytest.raises(ValueError, match=r"log_target=True: a log target needs y_val > 0, but 2 of 600 row\(s\)"):
        tk.EmbeddingNetRegressor(**small, log_target=True).fit(X, np.abs(y) + 1, X_val=X, y_val=y)
