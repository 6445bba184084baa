"""Numbers as a reader sees them: three significant digits everywhere, and a model's
log-scale values turned back into the target's units.

A log-target model adds its contributions in log units; ``exp(c) - 1`` is the relative
change that one contribution makes to the prediction, shown as a percentage.
"""

from __future__ import annotations

import math

import numpy as np

from tabkit.metrics import METRICS
from tabkit.prep.target import TargetTransform, target_transform

DIGITS = 3


def sig(value: float, digits: int = DIGITS, *, trim: bool = True) -> str:
    """``value`` rounded to ``digits`` significant digits, trailing zeros dropped (kept
    with ``trim=False``: ``14.0``), with thousands separators and no exponent between
    0.0001 and 1e9 (``5234.6 -> "5,230"``, ``0.10543 -> "0.105"``, ``0.5 -> "0.5"``)."""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    rounded = float(f"{value:.{digits - 1}e}")
    magnitude = math.floor(math.log10(abs(rounded)))
    if magnitude < -4 or magnitude >= 9:
        mantissa, exponent = f"{rounded:.{digits - 1}e}".split("e")
        return f"{_trim(mantissa) if trim else mantissa}e{exponent}"
    text = f"{rounded:,.{max(digits - 1 - magnitude, 0)}f}"
    return _trim(text) if trim else text


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def signed(value: float, digits: int = DIGITS, *, trim: bool = True) -> str:
    """:func:`sig` with a leading ``+`` on positive values."""
    text = sig(value, digits, trim=trim)
    return text if text.startswith("-") or text == "0" else "+" + text


def percent_effect(log_change) -> np.ndarray:
    """The relative change ``100 * (exp(c) - 1)`` that a log-scale change ``c`` makes."""
    return 100.0 * np.expm1(np.asarray(log_change, dtype=np.float64))


def percent(log_change: float, digits: int = DIGITS) -> str:
    """A log-scale change as a signed percentage with ``digits`` significant digits:
    ``0.1 -> "+10.5%"``, ``0.131 -> "+14.0%"``."""
    return signed(float(percent_effect(log_change)), digits, trim=False) + "%"


def transform_of(spec) -> TargetTransform:
    """The :class:`~tabkit.prep.target.TargetTransform` a plot's ``target_transform``
    argument names: None, ``"identity"``, ``"log"`` or a transform."""
    if spec is not None and not isinstance(spec, (str, TargetTransform)):
        raise TypeError(f"target_transform must be None, 'identity', 'log' or a TargetTransform, got {spec!r}")
    return target_transform(spec)


def metric_direction(metric: str, greater_is_better: bool | None) -> bool:
    """``greater_is_better`` as given, or as the tabkit metric ``metric`` declares it."""
    if greater_is_better is not None:
        return bool(greater_is_better)
    if metric not in METRICS:
        raise ValueError(
            f"metric {metric!r} is not a tabkit metric ({', '.join(METRICS)}): "
            "say whether greater is better with greater_is_better="
        )
    return bool(METRICS[metric].greater_is_better)
