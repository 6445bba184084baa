"""Per-row attribution of the LightGBM estimators, from LightGBM's own TreeSHAP.

``booster.predict(..., pred_contrib=True)`` gives, per row, one SHAP value per feature and
the expected value (the bias), in the booster's raw output: the prediction itself for a
squared-error regressor, the log-odds for a binary classifier, each class's softmax input
for a multiclass one. tabkit keeps them there, where ``bias + sum(values)`` is exactly the
raw output, and says so in the explanation's ``link``: the function that turns that raw
output into the model's prediction (probabilities for classifiers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from tabkit.boosting.estimators import LightGBMClassifier, LightGBMRegressor
from tabkit.explanation import Explanation
from tabkit.prep.fit_inputs import encode
from tabkit.prep.inputs import as_frame

BY = ("feature", "column")
LINKS = {
    "binary": "logistic",
    "cross_entropy": "logistic",
    "multiclassova": "logistic",
    "multiclass": "softmax",
    "poisson": "exp",
    "gamma": "exp",
    "tweedie": "exp",
}
"""LightGBM objective -> how its raw output becomes the prediction (others: identity)."""


def lightgbm_contributions(model, X, *, by: str = "feature") -> Explanation:
    """Explain each row's raw prediction as a bias plus one SHAP value per feature.

    Parameters
    ----------
    model : LightGBMRegressor or LightGBMClassifier
        A fitted tabkit LightGBM estimator.
    X : DataFrame or array-like
        Rows to explain (the raw columns the model was fitted on).
    by : {"feature", "column"}, default "feature"
        ``"column"`` sums the values of features derived from one source column (every
        part of ``Date``; a column and its ``_na`` flag) onto that column, from the
        processor's lineage.

    Returns
    -------
    Explanation
        ``method="treeshap"``; values in raw output units, see its ``link``.
    """
    if by not in BY:
        raise ValueError(f"by must be one of {BY}, got {by!r}")
    if not isinstance(model, (LightGBMRegressor, LightGBMClassifier)):
        raise TypeError(f"lightgbm_contributions explains tabkit LightGBM estimators, got {type(model).__name__}")
    check_is_fitted(model, "model_")
    frame, _ = as_frame(model, X, fitting=False)
    processor = model.processor_
    features = encode(processor, frame)
    names = list(processor.get_feature_names_out())
    booster, rounds = model.booster_, model.best_iteration_
    raw = booster.predict(features, num_iteration=rounds, raw_score=True).reshape(len(frame), -1)
    # one block of (features + bias) columns per output; the bias is the same in every row
    blocks = booster.predict(features, num_iteration=rounds, pred_contrib=True).reshape(len(frame), -1, len(names) + 1)
    values, bias = blocks[:, :, :-1].transpose(0, 2, 1), blocks[0, :, -1]

    data = processor.inverse_transform(
        pd.DataFrame(features, index=frame.index, columns=names).astype(
            {name: np.int64 for name in processor.cat_features_}
        )
    )
    if by == "column":
        values, data, names = _fold(values, frame, data, names, processor.lineage_)
    link = LINKS.get(model.model_.objective_, "identity")

    if isinstance(model, LightGBMRegressor):
        return Explanation(
            prediction=pd.Series(raw[:, 0], index=frame.index, name="prediction"),
            bias=float(bias[0]),
            values=pd.DataFrame(values[:, :, 0], index=frame.index, columns=names),
            data=data,
            by=by,
            method="treeshap",
            link=link,
        )
    classes = list(model.classes_)
    if len(classes) == 2 and values.shape[2] == 1:
        values, bias, raw = (
            np.concatenate([-values, values], axis=2),
            np.array([-bias[0], bias[0]]),
            np.hstack([-raw, raw]),
        )
    return Explanation(
        prediction=pd.DataFrame(raw, index=frame.index, columns=classes),
        bias=pd.Series(bias, index=classes, name="bias"),
        values={
            label: pd.DataFrame(values[:, :, k], index=frame.index, columns=names) for k, label in enumerate(classes)
        },
        data=data,
        by=by,
        method="treeshap",
        classes=classes,
        link=link,
    )


def _fold(
    values: np.ndarray, frame: pd.DataFrame, data: pd.DataFrame, names: list[str], lineage: dict
) -> tuple[np.ndarray, pd.DataFrame, list[str]]:
    """Sum the features' values onto their source columns; the data of each source is the
    raw column when the frame has it, else its only feature's values (missing otherwise)."""
    sources = list(dict.fromkeys(lineage[name] for name in names))
    folded = np.zeros((values.shape[0], len(sources), values.shape[2]))
    np.add.at(folded, (slice(None), [sources.index(lineage[name]) for name in names]), values)
    columns = {}
    for source in sources:
        derived = [name for name in names if lineage[name] == source]
        if source in frame.columns:
            columns[source] = frame[source]
        elif len(derived) == 1:
            columns[source] = data[derived[0]]
        else:
            columns[source] = pd.Series(np.nan, index=frame.index, dtype=object)
    return folded, pd.DataFrame(columns, index=frame.index), sources
