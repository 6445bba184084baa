"""Report sections about one model: its importance, redundant features, explained rows
and their confidence, search, training curves, embeddings and partial dependence."""
from __future__ import annotations

import json

import pandas as pd

from tabkit import runs
from tabkit.inspection import partial_dependence, top_features
from tabkit.plots import (
    new_figure,
    plot_dendrogram,
    plot_embeddings,
    plot_history,
    plot_importance,
    plot_learning_rate,
    plot_partial_dependence,
    plot_search,
    plot_tree_spread,
    plot_waterfall,
)
from tabkit.report.blocks import Figure, Section, Table, facts, fmt, table_from_frame
from tabkit.report.figures import to_data_uri
from tabkit.runs import RunReader

EMBEDDING_MAPS = 3
MAX_WATERFALLS = 8
DENDROGRAM_FEATURES = 30
REDUNDANCY_THRESHOLD = 0.9
ROW_COLUMNS = ("row", "reason", "actual", "prediction", "bias", "prediction_std")


def summary_section(run: RunReader, name: str, section: Section) -> Section:
    """Kind, validation score, timings, row counts and parameters."""
    info = run.model_info(name)
    if not info:
        return section.omitted("This model has no entry in metrics.json (its fit did not finish).")
    section.blocks.append(facts([
        ("kind", info.get("kind")), (f"validation {run.metrics.get('metric', 'score')}", info.get("score")),
        ("fit seconds", info.get("fit_seconds")), ("predict seconds", info.get("predict_seconds")),
        ("training rows", info.get("n_train")), ("validation rows", info.get("n_valid")),
    ]))
    for key, caption in (("params", "parameters"), ("best_params", "best parameters found by the search")):
        if info.get(key):
            rows = [[str(k), json.dumps(v) if isinstance(v, (list, dict)) else fmt(v)]
                    for k, v in info[key].items()]
            section.blocks.append(Table(["parameter", "value"], rows, caption))
    return section


def importance_section(run: RunReader, name: str, section: Section) -> Section:
    """Permutation importance on the validation set: bars and the full table."""
    importance = run.model_csv(name, runs.IMPORTANCE)
    if importance is None:
        return section.omitted("No importance.csv for this model.")
    fig = plot_importance(importance, metric=run.metrics.get("metric"))
    section.blocks.append(Figure(to_data_uri(fig), "permutation importance of each feature"))
    shown = [c for c in importance.columns if c in ("feature", "importance", "std")] or list(importance.columns)
    section.blocks.append(table_from_frame(importance[shown], caption="mean drop in the validation score "
                                           "when the feature is shuffled", max_rows=40))
    return section


def dendrogram_section(run: RunReader, name: str, section: Section) -> Section:
    """Spearman rank-correlation dendrogram of the model's most important features."""
    sample = run.parquet(runs.VALID_SAMPLE)
    if sample is None:
        return section.omitted("No valid_sample.parquet in this run folder.")
    X = sample.drop(columns=["actual"], errors="ignore")
    importance = run.model_csv(name, runs.IMPORTANCE)
    if importance is not None:
        top = [f for f in importance["feature"].astype(str) if f in X.columns][:DENDROGRAM_FEATURES]
        X = X[top] if len(top) >= 2 else X
    fig = plot_dendrogram(X, threshold=REDUNDANCY_THRESHOLD)
    section.blocks.append(Figure(to_data_uri(fig), "dendrogram of rank correlations between features",
                                 caption="features that merge near distance 0 rank the rows alike; the dashed line is "
                                         f"a correlation of {REDUNDANCY_THRESHOLD}"))
    return section


