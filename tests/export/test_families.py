"""Each family's graph against the fitted estimator itself: classifiers' probabilities, the
nets' variants (numerical embeddings, members), blends of classifiers, and the inputs'
types and missing values."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tabkit.boosting.estimators import LightGBMClassifier, LightGBMRegressor
from tabkit.ensemble.blend import BlendClassifier
from tabkit.export import ExportError, onnx_inputs
from tabkit.export.inputs import categorical_input
from tabkit.forest.estimators import ForestClassifier
from tabkit.nn.estimators import EmbeddingNetClassifier, EmbeddingNetRegressor
from tabkit.prep.target import TargetTransform

ort = pytest.importorskip("onnxruntime", reason="the [onnx] extra is not installed")

ROLES = {"cat_names": ["shop", "colour", "size"], "cont_names": ["price", "weight"]}


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Mixed columns (integers, text, fractional levels; missing values) and two targets."""
    rng = np.random.default_rng(0)
    n = 600
    frame = pd.DataFrame(
        {
            "shop": rng.integers(1, 9, n),
            "colour": pd.Series(rng.choice(["red", "green", "blue", None], n), dtype=object),
            "size": rng.choice([0.5, 1.5, 2.5], n),
            "price": np.where(rng.random(n) < 0.1, np.nan, rng.gamma(2.0, 10.0, n)),
            "weight": rng.normal(5.0, 2.0, n),
        }
    )
    signal = frame["shop"] * 0.3 + frame["size"] - 0.05 * frame["price"].fillna(20) + rng.normal(0, 0.5, n)
    labels = np.array(["low", "mid", "high"])[np.digitize(signal, np.quantile(signal, [0.33, 0.66]))]
    return frame, labels, np.exp(1 + 0.1 * signal)


def onnx_output(model, frame: pd.DataFrame, tmp_path, task: str, transform: str = "identity") -> np.ndarray:
    from tabkit.export import export_model

    path = export_model(model, tmp_path, name="m", kind="k", task=task, transform=TargetTransform(transform))
    description = json.loads(path.with_suffix(".json").read_text())
    return ort.InferenceSession(str(path)).run(None, onnx_inputs(frame, description["inputs"]))[0]


@pytest.mark.parametrize(
    "model",
    [
        ForestClassifier(10, random_state=0, **ROLES),
        LightGBMClassifier(30, num_leaves=7, random_state=0, **ROLES),
        EmbeddingNetClassifier((16,), dropout=0.0, epochs=2, random_state=0, verbose=0, **ROLES),
    ],
    ids=["forest", "lightgbm", "net"],
)
def test_classifiers_give_their_probabilities(data, tmp_path, model):
    frame, labels, _ = data
    model.fit(frame, labels)
    probabilities = onnx_output(model, frame, tmp_path, "classification")
    np.testing.assert_allclose(probabilities, model.predict_proba(frame), rtol=1e-5, atol=1e-6)
    assert json.loads((tmp_path / "m.json").read_text())["classes"] == ["high", "low", "mid"]


def test_a_blend_of_classifiers_is_one_graph(data, tmp_path):
    frame, labels, _ = data
    members = [
        ("forest", ForestClassifier(10, random_state=0, **ROLES).fit(frame, labels)),
        ("gbm", LightGBMClassifier(30, num_leaves=7, random_state=0, **ROLES).fit(frame, labels)),
    ]
    blend = BlendClassifier.from_fitted(members, weights=np.array([0.3, 0.7]))
    probabilities = onnx_output(blend, frame, tmp_path, "classification")
    np.testing.assert_allclose(probabilities, blend.predict_proba(frame), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "variant",
    [{}, {"cont_embedding": "periodic", "n_members": 2}, {"cont_embedding": "piecewise"}, {"y_range": (0.0, 4.0)}],
    ids=["plain", "periodic-members", "piecewise", "y_range"],
)
def test_net_variants(data, tmp_path, variant):
    frame, _, y = data
    net = EmbeddingNetRegressor(
        (16,), dropout=0.0, epochs=2, log_target=True, random_state=0, verbose=0, **ROLES, **variant
    ).fit(frame, y)
    predicted = onnx_output(net, frame, tmp_path, "regression")[:, 0]
    np.testing.assert_allclose(predicted, net.predict(frame), rtol=1e-5)


def test_a_regression_on_a_log_scale_is_turned_back(data, tmp_path):
    frame, _, y = data
    booster = LightGBMRegressor(40, num_leaves=7, random_state=0, **ROLES)
    booster.fit(frame, np.log(y))
    predicted = onnx_output(booster, frame, tmp_path, "regression", transform="log")[:, 0]
    np.testing.assert_allclose(predicted, np.exp(booster.predict(frame)), rtol=1e-5)


def test_inputs_take_each_columns_type_and_mark_missing_values(data):
    frame, _, _ = data
    shop = categorical_input("shop", [1, 2, 3])
    assert (shop.dtype, shop.missing) == ("int64", 0)
    colour = categorical_input("colour", ["", "#na#", "blue"])
    assert colour.dtype == "string" and colour.missing == "#na##"
    assert categorical_input("size", [0.5, 1.5]).dtype == "double"
    feed = onnx_inputs(frame, [colour.as_dict(), categorical_input("size", [0.5]).as_dict()])
    assert feed["colour"].shape == (len(frame), 1) and feed["colour"].dtype == object
    assert (feed["colour"][frame["colour"].isna().to_numpy(), 0] == colour.missing).all()
    assert feed["size"].dtype == np.float64
    floats = pd.Series([1.0, 2.5, np.nan, 3.0])
    np.testing.assert_array_equal(shop.values(floats)[:, 0], [1, 0, 0, 3])  # 2.5 matches no integer level
    with pytest.raises(ValueError, match="mixes value types"):
        categorical_input("mixed", [1, "a"])


def test_an_unknown_estimator_is_refused(tmp_path):
    from sklearn.linear_model import LinearRegression

    from tabkit.export import export_model

    with pytest.raises(ExportError, match=r"model 'm' \(kind k\).*LinearRegression is none of the exported"):
        export_model(LinearRegression(), tmp_path, name="m", kind="k", task="regression", transform=TargetTransform())


def test_a_split_between_neighbouring_floats_goes_the_way_lightgbm_sends_it(tmp_path):
    """LightGBM's threshold between two neighbouring float32 values is a double that the
    nearest float32 would move onto the upper value; the export keeps its side."""
    low = np.nextafter(np.float32(1.0), np.float32(2.0))
    high = np.nextafter(low, np.float32(2.0))
    frame = pd.DataFrame({"x": np.repeat([low, high], 50).astype(np.float64)})
    booster = LightGBMRegressor(5, num_leaves=2, min_child_samples=5, cat_names=[])
    booster.fit(frame, np.repeat([1.0, 3.0], 50))
    predicted = onnx_output(booster, frame, tmp_path, "regression")[:, 0]
    np.testing.assert_allclose(predicted, booster.predict(frame), rtol=1e-6)
    assert predicted[-1] - predicted[0] > 0.5  # the split itself survives
