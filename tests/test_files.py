import os

import pytest

from tabkit.files import atomic_write, write_text


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
