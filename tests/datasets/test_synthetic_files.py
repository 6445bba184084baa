"""write_synthetic_rossmann: the files written a block of days at a time equal those of
write_rossmann(make_rossmann(...)), which holds every table at once, whatever the block
size; the panel's blocks, in any order, are its days of one draw. The memory it takes at
scale is measured by benchmarks/synthetic_memory.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tabkit.datasets import load_rossmann, make_rossmann, write_rossmann
from tabkit.datasets.synthetic import plan_rossmann
from tabkit.datasets.synthetic_files import write_synthetic_rossmann


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("layout", ["per_state", "combined"])
def test_written_a_block_of_days_at_a_time_equals_written_at_once(tmp_path, layout):
    kwargs = {"start": "2014-06-01", "end": "2015-07-31", "test_days": 20, "seed": 4}
    whole = write_rossmann(make_rossmann(11, **kwargs), tmp_path / "whole", layout=layout)
    written = write_synthetic_rossmann(tmp_path / "chunked", 11, **kwargs, layout=layout, rows_per_block=50)
    chunked = _files(written.folder)
    assert chunked.keys() == _files(whole).keys()  # the scratch panel is gone
    for name, content in _files(whole).items():
        assert chunked[name] == content, name
    train, test = (pd.read_csv(written.folder / f"{t}.csv") for t in ("train", "test"))
    assert (written.train_rows, written.test_rows) == (len(train), len(test))
    assert test["Open"].isna().sum() > 0  # the blanked Open values of one store survive the blocks


@pytest.mark.parametrize("block_days", [7, 21, 700])
def test_the_panel_is_the_same_whatever_its_blocks(block_days):
    whole = plan_rossmann(9, seed=2).sales.block(0)[1]
    sales = plan_rossmann(9, seed=2, block_days=block_days).sales
    blocks = [sales.block(index) for index in reversed(range(sales.n_blocks))][::-1]  # built newest first
    assert np.array_equal(np.concatenate([days for days, _ in blocks]), np.arange(len(whole["Sales"])))
    for name in ("Open", "Sales", "Customers"):
        assert np.array_equal(np.concatenate([values[name] for _, values in blocks]), whole[name]), name


def test_blocks_are_whole_weeks():
    with pytest.raises(ValueError, match="multiple of 7"):
        plan_rossmann(3, block_days=10)


def test_the_written_files_load_as_make_rossmann_builds_them(tmp_path):
    written = write_synthetic_rossmann(tmp_path / "data", 5, seed=9, rows_per_block=7)
    loaded, built = load_rossmann(written.folder), make_rossmann(5, seed=9)
    for table in ("train", "test", "store"):
        pd.testing.assert_frame_equal(loaded[table], built[table])


@pytest.mark.parametrize(
    "kwargs, message", [({"rows_per_block": 0}, "at least 1"), ({"layout": "flat"}, "layout must be one of")]
)
def test_bad_arguments_write_nothing(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        write_synthetic_rossmann(tmp_path / "out", 3, **kwargs)
    assert not (tmp_path / "out").exists()
