"""Time the foundation's heavy steps and compare them with the issue's budgets.

- the synthetic Rossmann set at full size (budget 30 s);
- fastai's Rossmann feature set on Kaggle's real files, when ../shared/data/rossmann exists
  (budget 60 s; fastai's own TabularPandas build took ~45 s on top of its feature code);
- TabularProcessor.fit on 1M rows x 40 columns (budget 10 s on one core), beside
  scikit-learn's OrdinalEncoder + SimpleImputer + StandardScaler doing comparable work.

Run: .venv/bin/python benchmarks/prep.py [--skip-real]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

import tabkit as tk

REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "rossmann"


def timed(label: str, func, budget: float | None = None):
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    verdict = "" if budget is None else f"  (budget {budget:.0f} s: {'ok' if seconds <= budget else 'OVER'})"
    print(f"{label:<58} {seconds:7.2f} s{verdict}")
    return result, seconds


def wide_frame(n_rows: int, seed: int = 0) -> tuple[pd.DataFrame, list[str], list[str]]:
    """20 integer categories, 5 text categories, 15 floats with 5% missing."""
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {}
    for i in range(20):
        columns[f"cat{i}"] = rng.integers(0, 50 * (i + 1), n_rows)
    for i in range(5):
        columns[f"text{i}"] = pd.Series(rng.choice(list("abcdefgh"), n_rows), dtype=object)
    for i in range(15):
        values = rng.normal(size=n_rows)
        values[rng.random(n_rows) < 0.05] = np.nan
        columns[f"num{i}"] = values
    cats = [c for c in columns if not c.startswith("num")]
    return pd.DataFrame(columns), cats, [c for c in columns if c.startswith("num")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-real", action="store_true", help="skip the real-data feature build")
    args = parser.parse_args()

    tables, _ = timed(
        "make_rossmann(1115 stores, full date range)", lambda: tk.datasets.make_rossmann(1115, seed=0), budget=30
    )
    print(f"    {len(tables['train']):,} train rows, {len(tables['test']):,} test rows")

    if args.skip_real or not REAL_DATA.exists():
        print(f"real-data features: skipped ({REAL_DATA} absent or --skip-real)")
    else:
        real, _ = timed("load_rossmann(real Kaggle files)", lambda: tk.datasets.load_rossmann(REAL_DATA))
        (train, test), _ = timed(
            "rossmann_features(real tables)", lambda: tk.datasets.rossmann_features(real), budget=60
        )
        print(f"    {len(train):,} training rows (fastai: 844,338), {len(test):,} test rows")

    frame, cats, conts = wide_frame(1_000_000)
    with threadpool_limits(1):
        processor, ours = timed(
            "TabularProcessor.fit, 1M x 40, one thread", lambda: tk.TabularProcessor(cats, conts).fit(frame), budget=10
        )
        timed("TabularProcessor.transform(normalize=True)", lambda: processor.transform(frame, normalize=True))
        sklearn_prep = ColumnTransformer(
            [
                (
                    "cat",
                    OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1),
                    cats,
                ),
                ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), conts),
            ]
        )
        _, theirs = timed("scikit-learn ColumnTransformer.fit, same work", lambda: sklearn_prep.fit(frame))
    print(f"TabularProcessor.fit time / scikit-learn's: {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
