"""load_rossmann: the real files, both external layouts, and errors naming file/column/row."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from tabkit.datasets import load_rossmann, write_rossmann
from tabkit.datasets.csv_tables import read_header
from tabkit.datasets.schema import SCHEMAS


@pytest.fixture(scope="module")
def written(small, tmp_path_factory) -> Path:
    """The small synthetic set in the per-state layout, never modified (copy it to edit)."""
    return write_rossmann(small, tmp_path_factory.mktemp("rossmann"))


@pytest.fixture
def editable(written, tmp_path) -> Path:
    return Path(shutil.copytree(written, tmp_path / "copy"))


def test_real_files(real_tables):
    assert len(real_tables["train"]) == 1_017_209
    assert len(real_tables["test"]) == 41_088
    assert len(real_tables["store"]) == 1_115
    assert real_tables["train"]["StateHoliday"].isin(["0", "a", "b", "c"]).all()
    assert set(real_tables["train"]["StateHoliday"]) == {"0", "a", "b", "c"}
    assert real_tables["test"]["Open"].isna().sum() == 11
    assert real_tables["googletrend"]["file"].nunique() == 14
    assert real_tables["weather"]["file"].nunique() == 16
    for table, frame in real_tables.items():
        assert list(frame.columns) == list(SCHEMAS[table])


@pytest.mark.parametrize("relative", ["weather/Berlin.csv", "googletrend/Rossmann_DE_BE.csv"])
def test_written_headers_match_real_files(written, real_dir, relative):
    header = read_header(written / relative, relative)
    real = read_header(real_dir / relative, relative)
    if relative.startswith("googletrend"):
        header, real = header[:1], real[:1]  # the second header names the period covered
    assert header == real


@pytest.mark.parametrize("name", ["train.csv", "test.csv", "store.csv", "store_states.csv"])
def test_written_headers_match_real_plain_files(written, real_dir, name):
    assert read_header(written / name, name) == read_header(real_dir / name, name)


def test_both_layouts_load_the_same(small, tmp_path):
    per_state = load_rossmann(write_rossmann(small, tmp_path / "a"))
    combined = load_rossmann(write_rossmann(small, tmp_path / "b", layout="combined"))
    assert (tmp_path / "b" / "weather.csv").is_file() and not (tmp_path / "b" / "weather").exists()
    for table in SCHEMAS:
        pd.testing.assert_frame_equal(per_state[table], combined[table])


def test_external_tables_are_optional(editable):
    shutil.rmtree(editable / "weather")
    shutil.rmtree(editable / "googletrend")
    (editable / "state_names.csv").unlink()
    tables = load_rossmann(editable)
    assert set(tables) == {"train", "test", "store", "store_states"}


def test_mixed_zero_codes_read_as_strings(editable):
    """Kaggle's train.csv holds StateHoliday both as 0 and "0"."""
    path = editable / "train.csv"
    lines = path.read_text().splitlines(keepends=True)
    lines[1] = lines[1].replace(",0,", ',"0",', 1)
    path.write_text("".join(lines))
    tables = load_rossmann(editable)
    assert tables["train"]["StateHoliday"].iloc[0] == "0"
    assert tables["train"]["StateHoliday"].map(type).eq(str).all()


@pytest.mark.parametrize("name", ["train.csv", "test.csv", "store.csv"])
def test_missing_required_file(editable, name):
    (editable / name).unlink()
    with pytest.raises(ValueError, match=f"missing file {name}"):
        load_rossmann(editable)


def test_missing_directory(tmp_path):
    with pytest.raises(ValueError, match="not a directory"):
        load_rossmann(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "relative, column",
    [
        ("train.csv", "Sales"),
        ("store.csv", "PromoInterval"),
        ("weather/Berlin.csv", "Mean_TemperatureC"),
    ],
)
def test_missing_column(editable, relative, column):
    path = editable / relative
    sep = ";" if "weather" in relative else ","
    frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
    frame.drop(columns=column).to_csv(path, sep=sep, index=False)
    with pytest.raises(ValueError, match=rf"{relative}.*{column}"):
        load_rossmann(editable)


@pytest.mark.parametrize(
    "relative, line, column, value, problem",
    [
        ("train.csv", 5, "Sales", "12x", "not an integer"),
        ("train.csv", 7, "Store", "7.5", "not an integer"),
        ("test.csv", 3, "Promo", "", "the value is missing"),
        ("store.csv", 4, "CompetitionDistance", "far", "not a number"),
        ("train.csv", 9, "Date", "2015-02-30", "not a YYYY-MM-DD date"),
        ("train.csv", 6, "StateHoliday", "z", "not one of"),
        ("weather/Hessen.csv", 10, "Max_TemperatureC", "warm", "not an integer"),
        ("googletrend/Rossmann_DE_BY.csv", 4, "week", "week 3", "YYYY-MM-DD - YYYY-MM-DD"),
    ],
)
def test_unparsable_value_names_file_column_and_row(editable, relative, line, column, value, problem):
    path = editable / relative
    sep = ";" if relative.startswith("weather") else ","
    lines = path.read_text().splitlines(keepends=True)
    position = lines[0].rstrip("\n").split(sep).index({"week": "Woche"}.get(column, column))
    fields = lines[line - 1].rstrip("\n").split(sep)
    fields[position] = value
    lines[line - 1] = sep.join(fields) + "\n"
    path.write_text("".join(lines))
    with pytest.raises(ValueError) as error:
        load_rossmann(editable)
    message = str(error.value)
    assert relative in message and repr(column) in message
    assert f"row {line - 1} (line {line})" in message
    assert problem in message


def test_both_layouts_at_once(editable, small):
    write_rossmann({**small}, editable / "other", layout="combined")
    shutil.copy(editable / "other" / "weather.csv", editable / "weather.csv")
    with pytest.raises(ValueError, match="both weather.csv and weather/"):
        load_rossmann(editable)


def test_trend_file_needs_two_columns(editable):
    path = editable / "googletrend" / "Rossmann_DE.csv"
    path.write_text("Woche\n2012-12-02 - 2012-12-08\n")
    with pytest.raises(ValueError, match="Rossmann_DE.csv needs two columns"):
        load_rossmann(editable)


def test_empty_file(editable):
    (editable / "store.csv").write_text("")
    with pytest.raises(ValueError, match="store.csv is empty"):
        load_rossmann(editable)
