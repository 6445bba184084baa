"""The submission table: the id column and the prediction (or one probability column per
class), closed rows predicted 0, sorted by id. The run and ``tabkit predict`` both use it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tabkit.pipeline.models.predictions import Predictions


def submission_frame(
    rows: pd.DataFrame,
    predicted: Predictions,
    *,
    id_column: str | None,
    target: str,
    closed: str | None,
    probabilities: bool,
    keys: list[str] = (),
) -> pd.DataFrame:
    """One line per row of ``rows`` (which holds the id and the ``closed`` column).

    Parameters
    ----------
    rows : DataFrame
        The predicted rows.
    predicted : Predictions
        Their predictions.
    id_column : str or None
        The first column, sorted by; without one, the ``keys`` columns the rows have come
        first and the rows keep their order.
    target : str
        The prediction's column name.
    closed : str or None
        A column whose 0 values mean "closed": those rows are predicted 0 (regression).
    probabilities : bool
        One column per class (named by the class) instead of the predicted label.
    """
    named = [id_column] if id_column is not None else [k for k in keys if k in rows.columns]
    ids = {column: rows[column].to_numpy() for column in named}
    if probabilities:
        frame = pd.DataFrame({**ids, **{str(c): predicted.proba[:, k] for k, c in enumerate(predicted.classes)}})
    else:
        values = predicted.values
        if closed is not None and predicted.proba is None:
            values = np.where(rows[closed].fillna(1).to_numpy() == 0, 0, values)
        frame = pd.DataFrame({**ids, target: values})
    return frame if id_column is None else frame.sort_values(id_column, kind="stable").reset_index(drop=True)
