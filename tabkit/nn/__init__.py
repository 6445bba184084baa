"""Entity-embedding neural nets (PyTorch), fed by the shared TabularProcessor.

Modules: ``module`` (the network), ``training`` (the index-slicing loop), ``schedule``
(one-cycle and constant rates), ``lr_find``, ``device`` (device and precision choice),
``embeddings`` (export and embedding features), ``checks`` (settings and targets) and
``estimators`` (:class:`EmbeddingNetRegressor`, :class:`EmbeddingNetClassifier`).
"""
