"""write_rossmann: write -> load round trips, Kaggle's file layout, atomic writes."""

from __future__ import annotations

import pandas as pd
import pytest

from tabkit.datasets import load_rossmann, write_rossmann
from tabkit.datasets.schema import SCHEMAS


@pytest.mark.parametrize("layout", ["per_state", "combined"])
def test_round_trip(small, tmp_path, layout):
    folder = write_rossmann(small, tmp_path / "out" / "nested", layout=layout)
    assert folder == tmp_path / "out" / "nested"
    loaded = load_rossmann(folder)
    assert set(loaded) == set(small)
    for table in SCHEMAS:
        pd.testing.assert_frame_equal(loaded[table], small[table])


def test_per_state_layout_files(small, tmp_path):
    folder = write_rossmann(small, tmp_path)
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {
        "train.csv",
        "test.csv",
        "store.csv",
        "store_states.csv",
        "state_names.csv",
        "googletrend/Rossmann_DE.csv",
        "googletrend/Rossmann_DE_NI.csv",
        "weather/Niedersachsen.csv",
        "weather/Bayern.csv",
    } <= names
    assert len([n for n in names if n.startswith("weather/")]) == 16
    assert len([n for n in names if n.startswith("googletrend/")]) == 14
    assert not [n for n in names if ".tmp" in n or n.split("/")[-1].startswith(".")]
    weather_header = (folder / "weather" / "Bayern.csv").read_text().splitlines()[0]
    assert weather_header.startswith("Date;Max_TemperatureC;")
    assert (folder / "googletrend" / "Rossmann_DE.csv").read_text().startswith("Woche,")


def test_overwrites_in_place(small, tmp_path):
    write_rossmann(small, tmp_path)
    (tmp_path / "keep.txt").write_text("mine")
    changed = {**small, "store": small["store"].assign(Promo2=1 - small["store"]["Promo2"])}
    write_rossmann(changed, tmp_path)
    assert load_rossmann(tmp_path)["store"]["Promo2"].equals(changed["store"]["Promo2"])
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_required_tables_only(small, tmp_path):
    tables = {name: small[name] for name in ("train", "test", "store")}
    loaded = load_rossmann(write_rossmann(tables, tmp_path))
    assert set(loaded) == {"train", "test", "store"}


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: {k: v for k, v in t.items() if k != "store"}, r"missing table\(s\) \['store'\]"),
        (lambda t: {**t, "train": t["train"].drop(columns="Sales")}, "'train' lacks column.*Sales"),
        (lambda t: {**t, "extra": t["store"]}, "unknown table 'extra'"),
    ],
)
def test_bad_tables_write_nothing(small, tmp_path, change, message):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=message):
        write_rossmann(change(dict(small)), out)
    assert not out.exists()


def test_unknown_layout(small, tmp_path):
    with pytest.raises(ValueError, match="layout"):
        write_rossmann(small, tmp_path, layout="zip")
