"""Saved objects of a run load back without running code from the run folder: each kind
predicts exactly as before it was saved, and a file that would run code, or names a type or
class off the trusted list, is refused before anything is built."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest

from tabkit import runs
from tabkit.boosting.estimators import LightGBMClassifier, LightGBMRegressor
from tabkit.ensemble.blend import BlendClassifier, BlendRegressor
from tabkit.forest.embedding_forest import EmbeddingForest
from tabkit.forest.estimators import ForestClassifier, ForestRegressor
from tabkit.nn.classifier import EmbeddingNetClassifier
from tabkit.nn.collab import CollabRegressor
from tabkit.nn.estimators import EmbeddingNetRegressor
from tabkit.pipeline.models import OnModelScale
from tabkit.pipeline.models.scoring import MeanBaseline
from tabkit.prep.target import TargetTransform
from tabkit.run_folder.trusted import TRUSTED_TYPES, UntrustedFileError, dump_skops

NET = {"layers": (16, 8), "epochs": 1, "batch_size": 64, "random_state": 0, "verbose": 0}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame(
        {
            "shop": rng.choice(["a", "b", "c", "d"], n),
            "day": rng.integers(1, 8, n),
            "price": np.where(rng.random(n) < 0.1, np.nan, rng.normal(10, 2, n)),
            "stock": rng.integers(0, 500, n),
        }
    )
    y = np.exp(1 + 0.1 * X["day"] + 0.02 * X["price"].fillna(10) + rng.normal(0, 0.1, n)).to_numpy()
    labels = np.array(["low", "mid", "high"])[np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))]
    return X, y, labels


@pytest.fixture(scope="module")
def models(data):
    """One fitted model of each saved kind, and the method whose output it must reproduce."""
    X, y, labels = data
    log_y = np.log(y)
    forest = ForestRegressor(5, random_state=0).fit(X, log_y)
    net = EmbeddingNetRegressor(**NET, log_target=True, cont_embedding="piecewise", n_members=2).fit(X, y)
    ratings = pd.DataFrame({"user": X["shop"], "item": X["day"]})
    on_log_scale = OnModelScale(net, TargetTransform("identity"), TargetTransform("log"))
    gbm = LightGBMRegressor(20, num_leaves=7, random_state=0).fit(X, log_y, X_val=X.iloc[:80], y_val=log_y[:80])
    forest_classifier = ForestClassifier(5, random_state=0).fit(X, labels)
    gbm_classifier = LightGBMClassifier(10, num_leaves=7, random_state=0).fit(X, labels)
    return {
        "forest": (forest, "predict", X),
        "forest classifier": (forest_classifier, "predict_proba", X),
        "lightgbm": (gbm, "predict", X),
        "lightgbm classifier": (gbm_classifier, "predict_proba", X),
        "net": (net, "predict", X),
        "net classifier": (EmbeddingNetClassifier(**NET).fit(X, labels), "predict_proba", X),
        "collab": (CollabRegressor(4, epochs=1, random_state=0, verbose=0).fit(ratings, y), "predict", ratings),
        "embedding forest": (
            EmbeddingForest(net, ForestRegressor(5, random_state=0), components=2, codes=True).fit(X, log_y),
            "predict",
            X,
        ),
        "blend": (
            BlendRegressor.from_fitted(
                [("forest", forest), ("net", on_log_scale), ("gbm", gbm)],
                weights=[0.2, 0.3, 0.5],
                target_transform="log",
            ),
            "predict",
            X,
        ),
        "blend classifier": (
            BlendClassifier.from_fitted([("forest", forest_classifier), ("gbm", gbm_classifier)]),
            "predict_proba",
            X,
        ),
        "baseline": (MeanBaseline(by=["shop", "day"], classification=True).fit(X, labels), "predict_proba", X),
    }


@pytest.fixture
def saved(tmp_path, models):
    """A run folder holding every model of ``models``."""
    writer = runs.RunWriter(tmp_path, "spec")
    for name, (model, _, _) in models.items():
        writer.write_object(runs.model_file(name.replace(" ", "-")), model)
    return writer.path


def test_every_kind_predicts_exactly_as_before_saving(models, saved):
    reader = runs.RunReader(saved)
    for name, (model, method, X) in models.items():
        loaded = reader.model(name.replace(" ", "-"))
        assert type(loaded) is type(model), name
        np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(model, method)(X), err_msg=name)


def test_each_part_is_in_its_own_format(models, saved):
    files = json.loads((saved / runs.MANIFEST).read_text())["files"]
    assert {f["format"] for f in files.values()} == {"json", "skops", "safetensors", "lightgbm"}
    assert files["models/net/weights.safetensors"]["format"] == "safetensors"
    assert files["models/lightgbm/booster.txt"]["format"] == "lightgbm"
    assert (saved / "models/lightgbm/booster.txt").read_text().startswith("tree\nversion=")
    net_card = json.loads((saved / "models/net/object.json").read_text())["object"]
    assert net_card["class"] == "tabkit.nn.estimators.EmbeddingNetRegressor"
    assert net_card["config"]["module_config"]["n_members"] == 2
    gbm_card = json.loads((saved / "models/lightgbm/object.json").read_text())["object"]
    assert gbm_card["config"]["params"]["num_leaves"] == 7
    blend_card = json.loads((saved / "models/blend/object.json").read_text())["object"]
    assert blend_card["config"] == {
        "params": {"weights": [0.2, 0.3, 0.5], "target_transform": "log"},
        "weights_": [
            0.2,
            0.3,
            0.5,
        ],
    }
    assert set(blend_card["members"]) == {"forest", "net", "gbm"}  # saved with the blend, in its folder
    assert (saved / "models/blend/net/estimator/weights.safetensors").is_file()


def test_reloaded_models_keep_what_else_they_offer(models, saved):
    reader = runs.RunReader(saved)
    gbm, net = reader.model("lightgbm"), reader.model("net")
    original_gbm, original_net = models["lightgbm"][0], models["net"][0]
    pd.testing.assert_frame_equal(gbm.history_, original_gbm.history_)
    pd.testing.assert_series_equal(gbm.importances_by_feature_, original_gbm.importances_by_feature_)
    assert gbm.model_.objective_ == original_gbm.model_.objective_
    pd.testing.assert_frame_equal(net.history_, original_net.history_)
    assert net.get_params()["layers"] == (16, 8) and net.architecture_ == original_net.architecture_
    for column, table in original_net.embeddings_.items():
        pd.testing.assert_frame_equal(net.embeddings_[column], table)
    collab = reader.model("collab")
    pd.testing.assert_series_equal(collab.counts_["user"], models["collab"][0].counts_["user"])


def _replace(run, relative: str, data: bytes) -> None:
    """Replace a file of a run and rewrite its manifest to match, as whoever hands over a
    folder can."""
    (run / relative).write_bytes(data)
    manifest = json.loads((run / runs.MANIFEST).read_text())
    manifest["files"][relative].update(sha256=runs.file_digest(run / relative), bytes=len(data))
    (run / runs.MANIFEST).write_text(json.dumps(manifest))


class WritesMarker:
    """Writes a marker file when unpickled (``__reduce__``) or built from its state."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")

    def __setstate__(self, state):
        open(state["path"], "w").close()


