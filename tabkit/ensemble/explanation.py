"""A blend's explanation assembled from its members' explanations.

A blend predicts the weighted mean of its members' outputs on one scale (the scale the
members learn for regressors, probabilities for classifiers). When every member's
explanation adds up on that very scale (``link == "identity"``), the blend's bias, its
contributions and its prediction are the same weighted sums of the members' ones, exactly:
``sum_i w_i (bias_i + sum_f c_if) = sum_i w_i prediction_i``. A feature a member does
not use counts 0 for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from tabkit.explanation import Explanation


def blend_explanation(explanations: Mapping[str, Explanation], weights: Sequence[float] | np.ndarray) -> Explanation:
    """The explanation of a weighted blend from its members' explanations of the same rows.

    Parameters
    ----------
    explanations : mapping of str to Explanation
        Each member's explanation (by member name, in the blend's member order), of the
        same rows, on the scale the blend averages (``link="identity"``).
    weights : sequence of float or ndarray
        The blend's weights, in the same order.

    Returns
    -------
    Explanation
        ``bias + values.sum(axis=1) == prediction`` (per class for classifiers), with the
        features of every member (0 where a member does not use one) and ``method``
        ``"blend"``.

    Raises
    ------
    ValueError
        If there are no members, the weights do not match them, a member's explanation is
        not on the identity link, or the members explain other rows or classes.
    """
    names = list(explanations)
    weights = np.asarray(weights, dtype=np.float64)
    if not names:
        raise ValueError("blend_explanation needs at least one member's explanation")
    if weights.shape != (len(names),):
        raise ValueError(f"blend_explanation: {len(weights)} weight(s) for the {len(names)} members {names}")
    parts = [explanations[name] for name in names]
    first = parts[0]
    for name, part in zip(names, parts):
        if part.link != "identity":
            raise ValueError(
                f"member {name!r} is explained on its raw {part.link!r} scale, not the scale the blend averages: "
                "its contributions cannot be added to the others'"
            )
        if part.classes != first.classes:
            raise ValueError(f"members {names[0]!r} and {name!r} explain other classes: {part.classes}")
        if not part.prediction.index.equals(first.prediction.index):
            raise ValueError(f"members {names[0]!r} and {name!r} explain other rows")

    def weighted(frames: list[pd.DataFrame]) -> pd.DataFrame:
        columns = list(dict.fromkeys(c for frame in frames for c in frame.columns))
        total = pd.DataFrame(0.0, index=frames[0].index, columns=columns)
        for weight, frame in zip(weights, frames):
            total = total.add(weight * frame.astype(np.float64), fill_value=0.0)
        return total[columns]

    if first.classes is None:
        values = weighted([part.values for part in parts])
        columns = values.columns
    else:
        values = {label: weighted([part.values[label] for part in parts]) for label in first.classes}
        columns = values[first.classes[0]].columns
    data = pd.concat([part.data for part in parts], axis=1)
    data = data.loc[:, ~data.columns.duplicated()].reindex(columns=columns)
    return replace(
        first,
        prediction=sum(w * part.prediction for w, part in zip(weights, parts)),
        bias=sum(w * part.bias for w, part in zip(weights, parts)),
        values=values,
        data=data,
        method="blend",
    )
