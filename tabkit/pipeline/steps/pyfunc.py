"""A model of a run as an MLflow ``pyfunc`` model (imported only with MLflow installed).

It takes a frame of the run's processed columns, what ``tk.load_run(run_dir).features(data)``
builds from new rows (the run's test rows, for one), with the id column (and the column
whose 0 means "closed"), and returns what ``tabkit predict`` writes: the id column, then
the prediction (times the model's correction factor where the run applied one; 0 for a
closed row) or one probability column per class, sorted by id.
"""

from __future__ import annotations

import mlflow.pyfunc
import pandas as pd

from tabkit.pipeline.steps.fitted import FittedModel
from tabkit.pipeline.steps.submission import submission_frame


class RunModel(mlflow.pyfunc.PythonModel):
    """One fitted model of a run, predicting as the run's submission does.

    Parameters
    ----------
    fitted : FittedModel
    features : list of str
        The model's input columns.
    correction : dict or None
        The model's correction (``metrics.json``), applied where the run applies it.
    submission : dict
        ``id_column``, ``target``, ``closed``, ``probabilities`` and ``keys`` of
        :func:`~tabkit.pipeline.steps.submission.submission_frame`.
    """

    def __init__(self, fitted: FittedModel, features: list[str], correction: dict | None, submission: dict):
        self.fitted, self.features, self.correction, self.submission = fitted, features, correction, submission

    @property
    def columns(self) -> list[str]:
        """The columns a frame to predict needs: the id (or key) and closed columns, then the
        model's inputs."""
        named = [self.submission["id_column"]] if self.submission["id_column"] else list(self.submission["keys"])
        closed = [self.submission["closed"]] if self.submission["closed"] else []
        return list(dict.fromkeys([*named, *closed, *self.features]))

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        """The submission lines of the rows of ``model_input`` (a DataFrame of :attr:`columns`)."""
        predicted = self.fitted.predict(model_input[self.features]).corrected(self.correction)
        return submission_frame(model_input, predicted, by_id=True, **self.submission)
