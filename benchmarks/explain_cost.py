"""What explaining a run's models costs next to fitting them: seconds per model of the fit
and of the explain step (permutation importance, contributions of the explained rows,
partial dependence, 2-d maps, the contribution sample), and their ratio. The target:
explaining costs at most a third of fitting.

    python benchmarks/explain_cost.py                   # ~10k rows written as CSV, read by the csv source
    python benchmarks/explain_cost.py --reference       # and once more with the blends' members left
                                                        # unexplained: each blend explained from scratch
    python benchmarks/explain_cost.py --spec pipelines/rossmann.toml --set data.path=../shared/data/rossmann

The small data set is the synthetic Rossmann generator's sales of 11 stores (10,362 rows),
joined with the stores' table into one CSV as any competition ships it (the "auto" feature
builder takes it from there). Its spec fits a forest, a net, LightGBM, a blend of the two
tree models (explained from its members' contributions) and a blend of all three (a net
explains no rows; its importance and partial dependence still come from its members'
predictions). Run it on a quiet machine: the timings are only worth their ratios.
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
from pathlib import Path

SPEC = {
    "name": "explain-cost",
    "metric": "exp_rmspe",
    "seed": 42,
    "data": {"source": "csv", "target": "Sales", "id": "Id", "date": "Date"},
    "features": {"builder": "auto", "log_target": True},
    "split": {"by": "test"},
    "model": [
        {"name": "forest", "kind": "forest", "params": {"n_estimators": 40, "max_features": 0.5}},
        {
            "name": "net",
            "kind": "embedding_net",
            "params": {"layers": [200, 100], "epochs": 5, "lr": 3e-3, "batch_size": 128, "y_range": "auto"},
        },
        {"name": "lightgbm", "kind": "lightgbm", "params": {"n_estimators": 400, "learning_rate": 0.05}},
        {"name": "trees", "kind": "ensemble", "members": ["forest", "lightgbm"], "weights": "validation"},
        {"name": "blend", "kind": "ensemble", "members": ["forest", "net", "lightgbm"], "weights": "validation"},
    ],
    "output": {"report": False, "submission": "none"},
}


def write_data(folder: Path) -> dict:
    """The small data set as train.csv and test.csv; the spec's data paths."""
    from tabkit.datasets import make_rossmann

    tables = make_rossmann(11, seed=0)
    store = tables["store"]
    train = tables["train"].drop(columns="Customers").merge(store, on="Store")
    train = train[train["Open"] == 1].drop(columns="Open")
    train.insert(0, "Id", range(len(train)))
    test = tables["test"].merge(store, on="Store")
    test = test[test["Open"] == 1].drop(columns="Open")
    train.to_csv(folder / "train.csv", index=False)
    test.to_csv(folder / "test.csv", index=False)
    print(f"data: {len(train):,} training rows, {len(test):,} test rows, {train.shape[1]} columns", flush=True)
    return {"train": str(folder / "train.csv"), "test": str(folder / "test.csv")}


def run(spec, overrides: list[str], folder: Path) -> dict:
    """Run a spec; its metrics.json."""
    from tabkit.pipeline.runner import run_pipeline

    result = run_pipeline(spec, overrides=overrides, out_dir=folder / "runs", verbose=False)
    if result.status != "complete":
        raise SystemExit(f"the run {result.status}: {result.error}")
    return json.loads((result.run_dir / "metrics.json").read_text())


def table(metrics: dict) -> list[tuple[str, float, float]]:
    """(model, fit seconds, explain seconds) per model of a run."""
    steps = metrics["steps"]
    return [
        (name, steps.get(f"model:{name}", float("nan")), steps.get(f"explain:{name}", float("nan")))
        for name in metrics["models"]
    ]


def show(rows: list[tuple[str, float, float]], title: str) -> None:
    print(f"\n{title}\n{'model':<12}{'fit s':>9}{'explain s':>11}{'explain/fit':>13}")
    for name, fit, explained in rows:
        print(f"{name:<12}{fit:>9.1f}{explained:>11.1f}{explained / fit:>13.2f}")
    fit, explained = sum(r[1] for r in rows), sum(r[2] for r in rows)
    verdict = "within" if explained <= fit / 3 else "over"
    print(f"{'all':<12}{fit:>9.1f}{explained:>11.1f}{explained / fit:>13.2f}   ({verdict} the target of 1/3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=None, help="a spec file (default: the small data set)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--reference", action="store_true", help="also explain each blend without its members' work")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="tabkit-explain-"))
    overrides = [*args.overrides, "output.report=false", f"output.cache={folder / 'cache'}"]
    if args.spec is None:
        spec = copy.deepcopy(SPEC)
        spec["data"].update(write_data(folder))
        entries = spec["model"]
    else:
        spec, entries = args.spec, None
    metrics = run(spec, overrides, folder)
    rows = table(metrics)
    show(rows, "explained as a run does: every model after the ones before it")
    if not args.reference:
        return
    blends = {name: info["members"] for name, info in metrics["models"].items() if info.get("members")}
    if entries is None or not blends:
        raise SystemExit("--reference takes the small data set's spec (it edits which models are explained)")
    for name, members in blends.items():
        alone = copy.deepcopy(spec)
        for entry in alone["model"]:
            entry["explain"] = entry["name"] == name
        reference = dict((r[0], r[2]) for r in table(run(alone, overrides, folder)))[name]
        shared = dict((r[0], r[2]) for r in rows)[name]
        print(
            f"\n{name}: explained in {shared:.1f} s after its members {', '.join(members)}; "
            f"{reference:.1f} s without their work ({reference / shared:.1f}x)"
        )


if __name__ == "__main__":
    main()
