"""Report sections about what moved a model's predictions: the contributions over many
rows, the explained rows' predictions and errors (their waterfalls are drawn side by side
with the other models', :mod:`tabkit.report.rows_grid`), and the spread of a forest's
trees; all in the target's units."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tabkit import runs
from tabkit.explanation import Explanation
from tabkit.plots import plot_contribution_summary, plot_tree_spread
from tabkit.plots.summary import CLIP, contribution_strips
from tabkit.plots.units import percent_effect, sig, signed
from tabkit.report.blocks import Figure, Section, Table, amount
from tabkit.report.figures import to_data_uri
from tabkit.report.reading import (
    REASONS,
    inspection,
    is_classification,
    key_columns,
    model_transform,
    row_names,
    to_target_units,
)
from tabkit.runs import RunReader

HEAD_COLUMNS = ("row", "reason", "class", "actual", "prediction", "bias", "prediction_std")
ACTUAL_CLASS = "probability of the actual class"
TOP_FEATURES = 15


def feature_values(raw: pd.DataFrame | None, features, n_rows: int) -> pd.DataFrame:
    """The rows' raw value of each feature, for labels (``Promo = 1``) and colours; a
    ``<col>_na`` flag shows whether ``col`` was missing."""
    data = pd.DataFrame(index=range(n_rows), columns=list(features), dtype=object)
    if raw is None:
        return data
    raw = raw.reset_index(drop=True)
    for feature in features:
        if feature in raw.columns:
            data[feature] = raw[feature].to_numpy()
        elif feature.endswith("_na") and feature[:-3] in raw.columns:
            data[feature] = raw[feature[:-3]].isna().to_numpy()
    return data.infer_objects()


def _explanation(table: pd.DataFrame, raw: pd.DataFrame | None) -> tuple[Explanation, pd.DataFrame]:
    """An Explanation rebuilt from ``contributions.csv`` (one line per row, or per row and
    class) and the heads of its rows (row, reason, actual, prediction, std)."""
    features = [c for c in table.columns if c not in HEAD_COLUMNS]
    if "class" not in table.columns:
        heads = table[[c for c in HEAD_COLUMNS if c in table.columns]].reset_index(drop=True)
        explanation = Explanation(
            prediction=table["prediction"].astype(float).reset_index(drop=True),
            bias=float(table["bias"].iloc[0]),
            values=table[features].astype(float).reset_index(drop=True),
            data=feature_values(raw, features, len(table)),
        )
        return explanation, heads
    classes = list(dict.fromkeys(table["class"]))
    per_class = {c: table[table["class"] == c].reset_index(drop=True) for c in classes}
    first = per_class[classes[0]]
    heads = first[["row", "reason", "actual"]].copy()
    explanation = Explanation(
        prediction=pd.DataFrame({c: per_class[c]["prediction"].astype(float) for c in classes}),
        bias=pd.Series({c: float(per_class[c]["bias"].iloc[0]) for c in classes}),
        values={c: per_class[c][features].astype(float) for c in classes},
        data=feature_values(raw, features, len(first)),
        classes=classes,
    )
    heads["prediction"] = explanation.prediction.idxmax(axis=1).to_numpy()
    return explanation, heads


def contributions_transform(run: RunReader, name: str) -> str | None:
    """The transform of the scale a model's contributions add up on (``"log"``, or None for
    the target's own units), as its explain step recorded it; else the scale it learns."""
    recorded = inspection(run, name)
    if "contributions_transform" in recorded:
        return recorded["contributions_transform"]
    return model_transform(run, name)


def model_rows(run: RunReader, name: str):
    """The model's explanation of the explained rows, the heads of its rows (row, reason,
    actual, prediction, ...) and their names; None when it explained none."""
    table = run.model_csv(name, runs.CONTRIBUTIONS)
    if table is None or table.empty:
        return None
    raw = run.model_csv(name, runs.EXPLAINED_ROWS)
    order = table.drop_duplicates("row")["row"]
    if raw is not None:
        raw = raw.set_index("row").reindex(order).reset_index()
    explanation, heads = _explanation(table, raw)
    names = row_names(raw, key_columns(run, raw)) if raw is not None else [f"validation row {r}" for r in order]
    return explanation, heads, names


