import os

import pytest

from tabkit.files import atomic_folder, atomic_write, write_text


def test_writes_whole_file_with_ordinary_permissions(tmp_path):
    path = write_text(tmp_path / "new" / "report.html", "<p>done</p>")
    assert path.read_text() == "<p>done</p>"
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask  # readable like any new file, not 0600
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = write_text(tmp_path / "metrics.json", "old")

    def half_then_fail(temporary):
        temporary.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(path, half_then_fail)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_folder_appears_whole_with_ordinary_permissions(tmp_path):
    (tmp_path / "out").mkdir()  # an empty folder is replaced

    def write(folder):
        (folder / "part").mkdir()
        (folder / "part" / "a.txt").write_text("a")

    path = atomic_folder(tmp_path / "out", write)
    assert (path / "part" / "a.txt").read_text() == "a"
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o777 & ~mask  # not mkdtemp's 0700
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_failed_folder_write_leaves_nothing(tmp_path):
    def half_then_fail(folder):
        (folder / "a.txt").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_folder(tmp_path / "out", half_then_fail)
    assert list(tmp_path.iterdir()) == []


def test_folder_never_replaces_a_folder_with_files(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("keep")
    with pytest.raises(OSError):
        atomic_folder(tmp_path / "out", lambda folder: (folder / "new.txt").write_text("new"))
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]
