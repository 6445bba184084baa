"""The run folder: atomic writes, never-colliding folders, status, and a manifest that
refuses changed files."""

from __future__ import annotations

import json

import joblib
import pytest

from tabkit import runs
from tabkit.files import atomic_write


def test_atomic_write_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.json"
    runs.write_json(target, {"a": 1})

    def fail(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, fail)
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_run_folders_never_collide_and_keep_their_status(tmp_path):
    folders = [runs.RunWriter(tmp_path, "spec") for _ in range(3)]
    assert len({f.path for f in folders}) == 3
    assert all(f.path.parent == tmp_path / "spec" for f in folders)
    first = folders[0]
    assert runs.RunReader(first.path).status["status"] == "running"
    first.step_done("features")
    first.finish("failed", error=ValueError("bad"), traceback="tb")
    status = runs.RunReader(first.path).status
    assert status["status"] == "failed" and status["error"] == "ValueError: bad"
    assert status["steps_done"] == ["features"] and status["duration_s"] >= 0
    with pytest.raises(ValueError, match="unknown run status"):
        folders[1].finish("done")


def test_manifest_records_hashes_and_refuses_changed_or_unlisted_files(tmp_path):
    writer = runs.RunWriter(tmp_path, "spec")
    size = writer.write_object(runs.model_file("forest"), {"trees": [1, 2, 3]})
    manifest = json.loads(writer.file(runs.MANIFEST).read_text())
    recorded = manifest["files"]["models/forest.joblib"]
    assert manifest["layout"] == runs.LAYOUT_VERSION and recorded["bytes"] == size
    assert recorded["sha256"] == runs.file_digest(writer.file("models/forest.joblib"))
    reader = runs.RunReader(writer.path)
    assert reader.model("forest") == {"trees": [1, 2, 3]}
    assert reader.model("absent") is None
    joblib.dump({"trees": "evil"}, writer.file("models/forest.joblib"))
    with pytest.raises(ValueError, match="has changed since the run wrote it"):
        runs.RunReader(writer.path).model("forest")
    joblib.dump(1, writer.file("models/extra.joblib"))
    with pytest.raises(ValueError, match="is not listed in"):
        runs.RunReader(writer.path).model("extra")


def test_reader_refuses_what_is_not_a_run(tmp_path):
    with pytest.raises(ValueError, match="does not exist or is not a folder"):
        runs.RunReader(tmp_path / "nope")
    with pytest.raises(ValueError, match="is not a run folder"):
        runs.RunReader(tmp_path)
