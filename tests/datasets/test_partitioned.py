"""partition_rossmann: Parquet partitions by store, read chunk by chunk. Every store's rows
(train and test) lie in one partition, in the CSV's order, with the loader's dtypes; every
file of a table has one schema; fastai's features built partition by partition equal those
of the whole set; bad input is named; peak memory does not grow with the rows."""

from __future__ import annotations

import shutil
import time
import tracemalloc
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tabkit.cli import main
from tabkit.datasets import load_rossmann, rossmann_features
from tabkit.datasets.partition_writer import arrow_schema
from tabkit.datasets.partitioned import (
    check_partitions,
    load_partition_tables,
    partition_files,
    partition_rossmann,
    read_partition,
)
from tabkit.datasets.synthetic_files import write_synthetic_partitions, write_synthetic_rossmann

N_STORES, K, CHUNK = 12, 5, 700
SYNTHETIC = {"start": "2015-01-01", "end": "2015-07-31", "test_days": 20, "seed": 3}


@pytest.fixture(scope="module")
def csv_folder(tmp_path_factory) -> Path:
    """12 stores over seven months in Kaggle's layout, never modified (copy it to edit)."""
    return write_synthetic_rossmann(tmp_path_factory.mktemp("csv") / "rossmann", N_STORES, **SYNTHETIC).folder


@pytest.fixture(scope="module")
def whole(csv_folder) -> dict[str, pd.DataFrame]:
    return load_rossmann(csv_folder)


@pytest.fixture(scope="module")
def partitioned(csv_folder, tmp_path_factory):
    return partition_rossmann(csv_folder, tmp_path_factory.mktemp("parts") / "out", K, chunk_rows=CHUNK)


def _stores_of(folder: Path, table: str, k: int) -> set[int]:
    return set(read_partition(folder, table, k)["Store"])


def test_row_counts_add_up(partitioned, whole):
    assert check_partitions(partitioned.folder) == K == partitioned.n_partitions
    for table in ("train", "test"):
        per_partition = getattr(partitioned, f"{table}_partition_rows")
        assert getattr(partitioned, f"{table}_rows") == sum(per_partition) == len(whole[table])
        assert [len(read_partition(partitioned.folder, table, k)) for k in range(K)] == list(per_partition)


def test_each_store_lies_in_one_partition_with_all_its_rows(partitioned, whole):
    blocks = [_stores_of(partitioned.folder, "train", k) for k in range(K)]
    # contiguous blocks of the sorted stores, of about equal store count
    assert [sorted(block) for block in blocks] == [list(b) for b in np.array_split(np.arange(1, N_STORES + 1), K)]
    for k, block in enumerate(blocks):
        assert _stores_of(partitioned.folder, "test", k) <= block  # a store's test rows go where its train rows go
        for table in ("train", "test"):
            rows = read_partition(partitioned.folder, table, k)
            expected = whole[table].loc[whole[table]["Store"].isin(block)].reset_index(drop=True)
            pd.testing.assert_frame_equal(rows, expected)  # all of them, the CSV's order, the loader's dtypes


def test_one_row_group_per_chunk_and_partition(partitioned, whole):
    chunk_of_row = np.arange(len(whole["train"])) // CHUNK
    for k in range(K):
        block = _stores_of(partitioned.folder, "train", k)
        chunks_with_rows = len(set(chunk_of_row[whole["train"]["Store"].isin(block).to_numpy()]))
        file = partition_files(partitioned.folder, "train")[k]
        assert pq.ParquetFile(file).metadata.num_row_groups == chunks_with_rows > 1


def test_small_tables_are_copied_as_they_are(partitioned, csv_folder, whole):
    copied = sorted(p.relative_to(partitioned.folder) for p in partitioned.folder.rglob("*.csv"))
    assert copied == sorted(
        p.relative_to(csv_folder) for p in csv_folder.rglob("*.csv") if p.stem not in ("train", "test")
    )
    for relative in copied:
        assert (partitioned.folder / relative).read_bytes() == (csv_folder / relative).read_bytes()
    tables = load_partition_tables(partitioned.folder, 0)
    assert list(tables) == list(whole)
    for name in ("store", "store_states", "state_names", "googletrend", "weather"):
        pd.testing.assert_frame_equal(tables[name], whole[name])


def test_every_file_has_the_schema_also_an_empty_partition(csv_folder, whole, tmp_path):
    # one store per partition: the stores without test rows leave empty test partitions
    written = partition_rossmann(csv_folder, tmp_path / "out", N_STORES, chunk_rows=CHUNK)
    assert 0 in written.test_partition_rows
    for table in ("train", "test"):
        for file in partition_files(written.folder, table):
            assert pq.read_schema(file).equals(arrow_schema(table))
    empty = read_partition(written.folder, "test", written.test_partition_rows.index(0))
    assert len(empty) == 0
    assert empty.dtypes.to_dict() == whole["test"].dtypes.to_dict()


