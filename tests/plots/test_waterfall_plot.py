"""Waterfalls: the chain of bars, labels in the target's units, row names, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.text import Text

from tabkit.forest.attribution import Explanation, contributions
from tabkit.forest.estimators import ForestClassifier, ForestRegressor
from tabkit.plots import plot_waterfall
from tabkit.plots.style import FALL, RISE, smallest_text_px
from tabkit.plots.units import sig


@pytest.fixture(scope="module")
def explanation() -> Explanation:
    names = ["Promo", "StoreType", "Dayofweek", "CompetitionDistance", "Noise"]
    values = pd.DataFrame([[300.0, -120.0, 40.0, -15.0, 2.0], [-250.0, 80.0, -10.0, 5.0, -1.0]], columns=names)
    data = pd.DataFrame(
        {
            "Promo": [1, 0],
            "StoreType": ["b", "a"],
            "Dayofweek": [0, 4],
            "CompetitionDistance": [1234.5, 80.0],
            "Noise": [0.1234567, -1.0],
            "Store": [262, 7],
            "Date": pd.to_datetime(["2015-07-31", "2015-07-30"]),
        }
    )
    bias = 5000.0
    return Explanation(prediction=bias + values.sum(axis=1), bias=bias, values=values, data=data)


@pytest.fixture(scope="module")
def log_explanation() -> Explanation:
    values = pd.DataFrame([[0.18, -0.05, 0.003, 0.0004]], columns=["Promo", "Store", "Day", "Noise"])
    bias = float(np.log(5000.0))
    return Explanation(
        prediction=bias + values.sum(axis=1),
        bias=bias,
        values=values,
        data=pd.DataFrame({"Promo": [1], "Store": [262], "Day": [31], "Noise": [0.5]}),
    )


def _axes(fig: Figure):
    (ax,) = fig.axes
    return ax


def floating_bars(ax, horizontal=True):
    """(start, length, colour) of each contribution bar (the first two patches are the totals)."""
    return [
        (
            b.get_x() if horizontal else b.get_y(),
            b.get_width() if horizontal else b.get_height(),
            to_hex(b.get_facecolor()),
        )
        for b in ax.patches[2:]
    ]


def tick_labels(ax, horizontal=True):
    return [t.get_text() for t in (ax.get_yticklabels() if horizontal else ax.get_xticklabels())]


@pytest.mark.parametrize("horizontal", [True, False])
def test_waterfall_chain(explanation, horizontal):
    ax = _axes(plot_waterfall(explanation, 0, top_k=3, horizontal=horizontal))
    assert tick_labels(ax, horizontal) == [
        "bias",
        "Promo = 1",
        "StoreType = b",
        "Dayofweek = 0",
        "2 other features",
        "prediction",
    ]
    bars = floating_bars(ax, horizontal)
    assert [length for _, length, _ in bars] == pytest.approx([300.0, -120.0, 40.0, -13.0])
    assert [colour for _, _, colour in bars] == [RISE, FALL, RISE, FALL]
    start = explanation.bias
    for bottom, length, _ in bars:
        assert bottom == pytest.approx(start)
        start += length
    assert start == pytest.approx(explanation.prediction.iloc[0])
    texts = [text.get_text() for text in ax.texts]
    assert texts == ["+300", "-120", "+40.0", "-13.0", "5,000", "5,210"]  # three significant digits each
    low, high = ax.get_xlim() if horizontal else ax.get_ylim()
    assert low < 5000 and high > 5300  # the running total (5000 up to 5300) stays in view


def test_sorted_by_size_and_every_value_has_three_significant_digits(explanation):
    ax = _axes(plot_waterfall(explanation, row=1))
    assert tick_labels(ax)[1:-1] == [
        "Promo = 0",
        "StoreType = a",
        "Dayofweek = 4",
        "CompetitionDistance = 80",
        "Noise = -1",
    ]
    lengths = [abs(length) for _, length, _ in floating_bars(ax)]
    assert lengths == sorted(lengths, reverse=True)
    assert tick_labels(_axes(plot_waterfall(explanation, row=0)))[4] == "CompetitionDistance = 1,230"


def test_log_target_labels_are_percentage_effects(log_explanation):
    ax = _axes(plot_waterfall(log_explanation, target_transform="log"))
    steps = log_explanation.values.iloc[0].to_numpy()
    expected = [("+" if c > 0 else "") + sig(100 * np.expm1(c), trim=False) + "%" for c in steps]
    assert [t.get_text() for t in ax.texts[:4]] == expected == ["+19.7%", "-4.88%", "+0.300%", "+0.0400%"]
    prediction = float(np.exp(log_explanation.prediction.iloc[0]))
    assert [t.get_text() for t in ax.texts[4:]] == ["5,000", sig(prediction)]
    assert ax.get_xscale() == "log"
    # the bars run between the running totals in target units, so each spans exp(c) on the log axis
    start = 5000.0
    for (left, width, _), step in zip(floating_bars(ax), steps):
        assert left == pytest.approx(start) and (left + width) / left == pytest.approx(np.exp(step))
        start = left + width
    assert ax.patches[1].get_x() + ax.patches[1].get_width() == pytest.approx(prediction)
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all("e" not in t and "$" not in t for t in ticks)  # target units, not log units


def test_labels_sit_inside_the_bars_that_fit_them_else_past_their_end(log_explanation):
    fig = plot_waterfall(log_explanation, target_transform="log")
    ax = _axes(fig)
    boxes = [t.get_window_extent() for t in ax.texts[:4]]
    bars = [b.get_window_extent() for b in ax.patches[2:]]
    inside = [bar.x0 <= box.x0 and box.x1 <= bar.x1 for box, bar in zip(boxes, bars)]
    outside = [box.x0 >= bar.x1 or box.x1 <= bar.x0 for box, bar in zip(boxes, bars)]
    assert inside == [True, True, False, False] and outside == [False, False, True, True]


def _text_boxes(fig: Figure) -> list:
    fig.draw_without_rendering()
    return [t.get_window_extent() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("row", [0, 1])
@pytest.mark.parametrize("actual", [None, 4990.0, 5100.0, 5300.0, 5165.0, 5210.0])
def test_labels_never_cross_the_actual_line_each_other_or_the_edge(explanation, row, actual):
    fig = plot_waterfall(explanation, row, actual=actual)
    ax = _axes(fig)
    labels = [t.get_window_extent() for t in ax.texts]
    plot = ax.get_window_extent()
    assert all(plot.x0 <= box.x0 and box.x1 <= plot.x1 for box in labels)
    if actual is not None:
        (line,) = ax.lines
        x = ax.transData.transform((actual, 0))[0]
        assert not any(box.x0 - 1 < x < box.x1 + 1 for box in labels)
        legend = fig.legends[0].get_window_extent()
        assert not legend.overlaps(plot)  # the legend sits outside the plot area
    boxes = _text_boxes(fig)
    assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.overlaps(b)]


def test_charts_side_by_side_share_features_axis_and_numbers(explanation):
    features = ["Noise", "Promo", "Missing"]
    fig = plot_waterfall(
        explanation, 0, features=features, value_range=(4500.0, 6000.0), number=lambda v: f"{v:,.0f}", actual=5234.0
    )
    ax = _axes(fig)
    assert tick_labels(ax) == ["bias", "Noise = 0.123", "Promo = 1", "Missing", "3 other features", "prediction"]
    assert [length for _, length, _ in floating_bars(ax)] == pytest.approx([2.0, 300.0, 0.0, -95.0])
    assert ax.get_xlim() == (4500.0, 6000.0)
    assert [t.get_text() for t in ax.texts[-2:]] == ["5,000", "5,207"]
    assert ax.lines[0].get_label() == "actual 5,234"


def test_actual_value_and_row_names(explanation):
    fig = plot_waterfall(explanation, 0, actual=5234.0, id_columns=["Store", "Date"])
    ax = _axes(fig)
    assert ax.get_title() == "Store 262, 2015-07-31"
    (line,) = ax.lines
    assert line.get_xdata()[0] == 5234.0 and line.get_label() == "actual 5,230"
    assert plot_waterfall(explanation, 1, title="my row").axes[0].get_title() == "my row"
    assert _axes(plot_waterfall(explanation, 1)).get_title() == "Contributions to row 1"


def test_readable_in_the_report(explanation):
    assert smallest_text_px(plot_waterfall(explanation, 0, actual=5100.0)) >= 10


def test_draws_on_given_axes_and_saves(explanation, tmp_path):
    figure = Figure()
    left, right = figure.subplots(1, 2)
    assert plot_waterfall(explanation, ax=right) is figure
    assert not left.patches and right.patches
    figure.savefig(tmp_path / "waterfall.png")
    assert (tmp_path / "waterfall.png").stat().st_size > 1000


@pytest.fixture(scope="module")
def promo_data() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.RandomState(0)
    X = pd.DataFrame(
        {"Promo": rng.randint(0, 2, 300), "StoreType": rng.choice(["a", "b"], 300), "Noise": rng.normal(size=300)}
    )
    return X, 1000 + 500 * X["Promo"] + 200 * (X["StoreType"] == "b") + rng.normal(scale=20, size=300)


def test_real_forests(promo_data):
    X, y = promo_data
    regressor = ForestRegressor(n_estimators=5, random_state=0).fit(X, y)
    ax = _axes(plot_waterfall(contributions(regressor, X.iloc[:3]), row=2, top_k=4))
    assert any(label.startswith("Promo = ") for label in tick_labels(ax))
    unknown = contributions(regressor, X.iloc[:3])
    unknown.data["Promo"] = np.nan
    assert "Promo missing" in tick_labels(_axes(plot_waterfall(unknown, top_k=4)))  # no "= nan"
    classifier = ForestClassifier(n_estimators=5, random_state=0).fit(
        X, pd.cut(y, 3, labels=["low", "mid", "high"]).astype(str)
    )
    by_class = contributions(classifier, X.iloc[:3])
    ax = _axes(plot_waterfall(by_class, row=0, label="high"))
    assert ax.get_xlabel() == "probability of high"
    chosen = by_class.prediction.iloc[0].idxmax()
    default = _axes(plot_waterfall(by_class, row=0))
    assert [b.get_width() for b in default.patches[:2]] == pytest.approx(
        [by_class.bias[chosen], by_class.prediction.iloc[0][chosen]]
    )
    with pytest.raises(ValueError, match="take no target transform"):
        plot_waterfall(by_class, target_transform="log")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"row": 5}, "out of range"),
        ({"top_k": 0}, "top_k must be"),
        ({"id_columns": ["Day"]}, r"id column\(s\) \['Day'\] are not in the explanation's data"),
        ({"target_transform": "sqrt"}, "target transform must be one of"),
        ({"target_transform": "log", "actual": 0.0}, "actual must be > 0"),
    ],
)
def test_bad_input(explanation, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_waterfall(explanation, **kwargs)
