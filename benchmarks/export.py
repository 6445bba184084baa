"""onnxruntime against tabkit's own prediction, in rows per second, for each model of a run
that exports to ONNX (side by side, best of --repeat timings each).

Two scopes per model:
- "model": from the run's processed columns (``run.features(data)``, built once) to the
  predictions: ``run.model(name).predict`` against ``onnx_inputs`` + ``session.run``;
- "predict": what ``tabkit predict`` does, features included (``run.submission(data)``),
  against the same feature build + ``onnx_inputs`` + ``session.run``.
It also prints the largest relative difference between the two predictions, the ONNX
file's size and the export's seconds.

Run:
  .venv/bin/python benchmarks/export.py RUN_DIR [--data PATH] [--threads N] [--repeat 3]
  .venv/bin/python benchmarks/export.py --small [--stores 20]   # a small run of the synthetic spec first
--data is what ``tabkit predict --data`` takes (the Kaggle folder for a Rossmann run);
without it the run's own data is read again (the synthetic tables are regenerated).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from threadpoolctl import threadpool_limits

from tabkit.export import ExportError, onnx_inputs
from tabkit.pipeline.predict import load_run
from tabkit.pipeline.runner import run_pipeline
from tabkit.pipeline.sources import get_source

REPO = Path(__file__).resolve().parents[1]
SMALL = [
    "model.forest.search={}",
    "model.net.params.epochs=2",
    "model.lightgbm.params.n_estimators=300",
    "model.lightgbm.params.n_jobs=1",
    "model.forest.params.n_jobs=1",
    "model.embedding-forest.params.n_jobs=1",
    "output.report=false",
    "output.importance=false",
    "output.explain_worst=0",
    "output.explain_random=0",
]


def best_of(repeat: int, func) -> tuple[float, object]:
    """The fastest of ``repeat`` calls (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return min(times), result


def session(path: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def compare(run, name: str, data, frame, folder: Path, threads: int, repeat: int) -> dict | None:
    started = time.perf_counter()
    try:
        path = run.export_onnx(folder, name)
    except ExportError as error:
        print(f"{name}: {error}")
        return None
    export_seconds = time.perf_counter() - started
    inputs = json.loads(path.with_suffix(".json").read_text())["inputs"]
    onnx = session(path, threads)
    fitted = run.model(name)
    forest = getattr(fitted.estimator, "forest_", None)
    if forest is not None:
        forest.n_jobs = threads
    features = frame[run.feature_names]
    factor = json.loads(path.with_suffix(".json").read_text()).get("correction_factor") or 1.0
    ours_s, ours = best_of(repeat, lambda: fitted.predict(features).values * factor)
    onnx_s, theirs = best_of(repeat, lambda: onnx.run(None, onnx_inputs(frame, inputs))[0][:, 0])
    predict_s, _ = best_of(repeat, lambda: run.submission(data, model=name))
    features_s, _ = best_of(repeat, lambda: run.features(data))
    n = len(frame)
    return {
        "model": name,
        "kind": run.reader.model_info(name).get("kind"),
        "rows": n,
        "tabkit model rows/s": n / ours_s,
        "onnx model rows/s": n / onnx_s,
        "model ratio": ours_s / onnx_s,
        "tabkit predict rows/s": n / predict_s,
        "onnx predict rows/s": n / (features_s + onnx_s),
        "max rel diff": float(np.max(np.abs(theirs - ours) / np.maximum(np.abs(ours), 1e-12))),
        "onnx MB": path.stat().st_size / 1e6,
        "export s": export_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", nargs="?", type=Path, help="a finished run")
    parser.add_argument("--data", type=Path, help="new rows, as `tabkit predict --data` takes them")
    parser.add_argument("--small", action="store_true", help="make a small synthetic run first and use it")
    parser.add_argument("--stores", type=int, default=20, help="stores of the --small run (default 20)")
    parser.add_argument("--threads", type=int, default=1, help="threads for both sides (default 1)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        run_dir = args.run_dir
        if args.small:
            spec = REPO / "pipelines/rossmann-synthetic.toml"
            run_dir = run_pipeline(
                spec, overrides=[*SMALL, f"data.n_stores={args.stores}"], out_dir=Path(scratch) / "runs", verbose=False
            ).run_dir
        if run_dir is None:
            parser.error("give RUN_DIR or --small")
        run = load_run(run_dir)
        data = args.data if args.data is not None else get_source(run.spec.data["source"]).load(run.spec.data)
        frame = run.features(data)
        torch.set_num_threads(args.threads)
        with threadpool_limits(args.threads):
            rows = [
                compare(run, name, data, frame, Path(scratch) / "onnx", args.threads, args.repeat)
                for name in run.models
                if name != "baseline"
            ]
    print(f"\nrun {run_dir}; {len(frame):,} rows; {args.threads} thread(s); onnxruntime {ort.__version__}")
    columns = list(next(row for row in rows if row))
    print("  ".join(f"{c:>12}" for c in columns))
    for row in filter(None, rows):
        print("  ".join(f"{row[c]:>12.4g}" if isinstance(row[c], float) else f"{row[c]!s:>12}" for c in columns))


if __name__ == "__main__":
    main()
