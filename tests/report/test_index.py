"""build_reports over many runs, and the reports index: one table per spec, one column
per model's score, links to each run's report, submission and log."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest
from report_pages import read_page

from tabkit.report.blocks import fmt
from tabkit.report.builder import ReportError, build_report, build_reports


def _resolve(index: Path, href: str) -> Path:
    return (index.parent / unquote(href)).resolve()


def test_index_has_a_column_per_model_and_links_to_each_run_s_files(report, run_dir):
    index = report.parents[2] / "index.html"
    html = index.read_text()
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", html)
    board = pd.read_csv(run_dir / "leaderboard.csv")
    models = [m for m in board["model"] if m != "baseline"]
    assert headers == [
        "run",
        "status",
        *models,
        "baseline",
        "best model",
        "submitted",
        "files",
        "started",
        "duration (s)",
    ]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
    assert [fmt(s) for s in board.set_index("model").loc[[*models, "baseline"], "score"]] == cells[2 : 2 + len(board)]
    links = {text: href for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', html)}
    assert _resolve(index, links[run_dir.name]) == report.resolve()
    assert _resolve(index, links["submission"]) == (run_dir / "submission.csv").resolve()
    assert _resolve(index, links["log"]) == (run_dir / "log.txt").resolve()
    assert not any(href.startswith(("/", "http", "file:")) for href in links.values())
    assert 'class="sortable"' in html


def test_index_timestamps_to_the_second(report, run_dir):
    started = json.loads((run_dir / "status.json").read_text())["started"]
    html = (report.parents[2] / "index.html").read_text()
    assert started[:19].replace("T", " ") + " UTC" in html
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", html)


def test_batch_renders_every_run_in_parallel_and_indexes_their_scores(failed_run_dir, early_run_dir, tmp_path):
    runs = (failed_run_dir, early_run_dir)
    paths = build_reports([*runs, failed_run_dir], out=tmp_path, n_jobs=2)
    assert paths == [tmp_path / r.parent.name / r.name / "index.html" for r in runs]
    assert all(path.is_file() for path in paths)
    index = read_page(tmp_path / "index.html")
    reports = [link for link in index.links if link.endswith("/index.html")]
    assert reports == [f"{r.parent.name}/{r.name}/index.html" for r in sorted(runs, key=lambda r: r.parent.name)]
    board = pd.read_csv(failed_run_dir / "leaderboard.csv")
    assert all(fmt(score) in index.joined for score in board["score"])
    assert "failed" in index.joined and "tiny-early" in index.joined


def test_index_keeps_reports_built_earlier(failed_run_dir, early_run_dir, tmp_path):
    build_report(early_run_dir, out=tmp_path)
    build_report(failed_run_dir, out=tmp_path)
    links = read_page(tmp_path / "index.html").links
    assert len([link for link in links if link.endswith("/index.html")]) == 2


def test_batch_reports_a_broken_run_and_keeps_the_others(early_run_dir, tmp_path):
    broken = tmp_path / "runs" / "broken" / early_run_dir.name
    shutil.copytree(early_run_dir, broken)
    (broken / "status.json").write_text("{not json")
    with pytest.raises(ReportError, match="1 of 2 reports failed"):
        build_reports([early_run_dir, broken], out=tmp_path / "reports", n_jobs=1)
    assert (tmp_path / "reports" / "tiny-early" / early_run_dir.name / "index.html").is_file()
    links = read_page(tmp_path / "reports" / "index.html").links
    assert len([link for link in links if link.endswith("/index.html")]) == 1


def test_batch_refuses_two_runs_with_one_report_folder(early_run_dir, tmp_path):
    twin = tmp_path / "elsewhere" / "tiny-early" / early_run_dir.name
    shutil.copytree(early_run_dir, twin)
    with pytest.raises(ValueError, match="would both be reported"):
        build_reports([early_run_dir, twin], out=tmp_path / "reports")
    assert not (tmp_path / "reports").exists()
