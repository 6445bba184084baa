"""`tabkit report RUN_DIR... [--out DIR] [--jobs N]`."""

from __future__ import annotations

import subprocess
import sys

import pytest
from report_pages import read_page

from tabkit.cli import main


@pytest.mark.slow
def test_report_command_over_several_runs_in_parallel(failed_run_dir, early_run_dir, tmp_path):
    out = tmp_path / "reports"
    # a spec's folder of runs, and a run folder
    args = [str(failed_run_dir.parent), str(early_run_dir), "--out", str(out), "--jobs", "2", "--quiet"]
    done = subprocess.run(
        [sys.executable, "-m", "tabkit.cli", "report", *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    for run in (failed_run_dir, early_run_dir):
        report = out / run.parent.name / run.name / "index.html"
        assert report.is_file() and f"wrote {report}" in done.stdout
    assert len([link for link in read_page(out / "index.html").links if link.endswith("/index.html")]) == 2


def test_help_lists_the_command(capsys):
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = capsys.readouterr().out
    assert "RUN_DIR" in text and "--out" in text and "--jobs" in text


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--jobs", "0"], "--jobs must be a positive number or -1, got 0"),
        (["--jobs", "-3"], "--jobs must be a positive number or -1, got -3"),
    ],
)
def test_bad_jobs_exit_2(early_run_dir, tmp_path, capsys, extra, message):
    assert main(["report", str(early_run_dir), "--out", str(tmp_path), *extra]) == 2
    assert message in capsys.readouterr().out
    assert not any(tmp_path.iterdir())


def test_not_a_run_folder_exits_2_naming_it(early_run_dir, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["report", str(early_run_dir), str(empty), "--out", str(tmp_path / "out")]) == 2
    assert repr(str(empty)) in capsys.readouterr().out
    assert not (tmp_path / "out").exists()


def test_a_failing_report_exits_1_after_writing_the_others(early_run_dir, tmp_path, capsys):
    broken = tmp_path / "runs" / "broken" / "20260101T000000Z"
    broken.mkdir(parents=True)
    (broken / "status.json").write_text("[")
    out = tmp_path / "out"
    assert main(["report", str(early_run_dir), str(broken), "--out", str(out), "--jobs", "1", "--quiet"]) == 1
    assert "1 of 2 reports failed" in capsys.readouterr().out
    assert (out / "tiny-early" / early_run_dir.name / "index.html").is_file()


@pytest.mark.slow
def test_ctrl_c_ends_with_one_line(run_dir, tmp_path, interruptible):
    import shutil
    import signal
    import time

    runs = []
    for i in range(6):  # enough reports to still be building when the signal comes
        copy = tmp_path / "runs" / "tiny" / f"{run_dir.name}-{i}"
        shutil.copytree(run_dir, copy)
        runs.append(str(copy))
    process = subprocess.Popen(
        [sys.executable, "-m", "tabkit.cli", "report", *runs, "--out", str(tmp_path / "out"), "--jobs", "1", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )
    time.sleep(4)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGINT, stderr  # ends by the signal: a shell reports 130
    assert stderr.strip().splitlines() == ["tabkit report: interrupted; reports already written are kept"]
