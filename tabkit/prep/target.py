"""The target transform: the one place that turns a target into the units a model learns
(``log``) and back.

Nets (``log_target=True``), the pipeline (``[features] log_target``), its scorers and its
blends all use :func:`target_transform`; metrics declare the scale they read through their
``scale`` attribute (see :mod:`tabkit.metrics`), so nothing guesses from a name.
"""

from __future__ import annotations

import numpy as np

TRANSFORMS = ("identity", "log")


class TargetTransform:
    """Map targets between their original units and the units a model learns.

    Parameters
    ----------
    name : {"identity", "log"}
        ``"log"`` learns ``log(y)`` (y must be > 0) and predicts ``exp`` of the output.

    Examples
    --------
    >>> t = TargetTransform("log")
    >>> float(t.inverse(t.forward([100.0]))[0])
    100.0
    """

    def __init__(self, name: str = "identity"):
        if name not in TRANSFORMS:
            raise ValueError(f"target transform must be one of {TRANSFORMS}, got {name!r}")
        self.name = name

    @property
    def is_identity(self) -> bool:
        """Whether the transform changes nothing."""
        return self.name == "identity"

    def check(self, y, what: str = "y") -> np.ndarray:
        """``y`` as float64, refused (with the count of bad rows) when the transform cannot
        take it: a log target needs every value > 0."""
        values = np.asarray(y, dtype=np.float64)
        if self.name == "log":
            bad = ~(values > 0)
            if bad.any():
                raise ValueError(
                    f"a log target needs {what} > 0, but {int(bad.sum())} of {values.size} row(s) have "
                    f"{what} <= 0 or missing (drop them first, as Rossmann drops the Sales == 0 rows)"
                )
        return values

    def forward(self, y) -> np.ndarray:
        """Original units -> model units."""
        if self.name == "log":
            return np.log(np.asarray(y, dtype=np.float64))
        return np.asarray(y)

    def inverse(self, y) -> np.ndarray:
        """Model units -> original units."""
        if self.name == "log":
            return np.exp(np.asarray(y, dtype=np.float64))
        return np.asarray(y)

    def __eq__(self, other) -> bool:
        return isinstance(other, TargetTransform) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"TargetTransform({self.name!r})"


def target_transform(spec) -> TargetTransform:
    """A :class:`TargetTransform` from a name, a ``log_target`` flag or a transform.

    Parameters
    ----------
    spec : TargetTransform, str, bool or None
        ``True`` / ``"log"`` -> log; ``False`` / ``None`` / ``"identity"`` -> identity.
    """
    if isinstance(spec, TargetTransform):
        return spec
    if spec is None or spec is False:
        return TargetTransform("identity")
    if spec is True:
        return TargetTransform("log")
    return TargetTransform(spec)
