"""One infinite value in a feature must not turn every prediction into NaN (issue 22)."""

import numpy as np

import tabkit as tk


def test_one_inf_in_a_feature_leaves_every_prediction_finite(frame, small):
    X, y = frame
    X = X.assign(x=X["x"].where(X.index != 7, np.inf))
    net = tk.EmbeddingNetRegressor(**{**small, "epochs": 1}, random_state=0).fit(X, y)
    assert np.isfinite(net.predict(X)).all()
    assert net.processor_.n_infinite_ == {"x": 1}
    later = X.assign(x=X["x"].where(X.index != 3, -np.inf))
    assert np.isfinite(net.predict(later)).all()
