"""What the entity-embedding nets share beyond :class:`~tabkit.nn.base.NetEstimator`: their
processor (with its limits on category levels), module, embedding widths and the warning
about id-like categorical columns."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from tabkit.nn import checks
from tabkit.nn.base import NetEstimator
from tabkit.nn.encoded import encoded_view
from tabkit.nn.module import EmbeddingNet, emb_size
from tabkit.nn.numeric import quantile_edges
from tabkit.nn.training_rows import EncodedRows
from tabkit.prep.encoded import EncodedView
from tabkit.prep.processor import TabularProcessor, check_level_limits

WIDE_MIN_LEVELS = 1000  # an id-like column has at least this many levels ...
WIDE_LEVELS_PER_ROW = 0.5  # ... and more than this many per training row
# parameters added after models were first saved: a model loaded from before takes these
VARIANT_DEFAULTS = {
    "cont_embedding": None,
    "cont_embedding_dim": 16,
    "n_frequencies": 16,
    "frequency_scale": 0.1,
    "n_bins": 16,
    "n_members": 1,
}


class TabularNet(NetEstimator):
    """The entity-embedding net's module, processor and settings; subclasses add the
    target handling (``_check_target_settings``, ``_n_out``, ``_module_y_range``,
    ``_module_y_offset``, ``_MEMBER_AVERAGE`` and the :class:`~tabkit.nn.base.NetEstimator`
    target steps)."""

    _MEMBER_AVERAGE = "outputs"  # how the members' outputs are averaged (see tabkit.nn.members)

    _ARCHITECTURE = (
        "layers",
        "dropout",
        "emb_dropout",
        "emb_sizes",
        "max_embedding_width",
        "cat_names",
        "cont_names",
        "max_card",
        "max_levels",
        "min_count",
        *VARIANT_DEFAULTS,
    )

    def _check_settings(self) -> None:
        checks.check_layers(self.layers, self.dropout)
        checks.check_rate(self.emb_dropout, "emb_dropout")
        checks.check_positive(self.max_embedding_width, "max_embedding_width", integer=True)
        check_level_limits(self.max_levels, self.min_count)
        checks.check_variants(self)
        self._check_target_settings()

    def _processor(self) -> TabularProcessor:
        return TabularProcessor(
            self.cat_names,
            self.cont_names,
            max_card=self.max_card,
            max_levels=self.max_levels,
            min_count=self.min_count,
        )

    def _check_processor(self, processor: TabularProcessor, n_rows: int) -> None:
        warn_id_like_columns(processor, n_rows)

    def _module_config(self, processor: TabularProcessor) -> dict:
        layers, dropout = checks.check_layers(self.layers, self.dropout)
        sizes = checks.check_emb_sizes(self.emb_sizes, processor.cat_features_)
        cardinalities = [processor.cardinalities_[col] for col in processor.cat_features_]
        widest = int(self.max_embedding_width)
        return {
            "cardinalities": cardinalities,
            "emb_sizes": [
                sizes.get(col, emb_size(n, widest)) for col, n in zip(processor.cat_features_, cardinalities)
            ],
            "n_cont": len(processor.cont_names_),
            "layers": layers,
            "dropout": dropout,
            "emb_dropout": float(self.emb_dropout),
            "n_out": self._n_out(),
            "y_range": self._module_y_range(),
            "y_offset": self._module_y_offset(),
            "cont_embedding": self.cont_embedding,
            "cont_config": {
                "dim": int(self.cont_embedding_dim),
                "n_frequencies": int(self.n_frequencies),
                "frequency_scale": float(self.frequency_scale),
            },
            "n_members": int(self.n_members),
            "average": self._MEMBER_AVERAGE,
        }

    def fit_encoded(
        self,
        processor: TabularProcessor,
        cat: np.ndarray,
        cont: np.ndarray,
        y,
        *,
        X_val: pd.DataFrame | None = None,
        y_val=None,
        metric=None,
    ):
        """Train the net on rows already encoded by a fitted processor, such as
        memory-mapped arrays of a table larger than memory.

        Trains as ``fit(X, y, X_val=X_val, y_val=y_val, metric=metric)`` would when
        ``processor`` is the processor ``fit`` fits on ``X`` and the arrays are
        :func:`tabkit.nn.encoding.encode_rows` of ``X`` (the same history and, on the
        CPU with a fixed ``random_state``, the same predictions). The arrays are never
        copied into memory whole: they are checked first, a chunk at a time, then each
        batch is gathered from them by index (and, on a GPU, copied to it: slower than
        ``fit``, whose rows all sit on the GPU).

        Parameters
        ----------
        processor : TabularProcessor
            Fitted, and made with this net's ``cat_names``, ``cont_names``, ``max_card``,
            ``max_levels`` and ``min_count`` (its ``fill`` is its own). The net keeps a
            copy as ``processor_``.
        cat : ndarray of int64, shape (n_rows, len(processor.cat_features_))
            Category codes, each within the processor's cardinality of its column.
        cont : ndarray of float32, shape (n_rows, len(processor.cont_names_))
            Standardised continuous values, all finite.
        y : array-like of shape (n_rows,)
            Targets, as for ``fit``.
        X_val, y_val, metric
            As for ``fit``: validation rows as a frame, encoded by ``processor``.

        Returns
        -------
        self

        See Also
        --------
        tabkit.nn.encoding.EncodedArrays : writes such arrays a partition at a time.
        """
        return self._train(EncodedRows(processor, cat, cont), y, X_val, y_val, metric, continuing=False)

    def _setup(self, rows, y, X_val, y_val, metric, *, continuing: bool):
        out = super()._setup(rows, y, X_val, y_val, metric, continuing=continuing)
        if not continuing and self.cont_embedding == "piecewise":
            # the bins: quantiles of the training rows as the net sees them (standardised)
            train = out[0]
            edges = quantile_edges(train.continuous(), int(self.n_bins))
            self.module_config_["cont_config"]["edges"] = edges
        return out

    def __setstate__(self, state):
        for name, value in VARIANT_DEFAULTS.items():
            state.setdefault(name, value)
        super().__setstate__(state)

    def _make_module(self, config: dict) -> EmbeddingNet:
        return EmbeddingNet(**config)

    def _embedding_widths(self, processor: TabularProcessor, config: dict) -> dict[str, int]:
        return dict(zip(processor.cat_features_, config["emb_sizes"]))

    def _encoded_view(self, X: pd.DataFrame) -> EncodedView:
        """``X`` encoded once, for permutation importance (see :mod:`tabkit.nn.encoded`)."""
        return encoded_view(self, X)


def warn_id_like_columns(processor: TabularProcessor, n_rows: int) -> None:
    """Warn (``UserWarning``) about each categorical column with at least 1,000 levels and
    more than one level for every two training rows: most of its levels are seen once or
    twice, so their embeddings cannot generalise and the table dwarfs the rest of the net.

    Parameters
    ----------
    processor : TabularProcessor
        The fitted processor (its levels are counted after ``max_levels`` and ``min_count``).
    n_rows : int
        Number of training rows.
    """
    for col in processor.cat_names_:
        n_levels = len(processor.categories_[col])
        if n_levels >= WIDE_MIN_LEVELS and n_levels > WIDE_LEVELS_PER_ROW * n_rows:
            warnings.warn(
                f"categorical column {col!r} has {n_levels} levels in {n_rows} training rows "
                f"({n_levels / n_rows:.2f} per row): an id-like column whose embedding "
                f"({n_levels + 1} rows) can hardly generalise; drop it, or keep its frequent "
                "levels with max_levels or min_count (the rest share the unknown slot), and "
                "narrow its embedding with max_embedding_width or emb_sizes",
                UserWarning,
                stacklevel=5,
            )
