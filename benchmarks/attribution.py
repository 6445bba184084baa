"""Saabas attribution speed: tabkit.contributions vs shap's approximate mode and treeinterpreter.

Cases (each at n_jobs=1 and n_jobs=2, explaining 2,000 (or 300 with --quick), 100 and 10 rows):
- classic: a 100-tree forest (min_samples_leaf=3) on 50,000 x 20 synthetic rows, classifier
  and regressor; treeinterpreter 0.2.3 on the classifier only (it crashes on regressors
  under NumPy 2), and at one thread only (it walks the trees itself);
- deep (--deep): a tabkit ForestRegressor of 40 trees, min_samples_leaf=2, on the last
  800,000 rows (by date) of Rossmann, log sales: the real data when --data holds it
  (default ../shared/data/rossmann), else the synthetic tables of make_rossmann. No
  treeinterpreter there: besides crashing on regressors, it lists every root-to-leaf path
  of each tree in Python.

"first" is a call on a model never explained before: tabkit builds and caches its node
table, shap builds its TreeExplainer (both included). "steady" is a later call on the same
model. Times are the best of calls alternated between the tools, so load changes hit both;
ratios are the other tool's time over tabkit's (above 1: tabkit is faster). tabkit and shap
get the same float32 matrix and the forest's scikit-learn model; the deep case also times
tabkit on the tabkit model and its raw DataFrame (processor included). The process's first
contributions call also imports numba and loads (or, on a fresh install, compiles) the
kernels: timed once, on its own line.

    python benchmarks/attribution.py            # classic case (a few minutes)
    python benchmarks/attribution.py --quick    # small sizes, seconds
    python benchmarks/attribution.py --deep --skip-classic [--trees 10] [--rows 500000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import shap
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.tree import DecisionTreeRegressor
from treeinterpreter import treeinterpreter

import tabkit as tk
from tabkit.forest.attribution import _model_inputs, contributions

try:
    from tabkit.forest.saabas import _TABLES, node_table
except ImportError:  # a tabkit from before the cached node table: the script still times it
    _TABLES, node_table = {}, None

REPO = Path(__file__).resolve().parents[1]


def stack(explanation) -> np.ndarray:
    """An Explanation's values as rows x features x outputs, as shap and treeinterpreter return them."""
    if explanation.classes is None:
        return explanation.values.to_numpy()
    return np.stack([explanation.values[label].to_numpy() for label in explanation.classes], axis=-1)


def clock(func) -> tuple[float, object]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def first_calls(model, rows: np.ndarray, repeats: int) -> tuple[float, float]:
    """Best times of a first tabkit call (table built) and of shap's set-up plus first call."""
    best = [np.inf, np.inf]
    for _ in range(repeats):
        _TABLES.pop(model, None)  # forget the node table, as for a model never explained
        best[0] = min(best[0], clock(lambda: contributions(model, rows))[0])
        best[1] = min(best[1], clock(lambda: shap.TreeExplainer(model).shap_values(rows, approximate=True))[0])
    return best[0], best[1]


