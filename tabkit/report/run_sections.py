"""Report sections about the whole run: the summary with the leaderboard, and the run's
details (status, steps, versions, spec, log)."""

from __future__ import annotations

import pandas as pd

from tabkit import runs
from tabkit.plots import plot_leaderboard
from tabkit.report.blocks import (
    Code,
    Facts,
    Figure,
    Section,
    Table,
    amount,
    facts,
    fmt,
    seconds,
    table_from_frame,
    when,
)
from tabkit.report.figures import to_data_uri
from tabkit.report.reading import greater_is_better, spec
from tabkit.runs import RunReader

LOG_TAIL_LINES = 200
STEP_GROUPS = (("model:", "fitting"), ("explain:", "explaining"))


def leaderboard_frame(run: RunReader) -> pd.DataFrame | None:
    """``leaderboard.csv``, or the same table assembled from ``metrics.json``."""
    board = run.csv(runs.LEADERBOARD)
    if board is not None:
        return board
    models = run.metrics.get("models")
    if not models:
        return None
    rows = [
        {
            "model": name,
            "kind": info.get("kind"),
            "score": info.get("score"),
            "fit_seconds": info.get("fit_seconds"),
            "predict_seconds": info.get("predict_seconds"),
        }
        for name, info in models.items()
    ]
    baseline = run.metrics.get("baseline")
    if baseline:
        rows.append({"model": runs.BASELINE, "kind": "baseline", "score": baseline.get("score")})
    return pd.DataFrame(rows)


def best_model(board: pd.DataFrame | None) -> pd.Series | None:
    """The leaderboard's best model (the baseline excluded), or None."""
    if board is None:
        return None
    models = board[(board["kind"] != "baseline") & board["score"].notna()]
    return None if models.empty else models.iloc[0]


def gain_text(score: float, baseline: float, metric: str, greater: bool | None) -> str:
    """How a score compares with the baseline's, in words."""
    if greater is None or baseline == 0:
        return f"{fmt(score)} against {fmt(baseline)}"
    better = score > baseline if greater else score < baseline
    change = abs(score - baseline) / abs(baseline)
    word = "higher" if score > baseline else "lower"
    verdict = "" if better else " (worse than the baseline)"
    return f"{100 * change:.1f}% {word} {metric} than the baseline ({fmt(score)} against {fmt(baseline)}){verdict}"


def split_text(run: RunReader) -> str | None:
    """The split rule and the sizes and dates of each part."""
    data = run.metrics.get("data", {})
    if not data:
        return None
    split = spec(run).get("split", {})
    by = split.get("by", "test")
    rule = {
        "test": "the latest dates, as many rows as the test set",
        "days": f"the last {split.get('days')} days",
        "fraction": f"the latest {fmt(100 * float(split.get('fraction', 0)))}% of the rows by date",
    }.get(by, by)

    def part(dates, n) -> str:
        span = " to ".join(dates) if dates else ""
        return f"{span} ({amount(n)} rows)" if span else f"{amount(n)} rows"

    text = (
        f"validation = {rule}: {part(data.get('valid_dates'), data.get('n_valid'))}; "
        f"training {part(data.get('train_dates'), data.get('n_train'))}"
    )
    return text + (f"; test {amount(data['n_test'])} rows" if data.get("n_test") else "")


def time_text(run: RunReader) -> str | None:
    """The run's duration with the time spent fitting and explaining."""
    duration = run.status.get("duration_s")
    steps = run.metrics.get("steps", {})
    if duration is None and not steps:
        return None
    parts = [
        f"{label} {seconds(sum(v for k, v in steps.items() if k.startswith(prefix)))} s"
        for prefix, label in STEP_GROUPS
        if any(k.startswith(prefix) for k in steps)
    ]
    head = f"{seconds(duration)} s" if duration is not None else "unfinished"
    return head + (f" ({', '.join(parts)})" if parts else "")


