"""Permutation importance speed: tabkit vs sklearn.inspection.permutation_importance, side by side.

Same fitted model, same validation frame, same n_repeats, same n_jobs; prints both times,
the ratio and how well the two rankings agree. tabkit encodes the validation rows once and
shuffles encoded columns; scikit-learn preprocesses every shuffled frame again.

    python benchmarks/importance.py                # 100-tree forest, 20,000 validation rows x 20 columns
    python benchmarks/importance.py --model net    # an entity-embedding net on the same data
    python benchmarks/importance.py --quick        # small sizes, seconds
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.inspection import permutation_importance as sklearn_permutation_importance

from tabkit.forest.estimators import ForestRegressor
from tabkit.forest.importance import permutation_importance
from tabkit.nn.estimators import EmbeddingNetRegressor


def make_frame(n_rows: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """12 continuous and 8 categorical columns; the target uses half of them."""
    rng = np.random.RandomState(seed)
    frame = pd.DataFrame({f"num{i}": rng.normal(size=n_rows) for i in range(12)})
    for i in range(8):
        frame[f"cat{i}"] = rng.choice(list("abcdefgh"[: 2 + i % 6]), n_rows)
    effects = {letter: rank for rank, letter in enumerate("abcdefgh")}
    y = (
        3 * frame["num0"]
        + 2 * frame["num1"] * frame["num2"]
        + np.sin(frame["num3"])
        + frame["cat0"].map(effects)
        + 0.5 * frame["cat1"].map(effects)
        + rng.normal(scale=0.3, size=n_rows)
    )
    return frame, y


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20-tree forest (or 1 epoch), 3,000 validation rows")
    parser.add_argument("--model", choices=("forest", "net"), default="forest")
    args = parser.parse_args()
    n_trees, n_train, n_valid, n_repeats = (20, 5_000, 3_000, 3) if args.quick else (100, 50_000, 20_000, 5)
    X, y = make_frame(n_train, seed=0)
    X_valid, y_valid = make_frame(n_valid, seed=1)
    if args.model == "forest":
        model = ForestRegressor(n_trees, n_jobs=1, random_state=0).fit(X, y)
        name = f"ForestRegressor({n_trees} trees)"
    else:
        epochs = 1 if args.quick else 3
        model = EmbeddingNetRegressor((200, 100), epochs=epochs, verbose=0, device="cpu", random_state=0).fit(X, y)
        name = f"EmbeddingNetRegressor((200, 100), {epochs} epochs)"
    print(f"{name} on {n_train} rows; importance on {n_valid} x {X.shape[1]} rows, n_repeats={n_repeats}")
    predict_time = min(timed(lambda: model.predict(X_valid)) for _ in range(3))
    budget = 1.1 * predict_time * X_valid.shape[1] * n_repeats
    print(
        f"budget at n_jobs=1: validation predict {predict_time:.3f} s x {X_valid.shape[1]} columns x {n_repeats} "
        f"repeats + 10% = {budget:.2f} s"
    )

    for n_jobs in (1, 2):
        # warm up: start the worker pool and import everything in the workers before timing
        permutation_importance(model, X_valid.iloc[:50], y_valid.iloc[:50], n_repeats=1, n_jobs=n_jobs)
        sklearn_permutation_importance(model, X_valid.iloc[:50], y_valid.iloc[:50], n_repeats=1, n_jobs=n_jobs)
        start = time.perf_counter()
        ours = permutation_importance(model, X_valid, y_valid, n_repeats=n_repeats, n_jobs=n_jobs, random_state=0)
        ours_time = time.perf_counter() - start
        start = time.perf_counter()
        theirs = sklearn_permutation_importance(
            model, X_valid, y_valid, n_repeats=n_repeats, n_jobs=n_jobs, random_state=0
        )
        theirs_time = time.perf_counter() - start
        theirs = pd.Series(theirs.importances_mean, index=X_valid.columns)
        ours = ours.set_index("feature")["importance"][theirs.index]
        rho = spearmanr(ours, theirs).statistic
        print(f"\nn_jobs={n_jobs}")
        print(f"  tabkit.permutation_importance    {ours_time:7.2f} s")
        print(f"  sklearn permutation_importance   {theirs_time:7.2f} s   ratio {theirs_time / ours_time:5.2f}x")
        print(
            f"  rank agreement (Spearman) {rho:.3f}; "
            f"same top 5: {list(ours.nlargest(5).index) == list(theirs.nlargest(5).index)}"
        )
    print("\nratio = sklearn time / tabkit time (above 1: tabkit is faster)")


if __name__ == "__main__":
    main()
