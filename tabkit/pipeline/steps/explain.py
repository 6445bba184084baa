"""Explain the run's models on the validation rows: permutation importance, and per-row
contributions of one shared set of rows (the best model's worst errors and a few at
random), so every model is explained on the same rows. What one model computed serves
the next (:mod:`tabkit.pipeline.steps.shared_work`): a blend is explained from its
members' predictions and contributions."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from tabkit import runs
from tabkit.pipeline.models.scoring import OriginalScaleScorer
from tabkit.pipeline.sections import Output
from tabkit.pipeline.steps.fitted import FittedModel
from tabkit.pipeline.steps.inspection import write_inspection
from tabkit.pipeline.steps.shared_work import SharedWork

ROW_COLUMNS = ("row", "reason", "class", "actual", "prediction", "bias", "prediction_std")
"""The columns of ``contributions.csv`` before the features (``class`` only for a
classification)."""


def explain_model(
    writer: runs.RunWriter,
    model: FittedModel,
    split,
    rows: pd.DataFrame,
    keys: pd.DataFrame,
    output: Output,
    *,
    metric: str,
    seed: int,
    log: Callable[[str], None],
    shared: SharedWork | None = None,
) -> None:
    """Write a model's explanations: permutation importance, the contributions of the
    chosen rows (models that explain rows) and the inspection artefacts; ``shared`` keeps
    the run's explain work for the models explained after it (a blend's members' for the
    blend)."""
    name = model.name
    shared = shared or SharedWork()
    reused = shared.reused
    if output.importance:
        table = importance(
            model,
            split.X_valid,
            split.y_valid,
            metric,
            n_repeats=output.importance_repeats,
            max_rows=output.importance_rows,
            seed=seed,
            estimator=shared.estimator(model),
        )
        writer.write_csv(runs.model_artifact(name, runs.IMPORTANCE), table)
        log(
            f"model {name}: permutation importance done, top features "
            + ", ".join(table["feature"].head(3).astype(str))
        )
    if model.kind.explains(model.estimator) and len(rows):
        writer.write_csv(
            runs.model_artifact(name, runs.CONTRIBUTIONS),
            contributions_table(model, split.X_valid, split.y_valid, rows, shared),
        )
        writer.write_csv(runs.model_artifact(name, runs.EXPLAINED_ROWS), explained_rows(split.X_valid, rows, keys))
        log(f"model {name}: contributions of {len(rows)} validation rows")
    write_inspection(writer, model, split, output, seed=seed, log=log, shared=shared)
    if shared.reused > reused:
        log(f"model {name}: {shared.reused - reused:,} predictions reused (inputs the explain step predicted before)")


def choose_rows(errors: np.ndarray, n_worst: int, n_random: int, seed: int) -> pd.DataFrame:
    """Positions of the ``n_worst`` largest errors, then ``n_random`` other rows at random.

    Returns
    -------
    DataFrame
        Columns ``row`` (position) and ``reason`` ("worst" | "random").
    """
    order = np.argsort(-errors, kind="stable")
    worst = order[: min(n_worst, len(errors))]
    rest = np.setdiff1d(np.arange(len(errors)), worst)
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(rest, size=min(n_random, len(rest)), replace=False)) if len(rest) else rest
    return pd.DataFrame(
        {
            "row": np.concatenate([worst, chosen]).astype(np.int64),
            "reason": ["worst"] * len(worst) + ["random"] * len(chosen),
        }
    )


def importance(
    model: FittedModel,
    X: pd.DataFrame,
    y: np.ndarray,
    metric: str,
    *,
    n_repeats: int,
    max_rows: int,
    seed: int,
    estimator=None,
) -> pd.DataFrame:
    """``tk.permutation_importance`` on (a sample of) the validation rows, scored on the
    target's original units; ``y`` in its original units. ``estimator`` is the model's
    estimator as :meth:`SharedWork.estimator` gives it (default: the model's own). The
    shuffles depend only on the seed and the columns: every model of a run sees the same."""
    from tabkit.forest.importance import permutation_importance

    scorer = OriginalScaleScorer(metric, model.fit_transform)
    y_fit = y if model.task == "classification" else model.fit_transform.forward(y)
    return permutation_importance(
        model.estimator if estimator is None else estimator,
        X,
        y_fit,
        scoring=scorer,
        n_repeats=n_repeats,
        max_samples=min(max_rows, len(X)),
        n_jobs=1,
        random_state=seed,
    )


def contributions_table(
    model: FittedModel, X: pd.DataFrame, y: np.ndarray, rows: pd.DataFrame, shared: SharedWork | None = None
) -> pd.DataFrame:
    """One line per chosen row (and class, for a classification): row, reason, [class],
    actual, prediction, bias, prediction_std, then one contribution per feature, on the
    scale the explanation adds up on (:attr:`FittedModel.explained_on`: log units for a log
    target), so ``bias + contributions = prediction``. The rows' key columns are in :func:`explained_rows`."""
    positions = rows["row"].to_numpy()
    chosen = X.iloc[positions]
    explanation = (shared or SharedWork()).explanation(model, chosen)
    head = rows.reset_index(drop=True)
    if explanation.classes is None:
        head["actual"] = model.explained_on.forward(np.asarray(y)[positions])
        head["prediction"] = explanation.prediction.to_numpy()
        head["bias"] = explanation.bias
        head["prediction_std"] = (
            model.estimator.predict_std(chosen) if hasattr(model.estimator, "predict_std") else np.nan
        )
        return pd.concat([head, explanation.values.reset_index(drop=True)], axis=1)
    parts = []
    for label in explanation.classes:
        single = explanation.for_class(label)
        part = head.copy()
        part.insert(2, "class", label)
        part["actual"] = np.asarray(y)[positions]
        part["prediction"] = single.prediction.to_numpy()
        part["bias"] = single.bias
        part["prediction_std"] = np.nan
        parts.append(pd.concat([part, single.values.reset_index(drop=True)], axis=1))
    return pd.concat(parts, ignore_index=True)


def explained_rows(X: pd.DataFrame, rows: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """The key columns (Store and Date for Rossmann), ``row``, ``reason`` and the raw
    feature values of the chosen rows."""
    positions = rows["row"].to_numpy()
    values = X.iloc[positions].reset_index(drop=True)
    values = values.drop(columns=[c for c in keys.columns if c in values.columns])
    return pd.concat([keys.iloc[positions].reset_index(drop=True), rows.reset_index(drop=True), values], axis=1)