def summary_section(run: RunReader, section: Section) -> Section:
    """The answer first: best and submitted model, gain over the baseline, split, sizes,
    run time; then the leaderboard."""
    metrics, status = run.metrics, run.status
    metric = metrics.get("metric", "score")
    board = leaderboard_frame(run)
    best = best_model(board)
    baseline = metrics.get("baseline") or {}
    greater = greater_is_better(run)
    data = metrics.get("data", {})
    target = metrics.get("target")
    units = None
    if target and metrics.get("target_transform") == "log":
        units = f"{target} (models learn log({target}); every number in this report is in {target})"
    submitted = metrics.get("submission")
    n_cat, n_cont = len(data.get("cat_names") or []), len(data.get("cont_names") or [])
    pairs = [
        ("status", status.get("status") if not status.get("error") else f"{status.get('status')}: {status['error']}"),
        ("best model", None if best is None else f"{best['model']} ({best['kind']}): {metric} {fmt(best['score'])}"),
        (
            "submission",
            None
            if not submitted
            else f"{submitted.get('model')} ({amount(submitted.get('rows'))} rows in {runs.SUBMISSION})",
        ),
        ("baseline", None if not baseline else f"{baseline.get('name')}: {metric} {fmt(baseline.get('score'))}"),
        (
            "gain over the baseline",
            None
            if best is None or baseline.get("score") is None
            else gain_text(float(best["score"]), float(baseline["score"]), metric, greater),
        ),
        ("target", units or target),
        ("task", metrics.get("task")),
        ("split", split_text(run)),
        ("features", f"{n_cat + n_cont}: {n_cat} categorical, {n_cont} continuous" if n_cat + n_cont else None),
        ("data", data.get("source")),
        ("run time", time_text(run)),
    ]
    section.blocks.append(facts(pairs))
    if status.get("error"):
        section.blocks.append(Code(str(status["error"]), "error", folded=False))
    if board is None or board.empty:
        if not status and not metrics:
            return section.omitted("Neither status.json nor metrics.json could be read.")
        return section.omitted("No model finished: leaderboard.csv is absent.")
    section.blocks.append(_leaderboard_table(board, metric, baseline.get("score")))
    scored = board.dropna(subset=["score"])
    if not scored.empty:
        fig = plot_leaderboard(scored, metric)
        section.blocks.append(Figure(to_data_uri(fig), f"validation {metric} of each model"))
    return section


def _leaderboard_table(board: pd.DataFrame, metric: str, baseline: float | None) -> Table:
    table = pd.DataFrame({"model": board["model"], "kind": board.get("kind")})
    table[f"validation {metric}"] = board["score"]
    if baseline:
        table["vs baseline"] = [f"{100 * (s / baseline - 1):+.1f}%" if pd.notna(s) else "" for s in board["score"]]
    for column, label in (("fit_seconds", "fit s"), ("predict_seconds", "predict s"), ("explain_seconds", "explain s")):
        if column in board and board[column].notna().any():
            table[label] = [seconds(v) if pd.notna(v) else "" for v in board[column]]
    return table_from_frame(table, caption="best first; fit s covers a model's whole search; click a header to sort")


def details_section(run: RunReader, section: Section) -> Section:
    """Status, timings, versions, errors, the spec as run and the log."""
    status, metrics = run.status, run.metrics
    section.blocks.append(
        facts(
            [
                ("spec", run.spec_name),
                ("run", run.run_id),
                ("status", status.get("status")),
                ("started", when(status.get("started"))),
                ("finished", when(status.get("finished"))),
                ("duration (s)", seconds(status.get("duration_s"))),
                ("metric", metrics.get("metric")),
                ("steps done", ", ".join(status.get("steps_done", [])) or None),
            ]
        )
    )
    steps = metrics.get("steps")
    if steps:
        section.blocks.append(
            Table(["step", "seconds"], [[k, seconds(v)] for k, v in steps.items()], "seconds each step took")
        )
    versions = metrics.get("versions")
    if versions:
        section.blocks.append(Facts([(f"{k} version", str(v)) for k, v in versions.items() if v]))
    if status.get("traceback"):
        section.blocks.append(Code(str(status["traceback"]), "traceback"))
    text = run.text(runs.SPEC)
    if text is not None:
        section.blocks.append(Code(text, "spec.toml as run"))
    log = run.text(runs.LOG)
    if log is not None:
        lines = log.splitlines()
        section.blocks.append(
            Code(
                "\n".join(lines[-LOG_TAIL_LINES:]),
                f"log.txt (last {min(len(lines), LOG_TAIL_LINES)} of {len(lines)} lines)",
            )
        )
    return section
