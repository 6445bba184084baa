"""The batch HTML report of a run folder: it reads the folder (:mod:`tabkit.runs`) and draws
(:mod:`tabkit.plots`), never the pipeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tabkit.lazy import lazy_names

_PUBLIC_NAMES = {
    "build_report": "tabkit.report.builder",
    "build_reports": "tabkit.report.builder",
    "ReportError": "tabkit.report.builder",
    "ReportWarning": "tabkit.report.builder",
}
__all__ = sorted(_PUBLIC_NAMES)
__getattr__, __dir__ = lazy_names(__name__, _PUBLIC_NAMES)

if TYPE_CHECKING:
    from tabkit.report.builder import ReportError, ReportWarning, build_report, build_reports
