"""Entity-embedding neural nets and collaborative filtering (PyTorch), fed by the shared
TabularProcessor.

Modules: ``base`` (:class:`NetEstimator`, the estimator every net shares: fit, warm
starts, freezing, embedding transfer), ``saving`` (pickled state, run-folder parts), ``estimators``
(:class:`EmbeddingNetRegressor`, and :class:`EmbeddingNetClassifier` from ``classifier``),
``tabular`` (what those two share: processor, limits on category levels, embedding widths,
the warning about id-like columns), ``collab`` (:class:`CollabRegressor`), ``module`` and
``collab_module`` (the networks), ``numeric`` (embeddings of the continuous inputs),
``members`` (several members in one net, TabM's BatchEnsemble layers), ``groups`` (layer
groups, per-group learning rates, freezing), ``training`` (the index-slicing loop, over
tensors or over arrays read a batch at a time), ``training_rows`` (a frame or encoded
arrays as the training rows), ``encoding`` (:func:`encode_rows` and
:class:`EncodedArrays`: encoded rows in memory-mapped files, for ``fit_encoded``),
``schedule`` (one-cycle and constant rates), ``lr_find``, ``transfer`` (embeddings from
another model, matched by label), ``factors`` (reading a collab model: ``top_biases``),
``device`` (device and precision choice), ``embeddings`` (export and embedding features)
and ``checks`` (settings, targets and input frames).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tabkit.lazy import lazy_names

_PUBLIC_NAMES = {
    "EmbeddingNetRegressor": "tabkit.nn.estimators",
    "EmbeddingNetClassifier": "tabkit.nn.estimators",
    "CollabRegressor": "tabkit.nn.collab",
    "EncodedArrays": "tabkit.nn.encoding",
    "encode_rows": "tabkit.nn.encoding",
    "top_biases": "tabkit.nn.factors",
}
__all__ = sorted(_PUBLIC_NAMES)
__getattr__, __dir__ = lazy_names(__name__, _PUBLIC_NAMES)

if TYPE_CHECKING:
    from tabkit.nn.collab import CollabRegressor
    from tabkit.nn.encoding import EncodedArrays, encode_rows
    from tabkit.nn.estimators import EmbeddingNetClassifier, EmbeddingNetRegressor
    from tabkit.nn.factors import top_biases
