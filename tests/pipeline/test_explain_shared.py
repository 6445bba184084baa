"""A run's explain step computes nothing twice (tabkit.pipeline.steps.shared_work): a blend
is explained from its members' predictions and contributions, with the same results as
explaining it from scratch, and its contributions add up to its predictions."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyRegressor

from tabkit import runs
from tabkit.boosting.estimators import LightGBMClassifier, LightGBMRegressor
from tabkit.ensemble.blend import BlendClassifier, BlendRegressor
from tabkit.ensemble.explanation import blend_explanation
from tabkit.explain import contributions, explains_rows
from tabkit.forest.estimators import ForestClassifier, ForestRegressor
from tabkit.pipeline.kinds import get_kind
from tabkit.pipeline.sections import Output
from tabkit.pipeline.steps import explain
from tabkit.pipeline.steps.fitted import FittedModel
from tabkit.pipeline.steps.shared_work import SharedWork, digest
from tabkit.pipeline.steps.splitting import SplitData
from tabkit.prep.target import TargetTransform
from tabkit.runs import RunReader, RunWriter

CAT, CONT = ["Store", "Kind"], ["Promo", "Distance"]
LOG, IDENTITY = TargetTransform("log"), TargetTransform("identity")
WEIGHTS = [0.3, 0.7]
OUTPUT = Output(importance_repeats=2, importance_rows=150)


def _frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "Store": rng.integers(1, 21, n),
            "Kind": rng.choice(["a", "b", "c"], n),
            "Promo": rng.integers(0, 2, n),
            "Distance": rng.gamma(2.0, 800.0, n).round(),
        }
    )
    log_sales = 8.5 + 0.3 * X["Promo"] + X["Kind"].map({"a": 0.0, "b": 0.2, "c": -0.1}) - 0.00005 * X["Distance"]
    return X, np.exp(log_sales.to_numpy() + rng.normal(0, 0.05, n))


@pytest.fixture(scope="module")
def split() -> SplitData:
    (X_train, y_train), (X_valid, y_valid) = _frame(500, 0), _frame(150, 1)
    return SplitData(
        train=X_train, valid=X_valid, test=None, cat_names=CAT, cont_names=CONT, y_train=y_train, y_valid=y_valid
    )


@pytest.fixture(scope="module")
def models(split) -> dict[str, FittedModel]:
    settings = {"cat_names": CAT, "cont_names": CONT, "random_state": 0}
    forest = ForestRegressor(15, min_samples_leaf=3, **settings).fit(split.X_train, LOG.forward(split.y_train))
    gbm = LightGBMRegressor(n_estimators=30, num_leaves=7, **settings).fit(split.X_train, LOG.forward(split.y_train))
    blend = BlendRegressor.from_fitted([("forest", forest), ("gbm", gbm)], weights=WEIGHTS, target_transform="log")
    return {
        "forest": FittedModel("forest", get_kind("forest"), forest, "regression", LOG, LOG),
        "gbm": FittedModel("gbm", get_kind("lightgbm"), gbm, "regression", LOG, LOG),
        "blend": FittedModel("blend", get_kind("ensemble"), blend, "regression", IDENTITY, LOG),
    }


def _explain_run(folder, split, models, names) -> tuple[RunReader, dict[str, int]]:
    """Explain the named models in a run folder, in order, as the explain step does; and
    the predictions each one made."""
    writer, shared, made = RunWriter(folder, "explained"), SharedWork(), {}
    writer.write_parquet(runs.VALID_SAMPLE, split.X_valid.head(80).assign(actual=split.y_valid[:80]))
    rows = pd.DataFrame({"row": [3, 17, 40, 99], "reason": ["worst", "worst", "random", "random"]})
    for name in names:
        before = shared.predicted
        explain.explain_model(
            writer, models[name], split, rows, split.valid[["Store"]], OUTPUT, metric="exp_rmspe", seed=0,
            log=lambda line: None, shared=shared,
        )  # fmt: skip
        made[name] = shared.predicted - before
    return RunReader(writer.path), made


def _inspection(run: RunReader, name: str) -> dict:
    return json.loads(run.text(runs.model_artifact(name, runs.INSPECTION)))


@pytest.fixture(scope="module")
def shared_run(split, models, tmp_path_factory):
    return _explain_run(tmp_path_factory.mktemp("shared"), split, models, ["forest", "gbm", "blend"])


def test_the_blend_s_importance_predicts_nothing_its_members_did_not(split, models):
    shared = SharedWork()
    for name in ("forest", "gbm"):
        explain.importance(
            models[name], split.X_valid, split.y_valid, "exp_rmspe", n_repeats=2, max_rows=150, seed=0,
            estimator=shared.estimator(models[name]),
        )  # fmt: skip
    predicted = shared.predicted
    blend = models["blend"]
    reused = explain.importance(
        blend, split.X_valid, split.y_valid, "exp_rmspe", n_repeats=2, max_rows=150, seed=0,
        estimator=shared.estimator(blend),
    )  # fmt: skip
    fresh = explain.importance(blend, split.X_valid, split.y_valid, "exp_rmspe", n_repeats=2, max_rows=150, seed=0)
    assert shared.predicted == predicted and shared.reused > 0
    pd.testing.assert_frame_equal(reused, fresh)


def test_a_shared_run_writes_what_separate_runs_write(shared_run, split, models, tmp_path):
    run, made = shared_run
    alone, made_alone = _explain_run(tmp_path, split, models, ["blend"])
    assert made["blend"] < made_alone["blend"] / 3
    for file in (runs.IMPORTANCE, runs.CONTRIBUTIONS):
        pd.testing.assert_frame_equal(
            run.model_csv("blend", file), alone.model_csv("blend", file), check_exact=False, rtol=1e-12
        )
    index, alone_index = _inspection(run, "blend"), _inspection(alone, "blend")
    assert [d["feature"] for d in index["dependence"]] == [d["feature"] for d in alone_index["dependence"]]
    for entry, alone_entry in zip(index["dependence"], alone_index["dependence"]):
        pd.testing.assert_frame_equal(run.parquet(entry["file"]), alone.parquet(alone_entry["file"]))
    assert index["contributions_transform"] == "log"


def test_the_blend_s_contributions_add_up_to_its_predictions(shared_run, split, models):
    run, _ = shared_run
    table = run.model_csv("blend", runs.CONTRIBUTIONS)
    features = [c for c in table.columns if c not in explain.ROW_COLUMNS]
    blend = models["blend"].estimator
    predicted = np.log(blend.predict(split.X_valid.iloc[table["row"]]))
    np.testing.assert_allclose(table["bias"] + table[features].sum(axis=1), table["prediction"], rtol=1e-12)
    np.testing.assert_allclose(table["prediction"], predicted, rtol=1e-12)
    np.testing.assert_allclose(table["actual"], np.log(split.y_valid[table["row"]]), rtol=1e-12)
    members = [run.model_csv(m, runs.CONTRIBUTIONS) for m in ("forest", "gbm")]
    for feature in features:
        expected = sum(w * m[feature] if feature in m else 0.0 for w, m in zip(WEIGHTS, members))
        np.testing.assert_allclose(table[feature], expected, rtol=1e-12, atol=1e-15)


def test_the_blend_s_sampled_contributions_are_its_members(shared_run):
    run, _ = shared_run
    values = {m: run.parquet(_inspection(run, m)["contribution_sample"]["file"]) for m in ("forest", "gbm", "blend")}
    expected = (WEIGHTS[0] * values["forest"]).add(WEIGHTS[1] * values["gbm"], fill_value=0.0)
    pd.testing.assert_frame_equal(values["blend"], expected[values["blend"].columns], rtol=1e-12)


def test_contributions_of_a_blend_is_the_same_outside_a_run(split, models):
    blend = models["blend"].estimator
    rows = split.X_valid.iloc[:20]
    explained = contributions(blend, rows)
    np.testing.assert_allclose(explained.bias + explained.values.sum(axis=1), np.log(blend.predict(rows)), rtol=1e-12)
    assert explained.method == "blend" and explains_rows(blend)


def test_a_blend_that_cannot_be_explained_row_by_row_says_why(split, models):
    mean = DummyRegressor().fit(split.X_valid, np.log(split.y_valid))
    mixed = BlendRegressor.from_fitted([("forest", models["forest"].estimator), ("mean", mean)])
    assert not explains_rows(mixed) and not get_kind("ensemble").explains(mixed)
    with pytest.raises(TypeError, match="DummyRegressor"):
        contributions(mixed, split.X_valid)
    labels = np.where(split.y_valid > np.median(split.y_valid), "high", "low")
    settings = {"cat_names": CAT, "cont_names": CONT, "random_state": 0}
    forest = ForestClassifier(10, **settings).fit(split.X_valid, labels)
    gbm = LightGBMClassifier(n_estimators=10, **settings).fit(split.X_valid, labels)
    logits = BlendClassifier.from_fitted([("forest", forest), ("gbm", gbm)])
    assert not explains_rows(logits)
    with pytest.raises(ValueError, match="member 'gbm' is explained on its raw 'logistic' scale"):
        contributions(logits, split.X_valid.head(5))


def test_a_blend_of_classifiers_adds_up_to_its_probabilities(split):
    labels = np.select([split.y_valid < 4000, split.y_valid < 6000], ["low", "mid"], "high")
    settings = {"cat_names": CAT, "cont_names": CONT}
    members = [
        (f"forest{s}", ForestClassifier(10, random_state=s, **settings).fit(split.X_valid, labels)) for s in (0, 1)
    ]
    blend = BlendClassifier.from_fitted(members, weights=[0.25, 0.75])
    rows = split.X_valid.head(12)
    explained = contributions(blend, rows)
    probabilities = pd.DataFrame(blend.predict_proba(rows), columns=blend.classes_, index=rows.index)
    for label in blend.classes_:
        single = explained.for_class(label)
        np.testing.assert_allclose(single.bias + single.values.sum(axis=1), probabilities[label], atol=1e-12)


def test_blend_explanation_refuses_mismatched_members(split, models):
    forest = contributions(models["forest"].estimator, split.X_valid.head(5))
    other_rows = contributions(models["gbm"].estimator, split.X_valid.iloc[5:10])
    with pytest.raises(ValueError, match="explain other rows"):
        blend_explanation({"forest": forest, "gbm": other_rows}, WEIGHTS)
    with pytest.raises(ValueError, match="1 weight"):
        blend_explanation({"forest": forest, "gbm": forest}, [1.0])


def test_inputs_are_told_apart_by_their_values():
    rows = np.arange(12, dtype=np.float32).reshape(4, 3)
    assert digest(rows) == digest(rows.astype(np.float64)) == digest(np.asfortranarray(rows))
    assert digest(rows) != digest(rows[:, ::-1]) and digest(rows) != digest(rows.astype(np.int64))
    frame = pd.DataFrame({"Kind": ["a", "b"], "Mixed": [1, "x"], "Promo": [0, 1]})
    assert digest(frame) == digest(frame.copy().set_axis([7, 8]))  # the index does not matter
    assert digest(frame) != digest(frame.assign(Promo=[1, 0])) != digest(frame.rename(columns={"Kind": "Type"}))
