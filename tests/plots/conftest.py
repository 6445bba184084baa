"""Headless drawing for the plot tests."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