def _feature_values(raw: pd.DataFrame | None, features: pd.Index, index: pd.Index) -> pd.DataFrame:
    """The explained rows' raw value of each feature, for labels such as ``Promo = 1``;
    a ``<col>_na`` flag shows whether ``col`` was missing."""
    data = pd.DataFrame(index=index, columns=features, dtype=object)
    if raw is None:
        return data
    for feature in features:
        if feature in raw.columns:
            data[feature] = raw[feature].to_numpy()
        elif feature.endswith("_na") and feature[:-3] in raw.columns:
            data[feature] = raw[feature[:-3]].isna().to_numpy()
    return data


def _explanation(run: RunReader, name: str, rows: pd.DataFrame):
    """An :class:`tabkit.forest.attribution.Explanation` rebuilt from the saved tables."""
    from tabkit.forest.attribution import Explanation

    values = rows.drop(columns=[c for c in ROW_COLUMNS if c in rows.columns]).astype(float)
    raw = run.model_csv(name, runs.EXPLAINED_ROWS)
    if raw is not None:
        raw = raw.set_index("row").reindex(rows["row"]).set_axis(rows.index)
    return Explanation(prediction=rows["prediction"].astype(float), bias=float(rows["bias"].iloc[0]),
                       values=values, data=_feature_values(raw, values.columns, rows.index))


def _scale_note(run: RunReader) -> str:
    if run.metrics.get("target_transform") == "log":
        return " Values are in log units (the model was trained on the log of the target)."
    return ""


def waterfall_section(run: RunReader, name: str, section: Section) -> Section:
    """Waterfall charts of the chosen rows (worst errors and random rows)."""
    rows = run.model_csv(name, runs.CONTRIBUTIONS)
    if rows is None or rows.empty:
        return section.omitted("No contributions.csv for this model (only tree models are explained).")
    rows = rows.head(MAX_WATERFALLS).reset_index(drop=True)
    explanation = _explanation(run, name, rows)
    section.blocks.append(Table(["row", "reason", "actual", "prediction"],
                                [[fmt(r.row), str(r.reason), fmt(r.actual), fmt(r.prediction)]
                                 for r in rows.itertuples()],
                                "each chart starts at the bias and adds one contribution per feature."
                                + _scale_note(run)))
    raw = run.model_csv(name, runs.EXPLAINED_ROWS)
    if raw is not None:
        section.blocks.append(table_from_frame(raw, caption="the explained rows' feature values"))
    for i, r in enumerate(rows.itertuples()):
        fig = plot_waterfall(explanation, row=i, title=f"validation row {fmt(r.row)} ({r.reason})")
        section.blocks.append(Figure(to_data_uri(fig), f"waterfall of validation row {r.row}",
                                     caption=f"validation row {fmt(r.row)} ({r.reason}): actual "
                                             f"{fmt(r.actual)}, predicted {fmt(r.prediction)}"))
    return section


def confidence_section(run: RunReader, name: str, section: Section) -> Section:
    """Standard deviation of the trees' predictions for the explained rows."""
    rows = run.model_csv(name, runs.CONTRIBUTIONS)
    if rows is None or rows.empty:
        return section.omitted("No explained rows for this model.")
    if "prediction_std" not in rows or rows["prediction_std"].isna().all():
        return section.omitted("Not a forest: no per-tree standard deviation.")
    table = rows[["row", "reason", "actual", "prediction", "prediction_std"]].copy()
    table["relative std"] = table["prediction_std"] / table["prediction"].abs()
    section.blocks.append(table_from_frame(table, caption="a wide spread of the trees' predictions "
                                           "means the forest is unsure." + _scale_note(run)))
    fig = plot_tree_spread(rows)
    section.blocks.append(Figure(to_data_uri(fig), "predictions with two tree standard deviations"))
    return section


