"""Report sections about the whole run: the run itself, the leaderboard, and predictions
against actuals over time."""
from __future__ import annotations

import pandas as pd
from pandas.api import types

from tabkit import runs
from tabkit.plots import new_figure, plot_leaderboard, plot_series
from tabkit.report.blocks import Code, Figure, Section, facts, fmt, table_from_frame
from tabkit.report.figures import to_data_uri
from tabkit.runs import RunReader

N_STORES_SHOWN = 3
LOG_TAIL_LINES = 200


def run_section(run: RunReader, section: Section) -> Section:
    """Spec, status, data sizes, split dates, library versions, duration, errors, log."""
    status, metrics = run.status, run.metrics
    data = metrics.get("data", {})

    def span(dates):
        return " to ".join(str(d) for d in dates) if dates else None

    section.blocks.append(facts([
        ("spec", run.spec_name), ("run", run.run_id), ("status", status.get("status")),
        ("started", status.get("started")), ("finished", status.get("finished")),
        ("duration (s)", status.get("duration_s")), ("metric", metrics.get("metric")),
        ("target", metrics.get("target")), ("data source", data.get("source")),
        ("training rows", data.get("n_train")), ("validation rows", data.get("n_valid")),
        ("test rows", data.get("n_test")), ("training dates", span(data.get("train_dates"))),
        ("validation dates", span(data.get("valid_dates"))),
        ("steps done", ", ".join(status.get("steps_done", [])) or None),
    ]))
    versions = metrics.get("versions")
    if versions:
        section.blocks.append(facts([(f"{k} version", v) for k, v in versions.items()]))
    if status.get("error"):
        section.blocks.append(Code(str(status["error"]), "error", folded=False))
    if status.get("traceback"):
        section.blocks.append(Code(str(status["traceback"]), "traceback"))
    spec = run.text(runs.SPEC)
    if spec is None:
        section.omitted("No spec.toml in this run folder.")
    else:
        section.blocks.append(Code(spec, "spec.toml as run"))
    log = run.text(runs.LOG)
    if log is not None:
        lines = log.splitlines()
        section.blocks.append(Code("\n".join(lines[-LOG_TAIL_LINES:]),
                                   f"log.txt (last {min(len(lines), LOG_TAIL_LINES)} of {len(lines)} lines)"))
    if not status and not metrics:
        section.omitted("Neither status.json nor metrics.json could be read.")
    return section


def leaderboard_frame(run: RunReader) -> pd.DataFrame | None:
    """``leaderboard.csv``, or the same table assembled from ``metrics.json``."""
    board = run.csv(runs.LEADERBOARD)
    if board is not None:
        return board
    models = run.metrics.get("models")
    if not models:
        return None
    rows = [{"model": name, "kind": info.get("kind"), "score": info.get("score"),
             "fit_seconds": info.get("fit_seconds"), "predict_seconds": info.get("predict_seconds")}
            for name, info in models.items()]
    baseline = run.metrics.get("baseline")
    if baseline:
        rows.append({"model": baseline.get("name", "baseline"), "kind": "baseline",
                     "score": baseline.get("score")})
    return pd.DataFrame(rows)


def leaderboard_section(run: RunReader, section: Section) -> Section:
    """Validation score and fit time per model (the baseline too), as a table and bars."""
    board = leaderboard_frame(run)
    if board is None or board.empty:
        return section.omitted("No model finished: leaderboard.csv is absent.")
    metric = run.metrics.get("metric", "score")
    section.blocks.append(table_from_frame(board, caption=f"validation {metric}, best first"))
    scored = board.dropna(subset=["score"])
    if not scored.empty:
        fig = plot_leaderboard(scored, metric)
        section.blocks.append(Figure(to_data_uri(fig), f"validation {metric} of each model"))
    return section


def _columns(run: RunReader, frame: pd.DataFrame) -> tuple[str | None, str | None, list[str]]:
    """The date column, the group column (None when the run has none) and the model columns."""
    data = run.metrics.get("data", {})
    date = data.get("date") if data.get("date") in frame.columns else next(
        (c for c in frame.columns if types.is_datetime64_any_dtype(frame[c])), None)
    group = data.get("group") if data.get("group") in frame.columns else None
    return date, group, [m for m in run.model_names if m in frame.columns]


def chosen_groups(frame: pd.DataFrame, group: str, n: int = N_STORES_SHOWN) -> list:
    """``n`` groups spread evenly over those with most validation rows (deterministic)."""
    counts = frame[group].value_counts()
    candidates = counts.index[counts >= 0.8 * counts.max()]
    if len(candidates) < n:
        candidates = counts.index[:n]
    ordered = sorted(candidates, key=lambda v: (str(type(v)), v))
    picks = sorted({round(i * (len(ordered) - 1) / max(n - 1, 1)) for i in range(min(n, len(ordered)))})
    return [ordered[i] for i in picks]


def predictions_section(run: RunReader, section: Section) -> Section:
    """Actual and predicted values against the date: the daily total, and a few stores."""
    frame = run.parquet(runs.VALID_PREDICTIONS)
    if frame is None:
        return section.omitted("No validation predictions: valid_predictions.parquet is absent.")
    date, group, models = _columns(run, frame)
    if date is None or "actual" not in frame or not models:
        return section.omitted("valid_predictions.parquet lacks a date column, "
                               "the actual values or any model's predictions.")
    totals = frame.groupby(date, as_index=False)[["actual", *models]].sum()
    fig, ax = new_figure(7, 3.6)
    plot_series(totals, date, models, title="sum over all rows per day", ax=ax)
    ax.legend(fontsize=8, ncols=min(len(models) + 1, 4), loc="upper left")
    section.blocks.append(Figure(to_data_uri(fig), "daily totals of actual and predicted values"))
    if group is None:
        return section
    shown = chosen_groups(frame, group)
    fig, axes = new_figure(7, 2.6 * len(shown), nrows=len(shown), sharex=True)
    for ax, value in zip(axes if len(shown) > 1 else [axes], shown):
        plot_series(frame[frame[group] == value], date, models, title=f"{group} {fmt(value)}", ax=ax)
    (axes[0] if len(shown) > 1 else axes).legend(fontsize=8, ncols=min(len(models) + 1, 4), loc="upper left")
    section.blocks.append(Figure(to_data_uri(fig), f"actual and predicted values per {group}", caption=f"{group}: "
                                 + ", ".join(fmt(v) for v in shown)))
    return section


RUN_SECTIONS = (("Run", "run", run_section), ("Leaderboard", "leaderboard", leaderboard_section))
"""(title, anchor, builder) of the sections before the models."""
CLOSING_SECTIONS = (("Predictions over time", "predictions", predictions_section),)
"""(title, anchor, builder) of the sections after the models."""
