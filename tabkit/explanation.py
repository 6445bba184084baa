"""What an explanation of a model's predictions holds: per row, a bias plus one value per
feature that add up to the prediction (:class:`Explanation`). Every attribution method in
tabkit returns one, and the report reads its tables back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import pandas as pd

__all__ = ["Explanation"]


@dataclass
class Explanation:
    """Per-row attribution of a model's predictions.

    For a regressor, ``bias + values.sum(axis=1) == prediction``. For a classifier every
    field is per class: ``values`` is a dict ``class -> DataFrame`` and
    ``bias[c] + values[c].sum(axis=1) == prediction[c]`` (probabilities).

    Attributes
    ----------
    prediction : Series or DataFrame
        The model's prediction per row (a DataFrame rows x classes for classifiers).
    bias : float or Series
        The expected value every row starts from (a Series per class for classifiers).
    values : DataFrame or dict of class to DataFrame
        Contributions, rows x features (or source columns when ``by="column"``).
    data : DataFrame
        The explained rows' values of the same features (category labels, not codes),
        for labels such as ``Promo = 1``.
    by : {"feature", "column"}
        Whether ``values`` is per model feature or folded onto source columns.
    method : {"saabas", "treeshap", "blend"}
        How the contributions were computed (``"blend"``: a blend's, from its members').
    classes : list or None
        Class labels for a classifier, None for a regressor.
    link : {"identity", "logistic", "softmax", "exp"}
        How ``prediction`` (the scale the contributions add up on) becomes the model's
        output: ``"identity"`` for forests (values and probabilities) and regressors on
        squared error; a gradient-boosted model's raw scores need ``"logistic"`` (binary:
        each class's column is its log-odds), ``"softmax"`` (multiclass) or ``"exp"``
        (Poisson, gamma, Tweedie).
    """

    prediction: pd.Series | pd.DataFrame
    bias: float | pd.Series
    values: pd.DataFrame | dict
    data: pd.DataFrame
    by: str = "feature"
    method: str = "saabas"
    classes: list | None = field(default=None)
    link: str = "identity"

    def for_class(self, label) -> Explanation:
        """The single-output explanation of one class's probability.

        Parameters
        ----------
        label
            A class label of the classifier.

        Returns
        -------
        Explanation
        """
        if self.classes is None:
            raise ValueError("for_class: this explanation is of a regressor, it has no classes")
        if label not in self.classes:
            raise ValueError(f"for_class: unknown class {label!r}; classes are {self.classes}")
        return Explanation(
            prediction=self.prediction[label].rename("prediction"),
            bias=float(cast(pd.Series, self.bias)[label]),
            values=self.values[label],
            data=self.data,
            by=self.by,
            method=self.method,
            link=self.link,
        )