def rows_table_section(run: RunReader, name: str, section: Section) -> Section | None:
    """The explained rows as this model predicts them, with its error on each, in the
    target's units; for a log target, the contributions as the model adds them."""
    found = model_rows(run, name)
    if found is None:
        return None
    explanation, heads, names = found
    classification = is_classification(run)
    transform = None if classification else contributions_transform(run, name)
    target = run.metrics.get("target", "target")
    reasons = [REASONS.get(r, r) for r in heads["reason"]]
    if classification:
        table = pd.DataFrame(
            {
                "row": names,
                "reason": reasons,
                "actual": heads["actual"],
                "predicted": heads["prediction"],
                ACTUAL_CLASS: actual_class_probabilities(run, name, heads, explanation),
            }
        )
        error = f"{ACTUAL_CLASS}: the model's predicted probability of the row's true class"
    else:
        actual = to_target_units(heads["actual"], transform)
        predicted = to_target_units(heads["prediction"], transform)
        relative = _is_log(transform) or positive_target(run, actual)
        table = pd.DataFrame(
            {
                "row": names,
                "reason": reasons,
                "actual": actual,
                "predicted": predicted,
                "error": row_errors(actual, predicted, relative=relative),
            }
        )
        error = "error: predicted / actual - 1, in percent" if relative else f"error: predicted - actual, in {target}"
    section.blocks.append(
        Table(
            list(table.columns),
            [[amount(v) for v in r] for r in table.itertuples(index=False)],
            f"{target}; {error}; each row's waterfall is under Explained rows, beside the other models'",
        )
    )
    if transform == "log":
        section.blocks.append(_log_table(explanation, names))
    return section


def _is_log(transform) -> bool:
    """Whether a model's saved transform (a name or a transform) is the log."""
    return getattr(transform, "name", transform) == "log"


def positive_target(run: RunReader, actual: np.ndarray) -> bool:
    """Whether the target is strictly positive: every validation row's actual value (the
    explained rows' when the run has no validation predictions)."""
    predictions = run.parquet(runs.VALID_PREDICTIONS)
    if predictions is not None and "actual" in predictions.columns:
        actual = predictions["actual"].to_numpy(dtype=np.float64)
    return bool(len(actual)) and bool((np.asarray(actual, dtype=np.float64) > 0).all())


def row_errors(actual: np.ndarray, predicted: np.ndarray, *, relative: bool) -> list[str]:
    """Each row's error: ``+3.1%`` of the actual value for a strictly positive target,
    else ``+3.1`` in the target's units (a percentage of a value near zero or negative
    says nothing, or the wrong sign)."""
    if relative:
        return [f"{100 * (p / a - 1):+.1f}%" if a > 0 else "" for a, p in zip(actual, predicted)]
    return [signed(p - a) if np.isfinite(p - a) else "" for a, p in zip(actual, predicted)]


def actual_class_probabilities(run: RunReader, name: str, heads: pd.DataFrame, explanation: Explanation) -> list:
    """The model's predicted probability of each explained row's actual class, from the
    run's validation probabilities (else from the explanation's per-class predictions);
    None where neither has it."""
    probabilities = run.parquet(runs.VALID_PROBABILITIES)
    shown = []
    for i, (row, label) in enumerate(zip(heads["row"], heads["actual"])):
        column = f"{name}:{label}"
        if probabilities is not None and column in probabilities.columns:
            shown.append(float(probabilities[column].iloc[int(row)]))
        elif isinstance(explanation.prediction, pd.DataFrame) and label in explanation.prediction.columns:
            shown.append(float(explanation.prediction[label].iloc[i]))
        else:
            shown.append(None)
    return shown


