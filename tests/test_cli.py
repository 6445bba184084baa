import subprocess
import sys

import pandas as pd

import tabkit as tk


def tabkit_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "tabkit.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_help_lists_every_command():
    result = tabkit_cli("--help")
    assert result.returncode == 0
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("    ")}
    assert {"data", "run", "report"} <= listed


def test_data_command_writes_kaggle_layout_that_loads(tmp_path):
    out = tmp_path / "rossmann"
    result = tabkit_cli(
        "data", "rossmann", "--synthetic", "--out", str(out), "--stores", "4", "--seed", "3", "--summary"
    )
    assert result.returncode == 0, result.stderr
    assert "for 4 stores" in result.stdout and "training rows (open days)" in result.stdout
    assert {"train.csv", "test.csv", "store.csv", "store_states.csv"} <= {p.name for p in out.iterdir()}
    loaded = tk.datasets.load_rossmann(out)
    expected = tk.datasets.make_rossmann(4, seed=3)
    pd.testing.assert_frame_equal(loaded["train"], expected["train"])


def test_data_command_rejects_bad_store_count(tmp_path):
    result = tabkit_cli("data", "rossmann", "--synthetic", "--out", str(tmp_path / "x"), "--stores", "0")
    assert result.returncode == 2
    assert "--stores must be at least 1" in result.stderr
    assert not (tmp_path / "x").exists()
