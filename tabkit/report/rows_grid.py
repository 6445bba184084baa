"""The report's explained rows: the validation rows every model explains, each model's
prediction of them, and how each model explains each row, side by side.

One row at a time (a row picker above): one waterfall per explaining model, in a grid,
every chart with the same features in the same order and the same value axis, so two
models' explanations of a row compare at a glance.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from tabkit import runs
from tabkit.explanation import Explanation
from tabkit.plots import plot_waterfall
from tabkit.report.blocks import Choice, Chooser, Figure, Grid, Section, Table, amount, fmt
from tabkit.report.explained_sections import contributions_transform, model_rows
from tabkit.report.figures import to_data_uri
from tabkit.report.reading import REASONS, explained_rows, is_classification, key_columns, row_names
from tabkit.report.run_sections import best_model, leaderboard_frame
from tabkit.runs import RunReader

SHARED_FEATURES = 8
"""Features every chart of a row draws one by one (the others are summed)."""
PANEL_WIDTH = 4.4
"""Inches: two charts side by side fill the report's column with text above 10 px."""
MARGIN = 0.15
"""Share of a row's span added on each side of the shared value axis."""


def rows_section(run: RunReader, section: Section) -> Section | None:
    """The validation rows every model explains: each model's prediction, then each row's
    waterfalls of every explaining model side by side."""
    rows = explained_rows(run)
    if rows is None:
        return None
    keys = key_columns(run, rows)
    names = row_names(rows, keys)
    predictions = run.parquet(runs.VALID_PREDICTIONS)
    models = [m for m in run.model_names if predictions is not None and m in predictions.columns]
    table = pd.DataFrame({"row": names, "reason": [REASONS.get(r, r) for r in rows["reason"]]})
    if predictions is not None:
        chosen = predictions.iloc[rows["row"].to_numpy()]
        table["actual"] = chosen["actual"].to_numpy()
        for model in models:
            table[model] = chosen[model].to_numpy()
    best = best_model(leaderboard_frame(run))
    n_worst = int((rows["reason"] == "worst").sum())
    explaining = [m for m in run.model_names if run.has(runs.model_artifact(m, runs.CONTRIBUTIONS))]
    target = run.metrics.get("target", "the target")
    section.blocks.append(
        Table(
            list(table.columns),
            [[amount(v) for v in r] for r in table.itertuples(index=False)],
            f"the {n_worst} rows {best['model'] if best is not None else 'the best model'} "
            f"(the best model) got most wrong and {len(rows) - n_worst} at random; "
            f"predictions in {target}; explained in {', '.join(explaining)}",
        )
    )
    if explaining:
        section.blocks.append(_grids(run, explaining, rows, names))
    features = [c for c in rows.columns if c not in (*keys, "row", "reason")]
    if features:
        values = [[feature, *(fmt(v) for v in rows[feature])] for feature in features]
        section.blocks.append(Table(["feature", *names], values, folded="the rows' feature values", sortable=False))
    return section


def _grids(run: RunReader, models: list[str], rows: pd.DataFrame, names: list[str]) -> Chooser:
    """One grid of waterfalls per explained row, one chart per model, behind a row picker."""
    classification = is_classification(run)
    explained = {}
    for model in models:
        found = model_rows(run, model)
        if found is not None:
            explanation, heads, _ = found
            explained[model] = (explanation, heads.set_index("row"), contributions_transform(run, model))
    actual = None if classification else _actual_values(run, rows)
    options = []
    for i, (row, reason, name) in enumerate(zip(rows["row"], rows["reason"], names)):
        found = {m: _single(e, heads, row, classification) for m, (e, heads, _) in explained.items()}
        labels = {m: f[1] for m, f in found.items() if f is not None}
        singles = {m: f[0] if f[1] is None else f[0].for_class(f[1]) for m, f in found.items() if f is not None}
        transforms = {m: explained[m][2] for m in singles}
        log = set(transforms.values()) == {"log"}
        shared_axis = len(set(transforms.values())) == 1
        truth = None if actual is None else float(actual[i])
        features = _shared_features(singles)
        value_range = _value_range(singles, features, truth, log) if shared_axis else None
        figures = []
        for model in singles:
            fig = plot_waterfall(
                found[model][0],
                label=labels[model],
                target_transform=transforms[model],
                title=model,
                actual=truth if truth is not None and (not log or truth > 0) else None,
                features=features,
                value_range=value_range,
                number=amount,
                figsize=(PANEL_WIDTH, 0.28 * (len(features) + 3) + 1.5),
            )
            figures.append(Figure(to_data_uri(fig), f"waterfall of {name} in {model}"))
        options.append(Choice(f"{name} ({REASONS.get(reason, reason)})", [Grid(figures)]))
    target = run.metrics.get("target", "target")
    caption = (
        f"{target}: each chart starts at the model's average prediction (bias) and adds one feature at a time, the "
        f"{SHARED_FEATURES} that move this row most over the models first, the others summed; every chart of a row "
        "has the same features and axis; the dashed line is the actual value"
    )
    return Chooser("row", "explained row", options, caption)


def _actual_values(run: RunReader, rows: pd.DataFrame) -> np.ndarray | None:
    predictions = run.parquet(runs.VALID_PREDICTIONS)
    if predictions is None or "actual" not in predictions.columns:
        return None
    return predictions["actual"].to_numpy(dtype=np.float64)[rows["row"].to_numpy()]


def _single(explanation: Explanation, heads: pd.DataFrame, row: int, classification: bool):
    """One row of a model's explanation, and the class it is drawn for (a classifier's
    row: its actual class); None when the model did not explain the row."""
    if row not in heads.index:
        return None
    at = [heads.index.get_loc(row)]
    values = explanation.values
    single = replace(
        explanation,
        prediction=explanation.prediction.iloc[at].reset_index(drop=True),
        values={c: v.iloc[at].reset_index(drop=True) for c, v in values.items()}
        if isinstance(values, dict)
        else values.iloc[at].reset_index(drop=True),
        data=explanation.data.iloc[at].reset_index(drop=True),
    )
    if not classification:
        return single, None
    label = heads["actual"].iloc[at[0]]
    return single, label if label in single.classes else single.prediction.iloc[0].idxmax()


def _shared_features(singles: dict[str, Explanation]) -> list[str]:
    """The features that move the row most over the models (each model's contributions as
    shares of its total movement, averaged)."""
    shares = pd.DataFrame(
        {m: (e.values.iloc[0].abs() / max(e.values.iloc[0].abs().sum(), 1e-300)) for m, e in singles.items()}
    )
    ranked = shares.fillna(0.0).mean(axis=1).sort_values(ascending=False, kind="stable")
    return list(ranked.index[:SHARED_FEATURES])


def _value_range(
    singles: dict[str, Explanation], features: list[str], actual: float | None, log: bool
) -> tuple[float, float]:
    """The value axis shared by a row's charts: every model's running totals and the actual
    value, with a margin (in log units for a log target)."""
    points = []
    for single in singles.values():
        values = single.values.iloc[0]
        steps = [float(values.get(f, 0.0)) for f in features]
        steps.append(float(values.drop(labels=[f for f in features if f in values.index]).sum()))
        points += [float(single.bias), *(float(single.bias) + np.cumsum(steps)), float(single.prediction.iloc[0])]
    if actual is not None and (not log or actual > 0):
        points.append(float(np.log(actual)) if log else actual)
    low, high = min(points), max(points)
    margin = MARGIN * (high - low) if high > low else max(abs(high), 1.0) * 0.05
    low, high = low - margin, high + margin
    return (float(np.exp(low)), float(np.exp(high))) if log else (low, high)