def test_more_partitions_than_stores_are_refused(csv_folder, tmp_path):
    with pytest.raises(ValueError, match=f"{N_STORES + 1} partitions for {N_STORES} store.*at most {N_STORES}"):
        partition_rossmann(csv_folder, tmp_path / "out", N_STORES + 1)
    assert list(tmp_path.iterdir()) == []


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["Store", "Date"], kind="stable").reset_index(drop=True)


def test_features_partition_by_partition_equal_the_whole(partitioned, whole):
    train, test = rossmann_features(whole)
    parts = [rossmann_features(load_partition_tables(partitioned.folder, k)) for k in range(K)]
    for i, full in enumerate((train, test)):
        pieces = pd.concat([part[i] for part in parts], ignore_index=True)
        pd.testing.assert_frame_equal(_sorted(pieces), _sorted(full))
        assert all(part[i].attrs == full.attrs for part in parts)  # the same lineage


@pytest.mark.xfail(
    strict=True,
    reason="rossmann_features is store-local in its values but not in its dtypes: left-merged external "
    "columns (trend, trend_DE, the integer weather columns) are int64 when every row of the frame finds "
    "its state's week or day, float64 as soon as one row, of any store, does not",
)
def test_feature_dtypes_of_each_partition_equal_the_whole(csv_folder, tmp_path):
    source = Path(shutil.copytree(csv_folder, tmp_path / "csv"))
    states = pd.read_csv(source / "store_states.csv")
    states.loc[states["Store"] == 3, "State"] = "MV"  # a state with weather but no Google Trends file
    states.to_csv(source / "store_states.csv", index=False)
    written = partition_rossmann(source, tmp_path / "out", K, chunk_rows=CHUNK)
    train, _ = rossmann_features(load_rossmann(source))
    for k in range(K):
        part, _ = rossmann_features(load_partition_tables(written.folder, k))
        pd.testing.assert_series_equal(part.dtypes, train.dtypes, obj=f"partition {k}")


def test_streamed_synthetic_partitions_equal_the_csv_ones(partitioned, csv_folder, tmp_path):
    streamed = write_synthetic_partitions(tmp_path / "out", N_STORES, K, **SYNTHETIC, rows_per_block=300)
    assert check_partitions(streamed.folder) == K
    assert (streamed.train_partition_rows, streamed.test_partition_rows) == (
        partitioned.train_partition_rows,
        partitioned.test_partition_rows,
    )
    for table in ("train", "test"):
        for k in range(K):
            pd.testing.assert_frame_equal(
                read_partition(streamed.folder, table, k), read_partition(partitioned.folder, table, k)
            )
    for file in partitioned.folder.rglob("*.csv"):
        assert (streamed.folder / file.relative_to(partitioned.folder)).read_bytes() == file.read_bytes()


@pytest.fixture
def editable(partitioned, tmp_path) -> Path:
    return Path(shutil.copytree(partitioned.folder, tmp_path / "copy"))


def _rewrite(file: Path, change) -> None:
    pq.write_table(change(pq.read_table(file)), file)


def test_a_dropped_column_is_named(editable):
    file = editable / "test" / "part-00002.parquet"
    _rewrite(file, lambda table: table.drop_columns(["Promo"]))
    for check in (lambda: check_partitions(editable), lambda: read_partition(editable, "test", 2)):
        with pytest.raises(ValueError, match=r"test/part-00002\.parquet .*lacks column 'Promo' \(int64\)"):
            check()
    read_partition(editable, "test", 1)  # the others still read


def test_a_changed_type_is_named_with_both_types(editable):
    file = editable / "train" / "part-00003.parquet"
    _rewrite(file, lambda table: table.set_column(2, "Date", table["Date"].cast(pa.string())))
    with pytest.raises(
        ValueError, match=r"train/part-00003\.parquet .*column 'Date': type string, but timestamp\[ns\]"
    ):
        check_partitions(editable)


def test_an_extra_column_is_named(editable):
    _rewrite(editable / "train" / "part-00000.parquet", lambda table: table.append_column("x", table["Store"]))
    with pytest.raises(ValueError, match=r"part-00000\.parquet .*extra column\(s\) \['x'\]"):
        check_partitions(editable)


def test_partition_counts_must_agree(editable):
    (editable / "test" / "part-00004.parquet").unlink()
    with pytest.raises(ValueError, match="5 train partitions but 4 test partitions"):
        check_partitions(editable)
    (editable / "test" / "part-00001.parquet").unlink()
    with pytest.raises(ValueError, match=r"lacks \['part-00001\.parquet'\]"):
        check_partitions(editable)


def test_a_folder_without_partitions(editable, tmp_path):
    shutil.rmtree(editable / "train")
    with pytest.raises(ValueError, match="train holds no partition files"):
        check_partitions(editable)
    with pytest.raises(ValueError, match=r"no partition 0 of train: .* 0 partition file"):
        load_partition_tables(editable, 0)
    with pytest.raises(ValueError, match="no partition 5 of test"):
        read_partition(editable, "test", 5)
    with pytest.raises(ValueError, match="table must be one of"):
        read_partition(editable, "store", 0)