def test_a_model_file_replaced_by_a_pickle_is_refused_and_runs_nothing(saved, tmp_path):
    marker = tmp_path / "marker"
    _replace(saved, "models/forest/state.skops", pickle.dumps(WritesMarker(marker)))
    with pytest.raises(UntrustedFileError, match=r"models/forest/state.skops is not a skops file"):
        runs.RunReader(saved).model("forest")
    assert not marker.exists()


def test_a_skops_file_naming_an_untrusted_type_is_refused_by_name(saved, tmp_path):
    marker = tmp_path / "marker"
    data = dump_skops({"model": WritesMarker(marker)})
    _replace(saved, "models/forest/state.skops", data)
    name = f"{WritesMarker.__module__}.WritesMarker"
    assert name not in TRUSTED_TYPES
    with pytest.raises(UntrustedFileError, match=rf"names type\(s\) not on tabkit's trusted list: {name}"):
        runs.RunReader(saved).model("forest")
    assert not marker.exists()


def test_an_object_card_naming_an_untrusted_class_or_a_file_outside_is_refused(saved):
    card = json.loads((saved / "models/forest/object.json").read_text())
    card["object"]["class"] = "subprocess.Popen"
    _replace(saved, "models/forest/object.json", json.dumps(card).encode())
    with pytest.raises(UntrustedFileError, match=r"names the class 'subprocess.Popen', which is not on tabkit's"):
        runs.RunReader(saved).model("forest")
    card["object"].update({"class": "tabkit.forest.estimators.ForestRegressor", "state": "../net/state.skops"})
    _replace(saved, "models/forest/object.json", json.dumps(card).encode())
    with pytest.raises(UntrustedFileError, match=r"names the file '../net/state.skops', outside its folder"):
        runs.RunReader(saved).model("forest")


def test_a_file_in_another_format_than_recorded_is_refused(saved):
    manifest = json.loads((saved / runs.MANIFEST).read_text())
    manifest["files"]["models/net/weights.safetensors"]["format"] = "joblib"
    (saved / runs.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(UntrustedFileError, match=r"weights.safetensors is recorded as 'joblib' where 'safetensors'"):
        runs.RunReader(saved).model("net")


def test_missing_and_extra_model_files_are_named(saved):
    (saved / "models/net/weights.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match=r"models/net/weights.safetensors does not exist: the run folder is"):
        runs.RunReader(saved).model("net")
    (saved / "models/forest/forest.joblib").write_bytes(b"")
    with pytest.raises(ValueError, match=r"models/forest/forest.joblib is not listed in .*: the run did not write it"):
        runs.RunReader(saved).model("forest")


def test_a_run_of_a_newer_layout_is_refused(saved):
    manifest = json.loads((saved / runs.MANIFEST).read_text())
    manifest["layout"] = runs.LAYOUT_VERSION + 1
    (saved / runs.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match=rf"written by a newer tabkit \(run layout {runs.LAYOUT_VERSION + 1}; this"):
        runs.RunReader(saved).model("forest")


def test_every_trusted_tabkit_class_exists():
    """A class renamed or moved would otherwise stop loading only when a run names it."""
    from tabkit.run_folder.trusted import trusted_class

    for name in sorted(n for n in TRUSTED_TYPES if n.startswith("tabkit.")):
        assert trusted_class(name, "test").__name__ == name.rsplit(".", 1)[1]
