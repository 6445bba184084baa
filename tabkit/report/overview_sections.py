"""Report sections that compare the run's models: feature importance side by side,
redundant features, and predictions against the date."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api import types

from tabkit import runs
from tabkit.plots import new_figure, plot_dendrogram, plot_importance_comparison, plot_series
from tabkit.plots.importance import NOISE, importance_label
from tabkit.plots.units import sig
from tabkit.report.blocks import Figure, Section, Table, fmt
from tabkit.report.figures import to_data_uri
from tabkit.report.reading import greater_is_better
from tabkit.runs import RunReader

TOP_FEATURES = 15
"""Features of each model in the importance chart (every feature is in its table)."""
DENDROGRAM_FEATURES = 30
REDUNDANCY_THRESHOLD = 0.9
N_GROUPS_SHOWN = 3


def importances(run: RunReader) -> dict[str, pd.DataFrame]:
    """Every model's permutation importance table, best model first."""
    tables = {name: run.model_csv(name, runs.IMPORTANCE) for name in run.model_names}
    return {name: table for name, table in tables.items() if table is not None and not table.empty}


def importance_section(run: RunReader, section: Section) -> Section | None:
    """Permutation importance of every model side by side: each model's top features as
    dots on one line per feature, then every feature in a sortable table."""
    tables = importances(run)
    if not tables:
        return None
    metric = run.metrics.get("metric")
    label = importance_label(metric, greater_is_better(run))
    if len(tables) > 1:
        fig = plot_importance_comparison(
            tables, metric=metric, greater_is_better=greater_is_better(run), top_k=TOP_FEATURES
        )
        section.blocks.append(
            Figure(
                to_data_uri(fig),
                "permutation importance of every model",
                caption=f"each model's {TOP_FEATURES} most important features, ordered by their mean importance; "
                "every feature is in the table below",
            )
        )
    wide = pd.DataFrame(
        {
            name: t.assign(feature=t["feature"].astype(str)).set_index("feature")["importance"]
            for name, t in tables.items()
        }
    )
    wide = wide.reindex(wide.fillna(0.0).mean(axis=1).sort_values(ascending=False, kind="stable").index)
    scale = np.nanmax(np.abs(wide.to_numpy())) if wide.notna().any().any() else 0.0
    rows = [
        [str(feature)] + [_importance_text(v, scale) for v in values]
        for feature, values in zip(wide.index, wide.to_numpy())
    ]
    section.blocks.append(
        Table(
            ["feature", *wide.columns],
            rows,
            f"{label} (permutation importance, each model on the same validation rows), all {len(rows)} features; "
            "click a header to sort",
            tall=len(rows) > TOP_FEATURES,
        )
    )
    return section


def _importance_text(value: float, scale: float) -> str:
    if pd.isna(value):
        return ""
    return "0" if abs(value) < NOISE * scale else sig(value)


def redundancy_section(run: RunReader, section: Section) -> Section | None:
    """Spearman rank-correlation dendrogram of the best model's most important features."""
    sample = run.parquet(runs.VALID_SAMPLE)
    if sample is None:
        return None
    X = sample.drop(columns=["actual"], errors="ignore")
    tables = importances(run)
    if tables:
        ranked = next(iter(tables.values())).sort_values("importance", ascending=False, kind="stable")
        top = [f for f in ranked["feature"].astype(str) if f in X.columns][:DENDROGRAM_FEATURES]
        X = X[top] if len(top) >= 2 else X
    X = X[[c for c in X.columns if not types.is_datetime64_any_dtype(X[c]) and X[c].nunique() > 1]]
    if X.shape[1] < 2:
        return None
    fig = plot_dendrogram(X, threshold=REDUNDANCY_THRESHOLD)
    section.blocks.append(
        Figure(
            to_data_uri(fig),
            "dendrogram of rank correlations between features",
            caption=f"the {X.shape[1]} most important features of the best model; features "
            "that merge near distance 0 rank the rows alike; the dashed line is a "
            f"correlation of {REDUNDANCY_THRESHOLD}",
        )
    )
    return section


def _columns(run: RunReader, frame: pd.DataFrame) -> tuple[str | None, str | None, list[str]]:
    """The date column, the group column (None when the run has none) and the model columns."""
    data = run.metrics.get("data", {})
    date = (
        data.get("date")
        if data.get("date") in frame.columns
        else next((c for c in frame.columns if types.is_datetime64_any_dtype(frame[c])), None)
    )
    group = data.get("group") if data.get("group") in frame.columns else None
    return date, group, [m for m in run.model_names if m in frame.columns]


def outside_legend(fig, ax, n_entries: int) -> None:
    """The axes' legend above the figure's plots, not on the lines."""
    handles, labels = ax.get_legend_handles_labels()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    fig.legend(handles, labels, loc="outside upper center", ncols=min(n_entries, 4), frameon=False)


def chosen_groups(frame: pd.DataFrame, group: str, n: int = N_GROUPS_SHOWN) -> list:
    """``n`` groups spread evenly over those with most validation rows (deterministic)."""
    counts = frame[group].value_counts()
    candidates = counts.index[counts >= 0.8 * counts.max()]
    if len(candidates) < n:
        candidates = counts.index[:n]
    ordered = sorted(candidates, key=lambda v: (str(type(v)), v))
    picks = sorted({round(i * (len(ordered) - 1) / max(n - 1, 1)) for i in range(min(n, len(ordered)))})
    return [ordered[i] for i in picks]


def predictions_section(run: RunReader, section: Section) -> Section | None:
    """Actual and predicted values against the date: the daily total, and a few groups."""
    frame = run.parquet(runs.VALID_PREDICTIONS)
    if frame is None:
        return None
    date, group, models = _columns(run, frame)
    if date is None or "actual" not in frame or not models or run.metrics.get("task") == "classification":
        return None
    target = run.metrics.get("target", "target")
    totals = frame.groupby(date, as_index=False)[["actual", *models]].sum()
    fig, ax = new_figure(7, 3.6)
    plot_series(totals, date, models, title=f"{target}: sum over all validation rows per day", ax=ax)
    outside_legend(fig, ax, len(models) + 1)
    section.blocks.append(Figure(to_data_uri(fig), "daily totals of actual and predicted values"))
    if group is None:
        return section
    shown = chosen_groups(frame, group)
    fig, axes = new_figure(7, 2.6 * len(shown), nrows=len(shown), sharex=True)
    for ax, value in zip(axes if len(shown) > 1 else [axes], shown):
        plot_series(frame[frame[group] == value], date, models, title=f"{group} {fmt(value)}", ax=ax)
    outside_legend(fig, axes[0] if len(shown) > 1 else axes, len(models) + 1)
    section.blocks.append(
        Figure(
            to_data_uri(fig),
            f"actual and predicted values per {group}",
            caption=f"{len(shown)} of {frame[group].nunique()} {group} values: " + ", ".join(fmt(v) for v in shown),
        )
    )
    return section
