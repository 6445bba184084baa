"""LightGBMRegressor / LightGBMClassifier: numbers against LightGBM itself, categories, early
stopping, determinism, persistence, bad input."""

from __future__ import annotations

import joblib
import lightgbm
import numpy as np
import pandas as pd
import pytest
from boosting_data import sales_labels
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from tabkit.boosting import LightGBMClassifier, LightGBMRegressor

COMMON = {"n_estimators": 30, "subsample": 0.7, "colsample_bytree": 0.8, "random_state": 5}


def features_of(model, X) -> np.ndarray:
    return model.processor_.transform(X).to_numpy(np.float32)


def lightgbm_reference(model_class, model, X, y):
    """LightGBM's own estimator fitted on the processor's output with the same settings."""
    reference = model_class(**model._lightgbm_params())
    n_cat = len(model.processor_.cat_features_)
    return reference.fit(features_of(model, X), y, categorical_feature=list(range(n_cat)))


@pytest.fixture(params=["regressor", "classifier"])
def model(request):
    return request.getfixturevalue(request.param)


def test_fitted_attributes(regressor, sales_data):
    X, _ = sales_data
    names = list(regressor.processor_.get_feature_names_out())
    assert isinstance(regressor.model_, lightgbm.LGBMRegressor)
    assert list(regressor.feature_names_in_) == list(X.columns)
    assert regressor.booster_.feature_name() == names
    assert regressor.best_iteration_ == 60
    assert not hasattr(regressor, "history_")
    importances = regressor.importances_by_feature_
    assert list(importances.index) == names and importances.sum() == pytest.approx(1.0)
    assert isinstance(regressor.feature_importances_, np.ndarray)
    np.testing.assert_array_equal(regressor.feature_importances_, importances.to_numpy())
    assert importances.idxmax() in {"Promo", "StoreType"}


def test_regressor_equals_lightgbm_on_processor_output(sales_data, sales_valid):
    X, y = sales_data
    model = LightGBMRegressor(**COMMON).fit(X, y)
    reference = lightgbm_reference(lightgbm.LGBMRegressor, model, X, y)
    np.testing.assert_array_equal(model.predict(sales_valid[0]), reference.predict(features_of(model, sales_valid[0])))
    assert model.score(*sales_valid) > 0.9


