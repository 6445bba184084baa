"""Entity-embedding neural nets and collaborative filtering (PyTorch), fed by the shared
TabularProcessor.

Modules: ``base`` (:class:`NetEstimator`, the estimator every net shares: fit, warm
starts, freezing, embedding transfer, persistence), ``estimators``
(:class:`EmbeddingNetRegressor`, :class:`EmbeddingNetClassifier`), ``tabular`` (what those
two share: processor, limits on category levels, embedding widths, the warning about
id-like columns), ``collab`` (:class:`CollabRegressor`), ``module`` and ``collab_module``
(the networks), ``groups`` (layer groups, per-group learning rates, freezing), ``training``
(the index-slicing loop), ``schedule`` (one-cycle and constant rates), ``lr_find``,
``transfer`` (embeddings from another model, matched by label), ``factors`` (reading a
collab model: ``top_biases``), ``device`` (device and precision choice), ``embeddings``
(export and embedding features) and ``checks`` (settings, targets and input frames).
"""