def _log_table(explanation: Explanation, names: list[str]) -> Table:
    """The contributions as the model adds them, in log units, one column per row."""
    values = explanation.values
    order = values.abs().mean().sort_values(ascending=False, kind="stable").index
    rows = [["bias", *(sig(explanation.bias, 4) for _ in names)]]
    rows += [[str(feature), *(sig(v, 4) for v in values[feature])] for feature in order]
    rows.append(["prediction", *(sig(v, 4) for v in explanation.prediction)])
    return Table(
        ["feature", *names],
        rows,
        "log units: the bias plus the contributions is the log prediction",
        folded="the contributions in log units, as the model adds them",
        sortable=False,
    )


def spread_section(run: RunReader, name: str, section: Section) -> Section | None:
    """How far the forest's trees spread around each explained row's prediction."""
    found = model_rows(run, name)
    if found is None or is_classification(run):
        return None
    _, heads, names = found
    if "prediction_std" not in heads or heads["prediction_std"].isna().all():
        return None
    transform = model_transform(run, name)
    spread = 2 * heads["prediction_std"].to_numpy(dtype=np.float64)
    if transform == "log":
        shown = [
            f"+{sig(float(percent_effect(s)), trim=False)}% / -{sig(-float(percent_effect(-s)), trim=False)}%"
            for s in spread
        ]
    else:
        shown = [f"±{sig(s, trim=False)}" for s in spread]
    table = pd.DataFrame(
        {
            "row": names,
            "reason": [REASONS.get(r, r) for r in heads["reason"]],
            "actual": to_target_units(heads["actual"], transform),
            "predicted": to_target_units(heads["prediction"], transform),
            "2 std of the trees": shown,
        }
    )
    section.blocks.append(
        Table(
            list(table.columns),
            [[amount(v) for v in r] for r in table.itertuples(index=False)],
            "a wide spread of the trees' predictions means the forest is unsure of that row",
        )
    )
    fig = plot_tree_spread(heads, target_transform=transform, labels=names)
    section.blocks.append(Figure(to_data_uri(fig), "predictions with two tree standard deviations"))
    return section


def summary_section(run: RunReader, name: str, section: Section) -> Section | None:
    """Contributions of each feature over a sample of validation rows, coloured by the
    feature's value (grey for a category), the axis cut at robust percentiles."""
    entry = inspection(run, name).get("contribution_sample")
    if not entry:
        return None
    values = run.parquet(entry["file"])
    sample = run.parquet(runs.VALID_SAMPLE)
    if values is None or values.empty:
        return None
    if sample is not None:
        sample = sample.iloc[entry["positions"]] if "positions" in entry else sample.head(len(values))
    data = feature_values(sample, values.columns, len(values))
    classification = is_classification(run)
    transform = None if classification else contributions_transform(run, name)
    categorical = [c for c in run.metrics.get("data", {}).get("cat_names", []) if c in values.columns]
    fig = plot_contribution_summary(
        values, data, top_k=TOP_FEATURES, target_transform=transform, categorical=categorical
    )
    strips = contribution_strips(values, data, top_k=TOP_FEATURES, target_transform=transform)
    what = (
        "the percentage it moved the prediction"
        if transform == "log"
        else f"what it added to the probability of {inspection(run, name).get('target_class')}"
        if classification
        else "what it added to the prediction"
    )
    unit = "%" if transform == "log" else ""
    notes = [
        f"each dot is one of {len(values)} validation rows: {what}; colour: the feature's value (blue low, red "
        "high; grey for a category or a missing value); features ordered by their mean effect"
    ]
    if strips.clipped:
        notes.append(
            f"the axis is cut where {CLIP:g}% of the dots lie beyond each end ({sig(strips.low)}{unit} to "
            f"{sig(strips.high)}{unit}): those {strips.clipped} dots are drawn on its dashed edges"
        )
    if strips.constant:
        notes.append(f"left out for having one value in these rows: {', '.join(strips.constant)}")
    section.blocks.append(
        Figure(to_data_uri(fig), f"contributions of every feature over {len(values)} rows", caption="; ".join(notes))
    )
    return section