def test_classifier_equals_lightgbm_with_string_labels(sales_data, sales_valid):
    X, y = sales_data
    labels = sales_labels(y)
    model = LightGBMClassifier(**COMMON).fit(X, labels)
    reference = lightgbm_reference(lightgbm.LGBMClassifier, model, X, labels)
    Xv = sales_valid[0]
    proba = model.predict_proba(Xv)
    np.testing.assert_array_equal(proba, reference.predict_proba(features_of(model, Xv)))
    np.testing.assert_array_equal(model.predict(Xv), reference.predict(features_of(model, Xv)))
    assert list(model.classes_) == ["high", "low", "mid"]
    assert proba.shape == (len(Xv), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert model.score(Xv, sales_labels(sales_valid[1])) > 0.85


def test_binary_classifier(binary_classifier, sales_valid):
    X, _ = sales_valid
    proba = binary_classifier.predict_proba(X)
    assert list(binary_classifier.classes_) == ["no", "yes"] and proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(binary_classifier.predict(X), np.where(proba[:, 1] > 0.5, "yes", "no"))
    assert binary_classifier.model_.objective_ == "binary"


def test_booster_sees_categorical_features(regressor):
    infos = regressor.booster_.dump_model()["feature_infos"]  # features of one value are left out
    categorical = {name for name, info in infos.items() if info["values"]}
    assert categorical == set(infos) & set(regressor.processor_.cat_features_)
    assert {"Promo", "StoreType", "Dayofweek", "CompetitionDistance_na"} <= categorical
    # StoreType's codes 1..6 (0 = unknown never occurs in training)
    assert sorted(infos["StoreType"]["values"]) == [-1, 1, 2, 3, 4, 5, 6]
    splits = regressor.booster_.trees_to_dataframe()
    store_splits = splits[splits["split_feature"] == "StoreType"]
    assert len(store_splits) and (store_splits["decision_type"] == "==").all()


def test_unseen_and_missing_categories_predict_as_unknown(regressor, sales_valid):
    X = sales_valid[0].head(20).copy()
    unseen = X.assign(StoreType="never seen")
    missing = X.assign(StoreType=np.nan)
    assert (regressor.processor_.transform(unseen)["StoreType"] == 0).all()
    predicted = regressor.predict(unseen)
    assert np.isfinite(predicted).all()
    np.testing.assert_array_equal(predicted, regressor.predict(missing))
    assert not np.array_equal(predicted, regressor.predict(X))


def test_early_stopping_on_validation_rows(sales_data, sales_valid):
    X, y = sales_data
    model = LightGBMRegressor(n_estimators=400, learning_rate=0.3, early_stopping_rounds=10, random_state=0)
    model.fit(X, y, X_val=sales_valid[0], y_val=sales_valid[1])
    history = model.history_
    assert list(history.columns) == ["train_l2", "valid_l2"] and history.index.name == "round"
    assert model.best_iteration_ < 400 and len(history) == model.best_iteration_ + 10
    assert int(history["valid_l2"].idxmin()) == model.best_iteration_
    features = features_of(model, sales_valid[0])
    expected = model.booster_.predict(features, num_iteration=model.best_iteration_)
    np.testing.assert_array_equal(model.predict(sales_valid[0]), expected)
    assert model.booster_.current_iteration() == model.best_iteration_  # LightGBM drops the later rounds
    valid_l2 = np.mean((expected - sales_valid[1].to_numpy()) ** 2)
    assert history["valid_l2"][model.best_iteration_] == pytest.approx(valid_l2, rel=1e-6)


def test_history_without_early_stopping(sales_data, sales_valid):
    X, y = sales_data
    labels = sales_labels(y)
    model = LightGBMClassifier(n_estimators=15, random_state=0)
    model.fit(X, labels, X_val=sales_valid[0], y_val=sales_labels(sales_valid[1]))
    assert list(model.history_.columns) == ["train_multi_logloss", "valid_multi_logloss"]
    assert len(model.history_) == 15 and model.best_iteration_ == 15
    assert model.history_["train_multi_logloss"].is_monotonic_decreasing


def test_refit_without_validation_drops_the_history(sales_data, sales_valid):
    X, y = sales_data
    model = LightGBMRegressor(n_estimators=5).fit(X, y, X_val=sales_valid[0], y_val=sales_valid[1])
    assert len(model.history_) == 5
    model.fit(X[["Promo", "Noise"]].to_numpy(float), y)
    assert not hasattr(model, "history_") and not hasattr(model, "feature_names_in_")


def test_same_seed_same_model_whatever_n_jobs(sales_data, sales_valid):
    X, y = sales_data
    one = LightGBMRegressor(**COMMON, n_jobs=1).fit(X, y)
    again = LightGBMRegressor(**COMMON, n_jobs=1).fit(X, y)
    two = LightGBMRegressor(**COMMON, n_jobs=2).fit(X, y)
    other_seed = LightGBMRegressor(**{**COMMON, "random_state": 6}).fit(X, y)

    def trees(model):
        return model.booster_.model_to_string().replace("[num_threads: 2]", "[num_threads: 1]")

    assert trees(one) == trees(again) == trees(two)
    np.testing.assert_array_equal(one.predict(sales_valid[0]), two.predict(sales_valid[0]))
    assert not np.array_equal(one.predict(sales_valid[0]), other_seed.predict(sales_valid[0]))


def test_n_jobs_follows_joblib(sales_data):
    from joblib import parallel_config

    X, y = sales_data
    assert LightGBMRegressor(n_estimators=2).fit(X, y).model_.n_jobs == 1
    with parallel_config(n_jobs=2):
        assert LightGBMRegressor(n_estimators=2).fit(X, y).model_.n_jobs == 2


def test_joblib_round_trip(model, sales_valid, tmp_path):
    X, _ = sales_valid
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    if hasattr(model, "predict_proba"):
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_early_stopped_model_round_trip(sales_data, sales_valid, tmp_path):
    X, y = sales_data
    model = LightGBMRegressor(n_estimators=300, learning_rate=0.3, early_stopping_rounds=5, random_state=0)
    model.fit(X, y, X_val=sales_valid[0], y_val=sales_valid[1])
    joblib.dump(model, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    assert loaded.best_iteration_ == model.best_iteration_
    np.testing.assert_array_equal(loaded.predict(sales_valid[0]), model.predict(sales_valid[0]))


def test_clone_and_params():
    model = LightGBMClassifier(n_estimators=7, num_leaves=15, cat_names=["Promo"], early_stopping_rounds=3)
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert twin.set_params(learning_rate=0.05).learning_rate == 0.05


def test_silent_by_default(sales_data, sales_valid, capfd):
    X, y = sales_data
    LightGBMRegressor(n_estimators=5).fit(X, y, X_val=sales_valid[0], y_val=sales_valid[1])
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def test_verbose_logs_rounds(sales_data, sales_valid, capfd):
    X, y = sales_data
    LightGBMRegressor(n_estimators=4, verbose=2).fit(X, y, X_val=sales_valid[0], y_val=sales_valid[1])
    assert "[4]\ttrain's l2:" in capfd.readouterr().out


def test_sample_weight_changes_the_fit(sales_data, sales_valid):
    X, y = sales_data
    weights = np.where(X["Promo"] == 1, 5.0, 1.0)
    plain = LightGBMRegressor(n_estimators=10, random_state=0).fit(X, y)
    weighted = LightGBMRegressor(n_estimators=10, random_state=0).fit(X, y, sample_weight=weights)
    assert not np.array_equal(plain.predict(sales_valid[0]), weighted.predict(sales_valid[0]))


def test_array_input_gets_generated_names():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 3))
    model = LightGBMRegressor(n_estimators=5, min_child_samples=5).fit(X, X[:, 0])
    assert model.booster_.feature_name() == ["x0", "x1", "x2"]
    assert not hasattr(model, "feature_names_in_")
    with pytest.raises(ValueError, match="X has 2 features, but LightGBMRegressor is expecting 3"):
        model.predict(X[:, :2])


