"""What a new user hit in the pipeline (issue 22, items 3 and 8-16): duplicated CSV
columns, rows dropped or split without a word, a corrupted feature cache, output folders
that cannot be written, SIGTERM during the report, column names that a spec misspells,
what ``tabkit predict --data`` takes, a text target in a regression, ``--quiet`` and nets,
and the order of ``load_run(...).predict``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pipeline_helpers import TINY_FOREST, TINY_NET, only_run, spec_dict, synthetic_bulldozers, write_spec

from tabkit.cli import main
from tabkit.pipeline.features import FeatureSet
from tabkit.pipeline.predict import load_run
from tabkit.pipeline.runner import run_pipeline
from tabkit.pipeline.sections import Split
from tabkit.pipeline.sources import SOURCES, get_source
from tabkit.pipeline.spec import SpecError, validate
from tabkit.pipeline.steps.cache import cached_features
from tabkit.pipeline.steps.features import build_features
from tabkit.pipeline.steps.splitting import split_rows
from tabkit.prep.target import target_transform
from tabkit.runs import RunReader

QUIET_OUTPUT = {"report": False, "importance": False, "explain_worst": 0, "explain_random": 0, "sample_rows": 20}


def dozers(train: Path, test: Path | None = None, **sections) -> dict:
    """A small bulldozers regression spec on the given files."""
    data = {"source": "csv", "train": str(train), "target": "SalePrice", "date": "saledate"}
    if test is not None:
        data.update(test=str(test), id="SalesID")
    spec = {
        "name": "dozers",
        "metric": "rmsle",
        "data": data,
        "features": {"log_target": True},
        "split": {"by": "fraction", "fraction": 0.2},
        "model": [{"name": "forest", "kind": "forest", "params": TINY_FOREST}],
        "output": dict(QUIET_OUTPUT),
    }
    for name, values in sections.items():
        spec[name] = {**spec.get(name, {}), **values}
    return spec


@pytest.fixture
def bulldozers(tmp_path) -> tuple[Path, Path]:
    return synthetic_bulldozers(tmp_path / "data", n_train=400, n_test=60)


def log_of(run_dir: Path) -> str:
    return (Path(run_dir) / "log.txt").read_text(encoding="utf-8")


# -- 3: duplicated column names ------------------------------------------------------------
def test_duplicated_column_names_are_refused_at_the_check_and_at_load(tmp_path):
    train = tmp_path / "train.csv"
    train.write_text("when,x,price,x,y\n2020-01-01,1,10,2,3\n2020-01-02,4,11,5,6\n", encoding="utf-8")
    data = {"source": "csv", "train": str(train), "target": "price", "date": "when"}
    spec = {"metric": "rmse", "data": data, "split": {"by": "random"}, "model": [{"name": "f", "kind": "forest"}]}
    message = re.escape(f"{train}: the column name(s) ['x'] appear more than once in the header")
    with pytest.raises(SpecError, match=r"data\.train: " + message):
        validate(spec)
    unchecked = validate(spec, check_data=False)
    with pytest.raises(ValueError, match=message):
        get_source("csv").load(unchecked.data)
    frame = pd.DataFrame([[1, 2]], columns=["x", "x"])
    with pytest.raises(ValueError, match=r"the new rows hold the column name\(s\) \['x'\] more than once"):
        get_source("csv").read_new(unchecked.data, frame)


# -- 8: rows dropped without a target, a fraction split that overshoots -------------------
def _missing_targets(bulldozers) -> Path:
    train, _ = bulldozers
    frame = pd.read_csv(train)
    frame.loc[frame.index % 50 == 0, "SalePrice"] = np.nan
    frame.to_csv(train, index=False)
    return train


def test_rows_dropped_for_a_missing_target_are_counted(bulldozers):
    spec = validate(dozers(_missing_targets(bulldozers), data={"drop_missing_target": True}))
    features = build_features(spec.data, spec.features)
    assert len(features.train) == 392
    assert features.notes == [
        "dropped 8 of 400 training row(s) whose target 'SalePrice' is missing (data.drop_missing_target)"
    ]


def test_rows_dropped_for_a_missing_target_are_logged(bulldozers, tmp_path):
    spec = dozers(_missing_targets(bulldozers), data={"drop_missing_target": True})
    result = run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    assert "features: dropped 8 of 400 training row(s) whose target 'SalePrice' is missing" in log_of(result.run_dir)


def _uneven_days() -> FeatureSet:
    """40 rows: one a day for 31 days, then 9 on the last day."""
    days = pd.date_range("2020-01-01", periods=32, freq="D")
    dates = list(days[:31]) + [days[31]] * 9
    frame = pd.DataFrame({"when": dates, "x": np.arange(40.0), "y": np.arange(40.0) + 1})
    return FeatureSet(
        train=frame, test=None, target="y", date="when", id=None, group=None, cat_names=[], cont_names=["x"]
    )


def test_a_fraction_split_says_when_whole_dates_make_it_larger():
    split = split_rows(_uneven_days(), Split(by="fraction", fraction=0.2), target_transform(None), [], seed=0)
    assert len(split.valid) == 9
    assert split.notes == [
        "the validation rows are 22.5% of the rows (9 of 40), not the 20% asked: whole dates stay together"
    ]
    exact = split_rows(_uneven_days(), Split(by="fraction", fraction=0.225), target_transform(None), [], seed=0)
    assert exact.notes == []


def test_a_fraction_split_that_overshoots_is_logged(tmp_path):
    _uneven_days().train.to_csv(tmp_path / "days.csv", index=False)
    data = {"source": "csv", "train": str(tmp_path / "days.csv"), "target": "y", "date": "when"}
    spec = {
        "metric": "rmse",
        "data": data,
        "split": {"by": "fraction", "fraction": 0.2},
        "model": [{"name": "forest", "kind": "forest", "params": {"n_estimators": 3}}],
        "output": dict(QUIET_OUTPUT),
    }
    result = run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    assert "split: the validation rows are 22.5% of the rows (9 of 40), not the 20% asked" in log_of(result.run_dir)


# -- 9: a corrupted feature cache entry -----------------------------------------------------
@pytest.mark.parametrize(
    "damage, error",
    [
        (lambda entry: (entry / "train.parquet").write_bytes(b"PAR1" + b"\0" * 64 + b"PAR1"), "train.parquet"),
        (lambda entry: (entry / "train.parquet").write_bytes(b"not parquet at all"), "train.parquet"),
        (lambda entry: (entry / "meta.json").write_text('{"key": ', encoding="utf-8"), "JSONDecodeError"),
    ],
)
def test_a_corrupted_cache_entry_is_discarded_and_rebuilt(bulldozers, tmp_path, damage, error):
    spec = validate(dozers(bulldozers[0]))
    builds = []

    def build():
        builds.append(1)
        return build_features(spec.data, spec.features)

    first, hit = cached_features(tmp_path / "cache", "k", build)
    assert not hit and first.notes == []
    damage(tmp_path / "cache" / "k")
    again, hit = cached_features(tmp_path / "cache", "k", build)
    assert not hit and len(builds) == 2
    assert len(again.notes) == 1
    assert again.notes[0].startswith(f"the cache entry {tmp_path / 'cache' / 'k'} could not be read (")
    assert error in again.notes[0] and again.notes[0].endswith("); discarded and rebuilt")
    restored, hit = cached_features(tmp_path / "cache", "k", build)
    assert hit and restored.notes == [] and len(builds) == 2
    pd.testing.assert_frame_equal(restored.train, first.train)


def test_a_run_after_a_corrupted_cache_entry_rebuilds_it(bulldozers, tmp_path):
    spec = dozers(bulldozers[0], features={"cache": True}, output={"cache": str(tmp_path / "cache")})
    run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    (entry,) = (tmp_path / "cache").iterdir()
    (entry / "train.parquet").write_bytes(b"garbage")
    result = run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    assert result.status == "complete" and not result.features_cached
    assert pd.read_parquet(entry / "train.parquet").shape[0] == 400


def test_a_rebuilt_cache_entry_is_logged(bulldozers, tmp_path):
    spec = dozers(bulldozers[0], features={"cache": True}, output={"cache": str(tmp_path / "cache")})
    run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    (entry,) = (tmp_path / "cache").iterdir()
    (entry / "meta.json").write_text("{", encoding="utf-8")
    result = run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    assert f"features: the cache entry {entry} could not be read (JSONDecodeError" in log_of(result.run_dir)


# -- 10: output folders that cannot be written ----------------------------------------------
@pytest.mark.parametrize("which", ["runs", "reports", "cache"])
def test_unwritable_output_folders_are_refused_before_any_work(bulldozers, tmp_path, which):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder", encoding="utf-8")
    folders = {name: tmp_path / name for name in ("runs", "reports", "cache")}
    folders[which] = blocker / which
    spec = dozers(
        bulldozers[0],
        features={"cache": True},
        output={"report": True, "reports": str(folders["reports"]), "cache": str(folders["cache"])},
    )
    message = f"the {which} folder {folders[which]} cannot be created: {blocker} is a file, not a folder"
    with pytest.raises(SpecError, match=re.escape(message)):
        run_pipeline(spec, out_dir=folders["runs"], verbose=False)
    assert not any(folders[name].exists() for name in folders)


def test_the_reports_folder_is_not_checked_without_a_report(bulldozers, tmp_path):
    (tmp_path / "a_file").write_text("", encoding="utf-8")
    spec = dozers(bulldozers[0], output={"report": False, "reports": str(tmp_path / "a_file" / "reports")})
    assert run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False).status == "complete"


# -- 11: SIGTERM while the report is built --------------------------------------------------
@pytest.mark.slow
def test_sigterm_during_the_report_keeps_the_run_complete_and_says_so(tmp_path):
    spec = spec_dict(
        model=[{"name": "forest", "kind": "forest", "params": TINY_FOREST}],
        output={"report": True, "reports": str(tmp_path / "reports"), "importance_repeats": 1},
    )
    path = write_spec(tmp_path / "tiny.toml", spec)
    process = subprocess.Popen(
        [sys.executable, "-m", "tabkit.cli", "run", str(path), "--out", str(tmp_path / "runs")],
        cwd=tmp_path,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        found = list((tmp_path / "runs" / "tiny").glob("*/status.json"))
        if found and RunReader(found[0].parent).status.get("status") == "complete":
            break
        time.sleep(0.02)
    process.terminate()
    _, stderr = process.communicate(timeout=60)
    run = only_run(tmp_path / "runs", "tiny")
    assert process.returncode == -signal.SIGTERM, stderr
    rebuild = f"rebuild the report with `tabkit report {run} --out {tmp_path / 'reports'}`"
    assert (
        stderr.strip().splitlines()[-1]
        == f"tabkit run: terminated while the report was built; the run is complete; {rebuild}"
    )
    assert RunReader(run).status["status"] == "complete"
    assert f"report interrupted (Terminated); the run is complete; {rebuild}" in log_of(run)
    assert not list((tmp_path / "reports").glob("tiny/*/index.html"))


# -- 12: columns a spec names, checked against the data -------------------------------------
@pytest.mark.parametrize(
    "sections, message",
    [
        (
            {"baseline": {"by": ["modelid"]}},
            "baseline.by: 'modelid' is not a column of the data; did you mean 'ModelID'?",
        ),
        (
            {"features": {"target_means": [["state", "modelid"]]}},
            "features.target_means: 'modelid' is not a column of the data; did you mean 'ModelID'?",
        ),
        (
            {"output": {"dependence_pairs": [["YearMade", "saleyear"]]}},
            "output.dependence_pairs: 'saleyear' is not a column of the data; did you mean 'saleYear'?",
        ),
        ({"baseline": {"by": ["ModelID", 3]}}, "baseline.by: must be a list of column names"),
    ],
)
def test_columns_a_spec_names_are_checked_against_the_csv_header(bulldozers, sections, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        validate(dozers(bulldozers[0], **sections))


def test_derived_columns_can_be_named(bulldozers):
    validate(
        dozers(
            bulldozers[0],
            baseline={"by": ["ModelID", "saleYear"]},
            features={"target_means": [["state"], ["ModelID", "saleMonth"]]},
            output={"dependence_pairs": [["YearMade", "state_mean"], ["saleElapsed", "ModelID_saleMonth_mean"]]},
        )
    )


def test_rossmann_columns_are_checked_without_the_data(tiny_forest_spec):
    spec = dict(tiny_forest_spec, baseline={"by": ["store", "DayOfWeek"]})
    with pytest.raises(
        SpecError, match=re.escape("baseline.by: 'store' is not a column of the data; did you mean 'Store'?")
    ):
        validate(spec)
    validate(
        dict(
            tiny_forest_spec,
            baseline={"by": ["Store", "Promo"]},
            features={"log_target": True, "target_means": [["Store", "DayOfWeek"], ["State"]]},
            output={**tiny_forest_spec["output"], "dependence_pairs": [["Promo", "Store_DayOfWeek_mean"]]},
        )
    )


def test_rossmann_known_columns_hold_every_built_column():
    from tabkit.datasets import make_rossmann, rossmann_features
    from tabkit.pipeline.features import BUILDERS

    train, test = rossmann_features(make_rossmann(2, seed=0))
    known = BUILDERS["rossmann"].known_columns({}, {"drop": []}, None)
    assert set(train.columns) | set(test.columns) <= known


# -- 13: what `tabkit predict --data` takes -------------------------------------------------
def test_predict_help_says_what_data_each_source_takes(capsys):
    with pytest.raises(SystemExit):
        main(["predict", "--help"])
    shown = re.sub(r"\s+", "", capsys.readouterr().out)
    for name, source in SOURCES.items():
        assert re.sub(r"\s+", "", f"{name}: {source.new_data}") in shown


def test_predict_on_a_movielens_run_takes_its_folder_and_u_data(tmp_path, capsys):
    from tabkit.datasets import make_ratings, write_movielens

    folder = write_movielens(make_ratings(40, 50, seed=1), tmp_path / "ml")
    spec = {
        "name": "ml",
        "metric": "rmse",
        "data": {"source": "movielens", "path": str(folder)},
        "split": {"by": "random"},
        "baseline": {"by": ["item"]},
        "model": [{"name": "dot", "kind": "collab", "params": {"n_factors": 4, "epochs": 1, "verbose": 0}}],
        "output": {**QUIET_OUTPUT, "submission": "none"},
    }
    run = run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False).run_dir
    n_ratings = len(pd.read_csv(folder / "u.data", sep="\t", header=None))
    for data in (folder, folder / "u.data"):
        out = tmp_path / f"{data.name}.csv"
        assert main(["predict", str(run), "--data", str(data), "-o", str(out)]) == 0, capsys.readouterr().err
        predicted = pd.read_csv(out)
        assert len(predicted) == n_ratings and {"user", "item", "rating"} <= set(predicted.columns)


# -- 14: a text target in a regression ------------------------------------------------------
def test_a_text_target_in_a_regression_is_refused_at_the_check(tmp_path):
    frame = pd.DataFrame({"x": range(30), "price": ["cheap", "dear"] * 15})
    frame.to_csv(tmp_path / "prices.csv", index=False)
    spec = {
        "metric": "rmse",
        "data": {"source": "csv", "train": str(tmp_path / "prices.csv"), "target": "price"},
        "split": {"by": "random"},
        "model": [{"name": "forest", "kind": "forest"}],
    }
    with pytest.raises(
        SpecError,
        match=re.escape("data.target: the target column 'price' holds text (e.g. 'cheap'), but metric 'rmse'")
        + ".* a classification metric",
    ):
        validate(spec)
    validate(dict(spec, metric="accuracy"))


# -- 15: --quiet and the nets' epoch lines --------------------------------------------------
def test_a_quiet_run_prints_no_epoch_lines(tmp_path, capfd):
    net = {"name": "net", "kind": "embedding_net", "params": {**TINY_NET, "epochs": 2, "verbose": 1}}
    spec = spec_dict(model=[net], output=dict(QUIET_OUTPUT))
    run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    quiet = capfd.readouterr()
    assert "epoch" not in quiet.out + quiet.err
    run_pipeline(spec, out_dir=tmp_path / "runs", verbose=True)
    assert "epoch 2/2" in capfd.readouterr().err


# -- 16: predict keeps the input's order and index ------------------------------------------
def test_predict_returns_rows_in_the_input_order_and_index(bulldozers, tmp_path):
    train, test = bulldozers
    run_dir = run_pipeline(dozers(train, test), out_dir=tmp_path / "runs", verbose=False).run_dir
    run = load_run(run_dir)
    in_file_order = run.predict(test)
    new = pd.read_csv(test).sample(frac=1.0, random_state=0)
    new.index = new.index * 10 + 7
    predicted = run.predict(new)
    assert predicted.index.equals(new.index)
    np.testing.assert_array_equal(predicted["SalesID"], new["SalesID"])
    new["predicted"] = predicted["SalePrice"]  # assigning back lines up
    by_id = new.set_index("SalesID").loc[in_file_order["SalesID"], "predicted"]
    np.testing.assert_allclose(by_id.to_numpy(), in_file_order["SalePrice"], rtol=1e-9)
    new.drop(columns="predicted").to_csv(tmp_path / "shuffled.csv", index=False)
    args = ["predict", str(run_dir), "--data", str(tmp_path / "shuffled.csv"), "-o", str(tmp_path / "p.csv")]
    assert main(args) == 0
    written = pd.read_csv(tmp_path / "p.csv")
    pd.testing.assert_frame_equal(written, run.submission(test), rtol=1e-9)
    np.testing.assert_array_equal(written["SalesID"], pd.read_csv(run_dir / "submission.csv")["SalesID"])


def test_a_cache_hit_keeps_the_notes_of_the_build(bulldozers, tmp_path):
    spec = validate(dozers(_missing_targets(bulldozers), data={"drop_missing_target": True}))
    built, _ = cached_features(tmp_path / "cache", "k", lambda: build_features(spec.data, spec.features))
    restored, hit = cached_features(tmp_path / "cache", "k", lambda: build_features(spec.data, spec.features))
    assert hit and restored.notes == built.notes and "dropped 8 of 400" in built.notes[0]