def search_section(run: RunReader, name: str, section: Section) -> Section:
    """Validation score of every searched candidate."""
    results = run.model_csv(name, runs.SEARCH)
    if results is None or results.empty:
        return section.omitted("This model was not searched.")
    params = [c for c in results.columns if c.startswith("param_")] or [
        c for c in results.columns if c not in {"score", "fit_time", "score_time", "rank", "error"}]
    varying = [p for p in params if results[p].astype(str).nunique() > 1] or params[:1]
    fig = plot_search(results, x=varying[0], hue=varying[1] if len(varying) > 1 else None,
                      metric=run.metrics.get("metric"))
    section.blocks.append(Figure(to_data_uri(fig), f"search score against {varying[0]}"))
    section.blocks.append(table_from_frame(results.sort_values("rank") if "rank" in results else results,
                                           caption="every candidate, best first", max_rows=50))
    return section


def history_section(run: RunReader, name: str, section: Section) -> Section:
    """A net's loss, metric and learning rate per epoch."""
    history = run.model_csv(name, runs.HISTORY)
    if history is None or history.empty:
        return section.omitted("Not a net: no training history.")
    fig, (losses, rates) = new_figure(7, 6.4, nrows=2, height_ratios=(3, 2))
    plot_history(history, ax=losses)
    if "lr" in history:
        plot_learning_rate(history, ax=rates)
    else:
        rates.set_visible(False)
    section.blocks.append(Figure(to_data_uri(fig), "loss, metric and learning rate per epoch"))
    section.blocks.append(table_from_frame(history))
    return section


def embeddings_section(run: RunReader, name: str, section: Section) -> Section:
    """2-D maps of the learned embeddings of the most important categorical columns."""
    if not run.has(runs.model_artifact(name, runs.EMBEDDINGS)):
        return section.omitted("This model learnt no embeddings.")
    model = run.model(name)
    embeddings = getattr(model, "embeddings_", None) if model is not None else None
    if not embeddings:
        return section.omitted("The model file is absent.")
    wide = [c for c, table in embeddings.items() if table.shape[1] >= 2]
    importance = run.model_csv(name, runs.IMPORTANCE)
    ranked = [] if importance is None else [f for f in importance["feature"].astype(str) if f in wide]
    columns = (ranked or sorted(wide, key=lambda c: -len(embeddings[c])))[:EMBEDDING_MAPS]
    for column in columns:
        fig = plot_embeddings(embeddings[column], column)
        section.blocks.append(Figure(to_data_uri(fig), f"embedding map of {column}"))
    return section


def dependence_section(run: RunReader, name: str, section: Section) -> Section:
    """Partial dependence of the most important features."""
    model, sample = run.model(name), run.parquet(runs.VALID_SAMPLE)
    importance = run.model_csv(name, runs.IMPORTANCE)
    if model is None or sample is None or importance is None:
        return section.omitted("Needs the saved model, valid_sample.parquet and importance.csv.")
    X = sample.drop(columns=["actual"], errors="ignore")
    features = top_features(importance, X, k=4)
    if not features:
        return section.omitted("None of the most important features is a column of the sample.")
    fig, axes = new_figure(7, 3.4 * len(features), nrows=len(features))
    for ax, feature in zip(axes if len(features) > 1 else [axes], features):
        frame = partial_dependence(model, X, feature, max_rows=200, resolution=10, n_ice=20)
        plot_partial_dependence(frame, ax=ax)
    section.blocks.append(Figure(to_data_uri(fig), "partial dependence of the top features",
                                 caption="average prediction over validation rows (thick) and single rows' "
                                         "predictions (thin) as one feature is set to each value."
                                         + _scale_note(run)))
    return section


MODEL_SECTIONS = (
    ("Summary", "summary", summary_section),
    ("Permutation importance", "importance", importance_section),
    ("Redundant features", "dendrogram", dendrogram_section),
    ("Explained predictions", "waterfall", waterfall_section),
    ("Tree-variance confidence", "confidence", confidence_section),
    ("Hyperparameter search", "search", search_section),
    ("Training curves", "history", history_section),
    ("Embedding maps", "embeddings", embeddings_section),
    ("Partial dependence", "dependence", dependence_section),
)
"""(title, anchor suffix, builder) of each part of a model's report, in page order."""
