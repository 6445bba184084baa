"""What building a run's report costs: seconds to build it and bytes it weighs, next to the
targets of 20 s and 1.5 MB for a run of five models.

    python benchmarks/report_build.py RUN_DIR            # a run folder, e.g. runs/rossmann-synthetic/<run>
    python benchmarks/report_build.py RUN_DIR --repeat 3

The report lands in a temporary folder. Run it on a quiet machine: the time is the
drawing of every chart (matplotlib), which another busy process slows down.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 20.0
TARGET_BYTES = 1.5e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a run folder")
    parser.add_argument("--repeat", type=int, default=1, help="builds to time (the median is shown)")
    args = parser.parse_args()

    from tabkit.report.builder import build_report
    from tabkit.runs import RunReader

    out = Path(tempfile.mkdtemp(prefix="tabkit-report-"))
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        path = build_report(args.run_dir, out=out)
        times.append(time.perf_counter() - started)
    html = path.read_text(encoding="utf-8")
    charts = re.findall(r"<img src='([^']*)'", html)
    seconds, size = statistics.median(times), path.stat().st_size
    print(f"models: {len(RunReader(args.run_dir).model_names)}, charts: {len(charts)}")
    print(f"build: {seconds:.1f} s ({seconds / TARGET_SECONDS:.2f} of the {TARGET_SECONDS:.0f} s target)")
    print(f"size: {size / 1e6:.2f} MB ({size / TARGET_BYTES:.2f} of the {TARGET_BYTES / 1e6:.1f} MB target)")
    print(f"charts: {sum(len(c) for c in charts) / 1e6:.2f} MB of it")
    print(f"report: {path}")


if __name__ == "__main__":
    main()
