"""A fitted entity-embedding net seen through its preprocessing (see
:mod:`tabkit.prep.encoded`): rows encoded and normalised once, as codes then continuous
values in the processor's output order, and the net's predictions of such rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from tabkit.nn.training import Tensors
from tabkit.prep.encoded import EncodedModel, EncodedView, processor_columns


def encoded_view(net, X: pd.DataFrame) -> EncodedView:
    """``X`` encoded once for ``net`` (an ``EmbeddingNetRegressor`` or ``Classifier``)."""
    check_is_fitted(net, "module_")
    net._check_input(X, "X", training=False)
    n_codes = len(net.processor_.cat_features_)

    def raw(data: np.ndarray) -> np.ndarray:
        codes, values = data[:, :n_codes].astype(np.int64), data[:, n_codes:].astype(np.float32)
        return net._raw_of(Tensors(torch.from_numpy(codes), torch.from_numpy(values)))

    def predict(data: np.ndarray) -> np.ndarray:
        return net._predict_from_raw(raw(data))

    def predict_proba(data: np.ndarray) -> np.ndarray:
        return net._proba_from_raw(raw(data))

    classes = getattr(net, "classes_", None)
    model = EncodedModel(net, predict, None if classes is None else predict_proba, classes)
    encoded = net.processor_.transform(X, normalize=True).to_numpy(np.float64)
    return EncodedView(encoded, processor_columns(net.processor_, X.columns), model)
