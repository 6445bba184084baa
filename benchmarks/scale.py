"""How a run's cost grows with its rows: the partitioned Rossmann spec
(``pipelines/rossmann-partitioned.toml``: forest on a sample, net, LightGBM, blend) on
synthetic data of growing store counts, three ways:

- ``one process``: the whole table loaded in one process (``data.format = "csv"``, no cluster);
- ``cluster``: the whole table loaded, the models fitted on a ``LocalCluster`` of 2 worker
  processes with a memory limit each (every worker holds the whole table);
- ``partitioned``: the table as Parquet partitions of about 500 stores, read one partition
  at a time on the same cluster (``data.format = "parquet"``).

For every size and way, ``tabkit run`` runs in a fresh process while this script samples,
every 0.2 s, the resident memory of that process (the client) and of every process under it
(the Dask workers), and which step the run is in (``status.json``). It prints, per step:
seconds (``metrics.json``; the report's from the log; the whole run's is the process's wall
time, imports and cluster start included), the peak memory of the client, of the largest
worker and of all processes together, and the model fits and the explanations summed; then,
for those, the features, the report and the whole run, the slope of log(seconds) against
log(rows) between the smallest and the largest size (1: cost grows linearly with rows), and
it draws them and the peak memory on log-log axes.

1x is the real data's 1,115 stores (about a million training rows):

    python benchmarks/scale.py              # 1x, 3x, 10x: an hour; whole-table ways up to 3x
    python benchmarks/scale.py --stores 1115 3345 11150 --ways partitioned
    python benchmarks/scale.py --tiny                            # 4 and 8 stores, small models: minutes
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "pipelines" / "rossmann-partitioned.toml"
WAYS = ("one process", "cluster", "partitioned")
STORES_PER_PARTITION = 500
SAMPLE_SECONDS = 0.2
# small models for --tiny: the run's every step, in seconds
TINY = [
    "model.forest.params.n_estimators=4",
    "model.net.params.layers=[64, 32]",
    "model.lightgbm.params.n_estimators=50",
    "output.importance_rows=200",
    "output.importance_repeats=1",
]


class Sampler(threading.Thread):
    """Samples a process tree's memory and the step its run is in, until stopped."""

    def __init__(self, pid: int, runs: Path):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.runs = runs
        self.samples: list[tuple[int, float, float, float]] = []  # steps done, client, max worker, total (MB)
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                client = self.root.memory_info().rss / 1e6
                workers = [_rss(child) for child in self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            self.samples.append((self._steps_done(), client, max(workers, default=0.0), client + sum(workers)))
            self.stop.wait(SAMPLE_SECONDS)

    def _steps_done(self) -> int:
        statuses = list(self.runs.glob("*/*/status.json"))
        try:
            return len(json.loads(statuses[0].read_text(encoding="utf-8"))["steps_done"]) if statuses else -1
        except (OSError, ValueError, KeyError):
            return self.samples[-1][0] if self.samples else -1


def _rss(process: psutil.Process) -> float:
    try:
        return process.memory_info().rss / 1e6
    except psutil.NoSuchProcess:
        return 0.0


def write_data(n_stores: int, folder: Path) -> dict[str, Path]:
    """The synthetic data set as Kaggle's CSV files and as Parquet partitions by store."""
    csv, parts = folder / "csv", folder / "parquet"
    n_parts = max(1, -(-n_stores // STORES_PER_PARTITION))
    for out, extra in ((csv, []), (parts, ["--partitions", str(n_parts)])):
        command = [sys.executable, "-m", "tabkit.cli", "data", "rossmann", "--synthetic", "--stores", str(n_stores)]
        subprocess.run([*command, "--out", str(out), *extra], check=True, capture_output=True)
    return {"csv": csv, "parquet": parts}


def way_spec(way: str, folder: Path, memory_limit: str, scratch: Path) -> Path:
    """The spec for one way: the shipped spec's models, its data and cluster as the way says."""
    import tomli_w
    import tomllib

    spec = tomllib.loads(SPEC.read_text(encoding="utf-8"))
    spec["data"].update(path=str(folder), format="parquet" if way == "partitioned" else "csv")
    spec["compute"] = {"cluster": "local:2", "threads": 1, "memory_limit": memory_limit} if way != "one process" else {}
    path = scratch / f"{way.replace(' ', '-')}.toml"
    path.write_text(tomli_w.dumps(spec), encoding="utf-8")
    return path


def run_once(data: dict[str, Path], way: str, memory_limit: str, changes: list[str]) -> list[dict]:
    """One run; a row per step: seconds and peak memory (MB) of the client, the largest
    worker and every process."""
    with tempfile.TemporaryDirectory() as scratch:
        runs = Path(scratch) / "runs"
        folder = data["parquet" if way == "partitioned" else "csv"]
        spec = way_spec(way, folder, memory_limit, Path(scratch))
        command = [sys.executable, "-m", "tabkit.cli", "run", str(spec), "--quiet", "--out", str(runs)]
        command += [arg for change in changes for arg in ("--set", change)]
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=scratch, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        sampler = Sampler(process.pid, runs)
        sampler.start()
        out, err = process.communicate()
        wall = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
        if process.returncode != 0:
            raise RuntimeError(f"tabkit run failed ({process.returncode}):\n{err.decode()[-3000:]}")
        folder = next(runs.glob("*/*/metrics.json")).parent
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        steps = dict(metrics["steps"])
        for line in (folder / "log.txt").read_text(encoding="utf-8").splitlines():
            if " report: " in line and line.endswith("s)"):
                steps["report"] = float(line.rsplit("(", 1)[1].rstrip("s)"))
        rows = metrics["data"]["n_train"] + metrics["data"]["n_valid"]
    names = list(steps)
    out_rows = []
    for index, name in enumerate(names):
        # a step shorter than the sampling interval gets the last sample taken before it ended
        taken = [s for s in sampler.samples if s[0] == index] or [s for s in sampler.samples if s[0] < index][-1:]
        peak = np.array([s[1:] for s in taken], dtype=float).max(axis=0)
        out_rows.append(
            {
                "rows": rows,
                "way": way,
                "step": name,
                "seconds": steps[name],
                "client_mb": peak[0],
                "worker_mb": peak[1],
                "total_mb": peak[2],
            }
        )
    whole = np.array([s[1:] for s in sampler.samples], dtype=float)
    out_rows.append(
        {
            "rows": rows,
            "way": way,
            "step": "whole run",
            "seconds": wall,
            "client_mb": whole[:, 0].max(),
            "worker_mb": whole[:, 1].max(),
            "total_mb": whole[:, 2].max(),
        }
    )
    return out_rows


SUMMED = {"all models": "model:", "all explanations": "explain:"}
"""Steps summed for the slopes and the plot (the fitting phase's wall time on a cluster,
where fits overlap)."""
SHOWN = ("features", "all models", "all explanations", "report", "whole run")


def summed(results: list[dict]) -> list[dict]:
    """Rows of the summed steps: seconds added, the largest peaks."""
    out = []
    for rows, way in dict.fromkeys((r["rows"], r["way"]) for r in results):
        for name, prefix in SUMMED.items():
            parts = [r for r in results if r["rows"] == rows and r["way"] == way and r["step"].startswith(prefix)]
            if parts:
                row = {"rows": rows, "way": way, "step": name, "seconds": sum(r["seconds"] for r in parts)}
                row.update({k: max(r[k] for r in parts) for k in ("client_mb", "worker_mb", "total_mb")})
                out.append(row)
    return out


def slopes(results: list[dict]) -> dict[tuple[str, str], float]:
    """log(seconds) over log(rows) between the smallest and largest size, per way and shown step."""
    out = {}
    for way in dict.fromkeys(r["way"] for r in results):
        for step in SHOWN:
            points = sorted((r["rows"], r["seconds"]) for r in results if r["way"] == way and r["step"] == step)
            if len(points) >= 2 and points[0][1] > 0 and points[-1][1] > 0 and points[-1][0] > points[0][0]:
                (r0, s0), (r1, s1) = points[0], points[-1]
                out[(way, step)] = float(np.log(s1 / s0) / np.log(r1 / r0))
    return out


def plot(results: list[dict], path: Path) -> None:
    """Seconds per step and peak memory against rows, log-log, one line per step and way."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for way, style in zip(WAYS, ("-", "--", ":")):
        for step in SHOWN:
            points = sorted((r["rows"], r["seconds"]) for r in results if r["way"] == way and r["step"] == step)
            if points:
                left.plot(*zip(*points), style, marker="o", label=f"{step} ({way})")
        whole = sorted((r["rows"], r["total_mb"]) for r in results if r["way"] == way and r["step"] == "whole run")
        if whole:
            right.plot(*zip(*whole), style, marker="o", label=f"all processes ({way})")
    for axis, label in ((left, "seconds"), (right, "peak memory (MB)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("training + validation rows")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=7, ncol=2)
    right.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, nargs="+", default=[1115, 3345, 11150], help="store counts (1x: 1115)")
    parser.add_argument("--memory-limit", default="4GB", help="each cluster worker's memory limit (default 4GB)")
    parser.add_argument("--set", dest="changes", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--tiny", action="store_true", help="4 and 8 stores, small models (proves the script works)")
    parser.add_argument("--plot", type=Path, default=Path("scale.png"), help="the log-log plot (default scale.png)")
    parser.add_argument("--ways", nargs="+", choices=WAYS, default=list(WAYS), help="the ways to run (default all)")
    parser.add_argument(
        "--whole-up-to",
        type=int,
        default=3345,
        help="run the whole-table ways only up to this many stores (default 3345, 3x): the cluster way at the "
        "smallest size only, where every worker holding the whole table still fits its memory limit",
    )
    args = parser.parse_args(argv)
    stores, changes = args.stores, list(args.changes)
    if args.tiny:
        stores, changes = [4, 8], [*TINY, *changes]
    results: list[dict] = []
    print(f"{'rows':>10}  {'way':<11}  {'step':<24}  {'seconds':>8}  {'client MB':>9}  {'worker MB':>9}  {'all MB':>7}")
    for n in stores:
        with tempfile.TemporaryDirectory() as scratch:
            data = write_data(n, Path(scratch))
            ways = [w for w in args.ways if w == "partitioned" or n <= args.whole_up_to]
            ways = [w for w in ways if w != "cluster" or n == min(stores)]
            for way in ways:
                for row in run_once(data, way, args.memory_limit, changes):
                    results.append(row)
                    print(
                        f"{row['rows']:>10,}  {row['way']:<11}  {row['step']:<24}  {row['seconds']:8.1f}  "
                        f"{row['client_mb']:9.0f}  {row['worker_mb']:9.0f}  {row['total_mb']:7.0f}",
                        flush=True,
                    )
    totals = summed(results)
    for row in totals:
        print(
            f"{row['rows']:>10,}  {row['way']:<11}  {row['step']:<24}  {row['seconds']:8.1f}  "
            f"{row['client_mb']:9.0f}  {row['worker_mb']:9.0f}  {row['total_mb']:7.0f}"
        )
    results += totals
    found = slopes(results)
    if found:
        print("\ncost against rows (log-log slope; 1 = linear):")
        for (way, step), slope in found.items():
            print(f"  {way:<11}  {step:<24}  {slope:5.2f}")
    plot(results, args.plot)
    print(f"\nplot: {args.plot}")


if __name__ == "__main__":
    main()
