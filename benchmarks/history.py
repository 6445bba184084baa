"""Leak-free history features (tabkit.prep.history.HistoryFeatures) for LightGBM on Kaggle's
Rossmann data, side by side with fastai's features.

Validation is the shipped run's: the latest training dates, as many rows as the test set
(41,396 rows, 2015-06-19..07-31). LightGBM learns log(Sales); scores are RMSPE on Sales.

  a   fastai's features, early stopping on the validation rows (as the pipeline does: an
      optimistic reference, the round count is chosen on the rows it is scored on);
  b   fastai's features, honest early stopping: rounds chosen on the latest 6 weeks of the
      training rows (as many rows as validation), then a refit on all training rows with
      that count scaled by the row ratio;
  c   b + history features with gap = the horizon (days from the training cutoff to the
      last validation day): store mean log-sales (91/182/365 days), store x weekday and
      store x promo means (91/365), store mean customers, and promo/holiday days in the
      past and next 7/14 days;
  c0  c with gap = 0 (the validation rows' windows are cut at the cutoff);
  c-store, c-groups, c-events: parts of c (store means and customers; + the store x
      weekday and store x promo means; the event counts alone);
  d   each honest variant with its predictions times c, c fitted (grid 0.970..1.010) on the
      out-of-time training slice that chose its round count.

Also times HistoryFeatures on Kaggle's full train.csv (1,017,209 rows, windows 7/28/91/365,
with Customers). Event days are read from the raw train and test tables (closed days
included): promotions and holidays are known in advance.

Run: .venv/bin/python benchmarks/history.py [--stores 300] [--variants a b c c0]
(--stores 0: all 1,115 stores, 2-6 minutes a variant at one thread on a busy 2-core box.)

Results, all stores, learning rate 0.05, 63 leaves, early stopping 100, one variant a run
(exp_rmspe on validation; c fitted on the training slice; "best c" is validation's own):

  a        fastai, early stopping on validation   0.1117  (2154 rounds)
  b        fastai, honest rounds                  0.1188  (424)   x 0.997: 0.1187 (best c 0.994)
  c        + all history, gap 43                  0.1177  (448)   x 0.975: 0.1120 (best c 0.970)
  c0       + all history, gap 0                   0.1149  (280)   x 0.973: 0.1116 (best c 0.973)
  c-store  + store means, gap 43                  0.1195  (442)   x 0.977: 0.1175 (best c 0.979)
  c-groups + store, store x weekday, x promo      0.1178  (443)   x 0.970: 0.1118 (best c 0.970)
  c-groups the same, gap 0                        0.1154  (311)   x 0.972: 0.1123 (best c 0.974)
  c-events event counts only, gap 43              0.1148  (665)   x 1.010: 0.1159 (best c 0.992)

The training slice (2015-05-04..06-18) stops at ~400 rounds where validation would take
2154 (patience 300 picks the same rounds): b refitted for 1,500 rounds scores 0.1125, so
most of a's lead is the round count. At 1,500 rounds c0 scores 0.1164 raw but 0.1102 times
its slice-fitted 0.973: models with target history predict ~3% high on both out-of-time
slices, and the factor fitted on one carries over. The store x promo and store x weekday
means carry the gain; store means, customer means and event counts add nothing beyond
fastai's own features. For 91-365-day windows gap 0 (fresher, cut windows) is as good as
gap 43 once corrected.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from tabkit.datasets import ROSSMANN_CAT, ROSSMANN_CONT, load_rossmann, rossmann_features
from tabkit.metrics import rmspe
from tabkit.prep.history import HistoryFeatures
from tabkit.prep.split import time_split

REPO = Path(__file__).resolve().parents[1]
EVENTS = ["Promo", "StateHoliday", "SchoolHoliday"]
HISTORY_VARIANTS = {"c": "all", "c0": "all", "c-store": "store", "c-events": "events", "c-groups": "groups"}
CORRECTIONS = np.round(np.arange(0.970, 1.0105, 0.001), 3)


def history_transformers(kind: str, gap: int) -> list[HistoryFeatures]:
    """The history feature sets of the experiment (``kind``: all, store, groups, events)."""
    store = HistoryFeatures(
        group="Store", windows=(91, 182, 365), gap=gap, columns="Customers", log_target=True, min_periods=5
    )
    events = HistoryFeatures(group="Store", windows=(7,), gap=gap, events=EVENTS, event_windows=(7, 14))
    groups = [
        HistoryFeatures(group=["Store", "DayOfWeek"], windows=(91, 365), gap=gap, log_target=True, min_periods=3),
        HistoryFeatures(group=["Store", "Promo"], windows=(91, 365), gap=gap, log_target=True, min_periods=3),
    ]
    with_events = HistoryFeatures(
        group="Store",
        windows=(91, 182, 365),
        gap=gap,
        columns="Customers",
        log_target=True,
        min_periods=5,
        events=EVENTS,
        event_windows=(7, 14),
    )
    return {"all": [with_events, *groups], "store": [store], "groups": [store, *groups], "events": [events]}[kind]


def add_history(kind: str, gap: int, fit_rows: pd.DataFrame, frames: list[pd.DataFrame], calendar: pd.DataFrame):
    """Fit the ``kind`` transformers on ``fit_rows``; transform ``frames`` stacked with the
    event ``calendar`` (its rows only lend their event days); return the frames and the new
    columns."""
    tags = np.concatenate([np.full(len(f), i) for i, f in enumerate(frames)] + [np.full(len(calendar), -1)])
    stacked = pd.concat([*frames, calendar], ignore_index=True)
    names = []
    for transformer in history_transformers(kind, gap):
        stacked = transformer.fit(fit_rows).transform(stacked)
        names += transformer.names_
    if kind == "events":  # that transformer's 7-day sales means are not part of the set
        names = [n for n in names if n.startswith(tuple(EVENTS))]
    return [stacked[tags == i].reset_index(drop=True) for i in range(len(frames))], names


def encode(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Categorical columns as the same integer codes in every frame (NaN for missing)."""
    stacked = pd.concat([f[ROSSMANN_CAT] for f in frames], ignore_index=True)
    codes = {}
    for column in ROSSMANN_CAT:
        values = pd.factorize(stacked[column])[0].astype(np.float64)
        values[values < 0] = np.nan
        codes[column] = values
    coded = pd.DataFrame(codes)
    out, start = [], 0
    for frame in frames:
        part = frame.copy()
        part[ROSSMANN_CAT] = coded.iloc[start : start + len(frame)].to_numpy()
        out.append(part)
        start += len(frame)
    return out


