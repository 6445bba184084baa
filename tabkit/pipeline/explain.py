"""Explain a fitted model on the validation set: permutation importance, and per-row
contributions for the rows with the worst errors and a few at random."""
from __future__ import annotations

import numpy as np
import pandas as pd

from tabkit.pipeline.models import EmbeddingForest
from tabkit.pipeline.scoring import OriginalScaleScorer


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
    return pd.DataFrame({
        "row": np.concatenate([worst, chosen]).astype(np.int64),
        "reason": ["worst"] * len(worst) + ["random"] * len(chosen),
    })


def importance(model, X: pd.DataFrame, y_model: np.ndarray, scorer: OriginalScaleScorer, *,
               n_repeats: int, max_rows: int, seed: int) -> pd.DataFrame:
    """``tk.permutation_importance`` on (a sample of) the validation rows, scored on the
    original scale."""
    from tabkit.forest.importance import permutation_importance

    return permutation_importance(
        model, X, y_model, scoring=scorer, n_repeats=n_repeats,
        max_samples=min(max_rows, len(X)), n_jobs=1, random_state=seed,
    )


def explains_rows(model) -> bool:
    """Whether per-row contributions exist for this model (tree ensembles)."""
    from sklearn.base import is_regressor

    from tabkit.forest.attribution import SUPPORTED_MODELS

    inner = model.forest_ if isinstance(model, EmbeddingForest) else model
    return isinstance(inner, SUPPORTED_MODELS) and is_regressor(inner)


def contributions_table(model, X: pd.DataFrame, y_model: np.ndarray, rows: pd.DataFrame) -> pd.DataFrame:
    """One row per chosen validation row: row, reason, actual, prediction, bias,
    prediction_std, then one contribution per feature, on the model's training scale.

    A forest on embeddings has its embedding dimensions summed onto their source column.
    """
    from tabkit.forest.attribution import contributions

    chosen = X.iloc[rows["row"].to_numpy()]
    if isinstance(model, EmbeddingForest):
        explanation = contributions(model.forest_, model.transform(chosen))
        values = explanation.values.T.groupby(model.source_of).sum().T
        values = values[list(dict.fromkeys(model.source_of(c) for c in explanation.values.columns))]
    else:
        explanation = contributions(model, chosen)
        values = explanation.values
    if explanation.classes is not None:
        raise ValueError("contributions tables are written for regressors only")
    std = model.predict_std(chosen) if hasattr(model, "predict_std") else np.full(len(chosen), np.nan)
    head = pd.DataFrame({
        "row": rows["row"].to_numpy(),
        "reason": rows["reason"].to_numpy(),
        "actual": np.asarray(y_model)[rows["row"].to_numpy()],
        "prediction": explanation.prediction.to_numpy(),
        "bias": explanation.bias,
        "prediction_std": std,
    })
    return pd.concat([head, values.reset_index(drop=True)], axis=1)


def explained_rows(X: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The raw feature values of the chosen rows, ``row`` first."""
    values = X.iloc[rows["row"].to_numpy()].reset_index(drop=True)
    return pd.concat([rows[["row"]].reset_index(drop=True), values], axis=1)

