"""The run folder: atomic writes, never-colliding folders, status, and a manifest that
refuses changed files."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tabkit import runs
from tabkit.files import atomic_write
from tabkit.prep import TabularProcessor


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
    processor = TabularProcessor().fit(pd.DataFrame({"shop": ["a", "b", "a"], "sales": [1.0, None, 3.0]}))
    writer = runs.RunWriter(tmp_path, "spec")
    size = writer.write_object(runs.model_file("forest"), processor)
    manifest = json.loads(writer.file(runs.MANIFEST).read_text())
    files = manifest["files"]
    assert manifest["layout"] == runs.LAYOUT_VERSION and sum(f["bytes"] for f in files.values()) == size
    assert {path: f["format"] for path, f in files.items()} == {
        "models/forest/state.skops": "skops",
        "models/forest/object.json": "json",
    }
    assert files["models/forest/state.skops"]["sha256"] == runs.file_digest(writer.file("models/forest/state.skops"))
    reader = runs.RunReader(writer.path)
    assert reader.model("forest").categories_ == processor.categories_
    assert reader.model("absent") is None
    state = writer.file("models/forest/state.skops")
    state.write_bytes(state.read_bytes() + b"\0")
    with pytest.raises(ValueError, match="has changed since the run wrote it"):
        runs.RunReader(writer.path).model("forest")
    writer.write_object(runs.model_file("extra"), processor)
    (writer.file("models/extra") / "more.skops").write_bytes(b"")
    with pytest.raises(ValueError, match=r"more.skops is not listed in .*manifest.json: the run did not write it"):
        runs.RunReader(writer.path).model("extra")


def test_reader_refuses_what_is_not_a_run(tmp_path):
    with pytest.raises(ValueError, match="does not exist or is not a folder"):
        runs.RunReader(tmp_path / "nope")
    with pytest.raises(ValueError, match="is not a run folder"):
        runs.RunReader(tmp_path)
