"""Honest selection: a model that chooses rounds or parameters chooses on the latest
training days and is refit on every training row; the validation rows never move a choice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabkit.pipeline.kinds import FitContext, get_kind
from tabkit.pipeline.kinds.selection import latest_days, random_holdout
from tabkit.prep.target import TargetTransform


def context(y_valid_shift: float = 0.0, *, dates: bool = True) -> FitContext:
    rng = np.random.default_rng(0)
    n_train = 1200
    days = pd.date_range("2021-01-01", periods=150, freq="D")
    frame = pd.DataFrame(
        {
            "date": np.repeat(days, 10),
            "shop": np.tile(np.arange(10), 150),
            "x": rng.normal(size=1500),
        }
    )
    y = 10 + frame["shop"] + 2 * frame["x"] + rng.normal(0, 0.3, 1500)
    train, valid = frame.iloc[:n_train], frame.iloc[n_train:]
    return FitContext(
        task="regression",
        metric="rmse",
        seed=0,
        transform=TargetTransform("identity"),
        X_train=train[["shop", "x"]].reset_index(drop=True),
        X_valid=valid[["shop", "x"]].reset_index(drop=True),
        y_train=y.iloc[:n_train].to_numpy(),
        y_valid=y.iloc[n_train:].to_numpy() + y_valid_shift,
        cat_names=["shop"],
        cont_names=["x"],
        log=lambda line: None,
        dates_train=train["date"].reset_index(drop=True) if dates else None,
        dates_valid=valid["date"].reset_index(drop=True) if dates else None,
    )


LIGHTGBM = {
    "name": "gbm",
    "kind": "lightgbm",
    "params": {"n_estimators": 500, "learning_rate": 0.1, "early_stopping_rounds": 10, "n_jobs": 1},
    "search": {},
}


def test_the_holdout_is_the_latest_training_days_as_many_as_validation_spans():
    ctx = context()
    hold = ctx.holdout()
    assert hold.sum() == 300  # 30 validation days of 10 rows: the last 30 training days
    assert ctx.dates_train[hold].min() > ctx.dates_train[~hold].max()
    assert ctx.holdout_rule(hold) == "the latest 30 training days (300 rows)"


def test_without_dates_the_holdout_is_a_random_share_as_large_as_validation():
    mask = random_holdout(1200, 300, seed=0)
    assert mask.sum() == 240
    np.testing.assert_array_equal(mask, random_holdout(1200, 300, seed=0))
    assert context(dates=False).holdout().sum() == 240


def test_a_holdout_that_leaves_nothing_to_fit_on_is_refused():
    days = pd.Series(pd.to_datetime(["2021-01-01", "2021-01-02"]))
    with pytest.raises(ValueError, match="leaves no training rows to fit on"):
        latest_days(days, pd.Series(pd.to_datetime(["2021-01-03", "2021-01-04"])))


def test_lightgbm_chooses_rounds_on_the_holdout_and_refits_on_every_row():
    ctx = context()
    model, search = get_kind("lightgbm").fit(LIGHTGBM, ctx)
    assert search is None and model.early_stopping_rounds is None
    note = ctx.notes[-1]
    chosen = int(note.split(" rounds chosen")[0])
    assert model.n_estimators == round(chosen * 1200 / 900)
    assert f"refit on every training row with {model.n_estimators}" in note
    assert len(model.history_) == model.n_estimators  # the validation rows are recorded, not chosen on


@pytest.mark.parametrize(
    "entry",
    [LIGHTGBM, {"name": "f", "kind": "forest", "params": {"n_estimators": 5}, "search": {"min_samples_leaf": [1, 30]}}],
)
def test_validation_targets_never_change_the_fitted_model(entry):
    first, _ = get_kind(entry["kind"]).fit(entry, context())
    second, _ = get_kind(entry["kind"]).fit(entry, context(y_valid_shift=100.0))
    X = context().X_valid
    np.testing.assert_array_equal(first.predict(X), second.predict(X))


def test_a_search_is_scored_on_the_holdout_and_the_best_refit_on_every_row():
    ctx = context()
    entry = {"name": "f", "kind": "forest", "params": {"n_estimators": 5}, "search": {"min_samples_leaf": [1, 200]}}
    model, search = get_kind("forest").fit(entry, ctx)
    assert search.best_params_ == {"min_samples_leaf": 1}
    assert model.min_samples_leaf == 1
    assert model.forest_.estimators_[0].tree_.weighted_n_node_samples[0] == 1200  # refit on every training row
    assert ctx.notes == ["parameters chosen on the latest 30 training days (300 rows), refit on every training row"]