def test_awkward_column_names_reach_the_booster(sales_data):
    X, y = sales_data
    renamed = X.rename(columns={"Noise": "noise level [dB]", "Promo": "promo:flag"})
    model = LightGBMRegressor(n_estimators=3).fit(renamed, y)
    assert "noise_level__dB_" in model.booster_.feature_name()
    assert "promo_flag" in model.booster_.feature_name()
    assert model.predict(renamed).shape == (len(X),)


# ---- bad input ---------------------------------------------------------------------------------


def test_early_stopping_needs_validation_rows(sales_data):
    X, y = sales_data
    with pytest.raises(ValueError, match=r"early_stopping_rounds=10 needs validation rows"):
        LightGBMRegressor(early_stopping_rounds=10).fit(X, y)


def test_validation_rows_come_in_pairs(sales_data, sales_valid):
    X, y = sales_data
    with pytest.raises(ValueError, match="X_val and y_val must be given together"):
        LightGBMRegressor().fit(X, y, X_val=sales_valid[0])


def test_validation_length_mismatch(sales_data, sales_valid):
    X, y = sales_data
    with pytest.raises(ValueError, match="X_val has 300 rows but y_val has 299"):
        LightGBMRegressor().fit(X, y, X_val=sales_valid[0], y_val=sales_valid[1][:-1])


def test_validation_missing_column_is_named(sales_data, sales_valid):
    X, y = sales_data
    with pytest.raises(ValueError, match=r"missing required column.*'StoreType'"):
        LightGBMRegressor().fit(X, y, X_val=sales_valid[0].drop(columns="StoreType"), y_val=sales_valid[1])


def test_unseen_validation_label(sales_data, sales_valid):
    X, y = sales_data
    y_val = sales_labels(sales_valid[1]).replace("mid", "medium")
    with pytest.raises(ValueError, match=r"y_val holds label\(s\) \['medium'\] that are not among the training labels"):
        LightGBMClassifier().fit(X, sales_labels(y), X_val=sales_valid[0], y_val=y_val)


def test_non_numeric_regression_target(sales_data):
    X, y = sales_data
    with pytest.raises(ValueError, match="LightGBMRegressor needs a numeric y"):
        LightGBMRegressor().fit(X, sales_labels(y))


@pytest.mark.parametrize("Estimator", [LightGBMRegressor, LightGBMClassifier])
def test_nan_target_is_rejected(Estimator, sales_data):
    X, y = sales_data
    y = y.astype(float).copy()
    y.iloc[[3, 9]] = np.nan
    with pytest.raises(ValueError, match="y has 2 missing"):
        Estimator().fit(X, y)


def test_length_mismatch_is_rejected(sales_data):
    X, y = sales_data
    with pytest.raises(ValueError, match=f"X has {len(X)} rows but y has {len(X) - 1}"):
        LightGBMRegressor().fit(X, y.iloc[:-1])


def test_bad_sample_weight(sales_data):
    X, y = sales_data
    with pytest.raises(ValueError, match=r"sample_weight must hold one value per row \(600\)"):
        LightGBMRegressor().fit(X, y, sample_weight=np.ones(5))
    with pytest.raises(ValueError, match="finite and non-negative"):
        LightGBMRegressor().fit(X, y, sample_weight=-np.ones(len(X)))


def test_missing_columns_are_named(regressor, sales_valid):
    with pytest.raises(ValueError, match=r"missing required column.*'Promo'.*'StoreType'"):
        regressor.predict(sales_valid[0].drop(columns=["Promo", "StoreType"]))


def test_array_predict_after_frame_fit_is_rejected(regressor):
    with pytest.raises(ValueError, match="fitted on a DataFrame"):
        regressor.predict(np.zeros((2, 3)))


@pytest.mark.parametrize("method", ["predict", "predict_proba", "feature_importances_", "booster_"])
def test_unfitted_use_raises(method, sales_valid):
    model = LightGBMClassifier()
    with pytest.raises(NotFittedError):
        attribute = getattr(model, method)
        attribute(sales_valid[0])


def test_extra_columns_and_order_do_not_matter(regressor, sales_valid):
    X, _ = sales_valid
    shuffled = X[X.columns[::-1]].assign(Unused=1)
    np.testing.assert_array_equal(regressor.predict(shuffled), regressor.predict(X))


def test_series_target_and_frame_index_are_fine(sales_data):
    X, y = sales_data
    shifted = X.set_index(pd.RangeIndex(1000, 1000 + len(X)))
    a = LightGBMRegressor(n_estimators=5).fit(shifted, y.to_numpy())
    b = LightGBMRegressor(n_estimators=5).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
