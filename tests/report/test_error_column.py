"""The error column of the explained rows' table (issue 22, item 7): a percentage only for
a strictly positive (or log) target, the target's own units otherwise; for a
classification, the predicted probability of the actual class."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tabkit as tk
from tabkit.report.blocks import Section, Table
from tabkit.report.explained_sections import rows_table_section
from tabkit.runs import RunReader

OUTPUT = {"report": False, "importance": False, "explain_worst": 3, "explain_random": 2, "sample_rows": 50}


def _run(folder: Path, metric: str, make_target, n: int = 200, **features) -> RunReader:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"when": pd.date_range("2021-01-01", periods=n, freq="D").strftime("%Y-%m-%d"), "x": rng.normal(size=n)}
    )
    frame["y"] = make_target(frame["x"].to_numpy(), rng)
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "train.csv", index=False)
    spec = {
        "name": "rows",
        "metric": metric,
        "data": {"source": "csv", "train": str(folder / "train.csv"), "target": "y", "date": "when"},
        "features": features,
        "split": {"by": "fraction", "fraction": 0.25},
        "model": [{"name": "forest", "kind": "forest", "params": {"n_estimators": 5, "min_samples_leaf": 5}}],
        "output": OUTPUT,
    }
    return RunReader(tk.run_pipeline(spec, out_dir=folder / "runs", verbose=False).run_dir)


def _table(run: RunReader) -> pd.DataFrame:
    section = rows_table_section(run, "forest", Section("Explained rows", "waterfalls"))
    table = next(block for block in section.blocks if isinstance(block, Table))
    return pd.DataFrame(table.rows, columns=table.columns)


def _number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


def test_a_target_around_zero_gets_errors_in_its_own_units(tmp_path):
    run = _run(tmp_path, "rmse", lambda x, rng: 3 * x + rng.normal(0, 1, len(x)))
    table = _table(run)
    assert not table["error"].str.contains("%").any() and (table["error"] != "").all()
    assert all(re.fullmatch(r"[+-][\d,.]+", e) for e in table["error"])
    for actual, predicted, error in zip(table["actual"], table["predicted"], table["error"]):
        assert _number(error) == pytest.approx(_number(predicted) - _number(actual), abs=0.06)


def test_a_positive_target_gets_errors_as_percentages(tmp_path):
    run = _run(tmp_path, "rmsle", lambda x, rng: np.exp(5 + 0.5 * x + rng.normal(0, 0.2, len(x))), log_target=True)
    table = _table(run)
    assert table["error"].str.fullmatch(r"[+-][\d.]+%").all()
    for actual, predicted, error in zip(table["actual"], table["predicted"], table["error"]):
        assert _number(error) == pytest.approx(100 * (_number(predicted) / _number(actual) - 1), abs=0.6)


def test_a_classification_shows_the_probability_of_the_actual_class(tmp_path):
    run = _run(tmp_path, "logloss", lambda x, rng: np.where(x + rng.normal(0, 0.5, len(x)) > 0, 1, 0))
    table = _table(run)
    assert list(table.columns) == ["row", "reason", "actual", "predicted", "probability of the actual class"]
    probabilities = pd.read_parquet(run.path / "valid_probabilities.parquet")
    rows = pd.read_csv(run.path / "forest" / "contributions.csv").drop_duplicates("row")["row"].to_numpy()
    actual = pd.read_parquet(run.path / "valid_predictions.parquet")["actual"].to_numpy()[rows]
    expected = [probabilities[f"forest:{a}"].iloc[r] for a, r in zip(actual, rows)]
    shown = [_number(p) for p in table["probability of the actual class"]]
    np.testing.assert_allclose(shown, expected, atol=0.006)
    assert set(table["actual"]) <= {"0", "1"}