class Booster:
    """LightGBM on log(Sales) with the run's parameters."""

    def __init__(self, args, features: list[str]):
        self.features = features
        self.params = {
            "objective": "regression",
            "learning_rate": args.learning_rate,
            "num_leaves": args.num_leaves,
            "num_threads": args.threads,
            "seed": args.seed,
            "deterministic": True,
            "force_col_wise": True,
            "verbose": -1,
        }
        self.rounds, self.patience = args.rounds, args.early_stopping

    def data(self, frame: pd.DataFrame, reference=None) -> lgb.Dataset:
        cats = [c for c in self.features if c in ROSSMANN_CAT]
        return lgb.Dataset(
            frame[self.features], np.log(frame["Sales"].to_numpy(float)), categorical_feature=cats, reference=reference
        )

    def fit(self, train: pd.DataFrame, valid: pd.DataFrame | None = None, rounds: int | None = None):
        start = time.perf_counter()
        data = self.data(train)
        if valid is None:
            booster = lgb.train(self.params, data, num_boost_round=rounds)
            return booster, rounds, time.perf_counter() - start
        booster = lgb.train(
            self.params,
            data,
            num_boost_round=self.rounds,
            valid_sets=[self.data(valid, reference=data)],
            callbacks=[lgb.early_stopping(self.patience, verbose=False)],
        )
        best = booster.best_iteration or booster.current_iteration()
        return booster, best, time.perf_counter() - start

    def predict(self, booster, frame: pd.DataFrame, rounds: int) -> np.ndarray:
        return booster.predict(frame[self.features], num_iteration=rounds)


