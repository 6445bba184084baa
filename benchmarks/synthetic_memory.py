"""Peak memory of writing the synthetic Rossmann files at growing store counts: at once
(``write_rossmann(make_rossmann(n))``, every table in memory: what ``tabkit data rossmann
--synthetic`` did before) against a block of days at a time
(``write_synthetic_rossmann``, what it does now). Each case runs in a fresh Python
process, which reports its own peak resident memory (``ru_maxrss``, imports included)
and wall time; the ratio is at-once over chunked (above 1: the chunked writer takes less).

    python benchmarks/synthetic_memory.py                      # 1115, 3000 and 10000 stores
    python benchmarks/synthetic_memory.py --stores 200 1115    # quicker
    python benchmarks/synthetic_memory.py --chunked-only --stores 30000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

CASE = """
import json, resource, sys, time
n, how, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
started = time.perf_counter()
if how == "at once":
    from tabkit.datasets import make_rossmann, write_rossmann
    write_rossmann(make_rossmann(n), out)
else:
    from tabkit.datasets.synthetic_files import write_synthetic_rossmann
    write_synthetic_rossmann(out, n)
seconds = time.perf_counter() - started
print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "seconds": seconds}))
"""


def measure(n_stores: int, how: str) -> dict:
    """Peak memory (MB) and seconds of one case, in a fresh process."""
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [sys.executable, "-c", CASE, str(n_stores), how, out], capture_output=True, text=True, check=True
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, nargs="+", default=[1115, 3000, 10000])
    parser.add_argument("--chunked-only", action="store_true", help="skip the at-once writer (large counts)")
    args = parser.parse_args(argv)
    ways = ["chunked"] if args.chunked_only else ["at once", "chunked"]
    print(f"{'stores':>7}  {'way':<8}  {'peak MB':>8}  {'seconds':>8}  {'ratio':>6}")
    started = time.perf_counter()
    for n in args.stores:
        results = {how: measure(n, how) for how in ways}
        for how, result in results.items():
            ratio = results["at once"]["peak_mb"] / result["peak_mb"] if "at once" in results else float("nan")
            shown = f"{ratio:6.2f}" if how == "chunked" and ratio == ratio else ""
            print(f"{n:>7}  {how:<8}  {result['peak_mb']:8.0f}  {result['seconds']:8.1f}  {shown:>6}", flush=True)
    print(f"({time.perf_counter() - started:.0f}s in all)")


if __name__ == "__main__":
    main()
