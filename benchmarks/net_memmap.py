"""Training the embedding net from encoded arrays in memory-mapped files
(``fit_encoded``, the processor fitted beforehand) against ``fit`` on the frame in memory:
seconds per epoch and memory of each.

The rows are Rossmann-shaped (random: only shapes and missing values matter here): 8
categorical columns (store 1115 levels, day of week, month, day, promo, state holiday,
store type, assortment) and 6 continuous ones, two with missing values, so 10 code
columns (the ``_na`` flags included) and 6 values per encoded row. The parent process
writes the frame (parquet), fits the net's processor on it, writes the encoded arrays in
three slices (``EncodedArrays``) and pickles the processor; each case then runs in a fresh
Python process that loads what it needs and trains one net (default layers, batch 512,
one epoch, CPU):

- ``fit``: reads the frame, ``fit(X, y)`` (fits the processor, encodes the frame into
  tensors, trains);
- ``fit_encoded``: opens the arrays read-only (``EncodedArrays.open``) and
  ``fit_encoded(processor, cat, cont, y)``: each batch is gathered from the files.

Each process (``--threads`` torch threads, default 1: on a shared machine one thread
varies least) reports the epoch's seconds (``history_``: wall time, which other loads
stretch), the CPU seconds of the whole ``fit`` / ``fit_encoded`` call (setup included:
fitting and encoding the frame, or checking the arrays), its peak resident memory
(``ru_maxrss``: imports included, and for ``fit_encoded`` the pages of the files it read,
which the kernel may drop at any time) and the peak of its anonymous memory above what it
held after the imports (``RssAnon`` of ``/proc/self/status``, sampled every 10 ms: the
memory the data and training took that cannot be given back to the files). The two ways
run in turn ``--repeat`` times; ratios are fit_encoded over fit on the medians.

    python benchmarks/net_memmap.py                        # 300,000 rows, 1 epoch, 2 repeats, 1 thread
    python benchmarks/net_memmap.py --rows 1000000 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CARDINALITIES = {
    "Store": 1115,
    "DayOfWeek": 7,
    "Month": 12,
    "Day": 31,
    "Promo": 2,
    "StateHoliday": 4,
    "StoreType": 4,
    "Assortment": 3,
}
CONTINUOUS = ("CompetitionDistance", "Max_TemperatureC", "Mean_Humidity", "trend", "AfterPromo", "BeforePromo")
WITH_MISSING = ("CompetitionDistance", "Max_TemperatureC")
NET = {"epochs": 1, "device": "cpu", "verbose": 0, "random_state": 0, "cat_names": list(CARDINALITIES)}

CASE = """
import json, resource, sys, threading, time
from pathlib import Path

def anon():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon"):
            return int(line.split()[1]) * 1024

import pickle
import numpy as np
import pandas as pd
import torch
import tabkit as tk
from tabkit.nn.encoding import EncodedArrays

how, folder, settings, threads = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
warm = pd.DataFrame({"code": [1, 2, 1, 2], "value": [0.1, 0.2, 0.3, 0.4]})
tk.EmbeddingNetRegressor((8, 4), epochs=1, device="cpu", verbose=0).fit(warm, np.arange(4.0))  # torch's lazy imports
net = tk.EmbeddingNetRegressor(**settings)
peak, done = [anon()], threading.Event()
after_imports = peak[0]

def sample():
    while not done.wait(0.01):
        peak[0] = max(peak[0], anon())

sampler = threading.Thread(target=sample)
sampler.start()
started, cpu_started = time.perf_counter(), time.process_time()
if how == "fit":
    X = pd.read_parquet(folder / "frame.parquet")
    net.fit(X, np.load(folder / "y.npy"))
else:
    processor = pickle.loads((folder / "processor.pkl").read_bytes())
    net.fit_encoded(processor, *EncodedArrays.open(folder / "arrays"))
seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
done.set()
sampler.join()
print(json.dumps({
    "epoch_seconds": float(net.history_["seconds"].iloc[0]),
    "seconds": seconds,
    "cpu_seconds": cpu_seconds,
    "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "anon_mb": (max(peak[0], anon()) - after_imports) / 1e6,
}))
"""


def make_frame(n_rows: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Random Rossmann-shaped rows and a positive target."""
    rng = np.random.default_rng(seed)
    columns = {name: rng.integers(1, n + 1, n_rows) for name, n in CARDINALITIES.items()}
    for name in CONTINUOUS:
        values = rng.normal(size=n_rows)
        columns[name] = np.where(rng.random(n_rows) < 0.05, np.nan, values) if name in WITH_MISSING else values
    X = pd.DataFrame(columns)
    y = np.exp(8 + 0.1 * np.sin(X["Store"].to_numpy()) + 0.05 * X["DayOfWeek"].to_numpy() + rng.normal(0, 0.2, n_rows))
    return X, y


def prepare(folder: Path, n_rows: int) -> dict:
    """The frame, its targets, the fitted processor and the encoded arrays, in ``folder``."""
    import tabkit as tk
    from tabkit.nn.encoding import EncodedArrays

    X, y = make_frame(n_rows)
    X.to_parquet(folder / "frame.parquet")
    np.save(folder / "y.npy", y)
    processor = tk.EmbeddingNetRegressor(**NET)._processor().fit(X)
    (folder / "processor.pkl").write_bytes(pickle.dumps(processor))
    arrays = EncodedArrays.create(folder / "arrays", n_rows, processor)
    for part in np.array_split(np.arange(n_rows), 3):
        arrays.write(int(part[0]), X.iloc[part[0] : part[-1] + 1], y[part[0] : part[-1] + 1])
    cat, cont, _ = arrays.finish()
    return {"frame_mb": X.memory_usage(index=False).sum() / 1e6, "arrays_mb": (cat.nbytes + cont.nbytes) / 1e6}


def measure(how: str, folder: Path, threads: int) -> dict:
    """One case in a fresh process."""
    command = [sys.executable, "-c", CASE, how, str(folder), json.dumps(NET), str(threads)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"the {how} case failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="torch's CPU threads in each case")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        sizes = prepare(folder, args.rows)
        print(
            f"{args.rows:,} rows: frame {sizes['frame_mb']:.1f} MB in memory, "
            f"encoded arrays {sizes['arrays_mb']:.1f} MB on disk"
        )
        runs: dict[str, list[dict]] = {"fit": [], "fit_encoded": []}
        for _ in range(args.repeat):
            for how in runs:
                runs[how].append(measure(how, folder, args.threads))
                result = runs[how][-1]
                print(
                    f"  {how:<11}  epoch {result['epoch_seconds']:6.1f} s  call CPU {result['cpu_seconds']:6.1f} s  "
                    f"maxrss {result['maxrss_mb']:6.0f} MB  anon above imports {result['anon_mb']:6.0f} MB",
                    flush=True,
                )
    medians = {how: {key: float(np.median([r[key] for r in rows])) for key in rows[0]} for how, rows in runs.items()}
    keys = ("epoch_seconds", "cpu_seconds", "maxrss_mb", "anon_mb")
    print(f"\n{'way':<11}  {'s/epoch':>8}  {'call CPU s':>10}  {'maxrss MB':>9}  {'anon MB':>8}")
    for how, values in medians.items():
        print(f"{how:<11}  " + "  ".join(f"{values[key]:{width}.1f}" for key, width in zip(keys, (8, 10, 9, 8))))
    ratio = {key: medians["fit_encoded"][key] / medians["fit"][key] for key in keys}
    print(
        f"{'ratio':<11}  "
        + "  ".join(f"{ratio[key]:{width}.2f}" for key, width in zip(keys, (8, 10, 9, 8)))
        + "   (fit_encoded / fit, medians)"
    )
    print(f"({time.perf_counter() - started:.0f}s in all)")


if __name__ == "__main__":
    main()
