"""File size and load time of each model of a run: the joblib pickles tabkit wrote up to run
layout 2 against the formats of layout 3 that load without running code, side by side.

    python benchmarks/model_files.py RUN_DIR     # a finished run (either layout)
    python benchmarks/model_files.py --spec pipelines/rossmann-synthetic.toml \\
        --set data.n_stores=5 --set model.net.params.epochs=1     # runs the spec first

Both copies are written from the run's models into a temporary folder: the pickles as
tabkit wrote them (``joblib.dump``, an ensemble's members as references to their files) and
the new object folders (``RunWriter.write_object``). Each load is timed with a fresh reader
(an ensemble's includes its members'), the best of ``--repeat``, after one untimed load of
everything (imports). The ratios are new / old: the issue's target is at most 1.5.
"""

from __future__ import annotations

import argparse
import copyreg
import json
import shutil
import tempfile
import time
import warnings
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, nargs="?", help="a finished run folder")
    parser.add_argument("--spec", type=Path, help="run this spec first (instead of RUN)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--repeat", type=int, default=3, help="loads timed per model and format (best kept)")
    args = parser.parse_args()
    if (args.run is None) == (args.spec is None):
        parser.error("give a run folder or --spec")

    from tabkit import runs

    warnings.simplefilter("ignore", runs.PickleWarning)
    folder = Path(tempfile.mkdtemp(prefix="tabkit-model-files-"))
    try:
        run_dir = args.run
        if args.spec is not None:
            from tabkit.pipeline.runner import run_pipeline

            overrides = [*args.overrides, "output.report=false"]
            run_dir = run_pipeline(args.spec, overrides=overrides, out_dir=folder / "runs", verbose=False).run_dir
        old, new, names = _copies(run_dir, folder)
        _report(old, new, names, args.repeat)
    finally:
        shutil.rmtree(folder)


def _copies(run_dir: Path, folder: Path) -> tuple[Path, Path, list[str]]:
    """The run's models written both ways: (old run folder, new run folder, model names)."""
    import joblib

    from tabkit import runs
    from tabkit.pipeline.kinds import get_kind
    from tabkit.pipeline.predict import load_run

    loaded = load_run(run_dir)
    reader, entries = loaded.reader, {entry["name"]: entry for entry in loaded.spec.models}
    stored = {runs.BASELINE: reader.model(runs.BASELINE)}
    for name in loaded.models[:-1]:
        stored[name] = get_kind(reader.model_info(name)["kind"]).stored(reader.model(name), entries[name])

    writer = runs.RunWriter(folder / "new", loaded.spec.name)
    old = folder / "old" / loaded.spec.name / writer.run_id
    (old / runs.MODELS).mkdir(parents=True)
    shutil.copy(reader.path / runs.STATUS, old / runs.STATUS)
    files = {}
    copyreg.pickle(runs.ModelReference, lambda ref: (runs._referenced_model, (ref.name,)))  # as layout 2 did
    for name, obj in stored.items():
        writer.write_object(runs.model_file(name), obj)
        relative = f"{runs.MODELS}/{name}.joblib"
        joblib.dump(obj, old / relative)
        files[relative] = {"sha256": runs.file_digest(old / relative), "bytes": (old / relative).stat().st_size}
    (old / runs.MANIFEST).write_text(json.dumps({"layout": 2, "files": files}))
    return old, writer.path, list(stored)


def _report(old: Path, new: Path, names: list[str], repeat: int) -> None:
    from tabkit import runs

    def load_seconds(run: Path, name: str) -> float:
        best = float("inf")
        for _ in range(repeat):
            fresh = runs.RunReader(run)  # a reader keeps what it loaded: a fresh one per load
            started = time.perf_counter()
            fresh.model(name)
            best = min(best, time.perf_counter() - started)
        return best

    for run in (old, new):  # imports (torch, LightGBM, skops) out of the timings
        reader = runs.RunReader(run)
        for name in names:
            reader.model(name)
    old_files, new_files = runs.RunReader(old).manifest["files"], runs.RunReader(new).manifest["files"]
    print(f"{'model':<20}{'joblib MB':>11}{'new MB':>9}{'size x':>8}{'joblib s':>10}{'new s':>8}{'load x':>8}")
    for name in names:
        old_bytes = old_files[f"{runs.MODELS}/{name}.joblib"]["bytes"]
        new_bytes = sum(f["bytes"] for path, f in new_files.items() if path.startswith(f"{runs.model_file(name)}/"))
        old_s, new_s = load_seconds(old, name), load_seconds(new, name)
        print(
            f"{name:<20}{old_bytes / 1e6:>11.3f}{new_bytes / 1e6:>9.3f}{new_bytes / old_bytes:>8.2f}"
            f"{old_s:>10.3f}{new_s:>8.3f}{new_s / old_s:>8.2f}"
        )


if __name__ == "__main__":
    main()
