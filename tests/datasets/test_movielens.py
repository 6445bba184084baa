"""MovieLens files: both public layouts (written here, never shipped), the 100k writer and
``tabkit data movielens``."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import tabkit as tk
from tabkit.datasets import load_movielens, make_ratings, write_movielens

TITLES = ["Toy Story (1995)", "Amélie, la fabuleuse (2001)", 'Cinema "Paradiso" (1988)']


def write_100k(folder):
    folder.mkdir()
    (folder / "u.data").write_text("196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n")
    genres = "|".join(["0"] * 19)
    lines = [f"{item}|{title}|01-Jan-1995||http://x?{item}|{genres}" for item, title in zip((242, 302, 377), TITLES)]
    (folder / "u.item").write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    return folder


def write_latest_small(folder):
    folder.mkdir()
    (folder / "ratings.csv").write_text(
        "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n6,1,0.5,845553522\n"
    )
    (folder / "movies.csv").write_text(
        "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n"
        '3,"Grumpier Old Men, The (1995)",Comedy|Romance\n',
        encoding="utf-8",
    )
    return folder


def test_100k_layout(tmp_path):
    tables = load_movielens(write_100k(tmp_path / "ml-100k"))
    ratings, items = tables["ratings"], tables["items"]
    assert list(ratings.columns) == ["user", "item", "rating", "timestamp"]
    assert ratings["user"].tolist() == [196, 186, 22] and ratings["item"].tolist() == [242, 302, 377]
    assert ratings["rating"].tolist() == [3.0, 3.0, 1.0] and ratings["rating"].dtype == np.float64
    assert ratings["timestamp"].iloc[0] == pd.Timestamp(881250949, unit="s")
    assert list(items.columns) == ["item", "title"]
    assert items["item"].tolist() == [242, 302, 377] and items["title"].tolist() == TITLES


def test_latest_small_layout(tmp_path):
    tables = load_movielens(write_latest_small(tmp_path / "small"))
    ratings, items = tables["ratings"], tables["items"]
    assert ratings["rating"].tolist() == [4.0, 4.5, 0.5]
    assert ratings["timestamp"].iloc[2] == pd.Timestamp(845553522, unit="s")
    assert items["title"].tolist() == ["Toy Story (1995)", "Grumpier Old Men, The (1995)"]


def test_folders_without_a_layout(tmp_path):
    with pytest.raises(ValueError, match="is not a directory"):
        load_movielens(tmp_path / "absent")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(
        ValueError,
        match=r"holds neither MovieLens layout: 100k's u.data \+ u.item or "
        r"latest-small's ratings.csv \+ movies.csv",
    ):
        load_movielens(empty)
    half = write_100k(tmp_path / "half")
    (half / "u.item").unlink()
    with pytest.raises(ValueError, match="has u.data but not u.item"):
        load_movielens(half)


def test_bad_rows_are_named(tmp_path):
    folder = write_100k(tmp_path / "bad")
    (folder / "u.data").write_text("196\t242\t3\t881250949\n186\tabc\t3\t891717742\n")
    with pytest.raises(ValueError, match=r"1 bad item value\(s\) in the ratings, the first on data row 2: 'abc'"):
        load_movielens(folder)
    folder = write_latest_small(tmp_path / "cols")
    (folder / "ratings.csv").write_text("user,movie,stars\n1,1,4\n")
    with pytest.raises(
        ValueError, match=r"ratings.csv lacks column\(s\) \['userId', 'movieId', 'rating', 'timestamp'\]"
    ):
        load_movielens(folder)


def test_write_then_load_round_trip(tmp_path):
    tables = make_ratings(30, 20, 2, seed=1)
    tables["items"].loc[0, "title"] = TITLES[1]
    folder = write_movielens(tables, tmp_path / "out")
    assert sorted(p.name for p in folder.iterdir()) == ["u.data", "u.item"]
    assert len((folder / "u.item").read_bytes().split(b"\n")[0].split(b"|")) == 24
    loaded = load_movielens(folder)
    pd.testing.assert_frame_equal(
        loaded["ratings"], tables["ratings"].astype({"timestamp": "datetime64[ns]"}), check_dtype=False
    )
    pd.testing.assert_frame_equal(loaded["items"], tables["items"], check_dtype=False)


def test_writer_refuses_what_the_layout_cannot_hold(tmp_path):
    tables = make_ratings(25, 20, 2, seed=1)
    halves = {**tables, "ratings": tables["ratings"].assign(rating=tables["ratings"]["rating"] - 0.5)}
    with pytest.raises(ValueError, match="holds whole-star ratings"):
        write_movielens(halves, tmp_path / "a")
    piped = {**tables, "items": tables["items"].assign(title="A|B")}
    with pytest.raises(ValueError, match=r"20 title\(s\) hold a '\|'"):
        write_movielens(piped, tmp_path / "b")
    with pytest.raises(ValueError, match="missing table 'items'"):
        write_movielens({"ratings": tables["ratings"]}, tmp_path / "c")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.slow
def test_data_command_writes_100k_layout(tmp_path):
    out = tmp_path / "ml"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tabkit.cli",
            "data",
            "movielens",
            "--synthetic",
            "--out",
            str(out),
            "--users",
            "30",
            "--items",
            "25",
            "--seed",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    expected = make_ratings(30, 25, seed=2)
    assert f"wrote {len(expected['ratings']):,} ratings of 25 items by 30 users" in result.stdout
    loaded = tk.datasets.load_movielens(out)
    np.testing.assert_array_equal(loaded["ratings"]["rating"], expected["ratings"]["rating"])
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "tabkit.cli",
            "data",
            "movielens",
            "--synthetic",
            "--out",
            str(tmp_path / "x"),
            "--users",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert bad.returncode == 2 and "--users must be at least 1, got 0" in bad.stderr