def steady_calls(model, explainer, rows: np.ndarray, repeats: int) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Best times of later tabkit and shap calls, alternated, and their last results."""
    contributions(model, rows)
    best, results = [np.inf, np.inf], [None, None]
    calls = (lambda: stack(contributions(model, rows)), lambda: explainer.shap_values(rows, approximate=True))
    for _ in range(repeats):
        for i, call in enumerate(calls):
            elapsed, results[i] = clock(call)
            best[i] = min(best[i], elapsed)
    return best[0], best[1], results[0], np.asarray(results[1])


def compare(label: str, model, X: np.ndarray, sizes: list[int], n_jobs: int, repeats: int, ti: bool) -> None:
    model.n_jobs = n_jobs
    explainer = shap.TreeExplainer(model)
    for n_rows in sizes:
        rows = X[:n_rows]
        first, shap_first = first_calls(model, rows, max(1, repeats // 3))
        steady, shap_steady, ours, theirs = steady_calls(model, explainer, rows, repeats)
        line = (
            f"  {label:<11}{n_jobs:>3}{n_rows:>6}   first {first:8.4f} s  shap {shap_first:8.4f} s "
            f"({shap_first / first:6.2f}x)   steady {steady:8.4f} s  shap {shap_steady:8.4f} s "
            f"({shap_steady / steady:6.2f}x)  |diff| {np.abs(ours - theirs).max():.0e}"
        )
        if ti:
            ti_time, (_, _, ti_values) = clock(lambda rows=rows: treeinterpreter.predict(model, rows))
            difference = np.abs(ours - ti_values).max()
            line += f"\n{'':22}treeinterpreter {ti_time:8.4f} s ({ti_time / steady:7.1f}x)  |diff| {difference:.0e}"
        print(line, flush=True)


def memory_line(model, explainer) -> str:
    table = node_table(model) if node_table else None
    arrays = (
        "children_left",
        "children_right",
        "children_default",
        "features",
        "thresholds",
        "values",
        "node_sample_weight",
    )
    shap_bytes = sum(getattr(explainer.model, name).nbytes for name in arrays)
    nodes = sum(tree.tree_.node_count for tree in model.estimators_)
    ours = f"tabkit node table {table.nbytes / 2**20:,.0f} MiB, " if table else ""
    return f"  {nodes:,} nodes; {ours}shap's tree arrays {shap_bytes / 2**20:,.0f} MiB"


def make_data(n_rows: int, n_features: int, seed: int = 0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_rows, n_features)).astype(np.float32)
    y = X[:, 0] + 2 * X[:, 1] * X[:, 2] - X[:, 3] ** 2 + rng.normal(scale=0.5, size=n_rows)
    return X, y


def classic(args, jobs: list[int]) -> None:
    n_rows, n_trees, n_explain = (10_000, 30, 300) if args.quick else (50_000, 100, 2_000)
    X, y = make_data(n_rows, 20)
    print(f"\nclassic: {n_trees} trees, min_samples_leaf=3, max_features=0.5, {n_rows:,} x {X.shape[1]} rows")
    forests = {
        "classifier": RandomForestClassifier(
            n_trees, min_samples_leaf=3, max_features=0.5, n_jobs=2, random_state=0
        ).fit(X, (y > np.median(y)).astype(int)),
        "regressor": RandomForestRegressor(n_trees, min_samples_leaf=3, max_features=0.5, n_jobs=2, random_state=0).fit(
            X, y
        ),
    }
    print(f"  {'model':<11}{'jobs':>3}{'rows':>6}")
    for label, model in forests.items():
        for n_jobs in jobs:
            compare(
                label, model, X, [n_explain, 100, 10], n_jobs, args.repeats, ti=label == "classifier" and n_jobs == 1
            )
        print(memory_line(model, shap.TreeExplainer(model)))


def rossmann_frame(data: Path):
    if (data / "train.csv").exists():
        return tk.datasets.load_rossmann(data), f"real Rossmann data from {data}"
    return tk.datasets.make_rossmann(seed=0), "synthetic Rossmann data (make_rossmann, seed 0)"


def deep(args, jobs: list[int]) -> None:
    tables, source = rossmann_frame(args.data)
    train, _ = tk.datasets.rossmann_features(tables)
    train = train.sort_values("Date", kind="stable").iloc[-args.rows :]
    columns = tk.datasets.ROSSMANN_CAT + tk.datasets.ROSSMANN_CONT
    frame, target = train[columns], np.log(train["Sales"].to_numpy())
    model = tk.ForestRegressor(
        args.trees,
        min_samples_leaf=2,
        n_jobs=2,
        random_state=0,
        cat_names=tk.datasets.ROSSMANN_CAT,
        cont_names=tk.datasets.ROSSMANN_CONT,
    )
    fit_time, _ = clock(lambda: model.fit(frame, target))
    sample = frame.sample(2_000, random_state=1)
    forest, features, _, _ = _model_inputs(model, sample)
    print(
        f"\ndeep: {args.trees} trees, min_samples_leaf=2, {len(frame):,} rows x {features.shape[1]} features "
        f"of {source}; fitted in {fit_time:.0f} s"
    )
    print(f"  {'model':<11}{'jobs':>3}{'rows':>6}")
    for n_jobs in jobs:
        compare("forest_", forest, features, [2_000, 100, 10], n_jobs, args.repeats, ti=False)
        model.forest_.n_jobs = n_jobs
        for n_rows in (2_000, 10):
            rows = sample.iloc[:n_rows]
            best = min(clock(lambda rows=rows: contributions(model, rows))[0] for _ in range(args.repeats))
            print(f"  tabkit model, raw DataFrame in, n_jobs={n_jobs}, {n_rows} rows: steady {best:.4f} s")
    print(memory_line(forest, shap.TreeExplainer(forest)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="classic case at 10,000 x 20 rows, 30 trees, 300 rows")
    parser.add_argument("--deep", action="store_true", help="also run the deep Rossmann forest case")
    parser.add_argument("--skip-classic", action="store_true", help="run only the deep case")
    parser.add_argument("--trees", type=int, default=40, help="trees of the deep forest (default 40)")
    parser.add_argument("--rows", type=int, default=800_000, help="training rows of the deep forest")
    parser.add_argument("--data", type=Path, default=REPO / "../shared/data/rossmann", help="real Rossmann CSV folder")
    parser.add_argument("--n-jobs", type=int, nargs="+", default=[1, 2], help="thread counts to time (default 1 2)")
    parser.add_argument("--repeats", type=int, default=7, help="alternated calls per timing (best kept)")
    args = parser.parse_args()

    # the process's first call imports numba and loads (or compiles) the kernels, whatever the model
    rng = np.random.RandomState(0)
    tiny = DecisionTreeRegressor(max_depth=2).fit(rng.normal(size=(20, 2)), rng.normal(size=20))
    print(
        "numba import and kernel load (or compile), once per process: "
        f"{clock(lambda: contributions(tiny, rng.normal(size=(2, 2))))[0]:.2f} s"
    )
    if not args.skip_classic:
        classic(args, args.n_jobs)
    if args.deep:
        deep(args, args.n_jobs)
    print("\nratios: shap's (or treeinterpreter's) time over tabkit's; above 1, tabkit is faster")


if __name__ == "__main__":
    main()
