"""Report sections about one model: its facts and parameters, importance, search and
training curves. Each builder returns None when the model has nothing of that sort."""

from __future__ import annotations

import json

import pandas as pd

from tabkit import runs
from tabkit.plots import new_figure, plot_history, plot_importance, plot_learning_rate, plot_search
from tabkit.plots.search import RESULT_COLUMNS
from tabkit.report.blocks import Figure, Section, Table, facts, fmt, seconds, table_from_frame
from tabkit.report.figures import to_data_uri
from tabkit.report.reading import greater_is_better, model_transform
from tabkit.runs import RunReader

TOP_FEATURES = 15
TOP_BIASES = 10
HISTORY_ROUNDS = 25  # rows of a booster's history table: evenly spaced rounds and the last


def model_facts(run: RunReader, name: str, section: Section) -> Section:
    """Kind, validation score, timings, the scale it learns on, and its parameters."""
    info = run.model_info(name)
    if not info:
        return section.omitted("This model has no entry in metrics.json (its fit did not finish).")
    metric = run.metrics.get("metric", "score")
    target = run.metrics.get("target")
    scale = None
    if target:
        scale = f"log({target}); shown in {target}" if model_transform(run, name) == "log" else target
    section.blocks.append(
        facts(
            [
                ("kind", info.get("kind")),
                (f"validation {metric}", info.get("score")),
                ("learns", scale if run.metrics.get("task") != "classification" else None),
                ("fit seconds", seconds(info.get("fit_seconds"))),
                ("predict seconds", seconds(info.get("predict_seconds"))),
                ("explain seconds", seconds(info.get("explain_seconds"))),
                ("training rows", info.get("n_train")),
                ("validation rows", info.get("n_valid")),
                ("model file", _size(info["file_bytes"]) if info.get("file_bytes") else None),
            ]
        )
    )
    for key, summary in (("best_params", "best parameters found by the search"), ("params", "parameters")):
        if info.get(key):
            rows = [[str(k), json.dumps(v) if isinstance(v, (list, dict)) else fmt(v)] for k, v in info[key].items()]
            section.blocks.append(Table(["parameter", "value"], rows, folded=summary, sortable=False))
    return section


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 1e6 else f"{max(n_bytes / 1e3, 1):.0f} kB"


def importance_section(run: RunReader, name: str, section: Section) -> Section | None:
    """Permutation importance on the validation rows: the top features as bars."""
    importance = run.model_csv(name, runs.IMPORTANCE)
    if importance is None or importance.empty:
        return None
    fig = plot_importance(
        importance,
        metric=run.metrics.get("metric"),
        greater_is_better=greater_is_better(run),
        top_k=TOP_FEATURES,
        title=None,
    )
    folded = max(len(importance) - TOP_FEATURES, 0)
    section.blocks.append(
        Figure(
            to_data_uri(fig),
            f"permutation importance of {name}",
            caption="whiskers: one standard deviation over the shuffles"
            + (f"; the last bar sums the other {folded} features" if folded else ""),
        )
    )
    return section


def search_section(run: RunReader, name: str, section: Section) -> Section | None:
    """Validation score of every searched candidate, with the leaderboard's sign."""
    results = run.model_csv(name, runs.SEARCH)
    if results is None or results.empty:
        return None
    metric = run.metrics.get("metric")
    greater = greater_is_better(run)
    params = [c for c in results.columns if c not in RESULT_COLUMNS]
    varying = [p for p in params if results[p].astype(str).nunique() > 1] or params[:1]
    if varying:
        fig = plot_search(
            results,
            x=varying[0],
            hue=varying[1] if len(varying) > 1 else None,
            metric=metric,
            greater_is_better=greater,
        )
        section.blocks.append(Figure(to_data_uri(fig), f"search score against {varying[0]}"))
    table = results[params].copy()
    shown = f"validation {metric}" if metric else "validation score"
    table[shown] = results["score"] if greater is not False else -results["score"]
    if "fit_time" in results:
        table["fit s"] = [seconds(v) for v in results["fit_time"]]
    if "rank" in results:
        table.insert(0, "rank", results["rank"])
        table = table.sort_values("rank", kind="stable")
    if "error" in results and results["error"].notna().any():
        table["error"] = results["error"]
    section.blocks.append(
        table_from_frame(
            table,
            max_rows=20,
            caption=f"every candidate, best first; {shown} as the leaderboard shows it; fit s is "
            "one candidate's fit (the leaderboard's fit time covers the whole search)",
        )
    )
    return section


def history_section(run: RunReader, name: str, section: Section) -> Section | None:
    """A net's loss, metric and learning rate per epoch, or a booster's metrics per round."""
    history = run.model_csv(name, runs.HISTORY)
    if history is None or history.empty:
        return None
    fig = plot_history(history)
    section.blocks.append(
        Figure(
            to_data_uri(fig),
            "loss and metric per epoch" if "epoch" in history else "metrics per boosting round",
            caption="on the scale the model learns",
        )
    )
    if "lr" in history:
        fig, ax = new_figure(7, 2.6)
        plot_learning_rate(history, ax=ax)
        section.blocks.append(Figure(to_data_uri(fig), "learning rate per epoch"))
    if "epoch" in history:
        section.blocks.append(table_from_frame(history, caption="per epoch"))
    else:
        step = -(-len(history) // HISTORY_ROUNDS)
        shown = history.iloc[sorted({*range(0, len(history), step), len(history) - 1})]
        caption = "per round" if step == 1 else f"one round in {step} and the last ({len(history)} rounds)"
        section.blocks.append(table_from_frame(shown, caption=caption))
    section.blocks[-1].folded = "the history table"
    return section


def biases_section(run: RunReader, name: str, section: Section) -> Section | None:
    """A collaborative-filtering model's largest and smallest item (and user) biases: the
    generally liked and disliked items, whoever rates them."""
    biases = run.model_csv(name, runs.BIASES)
    if biases is None or biases.empty:
        return None
    for side in ("item", "user"):
        part = biases[biases["side"] == side].sort_values("bias", ascending=False, kind="stable")
        if part.empty:
            continue
        shown = pd.concat([part.head(TOP_BIASES).assign(end="largest"), part.tail(TOP_BIASES).assign(end="smallest")])
        section.blocks.append(
            table_from_frame(
                shown[["end", "label", "bias"]].rename(columns={"label": side}),
                caption=f"the {TOP_BIASES} largest and smallest {side} biases of {len(part):,} {side}s",
            )
        )
    return section
