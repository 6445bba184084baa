"""Waterfall, importance and dendrogram plots: what is drawn, on which Axes, and bad input."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from tabkit.forest.attribution import Explanation, contributions
from tabkit.forest.estimators import ForestClassifier, ForestRegressor
from tabkit.report.forest_plots import FALL, RISE, plot_dendrogram, plot_importance, plot_waterfall


@pytest.fixture(scope="module")
def explanation() -> Explanation:
    names = ["Promo", "StoreType", "Dayofweek", "CompetitionDistance", "Noise"]
    values = pd.DataFrame([[300.0, -120.0, 40.0, -15.0, 2.0], [-250.0, 80.0, -10.0, 5.0, -1.0]], columns=names)
    data = pd.DataFrame({"Promo": [1, 0], "StoreType": ["b", "a"], "Dayofweek": [0, 4],
                         "CompetitionDistance": [1234.5, 80.0], "Noise": [0.1234567, -1.0]})
    bias = 5000.0
    return Explanation(prediction=bias + values.sum(axis=1), bias=bias, values=values, data=data)


def floating_bars(ax, horizontal=False):
    bars = ax.patches[2:]
    return [(b.get_x() if horizontal else b.get_y(), b.get_width() if horizontal else b.get_height(), to_hex(b.get_facecolor())) for b in bars]


def tick_labels(ax, horizontal=False):
    ticks = ax.get_yticklabels() if horizontal else ax.get_xticklabels()
    return [tick.get_text() for tick in ticks]


@pytest.mark.parametrize("horizontal", [False, True])
def test_waterfall_chain(explanation, horizontal):
    ax = plot_waterfall(explanation, 0, top_k=3, horizontal=horizontal)
    labels = tick_labels(ax, horizontal)
    assert labels == ["bias", "Promo = 1", "StoreType = b", "Dayofweek = 0", "other (2)", "prediction"]
    bars = floating_bars(ax, horizontal)
    steps = [height for _, height, _ in bars]
    assert steps == pytest.approx([300.0, -120.0, 40.0, -13.0])
    assert [color for _, _, color in bars] == [RISE, FALL, RISE, FALL]
    start = explanation.bias
    for bottom, height, _ in bars:
        assert bottom == pytest.approx(start)
        start += height
    assert start == pytest.approx(explanation.prediction.iloc[0])
    texts = {text.get_text() for text in ax.texts}
    assert {"+300", "-120", "5000", f"{explanation.prediction.iloc[0]:.4g}"} <= texts
    low, high = ax.get_xlim() if horizontal else ax.get_ylim()
    assert low < 5000 and high > 5300  # the running total (5000 up to 5300) stays in view


def test_waterfall_sorted_by_size_and_labels(explanation):
    ax = plot_waterfall(explanation, row=1)
    labels = tick_labels(ax)
    assert labels[1:-1] == ["Promo = 0", "StoreType = a", "Dayofweek = 4", "CompetitionDistance = 80", "Noise = -1"]
    heights = [abs(height) for _, height, _ in floating_bars(ax)]
    assert heights == sorted(heights, reverse=True)


def test_waterfall_draws_on_given_axes_and_saves(explanation, tmp_path):
    figure = Figure()
    left, right = figure.subplots(1, 2)
    assert plot_waterfall(explanation, ax=right) is right
    assert not left.patches and right.patches
    path = tmp_path / "waterfall.png"
    right.figure.savefig(path)
    assert path.stat().st_size > 1000


@pytest.fixture(scope="module")
def promo_data() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"Promo": rng.randint(0, 2, 300), "StoreType": rng.choice(["a", "b"], 300), "Noise": rng.normal(size=300)})
    return X, 1000 + 500 * X["Promo"] + 200 * (X["StoreType"] == "b") + rng.normal(scale=20, size=300)


def test_waterfall_of_real_forest(promo_data):
    X, y = promo_data
    regressor = ForestRegressor(n_estimators=5, random_state=0).fit(X, y)
    classifier = ForestClassifier(n_estimators=5, random_state=0).fit(X, pd.cut(y, 3, labels=["low", "mid", "high"]).astype(str))
    ax = plot_waterfall(contributions(regressor, X.iloc[:3]), row=2, top_k=4)
    assert any(label.startswith("Promo = ") for label in tick_labels(ax))
    unknown = contributions(regressor, X.iloc[:3])
    unknown.data["Promo"] = np.nan
    assert "Promo" in tick_labels(plot_waterfall(unknown, top_k=4))  # no "= nan" when the value is unknown
    by_class = contributions(classifier, X.iloc[:3])
    ax = plot_waterfall(by_class, row=0, label="high")
    assert "Contributions" in ax.get_title()
    chosen = by_class.prediction.iloc[0].idxmax()
    default = plot_waterfall(by_class, row=0)
    assert [b.get_height() for b in default.patches[:2]] == pytest.approx(
        [by_class.bias[chosen], by_class.prediction.iloc[0][chosen]]
    )


@pytest.mark.parametrize(("kwargs", "message"), [({"row": 5}, "out of range"), ({"top_k": 0}, "top_k must be")])
def test_waterfall_bad_input(explanation, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_waterfall(explanation, **kwargs)


@pytest.fixture
def importance() -> pd.DataFrame:
    return pd.DataFrame({"feature": ["Promo", "Store", "Noise"], "importance": [0.5, 0.2, -0.01], "std": [0.05, 0.02, 0.01]})


def test_importance_bars(importance):
    ax = plot_importance(importance.iloc[::-1])
    assert [label.get_text() for label in ax.get_yticklabels()] == ["Promo", "Store", "Noise"]
    assert [bar.get_width() for bar in ax.patches] == pytest.approx([0.5, 0.2, -0.01])
    assert ax.yaxis_inverted()
    assert to_hex(ax.patches[2].get_facecolor()) == FALL


def test_importance_on_given_axes(importance):
    ax = Figure().add_subplot()
    assert plot_importance(importance, ax=ax, top_k=2) is ax
    assert len(ax.patches) == 2


def test_importance_bad_input():
    with pytest.raises(ValueError, match=r"missing column\(s\): \['importance'\]"):
        plot_importance(pd.DataFrame({"feature": ["a"]}))


def test_dendrogram(tmp_path):
    rng = np.random.RandomState(0)
    a = rng.normal(size=100)
    frame = pd.DataFrame({"a": a, "a_copy": a * 2, "b": rng.normal(size=100)})
    ax = Figure().add_subplot()
    assert plot_dendrogram(frame, threshold=0.9, ax=ax) is ax
    assert {label.get_text() for label in ax.get_yticklabels()} == {"a", "a_copy", "b"}
    assert any(np.allclose(line.get_xdata(), 0.1) for line in ax.lines)
    ax.figure.savefig(tmp_path / "dendrogram.png")
    assert plot_dendrogram(frame).get_xlabel() == "1 - |Spearman rho|"
