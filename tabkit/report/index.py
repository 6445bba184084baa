"""``reports/index.html``: every report under the output folder, one table per spec with
one column per model's score, sortable, linking each run's report, submission and log.

Each run report leaves a ``summary.json`` beside its ``index.html``; the index is rebuilt
from all of them, so reports built at different times are all listed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from tabkit import runs
from tabkit.files import write_text
from tabkit.report.blocks import fmt, seconds, when
from tabkit.report.rendering import render
from tabkit.report.run_sections import best_model, leaderboard_frame
from tabkit.runs import RunReader

SUMMARY = "summary.json"


def run_summary(run: RunReader) -> dict:
    """What the index shows of one run: status, timing, metric, every score, and where
    its files are."""
    board = leaderboard_frame(run)
    best = best_model(board)
    scores = {}
    if board is not None:
        scores = {str(r["model"]): fmt(r["score"]) for _, r in board.iterrows()}
    submission = run.metrics.get("submission") or {}
    return {
        "spec": run.spec_name,
        "run": run.run_id,
        "status": run.status.get("status", "unknown"),
        "started": when(run.status.get("started")) or "",
        "duration": seconds(run.status.get("duration_s")),
        "metric": run.metrics.get("metric", ""),
        "scores": scores,
        "best": "" if best is None else str(best["model"]),
        "submitted": submission.get("model", ""),
        "run_dir": str(run.path),
        "files": {label: file for label, file in (("submission", runs.SUBMISSION), ("log", runs.LOG)) if run.has(file)},
    }


def write_summary(folder: Path, summary: dict) -> Path:
    """Save a run's summary beside its report."""
    return write_text(folder / SUMMARY, json.dumps(summary, indent=1))


def _href(target: Path, root: Path) -> str:
    """A relative link from ``root/index.html`` to ``target``."""
    return quote(Path(os.path.relpath(target, root)).as_posix())


def write_index(root: Path) -> Path:
    """Rebuild ``root/index.html`` from every ``root/<spec>/<run>/summary.json``."""
    root = Path(root)
    specs: dict[str, dict] = {}
    for file in sorted(root.glob(f"*/*/{SUMMARY}")):
        summary = json.loads(file.read_text(encoding="utf-8"))
        summary["href"] = _href(file.parent / "index.html", root)
        run_dir = Path(summary.get("run_dir", ""))
        summary["links"] = {label: _href(run_dir / name, root) for label, name in summary.get("files", {}).items()}
        spec = specs.setdefault(summary["spec"], {"runs": [], "models": []})
        spec["runs"].append(summary)
        spec["models"] += [m for m in summary.get("scores", {}) if m not in spec["models"]]
    for spec in specs.values():
        spec["runs"].sort(key=lambda s: s["run"], reverse=True)
        spec["models"].sort(key=lambda m: m == runs.BASELINE)
        spec["metrics"] = sorted({s["metric"] for s in spec["runs"] if s["metric"]})
    n_runs = sum(len(spec["runs"]) for spec in specs.values())
    return write_text(root / "index.html", render("index.html", specs=dict(sorted(specs.items())), n_runs=n_runs))
