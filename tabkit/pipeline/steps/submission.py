"""The submission table: the id column and the prediction (or one probability column per
class), closed rows predicted 0, sorted by id (the competition's order) or in the rows'
own order. The run, ``tabkit predict`` and ``load_run(...).predict`` use it."""

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
    by_id: bool = True,
) -> pd.DataFrame:
    """One line per row of ``rows`` (which holds the id and the ``closed`` column).

    Parameters
    ----------
    rows : DataFrame
        The predicted rows.
    predicted : Predictions
        Their predictions.
    id_column : str or None
        The first column; without one, the ``keys`` columns the rows have come first.
    target : str
        The prediction's column name.
    closed : str or None
        A column whose 0 values mean "closed": those rows are predicted 0 (regression).
    probabilities : bool
        One column per class (named by the class) instead of the predicted label.
    keys : list of str
        Columns that name a row, shown first when there is no id column.
    by_id : bool, default True
        Sort by the id column, with a fresh index (the submission file's order); False
        keeps the rows' order and index, so the result lines up with ``rows``. Rows
        without an id column keep their order either way.

    Returns
    -------
    DataFrame
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
    if id_column is not None and by_id:
        return frame.sort_values(id_column, kind="stable").reset_index(drop=True)
    return frame if by_id else frame.set_axis(rows.index, axis=0)