def best_correction(sales: np.ndarray, log_pred: np.ndarray) -> float:
    scores = [rmspe(sales, np.exp(log_pred) * c) for c in CORRECTIONS]
    return float(CORRECTIONS[int(np.argmin(scores))])


def time_transformer(path: Path) -> None:
    raw = load_rossmann(path)["train"]
    history = HistoryFeatures(windows=(7, 28, 91, 365), columns="Customers")
    start = time.perf_counter()
    history.fit(raw)
    fitted = time.perf_counter()
    out = history.transform(raw)
    done = time.perf_counter()
    print(
        f"HistoryFeatures on train.csv, {len(raw):,} rows x {raw['Store'].nunique()} stores, windows 7/28/91/365, "
        f"Sales + Customers: fit {fitted - start:.2f} s, transform {done - fitted:.2f} s "
        f"({len(history.names_)} columns added, output {out.shape})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO / ".." / "shared" / "data" / "rossmann")
    parser.add_argument("--stores", type=int, default=300, help="random stores to keep (0: all 1,115)")
    parser.add_argument(
        "--variants",
        nargs="+",
        default=["a", "b", "c", "c0"],
        choices=["a", "b", *HISTORY_VARIANTS],
        help="what to fit",
    )
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--num-leaves", type=int, default=63)
    parser.add_argument("--rounds", type=int, default=3000, help="most boosting rounds")
    parser.add_argument("--early-stopping", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--gap", type=int, default=None, help="gap of the c variants but c0 (default: the horizon)")
    parser.add_argument(
        "--score-rounds",
        type=int,
        nargs="*",
        default=[],
        help="also score each honest refit at these round counts (a diagnostic: it trains that long)",
    )
    parser.add_argument("--skip-timing", action="store_true", help="do not time the transformer on train.csv")
    args = parser.parse_args()

    if not args.skip_timing:
        time_transformer(args.data)
    tables = load_rossmann(args.data)
    train, test = rossmann_features(tables)
    train = train[train["Sales"] > 0].reset_index(drop=True)  # the log-target pipeline's rows
    fit_pos, valid_pos = time_split(train, date="Date", valid_size=len(test))
    fit_rows, valid = train.iloc[fit_pos].reset_index(drop=True), train.iloc[valid_pos].reset_index(drop=True)
    inner_pos, slice_pos = time_split(fit_rows, date="Date", valid_size=len(valid))
    inner, holdout = fit_rows.iloc[inner_pos].reset_index(drop=True), fit_rows.iloc[slice_pos].reset_index(drop=True)
    horizon = (valid["Date"].max() - fit_rows["Date"].max()).days
    inner_horizon = (holdout["Date"].max() - inner["Date"].max()).days
    print(
        f"validation {len(valid):,} rows {valid['Date'].min().date()}..{valid['Date'].max().date()} "
        f"(horizon {horizon} days); out-of-time training slice {len(holdout):,} rows "
        f"{holdout['Date'].min().date()}..{holdout['Date'].max().date()} (horizon {inner_horizon} days)"
    )

    calendar = pd.concat([tables["train"], tables["test"]], ignore_index=True)
    calendar = calendar[["Store", "DayOfWeek", "Date", *EVENTS]].copy()
    calendar["StateHoliday"] = (calendar["StateHoliday"].astype(str) != "0").astype(np.int64)
    calendar["Promo"] = calendar["Promo"].fillna(0).astype(np.int64)
    if args.stores:
        stores = np.sort(np.random.default_rng(args.seed).choice(train["Store"].unique(), args.stores, replace=False))
        keep = [
            frame[frame["Store"].isin(stores)].reset_index(drop=True) for frame in (fit_rows, valid, inner, holdout)
        ]
        fit_rows, valid, inner, holdout = keep
        calendar = calendar[calendar["Store"].isin(stores)]
        print(
            f"SUBSAMPLE: {args.stores} of 1,115 stores (seed {args.seed}): {len(fit_rows):,} training rows, "
            f"{len(valid):,} validation rows"
        )
    base = ROSSMANN_CAT + ROSSMANN_CONT
    print(
        f"LightGBM: learning rate {args.learning_rate}, {args.num_leaves} leaves, at most {args.rounds} rounds, "
        f"early stopping {args.early_stopping}, {args.threads} thread(s)\n"
    )

    rows = []
    for variant in args.variants:
        started = time.perf_counter()
        if variant == "a":
            model = Booster(args, base)
            train_part, valid_part = encode([fit_rows, valid])
            booster, best, seconds = model.fit(train_part, valid_part)
            score = rmspe(valid["Sales"], np.exp(model.predict(booster, valid_part, best)))
            rows.append(("a", "fastai, early stopping on validation", score, best, seconds, "", ""))
            continue
        features, full, inner_rows = base, (fit_rows, valid), (inner, holdout)
        if variant in HISTORY_VARIANTS:
            gap = 0 if variant == "c0" else horizon if args.gap is None else args.gap
            kind = HISTORY_VARIANTS[variant]
            inner_rows, names = add_history(kind, gap, inner, [inner, holdout], calendar)
            full, _ = add_history(kind, gap, fit_rows, [fit_rows, valid], calendar)
            features = base + names
            print(
                f"{variant}: {len(names)} history columns (gap {gap}), features built in "
                f"{time.perf_counter() - started:.1f} s: {', '.join(names)}"
            )
        # categories coded after the history is added: its group columns are the raw values
        full, inner_rows = encode(list(full)), encode(list(inner_rows))
        model = Booster(args, features)
        booster, best, inner_seconds = model.fit(*inner_rows)
        correction = best_correction(inner_rows[1]["Sales"].to_numpy(), model.predict(booster, inner_rows[1], best))
        rounds = int(round(best * len(full[0]) / len(inner_rows[0])))
        final, _, seconds = model.fit(full[0], rounds=max([rounds, *args.score_rounds]))
        log_pred = model.predict(final, full[1], rounds)
        for count in args.score_rounds:
            at = np.exp(model.predict(final, full[1], count))
            truth = full[1]["Sales"].to_numpy()
            best_c = best_correction(truth, np.log(at))
            print(
                f"{variant}: refit scored at {count} rounds: {rmspe(truth, at):.4f}, x c {correction:.3f}: "
                f"{rmspe(truth, at * correction):.4f}, x best c on validation {best_c:.3f}: "
                f"{rmspe(truth, at * best_c):.4f}"
            )
        sales = full[1]["Sales"].to_numpy()
        score = rmspe(sales, np.exp(log_pred))
        corrected = rmspe(sales, np.exp(log_pred) * correction)
        label = "fastai, honest rounds" if variant == "b" else f"b + history ({HISTORY_VARIANTS[variant]}, gap {gap})"
        oracle = best_correction(sales, log_pred)
        rows.append((variant, label, score, rounds, inner_seconds + seconds, "", f"inner best {best}"))
        rows.append(
            (
                f"d({variant})",
                label + " x c",
                corrected,
                rounds,
                0.0,
                f"{correction:.3f}",
                f"best c on validation {oracle:.3f}",
            )
        )
        gain = pd.Series(final.feature_importance("gain"), index=features)
        top = (gain / gain.sum()).sort_values(ascending=False).head(12)
        print(f"{variant}: top gain " + ", ".join(f"{k} {v:.3f}" for k, v in top.items()))

    print(f"\n{'variant':<10} {'features':<42} {'exp_rmspe':>9} {'rounds':>7} {'fit s':>7} {'c':>6}  note")
    for variant, label, score, rounds, seconds, correction, note in rows:
        print(f"{variant:<10} {label:<42} {score:9.4f} {rounds:7d} {seconds:7.1f} {correction:>6}  {note}")


if __name__ == "__main__":
    main()
