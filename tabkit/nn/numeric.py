"""Embeddings of the continuous inputs (Gorishniy, Rubachev & Babenko, "On Embeddings for
Numerical Features in Tabular Deep Learning", NeurIPS 2022): each standardised value
becomes a small learned vector instead of entering the first linear layer as one number.

Two kinds: ``"periodic"`` (the paper's PLR: sines and cosines of learned frequencies, a
linear layer and a ReLU) and ``"piecewise"`` (piecewise-linear encoding on quantile bins
of the training rows, then a linear layer). Each feature has its own weights.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

CONT_EMBEDDINGS = (None, "periodic", "piecewise")


class FeatureLinear(nn.Module):
    """One linear map per feature: ``(n_rows, n_features, n_in) -> (n_rows, n_features,
    n_out)``, initialised like :class:`torch.nn.Linear` (uniform within ``1 / sqrt(n_in)``).

    Parameters
    ----------
    n_features, n_in, n_out : int
    """

    def __init__(self, n_features: int, n_in: int, n_out: int):
        super().__init__()
        bound = 1 / math.sqrt(n_in)
        self.weight = nn.Parameter(torch.empty(n_features, n_in, n_out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_features, n_out).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (features, rows, n_in) @ (features, n_in, n_out): one batched product
        return torch.bmm(x.transpose(0, 1), self.weight).transpose(0, 1) + self.bias


class PeriodicEmbedding(nn.Module):
    """The paper's PLR embedding: ``x -> ReLU(Linear([sin(2 pi c x), cos(2 pi c x)]))``
    with ``n_frequencies`` learned frequencies ``c`` per feature, drawn from
    ``N(0, frequency_scale)``.

    Parameters
    ----------
    n_features : int
        Number of continuous inputs.
    dim : int
        Width of each feature's embedding.
    n_frequencies : int
        Frequencies per feature (the encoding is twice as wide).
    frequency_scale : float
        Standard deviation of the initial frequencies, in units of the standardised input.
    """

    def __init__(self, n_features: int, dim: int, n_frequencies: int, frequency_scale: float):
        super().__init__()
        self.frequencies = nn.Parameter(torch.randn(n_features, n_frequencies) * float(frequency_scale))
        self.linear = FeatureLinear(n_features, 2 * n_frequencies, dim)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Sines then cosines, shape ``(n_rows, n_features, 2 * n_frequencies)``."""
        angles = 2 * math.pi * self.frequencies * x.float().unsqueeze(-1)
        return torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.linear(self.encode(x))).flatten(1)


class PiecewiseEmbedding(nn.Module):
    """Piecewise-linear encoding on fixed bins, then one linear layer per feature.

    For a feature with edges ``b_0 < ... < b_T``, component ``t`` is ``clip((x - b_{t-1})
    / (b_t - b_{t-1}), 0, 1)``: 0 below the bin, 1 above it, so a value below ``b_0``
    encodes as zeros and one above ``b_T`` as ones. Features with fewer bins than the
    widest are padded with components that are always 0.

    Parameters
    ----------
    edges : sequence of sequences of float
        The bin edges of each feature, increasing, at least two each.
    dim : int
        Width of each feature's embedding.
    """

    def __init__(self, edges: Sequence[Sequence[float]], dim: int):
        super().__init__()
        n_bins = max(len(feature) - 1 for feature in edges)
        left = np.zeros((len(edges), n_bins), dtype=np.float32)
        width = np.ones((len(edges), n_bins), dtype=np.float32)
        used = np.zeros((len(edges), n_bins), dtype=np.float32)
        for i, feature in enumerate(edges):
            values = np.asarray(feature, dtype=np.float64)
            left[i, : len(values) - 1] = values[:-1]
            width[i, : len(values) - 1] = np.diff(values)
            used[i, : len(values) - 1] = 1.0
        self.register_buffer("left", torch.from_numpy(left))
        self.register_buffer("width", torch.from_numpy(width))
        self.register_buffer("used", torch.from_numpy(used))
        self.linear = FeatureLinear(len(edges), n_bins, dim)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The encoding, shape ``(n_rows, n_features, n_bins)`` (padding components 0)."""
        return ((x.float().unsqueeze(-1) - self.left) / self.width).clamp(0.0, 1.0) * self.used

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.encode(x)).flatten(1)


def quantile_edges(values: np.ndarray, n_bins: int) -> list[list[float]]:
    """Bin edges of each column of ``values``: its quantiles at ``0, 1/n_bins, ..., 1``
    with repeats dropped (a column with few distinct values gets fewer bins; a constant
    column ``v`` gets the one bin ``[v, v + 1]``).

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_features)
        The training rows, as the net sees them (standardised); read a column at a
        time (a memory map is never copied whole).
    n_bins : int

    Returns
    -------
    list of lists of float
    """
    edges = []
    for index in range(values.shape[1]):
        column = np.asarray(values[:, index], dtype=np.float64)
        unique = np.unique(np.quantile(column, np.linspace(0.0, 1.0, n_bins + 1)))
        # float32 (the module's precision) must keep the edges apart too
        unique = np.unique(unique.astype(np.float32)).astype(np.float64)
        edges.append(unique.tolist() if len(unique) > 1 else [float(unique[0]), float(unique[0]) + 1.0])
    return edges


def cont_embedding_module(kind: str | None, n_cont: int, config: dict) -> nn.Module | None:
    """The embedding of ``n_cont`` continuous inputs that ``kind`` names (None: none).

    Parameters
    ----------
    kind : {None, "periodic", "piecewise"}
    n_cont : int
    config : dict
        ``dim``, and ``n_frequencies`` and ``frequency_scale`` (periodic) or ``edges``
        (piecewise).
    """
    if kind is None or not n_cont:
        return None
    if kind == "periodic":
        return PeriodicEmbedding(n_cont, config["dim"], config["n_frequencies"], config["frequency_scale"])
    if kind == "piecewise":
        return PiecewiseEmbedding(config["edges"], config["dim"])
    raise ValueError(f"cont_embedding must be one of {CONT_EMBEDDINGS}, got {kind!r}")
