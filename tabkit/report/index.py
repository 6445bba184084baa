"""``reports/index.html``: every report under the output folder with its scores.

Each run report leaves a ``summary.json`` beside its ``index.html``; the index is rebuilt
from all of them, so reports built at different times are all listed.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from tabkit.files import write_text
from tabkit.report.blocks import fmt
from tabkit.report.rendering import render
from tabkit.report.run_sections import leaderboard_frame
from tabkit.runs import RunReader

SUMMARY = "summary.json"


def run_summary(run: RunReader) -> dict:
    """What the index shows of one run: status, timing, metric and every score."""
    board = leaderboard_frame(run)
    models = []
    if board is not None:
        models = [{"name": str(r["model"]), "kind": str(r.get("kind", "")), "score": fmt(r["score"])}
                  for _, r in board.iterrows()]
    best = next((m for m in models if m["kind"] != "baseline" and m["score"]), None)
    baseline = next((m for m in models if m["kind"] == "baseline"), None)
    return {
        "spec": run.spec_name, "run": run.run_id, "status": run.status.get("status", "unknown"),
        "started": run.status.get("started") or "", "duration": fmt(run.status.get("duration_s")),
        "metric": run.metrics.get("metric", ""), "models": models,
        "best": best["name"] if best else "", "best_score": best["score"] if best else "",
        "baseline_score": baseline["score"] if baseline else "",
    }


def write_summary(folder: Path, summary: dict) -> Path:
    """Save a run's summary beside its report."""
    return write_text(folder / SUMMARY, json.dumps(summary, indent=1))


def write_index(root: Path) -> Path:
    """Rebuild ``root/index.html`` from every ``root/<spec>/<run>/summary.json``."""
    root = Path(root)
    runs = []
    for file in sorted(root.glob(f"*/*/{SUMMARY}")):
        summary = json.loads(file.read_text(encoding="utf-8"))
        summary["href"] = f"./{quote(file.parent.parent.name)}/{quote(file.parent.name)}/index.html"
        runs.append(summary)
    runs.sort(key=lambda s: (s["spec"], s["run"]))
    specs: dict[str, list[dict]] = {}
    for summary in runs:
        specs.setdefault(summary["spec"], []).insert(0, summary)
    return write_text(root / "index.html", render("index.html", specs=specs, n_runs=len(runs)))
