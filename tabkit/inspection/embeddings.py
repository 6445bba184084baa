"""A 2-d map of a learned embedding: its categories on the first two principal components."""

from __future__ import annotations

import numpy as np
import pandas as pd

UNKNOWN = "#na#"


def embedding_map(table: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Principal components of an embedding table, the unknown slot left out.

    Parameters
    ----------
    table : DataFrame
        One row per category (the index holds the labels; ``"#na#"``, the unknown slot
        of tabkit's nets, is dropped), one column per embedding dimension: a value of
        ``net.embeddings_``.

    Returns
    -------
    coords : DataFrame
        Columns ``label``, ``pc1``, ``pc2``: each category's coordinates on the first two
        components of the centred table (``pc2`` is 0 for a 1-dimensional embedding).
        Each component's sign puts its largest coordinate on the positive side.
        ``attrs["variance_explained"]`` repeats the shares below (a parquet file of the
        coordinates keeps them).
    variance_explained : ndarray
        The share of the table's variance along each component, largest first (sums to 1).

    Raises
    ------
    ValueError
        If fewer than two categories remain, a value is not finite, or every category
        has the same embedding.
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a DataFrame (categories x dimensions), got {type(table).__name__}")
    known = table.loc[table.index.astype(str) != UNKNOWN]
    if len(known) < 2 or known.shape[1] == 0:
        raise ValueError(
            f"an embedding map needs at least two categories and one dimension besides "
            f"{UNKNOWN!r}, got a {known.shape[0]} x {known.shape[1]} table"
        )
    values = known.to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        raise ValueError(f"the embedding table has {int((~np.isfinite(values)).sum())} non-finite value(s)")
    centred = values - values.mean(axis=0)
    left, singular, _ = np.linalg.svd(centred, full_matrices=False)
    power = singular**2
    if power.sum() == 0:
        raise ValueError("every category has the same embedding: there is no variance to map")
    coords = left[:, :2] * singular[:2]
    extreme = coords[np.abs(coords).argmax(axis=0), np.arange(coords.shape[1])]
    coords = coords * np.where(extreme < 0, -1.0, 1.0)
    if coords.shape[1] == 1:
        coords = np.column_stack([coords, np.zeros(len(coords))])
    variance = power / power.sum()
    frame = pd.DataFrame({"label": known.index.to_numpy(), "pc1": coords[:, 0], "pc2": coords[:, 1]})
    frame.attrs["variance_explained"] = variance.tolist()
    return frame, variance
