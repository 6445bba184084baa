"""Saabas attribution speed: tabkit.contributions vs treeinterpreter and shap, side by side.

A 100-tree forest (min_samples_leaf=3) on 50,000 x 20 rows explains 2,000 rows:
- classifier: tabkit vs treeinterpreter 0.2.3 (which crashes on regressors under NumPy 2)
  and vs shap's TreeExplainer in approximate (Saabas) mode;
- regressor: tabkit vs shap approximate mode.
Prints each time (best of alternating runs; shap's explainer is built outside the timing,
in its favour), the ratios, and the largest difference between the results.

    python benchmarks/attribution.py            # the issue's sizes (a few minutes)
    python benchmarks/attribution.py --quick    # small sizes, seconds
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import shap
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from treeinterpreter import treeinterpreter

from tabkit.forest.attribution import contributions


def timed(func, repeats: int = 1):
    """Best wall time of ``repeats`` calls, and the last result."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def timed_pair(first, second, repeats: int = 5):
    """Best times of two functions called alternately (so load changes hit both), and results."""
    times, results = [np.inf, np.inf], [None, None]
    for _ in range(repeats):
        for i, func in enumerate((first, second)):
            elapsed, results[i] = timed(func)
            times[i] = min(times[i], elapsed)
    return times, results


def make_data(n_rows: int, n_features: int, seed: int = 0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_rows, n_features)).astype(np.float32)
    y = X[:, 0] + 2 * X[:, 1] * X[:, 2] - X[:, 3] ** 2 + rng.normal(scale=0.5, size=n_rows)
    return X, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10,000 x 20 rows, 30 trees, explain 300 rows")
    parser.add_argument("--n-jobs", type=int, default=1, help="threads for tree traversal (all tools get the same)")
    args = parser.parse_args()
    n_rows, n_trees, n_explain = (10_000, 30, 300) if args.quick else (50_000, 100, 2_000)
    X, y = make_data(n_rows, 20)
    rows = X[:n_explain]
    print(f"{n_trees} trees, min_samples_leaf=3, {n_rows} x {X.shape[1]} training rows, explaining {n_explain} rows")

    labels = (y > np.median(y)).astype(int)
    classifier = RandomForestClassifier(n_trees, min_samples_leaf=3, max_features=0.5, n_jobs=args.n_jobs, random_state=0)
    classifier.fit(X, labels)
    explainer = shap.TreeExplainer(classifier)
    (ours_time, shap_time), (ours, shap_values) = timed_pair(
        lambda: contributions(classifier, rows), lambda: explainer.shap_values(rows, approximate=True)
    )
    ti_time, (_, _, ti_values) = timed(lambda: treeinterpreter.predict(classifier, rows))
    ours_values = np.stack([ours.values[label].to_numpy() for label in ours.classes], axis=-1)
    print("\nclassifier")
    print(f"  tabkit.contributions       {ours_time:8.3f} s")
    print(f"  treeinterpreter.predict    {ti_time:8.3f} s   ratio {ti_time / ours_time:7.1f}x  (max |diff| {np.abs(ti_values - ours_values).max():.1e})")
    print(f"  shap approximate=True      {shap_time:8.3f} s   ratio {shap_time / ours_time:7.2f}x  (max |diff| {np.abs(shap_values - ours_values).max():.1e})")

    regressor = RandomForestRegressor(n_trees, min_samples_leaf=3, max_features=0.5, n_jobs=args.n_jobs, random_state=0)
    regressor.fit(X, y)
    explainer = shap.TreeExplainer(regressor)
    (ours_time, shap_time), (ours, shap_values) = timed_pair(
        lambda: contributions(regressor, rows), lambda: explainer.shap_values(rows, approximate=True)
    )
    print("\nregressor (treeinterpreter crashes on regressors under NumPy 2)")
    print(f"  tabkit.contributions       {ours_time:8.3f} s")
    print(f"  shap approximate=True      {shap_time:8.3f} s   ratio {shap_time / ours_time:7.2f}x  (max |diff| {np.abs(shap_values - ours.values.to_numpy()).max():.1e})")
    print("\nratio = reference time / tabkit time (above 1: tabkit is faster)")


if __name__ == "__main__":
    main()
