"""Rossmann forest quality on two validation splits: forecasting vs fastai 0.7's window.

The same ForestRegressor with fastai 0.7's settings (40 trees, max_features 0.99,
min_samples_leaf 2, log target) on the real Kaggle data (rossmann_features), scored as
RMSPE on Sales, on
- the latest dates, as many rows as the test set (tabkit's pipelines: a forecast, trained
  only on earlier days);
- fastai 0.7's window, 2014-08-01 to 2014-09-17, trained on every other day, 2015
  included (the course notebook's val_idx, where its forest scored 0.1156).
The second is an interpolation, so it is the easier of the two: compare a forest with
fastai's figure only on fastai's split.

    python benchmarks/forest_splits.py ../shared/data/rossmann   # a few minutes on 2 cores
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import tabkit as tk
from tabkit.datasets import ROSSMANN_CAT, ROSSMANN_CONT, load_rossmann, rossmann_features
from tabkit.metrics import rmspe

FASTAI_WINDOW = ("2014-08-01", "2014-09-17")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="folder with Kaggle's Rossmann files and the external tables")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    train, test = rossmann_features(load_rossmann(args.path))
    X, y = train[ROSSMANN_CAT + ROSSMANN_CONT], np.log(train["Sales"].to_numpy(float))
    latest_train, latest_valid = tk.time_split(train, date="Date", valid_size=len(test))
    in_window = ((train["Date"] >= FASTAI_WINDOW[0]) & (train["Date"] <= FASTAI_WINDOW[1])).to_numpy()
    splits = {
        "latest dates (forecast)": (latest_train, latest_valid),
        f"fastai 0.7 window {FASTAI_WINDOW[0]}..{FASTAI_WINDOW[1]}": (
            np.flatnonzero(~in_window),
            np.flatnonzero(in_window),
        ),
    }
    for name, (fit_rows, valid_rows) in splits.items():
        started = time.perf_counter()
        forest = tk.ForestRegressor(
            40,
            max_features=0.99,
            min_samples_leaf=2,
            n_jobs=-1,
            random_state=args.seed,
            cat_names=ROSSMANN_CAT,
            cont_names=ROSSMANN_CONT,
        )
        forest.fit(X.iloc[fit_rows], y[fit_rows])
        score = rmspe(np.exp(y[valid_rows]), np.exp(forest.predict(X.iloc[valid_rows])))
        print(
            f"{name:42s} {len(fit_rows):>8,} train / {len(valid_rows):>7,} valid rows  "
            f"exp_rmspe {score:.4f}  ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
