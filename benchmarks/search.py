"""ValidationSearch against GridSearchCV + PredefinedSplit on the same validation rows.

The grid {n_estimators: [20, 40, 80, 160], min_samples_leaf: [1, 3, 5], max_features:
[0.5, 1.0]} on a 50k-row Rossmann problem (the latest dates of Kaggle's train.csv, log
sales, the last 20% of dates as validation, scored by exp_rmspe), with the same n_jobs on
both sides and no refit on either. ValidationSearch fits one 160-tree forest per
(min_samples_leaf, max_features) pair, 960 trees, and scores the smaller sizes on its first
trees; GridSearchCV fits every candidate, 1,800 trees. Both must pick the same parameters
with the same score; the issue's target is ValidationSearch in <= 0.6x the wall time.

Without ../shared/data/rossmann (or with --synthetic) a synthetic regression of the same
size stands in.

Run: .venv/bin/python benchmarks/search.py [--n-jobs 2] [--rows 50000] [--synthetic]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import make_friedman1
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import GridSearchCV, PredefinedSplit

import tabkit as tk

REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "rossmann"
GRID = {"n_estimators": [20, 40, 80, 160], "min_samples_leaf": [1, 3, 5], "max_features": [0.5, 1.0]}
SEED = 42


def rossmann_problem(n_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """The latest ``n_rows`` open-store days with sales, encoded by a TabularProcessor."""
    train = pd.read_csv(
        REAL_DATA / "train.csv",
        usecols=["Store", "DayOfWeek", "Date", "Sales", "Open", "Promo", "StateHoliday", "SchoolHoliday"],
        dtype={"StateHoliday": str},
        parse_dates=["Date"],
    )
    train = train[(train["Open"] == 1) & (train["Sales"] > 0)].drop(columns="Open")
    train = train.sort_values(["Date", "Store"], kind="stable").tail(n_rows).reset_index(drop=True)
    stores = pd.read_csv(
        REAL_DATA / "store.csv",
        usecols=["Store", "StoreType", "Assortment", "CompetitionDistance", "Promo2"],
    )
    frame = tk.add_datepart(train.merge(stores, on="Store", how="left"), "Date", drop=False)
    train_rows, valid_rows = tk.time_split(frame, date="Date", valid_size=0.2)
    y = np.log(frame["Sales"].to_numpy(np.float64))
    features = frame.drop(columns=["Date", "Sales"])
    processor = tk.TabularProcessor(
        cat_names=["Store", "DayOfWeek", "Promo", "StateHoliday", "SchoolHoliday", "StoreType", "Assortment", "Promo2"]
    ).fit(features.iloc[train_rows])
    encoded = processor.transform(features).to_numpy(np.float32)
    return encoded[train_rows], y[train_rows], encoded[valid_rows], y[valid_rows], "Kaggle Rossmann (latest dates)"


def synthetic_problem(n_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    X, y = make_friedman1(n_samples=n_rows, n_features=20, noise=1.0, random_state=SEED)
    n_train = int(n_rows * 0.8)
    y = np.log(y - y.min() + 1.0)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:], "synthetic Friedman #1 (20 features)"


def timed(func):
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--synthetic", action="store_true", help="use a synthetic problem, not Kaggle's files")
    args = parser.parse_args()

    use_real = not args.synthetic and (REAL_DATA / "train.csv").exists()
    X, y, X_val, y_val, label = (rossmann_problem if use_real else synthetic_problem)(args.rows)
    print(f"problem: {label}: {len(X)} training rows, {len(X_val)} validation rows, {X.shape[1]} features")
    print(f"grid: {GRID}, n_jobs={args.n_jobs}, scoring=exp_rmspe, no refit\n")

    estimator = RandomForestRegressor(random_state=SEED)

    def ours_fit(grid, n_rows, n_valid):
        search = tk.ValidationSearch(estimator, grid, scoring="exp_rmspe", n_jobs=args.n_jobs, refit=False)
        return search.fit(X[:n_rows], y[:n_rows], X_val=X_val[:n_valid], y_val=y_val[:n_valid])

    def reference_fit(grid, n_rows, n_valid):
        X_all = np.concatenate([X[:n_rows], X_val[:n_valid]])
        y_all = np.concatenate([y[:n_rows], y_val[:n_valid]])
        folds = PredefinedSplit(np.r_[np.full(n_rows, -1), np.zeros(n_valid, dtype=int)])
        search = GridSearchCV(
            estimator,
            grid,
            scoring=tk.metrics.get_scorer("exp_rmspe"),
            cv=folds,
            n_jobs=args.n_jobs,
            refit=False,
        )
        return search.fit(X_all, y_all)

    # Start the worker processes and their imports before timing either tool.
    warm_up = {"n_estimators": [2], "min_samples_leaf": [1, 3]}
    ours_fit(warm_up, 200, 100)
    reference_fit(warm_up, 200, 100)
    ours, ours_seconds = timed(lambda: ours_fit(GRID, len(X), len(X_val)))
    reference, reference_seconds = timed(lambda: reference_fit(GRID, len(X), len(X_val)))

    ours_trees = int(ours.results_.groupby(["min_samples_leaf", "max_features"])["n_estimators"].max().sum())
    reference_fits = len(reference.cv_results_["params"])
    reference_trees = int(np.sum(reference.cv_results_["param_n_estimators"]))
    reference_index = int(np.flatnonzero(reference.cv_results_["rank_test_score"] == 1)[0])
    reference_params = reference.cv_results_["params"][reference_index]
    reference_best = reference.cv_results_["mean_test_score"][reference_index]
    scores = ours.results_["score"].to_numpy()
    reference_scores = reference.cv_results_["mean_test_score"]
    same_order = [dict(params) for params in reference.cv_results_["params"]] == [
        dict(params) for params in ours.results_[list(GRID)].to_dict("records")
    ]

    print(f"{'':<18}{'fits':>6}{'trees':>7}{'wall s':>9}  best params, best exp_rmspe")
    print(
        f"{'ValidationSearch':<18}{ours.n_fits_:>6}{ours_trees:>7}{ours_seconds:>9.1f}  "
        f"{ours.best_params_}, {-ours.best_score_:.6f}"
    )
    print(
        f"{'GridSearchCV':<18}{reference_fits:>6}{reference_trees:>7}{reference_seconds:>9.1f}  "
        f"{reference_params}, {-reference_best:.6f}"
    )
    print()
    print(f"same best parameters: {ours.best_params_ == reference_params}")
    print(f"same best score (==): {ours.best_score_ == reference_best}")
    print(f"every candidate's score identical (==): {same_order and bool(np.array_equal(scores, reference_scores))}")
    ratio = ours_seconds / reference_seconds
    print(
        f"wall-time ratio ValidationSearch / GridSearchCV: {ratio:.2f}x (target <= 0.6x: "
        f"{'ok' if ratio <= 0.6 else 'OVER'})"
    )


if __name__ == "__main__":
    main()
