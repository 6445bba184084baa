"""Peak memory and time of partitioning a synthetic Rossmann folder by store
(``partition_rossmann``, a chunk of CSV rows at a time) against loading it whole
(``load_rossmann``, every table in memory: what a run does without partitions), at growing
store counts. Each case runs in a fresh Python process, which reports its own peak resident
memory (``ru_maxrss``, imports included: the ``imports`` row is that floor alone) and wall
time; the ratio is whole over partitioned (above 1: partitioning takes less). The CSV
folder is written first and not measured.

    python benchmarks/partition_memory.py                          # 1000 and 3000 stores
    python benchmarks/partition_memory.py --stores 1000 --partitions 16 --chunk-rows 200000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASE = """
import json, resource, sys, time
how, source, out, k, chunk_rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
from tabkit.datasets import load_rossmann
from tabkit.datasets.partitioned import partition_rossmann
started = time.perf_counter()
if how == "whole":
    load_rossmann(source)
elif how == "partitioned":
    partition_rossmann(source, out, k, chunk_rows=chunk_rows)
seconds = time.perf_counter() - started
print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "seconds": seconds}))
"""


def measure(how: str, source: Path, out: Path, n_partitions: int, chunk_rows: int) -> dict:
    """Peak memory (MB) and seconds of one case, in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", CASE, how, str(source), str(out), str(n_partitions), str(chunk_rows)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    from tabkit.datasets.synthetic_files import write_synthetic_rossmann

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--chunk-rows", type=int, default=500_000)
    args = parser.parse_args(argv)
    print(f"{'stores':>7}  {'train rows':>10}  {'way':<11}  {'peak MB':>8}  {'seconds':>8}  {'ratio':>6}")
    for n in args.stores:
        with tempfile.TemporaryDirectory() as scratch:
            written = write_synthetic_rossmann(Path(scratch) / "csv", n)
            results = {
                how: measure(how, written.folder, Path(scratch) / "parts", args.partitions, args.chunk_rows)
                for how in ("imports", "whole", "partitioned")
            }
        for how, result in results.items():
            ratio = results["whole"]["peak_mb"] / result["peak_mb"]
            shown = f"{ratio:6.2f}" if how == "partitioned" else ""
            print(
                f"{n:>7}  {written.train_rows:>10,}  {how:<11}  {result['peak_mb']:8.0f}  "
                f"{result['seconds']:8.1f}  {shown:>6}",
                flush=True,
            )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"({time.perf_counter() - started:.0f}s in all)")