@pytest.mark.parametrize("n_partitions", [0, -1, 2.5])
def test_bad_partition_counts(csv_folder, tmp_path, n_partitions):
    with pytest.raises(ValueError, match="n_partitions must be an integer of at least 1"):
        partition_rossmann(csv_folder, tmp_path / "out", n_partitions)
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments_and_folders_write_nothing(csv_folder, tmp_path):
    source = Path(shutil.copytree(csv_folder, tmp_path / "csv"))
    with pytest.raises(ValueError, match="chunk_rows must be at least 1"):
        partition_rossmann(source, tmp_path / "out", 2, chunk_rows=0)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("keep")
    with pytest.raises(ValueError, match="full exists and is not an empty folder"):
        partition_rossmann(source, tmp_path / "full", 2)
    (source / "train.csv").unlink()
    with pytest.raises(ValueError, match="missing file train.csv"):
        partition_rossmann(source, tmp_path / "out", 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csv", "full"]


def _edit_line(path: Path, line: int, column: str, value: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    fields = lines[line - 1].rstrip("\n").split(",")
    fields[lines[0].rstrip("\n").split(",").index(column)] = value
    lines[line - 1] = ",".join(fields) + "\n"
    path.write_text("".join(lines))


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("Sales", "12x", r"train\.csv, column 'Sales', row 1700 \(line 1701\): '12x' is not an integer"),
        ("Date", "2015-02-30", r"train\.csv, column 'Date', row 1700 \(line 1701\): '2015-02-30' is not a YYYY"),
        ("Store", "99", r"train\.csv, row 1700 \(line 1701\): store 99 is not in store\.csv"),
    ],
)
def test_a_bad_value_in_a_later_chunk_is_named_and_leaves_nothing(csv_folder, tmp_path, column, value, message):
    source = Path(shutil.copytree(csv_folder, tmp_path / "csv"))
    _edit_line(source / "train.csv", 1701, column, value)  # in the third chunk
    with pytest.raises(ValueError, match=message):
        partition_rossmann(source, tmp_path / "out", K, chunk_rows=CHUNK)
    assert [p.name for p in tmp_path.iterdir()] == ["csv"]  # no partial folder, no temporary


def _peak_mb(work) -> float:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_the_rows(tmp_path):
    peaks, whole_peaks = {}, {}
    for n_stores in (100, 1000):  # ten times the rows (two months: the store-wide tables stay small)
        source = write_synthetic_rossmann(tmp_path / f"csv{n_stores}", n_stores, start="2015-06-01", seed=1).folder
        out = tmp_path / f"out{n_stores}"
        started = time.perf_counter()
        peaks[n_stores] = _peak_mb(partial(partition_rossmann, source, out, 4, chunk_rows=4000))
        seconds = time.perf_counter() - started
        whole_peaks[n_stores] = _peak_mb(partial(load_rossmann, source))  # for reference: the tables at once
        print(
            f"{n_stores} stores: partitioning peak {peaks[n_stores]:.1f} MB ({seconds:.1f} s traced), "
            f"load_rossmann peak {whole_peaks[n_stores]:.1f} MB"
        )
    ratio, whole_ratio = peaks[1000] / peaks[100], whole_peaks[1000] / whole_peaks[100]
    print(f"peak ratio at 10x the rows: partitioning {ratio:.2f}, load_rossmann {whole_ratio:.2f}")
    assert ratio < 3


def test_cli_writes_and_partitions(csv_folder, tmp_path, capsys):
    synthetic = ["data", "rossmann", "--synthetic", "--stores", "6", "--partitions", "2"]
    assert main([*synthetic, "--out", str(tmp_path / "syn")]) == 0
    assert "as 2 partitions by store" in capsys.readouterr().out
    assert check_partitions(tmp_path / "syn") == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["syn"]  # no CSV folder in between
    assert main([*synthetic, "--out", str(tmp_path / "s"), "--summary"]) == 2
    assert "not with --partitions" in capsys.readouterr().err

    partition = ["data", "partition", str(csv_folder), "--out", str(tmp_path / "p"), "--partitions", "3"]
    assert main([*partition, "--chunk-rows", "500"]) == 0
    assert check_partitions(tmp_path / "p") == 3
    assert pq.ParquetFile(tmp_path / "p" / "train" / "part-00000.parquet").metadata.num_row_groups > 1
    assert main(partition) == 2
    assert "exists and is not an empty folder" in capsys.readouterr().err
    assert (
        main(["data", "rossmann", "--synthetic", "--stores", "3", "--out", str(tmp_path / "s"), "--partitions", "4"])
        == 2
    )
    assert "4 partitions for 3 store(s)" in capsys.readouterr().err
