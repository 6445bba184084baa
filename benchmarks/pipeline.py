"""A whole pipeline run, for the next engineer to compare against: seconds per step, peak
memory, and each model's size on disk (every file of its folder) and load time.

    python benchmarks/pipeline.py                                  # pipelines/rossmann.toml on
                                                                   # ../shared/data/rossmann when present,
                                                                   # else the synthetic spec
    python benchmarks/pipeline.py --spec pipelines/rossmann-synthetic.toml --set data.n_stores=20
    python benchmarks/pipeline.py --set model.forest.params.n_estimators=10 --set model.net.params.epochs=1

The run lands in a temporary folder (kept with --keep). Run it on a quiet machine: two cores
shared with another heavy process slow PyTorch down many times over.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "rossmann"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=None, help="a spec file (default: see above)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--keep", action="store_true", help="keep the run folder and print where it is")
    args = parser.parse_args()

    from tabkit import runs
    from tabkit.pipeline.runner import run_pipeline
    from tabkit.pipeline.steps.progress import format_leaderboard, format_steps

    spec, overrides = args.spec, list(args.overrides)
    if spec is None:
        if REAL_DATA.is_dir():
            spec = Path("pipelines/rossmann.toml")
            overrides.insert(0, f"data.path={REAL_DATA}")
        else:
            spec = Path("pipelines/rossmann-synthetic.toml")
    folder = Path(tempfile.mkdtemp(prefix="tabkit-bench-"))
    overrides += [f"output.reports={folder / 'reports'}", f"output.cache={folder / 'cache'}"]
    print(f"spec {spec} with {overrides}", flush=True)
    started = time.perf_counter()
    result = run_pipeline(spec, overrides=overrides, out_dir=folder / "runs", verbose=False)
    total = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    reader = runs.RunReader(result.run_dir)
    print(format_leaderboard(result.leaderboard, result.metric))
    print(f"\nsteps: {format_steps(result.steps)}")
    print(f"total {total:.0f} s, peak memory {peak:,.0f} MB\n")
    print(f"{'model':<20}{'file MB':>10}{'load s':>10}   (an ensemble's load includes its members')")
    for name in reader.model_names:
        folder = f"{runs.model_file(name)}/"
        size = sum(f["bytes"] for path, f in reader.manifest["files"].items() if path.startswith(folder))
        fresh = runs.RunReader(result.run_dir)  # a reader keeps what it loaded: one per model
        loading = time.perf_counter()
        fresh.load(runs.model_file(name))
        print(f"{name:<20}{size / 1e6:>10.1f}{time.perf_counter() - loading:>10.2f}")
    if args.keep:
        print(f"\nrun folder: {result.run_dir}")
    else:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
